package main

import (
	"strings"
	"testing"
)

// --internet needs --lab and a topology with an internet block; it takes
// the block's hosts.
func TestParseInternetFlag(t *testing.T) {
	if in, err := parseInternet("", ""); in != nil || err != nil {
		t.Errorf(`parseInternet("") = %v, %v; want nothing`, in, err)
	}
	for _, c := range []struct{ file, lab, want string }{
		{"testdata/aws-internet.yaml", "", "needs --lab"},
		{"testdata/aws-edge.yaml", "x", "has no internet block"},
		{"testdata/missing.yaml", "x", "no such file"},
	} {
		if _, err := parseInternet(c.file, c.lab); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("parseInternet(%s, %q) = %v; want an error with %q", c.file, c.lab, err, c.want)
		}
	}
	in, err := parseInternet("testdata/aws-internet.yaml", "x")
	if err != nil || len(in.Hosts) != 2 || in.Hosts[0].Name != "web1" {
		t.Fatalf("parseInternet(aws-internet.yaml) = %+v, %v", in, err)
	}
}
