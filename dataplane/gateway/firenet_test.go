package gateway

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/dataplane/firenet"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/dataplane/policy"
)

func fireNetConfig() *firenet.Config {
	return &firenet.Config{
		Firewalls: []firenet.Firewall{
			{Name: "fw1", Addr: netip.MustParseAddr("169.254.10.2"), Link: "fw1"},
			{Name: "fw2", Addr: netip.MustParseAddr("169.254.20.2"), Link: "fw2"},
		},
		Domains: []firenet.Domain{
			{Name: "prod", Prefixes: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}},
			{Name: "shared", Prefixes: []netip.Prefix{netip.MustParsePrefix("10.2.0.0/16")}},
		},
		Pairs: []firenet.Pair{{A: "prod", B: "shared"}},
	}
}

// TestFireNetComponent: a Config with a FireNet installs its steering
// table and the firewalls' routes beside the gateway's own tables, and
// Status reports the firewalls; a changed FireNet is applied in place, an
// invalid one is refused, and a Config without it removes both.
func TestFireNetComponent(t *testing.T) {
	e, f := startFake(t)
	ctx := context.Background()
	c := testConfig()
	c.FireNet = fireNetConfig()
	if err := e.Apply(ctx, c); err != nil {
		t.Fatal(err)
	}
	fnTable := policy.Table{Name: firenet.TableName}
	got, _ := policy.Dump(f.fwNFT, fnTable)
	if !strings.Contains(got, "jump pair-prod-shared-4-back") || !strings.Contains(f.fwRoutes.String(), "lookup 4602") {
		t.Errorf("steering:\n%s\nroutes:\n%s", got, f.fwRoutes.String())
	}
	if seg, _ := policy.Dump(f.nft, mssTable); seg == "" {
		t.Error("the gateway's own table went")
	}
	st, err := e.Status(ctx)
	if err != nil || st.FireNet == nil || len(st.FireNet.Firewalls) != 2 || !st.FireNet.Firewalls[0].Healthy {
		t.Errorf("status = %+v, %v", st.FireNet, err)
	}
	c.FireNet = fireNetConfig()
	c.FireNet.Hash = firenet.TwoTuple
	if err := e.Apply(ctx, c); err != nil {
		t.Fatal(err)
	}
	if got, _ := policy.Dump(f.fwNFT, fnTable); strings.Contains(got, "sport") {
		t.Errorf("2-tuple not applied:\n%s", got)
	}
	if e.Config().FireNet.Hash != firenet.TwoTuple {
		t.Errorf("Config().FireNet = %+v", e.Config().FireNet)
	}
	bad := testConfig()
	bad.FireNet = fireNetConfig()
	bad.FireNet.Pairs = []firenet.Pair{{A: "prod", B: "nope"}}
	if err := e.Apply(ctx, bad); !errors.Is(err, ErrInvalid) {
		t.Errorf("Apply(bad) = %v, want ErrInvalid", err)
	}
	if err := e.Apply(ctx, testConfig()); err != nil {
		t.Fatal(err)
	}
	if got, _ := policy.Dump(f.fwNFT, fnTable); got != "" || f.fwRoutes.String() != "" {
		t.Errorf("after dropping FireNet: table %q routes %q", got, f.fwRoutes.String())
	}
	if st, _ := e.Status(ctx); st.FireNet != nil {
		t.Errorf("status still has FireNet: %+v", st.FireNet)
	}
}

// TestFireNetOnTheWire: the management API carries FireNet's config (an
// unknown hash refused) and its status.
func TestFireNetOnTheWire(t *testing.T) {
	w := ToWire(testConfig())
	w.FireNet = &mgmt.FireNet{Firewalls: []mgmt.Firewall{{Name: "fw1", Address: netip.MustParseAddr("169.254.10.2"), Link: "fw1"}}, Hash: "3-tuple"}
	if _, err := FromWire(w); err == nil || !strings.Contains(err.Error(), `hash "3-tuple"`) {
		t.Errorf("FromWire(3-tuple) = %v", err)
	}
	e, _ := startFake(t)
	c := testConfig()
	c.FireNet = fireNetConfig()
	if err := e.Apply(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	st, err := Backend{E: e}.Status(context.Background())
	if err != nil || st.FireNet == nil || st.FireNet.Hash != "5-tuple" || len(st.FireNet.Firewalls) != 2 || !st.FireNet.Firewalls[1].Healthy {
		t.Errorf("wire status = %+v, %v", st.FireNet, err)
	}
}
