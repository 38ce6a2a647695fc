package main

import (
	"strings"
	"testing"
)

// TestServeAlsoRefuses: cloudmock serve --also names what is wrong before
// anything is made: a provider it does not serve, one given twice, an
// address off loopback, and no lab to share.
func TestServeAlsoRefuses(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--also", "ibm=127.0.0.1:0", "--lab", "x", "--join"}, `--also: provider "ibm": one process serves aws, azure, gcp and oci together`},
		{[]string{"--also", "oci=127.0.0.1:0", "--oci-region", "us-ashburn-9", "--lab", "x", "--join"}, `--oci-region "us-ashburn-9": not one of OCI's regions`},
		{[]string{"--also", "aws=127.0.0.1:0", "--lab", "x", "--join"}, "--also: provider aws given twice"},
		{[]string{"--also", "azure", "--lab", "x", "--join"}, `--also "azure": want PROVIDER=ADDR, as azure=127.0.0.1:0`},
		{[]string{"--also", "azure=10.0.0.1:80", "--lab", "x", "--join"}, "--also azure: listen \"10.0.0.1:80\": cloudmock serves on loopback only"},
		{[]string{"--also", "azure=127.0.0.1:0"}, "--also needs --lab and --join"},
	} {
		_, _, err := run(t, append([]string{"cloudmock", "serve", "--listen", "127.0.0.1:0"}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("serve %v: %v; want an error with %q", c.args, err, c.want)
		}
	}
}
