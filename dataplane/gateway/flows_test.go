package gateway

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/dataplane/flowexport"
)

// TestApplyFlowExport: a Config with a flow export starts one, which
// names domains by the export's own list while the gateway holds no
// segmentation and by the segmentation once it does (without a restart);
// an unchanged export is left alone, a changed one restarted, a removed
// one and Close stop it.
func TestApplyFlowExport(t *testing.T) {
	f := newFakeSys()
	e, err := newEngine(Options{Logger: discard()}, f.sys())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	pfx := netip.MustParsePrefix
	c := testConfig()
	c.FlowExport = &FlowExport{Config: flowexport.Config{Collector: netip.MustParseAddrPort("127.0.0.1:4739"), DomainID: 7},
		Domains: []Domain{{Name: "prod", Prefixes: []netip.Prefix{pfx("10.1.0.0/16")}}}}
	step := func(name string, c Config, want ...string) {
		t.Helper()
		f.take()
		if err := e.Apply(ctx, c); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var got []string
		for _, call := range f.take() {
			if len(call) > 6 && call[:6] == "flows " {
				got = append(got, call)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: flow export calls %q, want %q", name, got, want)
		}
	}
	step("start", c, "flows start: 127.0.0.1:4739 every 0s domain 7")
	if got := f.exporter.name("10.1.2.3"); got != "prod" {
		t.Errorf("without segmentation 10.1.2.3 is named %q, want prod (the export's domains)", got)
	}
	step("unchanged", c)
	c.Segmentation = &Segmentation{Domains: []Domain{{Name: "dev", Prefixes: []netip.Prefix{pfx("10.2.0.0/16")}},
		{Name: "shared", Prefixes: []netip.Prefix{pfx("10.1.0.0/16")}}}}
	step("segmentation", c, "flows set domains")
	if a, b := f.exporter.name("10.1.2.3"), f.exporter.name("10.2.0.1"); a != "shared" || b != "dev" {
		t.Errorf("with segmentation: %q and %q, want shared and dev", a, b)
	}
	c.FlowExport.DomainID = 8
	step("changed", c, "flows close", "flows start: 127.0.0.1:4739 every 0s domain 8")
	if got := ToWire(e.Config()).FlowExport; got == nil || got.DomainID != 8 || len(got.Domains) != 1 {
		t.Errorf("config in place: flow_export %+v", got)
	}
	c.FlowExport = nil
	step("removed", c, "flows close")
	c.FlowExport = &FlowExport{Config: flowexport.Config{Collector: netip.MustParseAddrPort("127.0.0.1:4739")}}
	step("again", c, "flows start: 127.0.0.1:4739 every 0s domain 0")
	f.take()
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(f.take(), "flows close") {
		t.Error("Close left the flow export running")
	}
}

// TestFlowExportValidate: a collector without a port, or export domains
// that overlap, are refused naming the field.
func TestFlowExportValidate(t *testing.T) {
	for _, tc := range []struct {
		fe   FlowExport
		want string
	}{
		{FlowExport{Config: flowexport.Config{Collector: netip.MustParseAddrPort("127.0.0.1:0")}}, `flow_export: collector "127.0.0.1:0" is no address and port`},
		{FlowExport{Config: flowexport.Config{Collector: netip.MustParseAddrPort("127.0.0.1:4739")}, Domains: []Domain{
			{Name: "a", Prefixes: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}},
			{Name: "b", Prefixes: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}}}},
			`flow_export: domain "b" prefix 10.1.0.0/16 overlaps domain "a" prefix 10.0.0.0/8`},
	} {
		c := testConfig()
		c.FlowExport = &tc.fe
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate = %v, want %q", err, tc.want)
		}
	}
}
