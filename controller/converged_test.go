package controller

import (
	"testing"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/gwcfg"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/topologies"
)

// planOf compiles a topology given as YAML.
func planOf(t *testing.T, src string) *intent.Plan {
	t.Helper()
	return compileTopology(t, "t.yaml", []byte(src))
}

// planFile compiles the topology file path.
func planFile(t *testing.T, path string) *intent.Plan {
	t.Helper()
	data, err := topologies.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return compileTopology(t, path, data)
}

// compileTopology parses the topology data (file names it) and compiles
// it.
func compileTopology(t *testing.T, file string, data []byte) *intent.Plan {
	t.Helper()
	top, err := topologies.Parse(file, data)
	if err != nil {
		t.Fatal(err)
	}
	p, err := intent.Compile(top)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A transit with no spoke, no peering and no site has no BGP session to
// wait for: once configured it is converged (issue 22: such a lab waited
// until its deploy timed out).
func TestConvergedTransitWithoutSessions(t *testing.T) {
	p := planOf(t, `name: lone
version: 1
accounts: {a: {provider: aws}}
vpcs:
  tv: {account: a, region: us-east-1, cidr: 10.10.0.0/16, subnets: {gw: 10.10.0.0/24}}
transits:
  tr: {vpc: tv, subnet: gw, asn: 65000, ha: true}
`)
	c := New(p, Options{Providers: map[string]cloud.Provider{"a": &fakeProvider{}}})
	c.mu.Lock()
	defer c.mu.Unlock()
	c.applied = true
	for _, g := range p.Gateways {
		if p.HasSessions(g.Key) {
			t.Errorf("gateway %s has sessions to wait for", g.Key)
		}
		c.status[g.Key], c.pushed[g.Key] = mgmt.Status{}, mgmt.Config{}
	}
	if !c.convergedLocked() {
		t.Fatal("a configured transit without spokes or sites is not converged")
	}
	delete(c.pushed, "tr-2")
	if c.convergedLocked() {
		t.Error("converged before tr-2 was configured")
	}
}

// A gateway that has sessions to make is not converged while it reports
// none.
func TestConvergedWaitsForSessionsToExist(t *testing.T) {
	p := demoPlan(t)
	c := New(p, Options{Providers: map[string]cloud.Provider{"aws-lab": &fakeProvider{}}})
	c.mu.Lock()
	defer c.mu.Unlock()
	c.applied = true
	for _, g := range p.Gateways {
		c.status[g.Key], c.pushed[g.Key] = mgmt.Status{}, mgmt.Config{}
	}
	if c.convergedLocked() {
		t.Fatal("converged with no session made")
	}
}

// A spoke gateway's BGP session with a site2cloud site (S2CNeighbor)
// goes over the IPsec tunnel, which the lab brings up once the cloud has
// converged: convergence, what it waits for and the gateway's readiness
// to take its VPC's traffic back do not wait for it; its other sessions
// still count.
func TestConvergedLeavesS2CSessions(t *testing.T) {
	p := planFile(t, "../cmd/mcnlab/testdata/s2c-cloud-bgp.yaml")
	c := New(p, Options{Providers: map[string]cloud.Provider{"aws-lab": &fakeProvider{}}})
	c.mu.Lock()
	defer c.mu.Unlock()
	c.applied = true
	for _, g := range p.Gateways {
		st := mgmt.Status{}
		for _, r := range p.SessionsOf(g.Key) {
			st.Tunnels = append(st.Tunnels, mgmt.Tunnel{Peer: r.Name, State: mgmt.TunnelUp})
			st.Sessions = append(st.Sessions, mgmt.Session{Name: r.Name, State: "established"})
		}
		if g.Group == "app" {
			st.Sessions = append(st.Sessions, mgmt.Session{Name: gwcfg.S2CNeighbor(0), State: "active"})
		}
		c.status[g.Key], c.pushed[g.Key] = st, mgmt.Config{}
	}
	if !c.convergedLocked() || len(c.waitingLocked()) != 0 {
		t.Fatalf("not converged while only the site2cloud sessions are down: waiting for %v", c.waitingLocked())
	}
	if !c.readyLocked("app-1", nil, nil) {
		t.Error("app-1 is not ready while only its site2cloud session is down")
	}
	st := c.status["app-1"]
	st.Sessions[0].State = "active"
	c.status["app-1"] = st
	if c.convergedLocked() || c.readyLocked("app-1", nil, nil) {
		t.Error("converged, or app-1 ready, with its session to the transit down")
	}
}
