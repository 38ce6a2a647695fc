package differential

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/topologies"
)

// The model side of the FlightPath differential run: no root, thousands
// of drawn topologies.
var (
	modelSeed  = flag.Uint64("flightpath.model.seed", 1607, "seed of the FlightPath model run")
	modelCases = flag.Int("flightpath.model.n", 1600, "cases of the FlightPath model run")
)

var tcp5432 = intent.Flow{Protocol: cloud.ProtocolTCP, Port: 5432}

// TestFlightPathModel draws thousands of topologies, on AWS, Azure, GCP,
// OCI and across them in turn (GenerateOn, Clouds), and checks, for every
// ordered pair and for ICMP and TCP, that simulate's answer (Expect, over
// the intent) equals FlightPath's over the cloud as the controller
// programs it (DesiredView: security groups, route tables with learned
// routes, default network ACLs), that every path keeps the engine's
// invariants (a verdict, one blocking step, the last one, named with its
// reason; a reachable path runs from the source to the destination), and
// that changes to the view move the verdict as the rules say: a deny
// entry in a crossed ACL blocks there (on the reply's way back for an
// inbound one), a route to the internet gateway blocks at the route
// table, a security group emptied blocks at the destination, allowing
// everything blocks nothing that passed, a pending approval names its
// prefix until approved, and on Azure and GCP (whose ends DesiredView
// gives NSGs and firewall rules, with priorities and denies, in place of
// security groups and ACLs) an inserted deny blocks by its priority
// (denyNSG). Needs no root.
func TestFlightPathModel(t *testing.T) {
	seed := *modelSeed
	t.Logf("FlightPath model run: seed %d, %d cases (reproduce: go test -run TestFlightPathModel -flightpath.model.seed=%d; another seed to try: %d)",
		seed, *modelCases, seed, rand.Uint64()%100000)
	traces, byCloud := 0, map[string]int{}
	for i := range *modelCases {
		cl := Clouds[i%len(Clouds)]
		c := GenerateOn(seed, i, "model", cl)
		top, err := topologies.Parse("case.yaml", c.YAML)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		cp, err := intent.Compile(top)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		m := &model{t: t, p: cp, r: rand.New(rand.NewPCG(seed, uint64(i))), label: fmt.Sprintf("case %d of seed %d on %s (%s)", i, seed, cl, c.Drawn)}
		m.approved, m.addr = approvals(top, c.Approve), addresses(cp)
		m.pairs()
		m.mutations()
		m.approvals(top)
		traces += m.traces
		byCloud[cl]++
		if t.Failed() {
			t.Fatalf("%s failed; its topology:\n%s", m.label, c.YAML)
		}
	}
	t.Logf("seed %d: %d cases (%v), %d paths traced", seed, *modelCases, byCloud, traces)
}

// model checks one drawn topology.
type model struct {
	t        *testing.T
	p        *intent.Plan
	r        *rand.Rand
	label    string
	approved map[string][]topologies.ApprovedRoute
	addr     map[string]netip.Addr
	traces   int
}

func (m *model) trace(a, b string, f intent.Flow, v *intent.View) intent.Path {
	m.traces++
	p := m.p.Trace(a, b, f, v)
	m.shape(p)
	return p
}

// approvals are a case's run-time approvals by the site's transit.
func approvals(top *topologies.Topology, as []Approval) map[string][]topologies.ApprovedRoute {
	out := map[string][]topologies.ApprovedRoute{}
	for _, a := range as {
		for _, s := range top.Cloud.Sites {
			if s.Name == a.Site {
				out[s.Connection.Transit] = append(out[s.Connection.Transit], topologies.ApprovedRoute{Site: a.Site, Prefix: a.Prefix})
			}
		}
	}
	return out
}

// addresses gives each workload without a fixed address one of its
// subnet's, as the cloud would.
func addresses(p *intent.Plan) map[string]netip.Addr {
	out := map[string]netip.Addr{}
	used := map[netip.Addr]bool{}
	for _, e := range p.Endpoints {
		used[e.Address] = true
	}
	for _, e := range p.Endpoints {
		if e.VPC == "" || e.Address.IsValid() {
			continue
		}
		a := e.Subnet.Addr().Next().Next().Next().Next()
		for used[a] && e.Subnet.Contains(a.Next()) {
			a = a.Next()
		}
		used[a], out[e.Name] = true, a
	}
	return out
}

