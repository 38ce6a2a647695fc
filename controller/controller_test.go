package controller

import (
	"context"
	"maps"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/topologies"
)

// fakeProvider records SyncRoutes and holds the route tables it set.
type fakeProvider struct {
	mu     sync.Mutex
	tables map[string]map[netip.Prefix]string
	syncs  int
}

func (f *fakeProvider) Plan(context.Context, cloud.Desired) ([]cloud.Call, error) { return nil, nil }
func (f *fakeProvider) Apply(context.Context, cloud.Desired) (cloud.Inventory, []cloud.Call, error) {
	return cloud.Inventory{}, nil, nil
}
func (f *fakeProvider) Observe(context.Context) (cloud.Inventory, error) {
	return cloud.NewInventory(), nil
}
func (f *fakeProvider) Capabilities() cloud.Capabilities { return cloud.Capabilities{} }
func (f *fakeProvider) Close() error                     { return nil }
func (f *fakeProvider) SyncRoutes(_ context.Context, subnet string, want map[netip.Prefix]string) ([]cloud.Call, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.syncs++
	cp := map[netip.Prefix]string{}
	for k, v := range want {
		cp[k] = v
	}
	f.tables[subnet] = cp
	return nil, nil
}

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }

// demoPlan compiles the demo topology.
func demoPlan(t *testing.T) *intent.Plan {
	t.Helper()
	return planFile(t, "../topologies/aws-transit.yaml")
}

// spokeStatus is a spoke gateway's status with its tunnels up or down and
// the given routes learned.
func spokeStatus(up bool, routes ...string) mgmt.Status {
	st := mgmt.Status{Tunnels: []mgmt.Tunnel{{Peer: "t0", State: mgmt.TunnelDown}}}
	if up {
		st.Tunnels[0].State = mgmt.TunnelUp
	}
	for _, r := range routes {
		st.Routes = append(st.Routes, mgmt.Route{Prefix: pfx(r), NextHops: []netip.Addr{netip.MustParseAddr("169.254.0.1")}})
	}
	return st
}

// The spoke route tables, the gateways' subnet's too, hold what the
// spoke's active gateway learned, except its own VPC; the HA gateway
// takes over when the first one's
// tunnels are down; a withdrawn route leaves; nothing is called when
// nothing changed.
func TestSyncRoutesFollowsActiveGateway(t *testing.T) {
	p := demoPlan(t)
	f := &fakeProvider{tables: map[string]map[netip.Prefix]string{}}
	c := New(p, Options{Providers: map[string]cloud.Provider{"aws-lab": f}})
	ctx := context.Background()
	set := func(k string, st mgmt.Status) {
		c.mu.Lock()
		c.status[k] = st
		c.mu.Unlock()
	}
	set("prod-1", spokeStatus(true, "10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16", "10.100.0.0/24"))
	set("prod-2", spokeStatus(true, "10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16", "10.100.0.0/24"))
	if err := c.syncRoutes(ctx); err != nil {
		t.Fatal(err)
	}
	got := f.tables["prod-vpc/app"]
	want := map[netip.Prefix]string{pfx("10.2.0.0/16"): "prod-1", pfx("10.3.0.0/16"): "prod-1", pfx("10.100.0.0/24"): "prod-1"}
	if !maps.Equal(got, want) {
		t.Errorf("prod's app table %v, want %v", got, want)
	}
	// The gateways' own subnet too (issue 22: a workload there lost
	// every packet both ways).
	if got := f.tables["prod-vpc/gw"]; !maps.Equal(got, want) {
		t.Errorf("prod's gateway subnet table %v, want %v", got, want)
	}
	n := f.syncs
	if err := c.syncRoutes(ctx); err != nil || f.syncs != n {
		t.Errorf("unchanged routes: %d more SyncRoutes calls (%v), want none", f.syncs-n, err)
	}

	set("prod-1", spokeStatus(false, "10.1.0.0/16"))
	c.syncRoutes(ctx)
	if got := f.tables["prod-vpc/app"]; got[pfx("10.2.0.0/16")] != "prod-2" || len(got) != 3 {
		t.Errorf("prod-1 down: table %v, want every route via prod-2", got)
	}

	set("prod-2", spokeStatus(true, "10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16"))
	c.syncRoutes(ctx)
	if _, ok := f.tables["prod-vpc/app"][pfx("10.100.0.0/24")]; ok {
		t.Errorf("withdrawn 10.100.0.0/24 still in prod's table")
	}
}

