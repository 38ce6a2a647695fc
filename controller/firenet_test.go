package controller

import (
	"context"
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/dataplane/firewall"
	"github.com/mcnlab/mcnlab/dataplane/fwmgmt"
	"github.com/mcnlab/mcnlab/dataplane/l7proxy"
	"github.com/mcnlab/mcnlab/topologies"
)

// fakeFirewall is a firewall engine that keeps its policy.
type fakeFirewall struct{}

func (fakeFirewall) Apply(firewall.Config) error            { return nil }
func (fakeFirewall) Counters() (firewall.Counts, error)     { return firewall.Counts{}, nil }
func (fakeFirewall) Flows() ([]firewall.Flow, error)        { return nil, nil }
func (fakeFirewall) Decisions() ([]l7proxy.Decision, error) { return nil, nil }
func (d fwDialer) DialFirewall(id string) (*fwmgmt.Client, error) {
	return fwmgmt.NewClient(d[id]), nil
}

// fwDialer maps instance IDs to socket paths.
type fwDialer map[string]string

// FireNet: the transit subnet's route table sends the inspected domains'
// prefixes to the transit's active gateway, and each firewall gets its
// transit's rules once (again only when it holds another policy, as a
// restarted one does).
func TestFireNetRoutesAndPolicies(t *testing.T) {
	top, err := topologies.Load("../topologies/testdata/good/firenet.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := intent.Compile(top)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	d := fwDialer{}
	backends := map[string]*fwmgmt.Backend{}
	for _, k := range []string{"fw1", "fw2"} {
		d["i-"+k] = filepath.Join(dir, k+".sock")
		backends[k] = fwmgmt.NewBackend(k, fakeFirewall{})
		srv, err := fwmgmt.Listen(d["i-"+k], backends[k], nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close() })
	}
	f := &fakeProvider{tables: map[string]map[netip.Prefix]string{}}
	c := New(p, Options{Providers: map[string]cloud.Provider{"aws-lab": f}, Firewalls: d})
	defer c.Close()
	c.inv.Instances = map[string]cloud.InstanceInfo{"fw1": {ID: "i-fw1"}, "fw2": {ID: "i-fw2"}}
	ctx := context.Background()
	if err := c.syncFireNetRoutes(ctx); err != nil {
		t.Fatal(err)
	}
	got := f.tables["transit-vpc/gw"]
	if len(got) != 2 || got[pfx("10.1.0.0/16")] != "transit-1" || got[pfx("10.3.0.0/16")] != "transit-1" {
		t.Errorf("transit subnet's routes %v", got)
	}
	if err := c.pushFirewalls(ctx); err != nil {
		t.Fatal(err)
	}
	for k, b := range backends {
		if cfg := b.Config(); len(cfg.Rules) != 4 || cfg.Rules[0].DstPort != 22 || cfg.EngineName != "l7" || cfg.Rules[2].Path != "/admin*" {
			t.Errorf("%s holds %+v", k, cfg)
		}
	}
	// A restarted firewall holds allow-all: it gets the policy again.
	if _, err := backends["fw2"].Apply(fwmgmt.Config{}); err != nil {
		t.Fatal(err)
	}
	if err := c.pushFirewalls(ctx); err != nil {
		t.Fatal(err)
	}
	if cfg := backends["fw2"].Config(); len(cfg.Rules) != 4 {
		t.Errorf("fw2 was not configured again: %+v", cfg)
	}
}