// shape checks a path's own invariants.
func (m *model) shape(p intent.Path) {
	t := m.t
	t.Helper()
	if p.Reachable != (p.Block == nil) || p.Reachable != (p.Reason == "") {
		t.Errorf("%s: %s -> %s %s: reachable %v, block %+v, reason %q: want a block and a reason exactly when not reachable", m.label, p.From, p.To, p.Flow, p.Reachable, p.Block, p.Reason)
		return
	}
	bad := map[string]bool{intent.ActionDeny: true, intent.ActionMissing: true, intent.ActionPending: true}
	ways := append(append([]intent.Hop{}, p.Hops...), p.Return...)
	for i, h := range ways {
		for j, s := range h.Steps {
			last := i == len(ways)-1 && j == len(h.Steps)-1
			if bad[s.Action] && (p.Reachable || !last) && s.Kind != intent.StepRoute {
				t.Errorf("%s: %s -> %s %s: step %+v at %s drops, but it is not the path's last", m.label, p.From, p.To, p.Flow, s, h.Node)
			}
			if bad[s.Action] && s.Kind == intent.StepRoute && s.Action == intent.ActionDeny && !last {
				t.Errorf("%s: %s -> %s %s: route step %+v denies before the end", m.label, p.From, p.To, p.Flow, s)
			}
			if last && !p.Reachable && (p.Block.Step != s || p.Block.Hop != h.Node || p.Block.Return != (len(p.Return) > 0)) {
				t.Errorf("%s: %s -> %s %s: block %+v is not the last step %+v at %s", m.label, p.From, p.To, p.Flow, *p.Block, s, h.Node)
			}
		}
	}
	if p.Reachable {
		a, b := m.p.Endpoint(p.From), m.p.Endpoint(p.To)
		first, last := p.Hops[0].Node, p.Hops[len(p.Hops)-1].Node
		if (first != a.Name && first != a.Site) || (last != b.Name && last != b.Site) {
			t.Errorf("%s: %s -> %s reachable through hops from %s to %s", m.label, p.From, p.To, first, last)
		}
		return
	}
	prefixes := map[string][]string{intent.StepFilter: {"security group: ", "network ACL: ", "firewall: ", "network security group: ", "VPC firewall: ", "firewall rules: "},
		intent.StepRoute:  {"no route: "},
		intent.StepPolicy: {"domain policy: ", "no route: "}}
	ok := false
	for _, pre := range prefixes[p.Block.Kind] {
		ok = ok || strings.HasPrefix(p.Reason, pre)
	}
	if !ok || (p.Block.Action == intent.ActionPending && !strings.Contains(p.Reason, "not approved")) {
		t.Errorf("%s: %s -> %s %s: reason %q does not say what block %+v is", m.label, p.From, p.To, p.Flow, p.Reason, *p.Block)
	}
}

// pairs checks every ordered pair: simulate (Expect) against the trace
// over the intent and over the cloud as programmed, ICMP against TCP.
func (m *model) pairs() {
	iv, dv := m.p.IntentView(m.approved, m.addr), m.p.DesiredView(m.approved, m.addr)
	for _, a := range m.p.Endpoints {
		for _, b := range m.p.Endpoints {
			if a.Name == b.Name {
				continue
			}
			e := m.p.Expect(a.Name, b.Name, m.approved, m.addr)
			pi, pd := m.trace(a.Name, b.Name, intent.Echo, iv), m.trace(a.Name, b.Name, intent.Echo, dv)
			ti, td := m.trace(a.Name, b.Name, tcp5432, iv), m.trace(a.Name, b.Name, tcp5432, dv)
			if e.Reach != pi.Reachable || pi.Reachable != pd.Reachable || ti.Reachable != pi.Reachable || td.Reachable != pi.Reachable {
				m.t.Errorf("%s: %s -> %s: simulate %v (%s), intent view %v, as programmed %v (%s), tcp %v/%v",
					m.label, a.Name, b.Name, e.Reach, e.Reason, pi.Reachable, pd.Reachable, pd.Reason, ti.Reachable, td.Reachable)
			}
		}
	}
}