// After a failover, the route tables go back to the first gateway only
// once it can forward: tunnels up is not enough while its BGP sessions are
// not established or it has not heard the routes yet (a restarted gateway
// has its tunnels up a moment before that; traffic moved back then was
// lost for seconds).
func TestFailbackWaitsForReadyGateway(t *testing.T) {
	p := demoPlan(t)
	f := &fakeProvider{tables: map[string]map[netip.Prefix]string{}}
	c := New(p, Options{Providers: map[string]cloud.Provider{"aws-lab": f}})
	ctx := context.Background()
	set := func(k string, st mgmt.Status) {
		c.mu.Lock()
		c.status[k] = st
		c.mu.Unlock()
	}
	all := []string{"10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16", "10.100.0.0/24"}
	via := func() string {
		t.Helper()
		if err := c.syncRoutes(ctx); err != nil {
			t.Fatal(err)
		}
		return f.tables["prod-vpc/app"][pfx("10.3.0.0/16")]
	}
	set("prod-1", spokeStatus(true, all...))
	set("prod-2", spokeStatus(true, all...))
	if g := via(); g != "prod-1" {
		t.Fatalf("both up: via %s, want prod-1", g)
	}
	set("prod-1", spokeStatus(false))
	if g := via(); g != "prod-2" {
		t.Fatalf("prod-1 down: via %s, want prod-2", g)
	}
	// Back, tunnels up, nothing learned yet.
	set("prod-1", spokeStatus(true, "10.1.0.0/16"))
	if g := via(); g != "prod-2" {
		t.Errorf("prod-1 back without routes: via %s, want prod-2 still", g)
	}
	// Routes heard, but a session not established.
	st := spokeStatus(true, all...)
	st.Sessions = []mgmt.Session{{Name: "t0", State: "active"}}
	set("prod-1", st)
	if g := via(); g != "prod-2" {
		t.Errorf("prod-1 with a session not established: via %s, want prod-2 still", g)
	}
	st.Sessions[0].State = "established"
	set("prod-1", st)
	if g := via(); g != "prod-1" {
		t.Errorf("prod-1 ready: via %s, want prod-1 again", g)
	}
}

// The lab is converged only once every session is up and each transit
// gateway has heard all of a site's advertised prefixes over its session to
// the site, pending approval or not.
func TestConvergedWaitsForSiteRoutes(t *testing.T) {
	p := demoPlan(t)
	c := New(p, Options{Providers: map[string]cloud.Provider{"aws-lab": &fakeProvider{}}})
	site := p.Topology.Cloud.Sites[0]
	c.mu.Lock()
	defer c.mu.Unlock()
	c.applied = true
	for _, g := range p.Gateways {
		st := mgmt.Status{Sessions: []mgmt.Session{{Name: "peer", State: "established"}}}
		if g.Role == intent.RoleTransit {
			st.Sessions = append(st.Sessions, mgmt.Session{Name: p.SiteNeighbor(site.Name), State: "established", Received: uint64(len(site.Advertise))})
		}
		c.status[g.Key], c.pushed[g.Key] = st, mgmt.Config{}
	}
	if !c.convergedLocked() {
		t.Fatal("not converged with every session up and every site prefix heard")
	}
	st := c.status["transit-2"]
	st.Sessions[1].Received = uint64(len(site.Advertise) - 1)
	c.status["transit-2"] = st
	if c.convergedLocked() {
		t.Errorf("converged although transit-2 has heard %d of %s's %d prefixes", len(site.Advertise)-1, site.Name, len(site.Advertise))
	}
	st.Sessions[1].Received = uint64(len(site.Advertise))
	st.Sessions[0].State = "active"
	c.status["transit-2"] = st
	if c.convergedLocked() {
		t.Error("converged with a session down")
	}
}

// A learned route inside a spoke VPC's own range never enters that VPC's
// route tables, whether the transit accepted it by approval or under auto
// approval: shared's gateway has learned 10.3.1.0/24 (shared-web's
// subnet) from on-prem, and shared's app table keeps only the routes
// elsewhere; a covering route (the default route) stays, as the local
// route still wins for the VPC's own range. Another VPC's table is not
// concerned: for prod, 10.3.1.0/24 is elsewhere.
func TestSyncRoutesNeverInsideOwnVPC(t *testing.T) {
	for _, mode := range []topologies.ApprovalMode{topologies.ApprovalManual, topologies.ApprovalAuto} {
		t.Run(string(mode), func(t *testing.T) {
			p := demoPlan(t)
			p.Topology.Cloud.Transits[0].Approval.Mode = mode
			f := &fakeProvider{tables: map[string]map[netip.Prefix]string{}}
			c := New(p, Options{Providers: map[string]cloud.Provider{"aws-lab": f}})
			fib := []string{"10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16", "10.100.0.0/24", "10.3.1.0/24", "10.3.1.128/25", "0.0.0.0/0"}
			c.mu.Lock()
			for _, k := range []string{"shared-1", "shared-2", "prod-1", "prod-2"} {
				c.status[k] = spokeStatus(true, fib...)
			}
			c.mu.Unlock()
			if err := c.syncRoutes(context.Background()); err != nil {
				t.Fatal(err)
			}
			want := map[netip.Prefix]string{pfx("10.1.0.0/16"): "shared-1", pfx("10.2.0.0/16"): "shared-1",
				pfx("10.100.0.0/24"): "shared-1", pfx("0.0.0.0/0"): "shared-1"}
			if got := f.tables["shared-vpc/app"]; !maps.Equal(got, want) {
				t.Errorf("shared's app table %v, want %v: nothing inside 10.3.0.0/16", got, want)
			}
			if got := f.tables["prod-vpc/app"]; got[pfx("10.3.1.0/24")] != "prod-1" || got[pfx("10.1.0.0/16")] != "" {
				t.Errorf("prod's app table %v: want 10.3.1.0/24 via prod-1 and nothing inside 10.1.0.0/16", got)
			}
			for sub, tbl := range f.tables {
				vpc, _, _ := strings.Cut(sub, "/")
				for _, v := range p.Topology.Cloud.VPCs {
					for pr := range tbl {
						if v.Name == vpc && intent.InsideVPC(pr, v.CIDR) {
							t.Errorf("route table %s holds %s, inside its VPC's %s", sub, pr, v.CIDR)
						}
					}
				}
			}
		})
	}
}
