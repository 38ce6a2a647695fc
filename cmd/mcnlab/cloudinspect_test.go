package main

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/controller/api"
)

// inspect prints each domain beside its own members and prefixes, and
// says so when there is no connection policy instead of printing an empty
// one (issue 22).
func TestPrintSegmentation(t *testing.T) {
	seg := api.Segmentation{Domains: []api.Domain{
		{Name: "dev", Members: []string{"dev"}, Prefixes: []netip.Prefix{netip.MustParsePrefix("10.2.0.0/16")}},
		{Name: "prod", Members: []string{"prod", "dc1"}, Prefixes: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}},
	}}
	var b bytes.Buffer
	printSegmentation(&b, seg)
	out := b.String()
	for _, want := range []string{"dev\tdev\t10.2.0.0/16\n", "prod\tprod, dc1\t10.1.0.0/16\n", "connection policy: none;"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "policy: ;") {
		t.Errorf("empty connection policy printed:\n%s", out)
	}
	seg.Connections = [][2]string{{"dev", "prod"}}
	b.Reset()
	printSegmentation(&b, seg)
	if !strings.Contains(b.String(), "connection policy: dev <-> prod;") {
		t.Errorf("connection missing:\n%s", b.String())
	}
}
