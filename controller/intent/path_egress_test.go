package intent

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/dataplane/egressmgmt"
)

// stepOf returns the first step of kind at hop node of p's request, or
// nil.
func stepOf(p Path, node, kind string) *Step {
	for _, h := range p.Hops {
		if h.Node != node {
			continue
		}
		for i := range h.Steps {
			if h.Steps[i].Kind == kind {
				return &h.Steps[i]
			}
		}
	}
	return nil
}

// TestTraceEgress: a flow from the egress lab's dev-app to an internet
// name passes its security group, its subnet's default route to the
// egress gateway, the gateway's FQDN filter (the tag rule or base policy
// egress.Policy.Decide names for the name, protocol and port, as the
// gateway's log names it in TestEgressLab) and the gateway's source
// translation; the same over the intent and the desired view; a base
// policy switched at run time (View.Egress) flips the verdicts.
func TestTraceEgress(t *testing.T) {
	p := compiled(t, "../../cmd/mcnlab/testdata/aws-egress.yaml")
	tcp := func(port int32) Flow { return Flow{Protocol: cloud.ProtocolTCP, Port: port} }
	cases := []struct {
		to     string
		f      Flow
		base   string
		reach  bool
		rule   string
		reason string
	}{
		{"api.example.com", tcp(443), "", true, "tag dev: api.example.com tcp/443", ""},
		{"blocked.example.net", tcp(443), "", false, "base allow-list",
			"egress filter: dev-egress denies tcp/443 from 10.30.1.10 to blocked.example.net by base allow-list"},
		{"www.example.com", tcp(80), "", true, "tag dev: *.example.com tcp/all", ""},
		{"files", Echo, "", true, "tag dev: files.example.org all/all", ""},
		{"web1", Echo, "", false, "base allow-list", ""},
		{"api.example.com", tcp(443), "deny-list", false, "tag dev: api.example.com tcp/443",
			"egress filter: dev-egress denies tcp/443 from 10.30.1.10 to api.example.com by tag dev: api.example.com tcp/443"},
		{"blocked.example.net", tcp(443), "deny-list", true, "base deny-list", ""},
		{"web1", Echo, "deny-list", true, "base deny-list", ""},
	}
	for _, c := range cases {
		for vn, v := range map[string]*View{"intent": p.IntentView(nil, nil), "desired": p.DesiredView(nil, nil)} {
			if c.base != "" {
				cfg := p.EgressGateways()[0].EgressConfig()
				cfg.Base = c.base
				v.Egress = map[string]egressmgmt.Config{"dev-egress": cfg}
			}
			got := p.Trace("dev-app", c.to, c.f, v)
			name := c.to + " " + c.f.String() + " " + c.base + " (" + vn + ")"
			if got.Reachable != c.reach || c.reason != "" && got.Reason != c.reason {
				t.Errorf("%s: reachable %v (%s), want %v (%s)", name, got.Reachable, got.Reason, c.reach, c.reason)
			}
			s := stepOf(got, "dev-egress", StepFilter)
			if s == nil || s.Rule != c.rule || (s.Action == ActionAllow) != c.reach || s.Object != "dev-egress" {
				t.Errorf("%s: the egress gateway's filter step %+v, want rule %q", name, s, c.rule)
			}
			if !c.reach && (got.Block == nil || got.Block.Hop != "dev-egress" || got.Block.Rule != c.rule) {
				t.Errorf("%s: block %+v, want at dev-egress by %q", name, got.Block, c.rule)
			}
			if nat := stepOf(got, "dev-egress", StepNAT); c.reach && (nat == nil || !strings.HasPrefix(nat.Rule, "source 10.30.1.10 -> ") || nat.Action != ActionTranslate) {
				t.Errorf("%s: NAT step %+v, want the source 10.30.1.10 translated", name, nat)
			}
			if r := stepOf(got, "dev-vpc subnet 10.30.1.0/24", StepRoute); vn == "intent" && (r == nil || r.Rule != "0.0.0.0/0 -> dev-egress") {
				t.Errorf("%s: the subnet's route step %+v, want 0.0.0.0/0 -> dev-egress", name, r)
			}
			if c.reach && (len(got.Hops) == 0 || got.Hops[len(got.Hops)-1].Kind != HopInternet) {
				t.Errorf("%s: hops %+v, want the internet host last", name, got.Hops)
			}
		}
	}
}

// TestTraceEgressRouteBlocks: over a desired view whose private subnet's
// default route goes elsewhere, the route step blocks, naming the table;
// a workload whose VPC has no egress gateway has no way out.
func TestTraceEgressRouteBlocks(t *testing.T) {
	p := compiled(t, "../../cmd/mcnlab/testdata/aws-egress.yaml")
	v := mutate(p.DesiredView(nil, nil), "dev-app", func(e *cloud.EndState) {
		e.Table.Routes = []cloud.RouteState{e.Table.Routes[0], {Destination: netip.MustParsePrefix("0.0.0.0/0"), Kind: cloud.RouteInternet, Target: "igw-1"}}
	})
	got := p.Trace("dev-app", "api.example.com", Flow{Protocol: cloud.ProtocolTCP, Port: 443}, v)
	want := "no route: route table rtb-dev-vpc/app of dev-app's subnet sends 192.0.2.20 to igw-1 (internet), not to egress gateway dev-egress"
	if got.Reachable || got.Reason != want || got.Block == nil || got.Block.Rule != "0.0.0.0/0 -> igw-1" {
		t.Errorf("reachable %v (%s), block %+v; want %s", got.Reachable, got.Reason, got.Block, want)
	}
	d := demo(t) // its internet serves api.example.com; no VPC has an egress gateway
	got = d.Trace("dev-app", "api.example.com", Echo, d.IntentView(nil, nil))
	want = "no route: dev-app's subnet has no egress gateway, its only way to the internet"
	if got.Reachable || got.Reason != want || got.Block == nil || got.Block.Kind != StepRoute || got.Block.Action != ActionMissing {
		t.Errorf("dev-app -> api.example.com in the demo: reachable %v (%s), block %+v; want %s", got.Reachable, got.Reason, got.Block, want)
	}
}
