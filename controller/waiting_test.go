package controller

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
)

// What a lab waits for names the gateways, sessions, peers and states
// (issue 22: a stalled deploy only repeated "20 of 22 BGP sessions
// established"): the cloud's apply failing, a session not established
// between which nodes and in which state, a session not made yet, a site's
// prefixes not all heard, a tunnel down, a route table that cannot be
// programmed; nothing once everything is in place.
func TestWaitingNamesWhatIsMissing(t *testing.T) {
	p := demoPlan(t)
	c := New(p, Options{Providers: map[string]cloud.Provider{"aws-lab": &fakeProvider{}}})
	c.mu.Lock()
	defer c.mu.Unlock()
	c.applyErr = errors.New("AddressLimitExceeded: The maximum number of addresses has been reached.")
	if w := c.waitingLocked(); len(w) == 0 || !strings.Contains(w[0], "cloud: building the intent fails (retrying every second): AddressLimitExceeded") {
		t.Fatalf("apply failing: waiting %q", w)
	}
	c.applied = true
	site := p.Topology.Cloud.Sites[0]
	// Every gateway configured with every session it is to have, up.
	for _, g := range p.Gateways {
		st := mgmt.Status{}
		for _, r := range p.SessionsOf(g.Key) {
			s := mgmt.Session{Name: r.Name, State: "established"}
			if p.SiteOfSession(r.Name) != nil {
				s.Received = uint64(len(site.Advertise))
			}
			st.Sessions = append(st.Sessions, s)
			if r.Over == "tunnel" {
				st.Tunnels = append(st.Tunnels, mgmt.Tunnel{Peer: r.Name, State: mgmt.TunnelUp})
			}
		}
		c.status[g.Key], c.pushed[g.Key] = st, mgmt.Config{}
	}
	if w := c.waitingLocked(); len(w) != 0 {
		t.Fatalf("everything up, yet waiting for %q", w)
	}
	if !c.convergedLocked() {
		t.Fatal("everything up, yet not converged")
	}

	st := c.status["transit-1"]
	for i, s := range st.Sessions {
		switch {
		case s.Name == p.SiteNeighbor("dc1"):
			st.Sessions[i].State, st.Sessions[i].Address, st.Sessions[i].ASN = "active", netip.MustParseAddr("169.254.240.2"), 65100
		case i == 0:
			st.Tunnels[0].State = mgmt.TunnelDown
		}
	}
	st.Sessions = st.Sessions[1:] // its first session is not made
	c.status["transit-1"] = st
	st2 := c.status["transit-2"]
	for i, s := range st2.Sessions {
		if s.Name == p.SiteNeighbor("dc1") {
			st2.Sessions[i].Received = 1
		}
	}
	c.status["transit-2"] = st2
	delete(c.status, "prod-2")
	c.statusErr["prod-2"] = errors.New("dial unix: no such file")
	delete(c.pushed, "dev-1")
	c.syncErr["shared-vpc/app"] = errors.New("cannot set the routes to 10.100.0.0/24 via shared-1: RouteLimitExceeded")
	got := strings.Join(c.waitingLocked(), "\n")
	first := p.SessionsOf("transit-1")[0]
	for _, want := range []string{
		"gateway transit-1 (transit transit): BGP session s0 to dc1 (169.254.240.2, AS 65100) is active, not established",
		"gateway transit-1 (transit transit): no BGP session " + first.Name + " to " + first.Peer + " over its tunnel yet",
		"gateway transit-1 (transit transit): tunnel " + first.Name + " to " + first.Peer + " is down",
		"gateway transit-2 (transit transit): has heard 1 of the 2 prefixes site dc1 advertises (10.100.0.0/24, 10.101.0.0/24) over session s0",
		"gateway prod-2 (spoke prod): not answering: dial unix: no such file",
		"gateway dev-1 (spoke dev): not configured yet",
		"route table of subnet shared-vpc/app: cannot set the routes to 10.100.0.0/24 via shared-1: RouteLimitExceeded",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("waiting lacks %q:\n%s", want, got)
		}
	}
	if c.convergedLocked() {
		t.Error("converged while waiting")
	}
}
