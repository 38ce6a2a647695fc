package intent

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// hopList renders a way's hops as "NODE(KIND)" joined by " > ".
func hopList(hops []Hop) string {
	var out []string
	for _, h := range hops {
		out = append(out, h.Node+"("+h.Kind+")")
	}
	return strings.Join(out, " > ")
}

// TestTraceMappedSpoke: across topologies/access.yaml's mapped
// site2cloud connections, which end on the spoke branches' gateway
// instances (cloud-gateway), a ping from a branch's host to its virtual
// view of the VPC's workload vh (or to vh by name) goes into the tunnel
// at the branch's router, is translated by the spoke's first gateway
// (the NAT step naming the connection and its mapping, real -> virtual),
// crosses the VPC to vh's subnet and vh, whose security group sees the
// branch at its virtual address; the reply leaves by the route table's
// route to the branch's virtual prefix, is translated back and goes
// into the tunnel to the branch. From vh the same, the other way. A
// branch's host pinging the other branch's view of the VPC is blocked at
// its router, which has no tunnel route there; vh pinging an address no
// mapping covers is blocked at its subnet's route table. simulate's
// site2cloud verdicts (ServiceVerdicts) are these traces'.
func TestTraceMappedSpoke(t *testing.T) {
	p := compiled(t, "../../topologies/access.yaml")
	in := "b1h(host) > br1(site-router) > branches-1(site2cloud-gateway) > branch-vpc subnet 10.0.1.0/24(subnet) > vh(instance)"
	back := "branch-vpc subnet 10.0.1.0/24(subnet) > branches-1(site2cloud-gateway) > br1(site-router) > b1h(host)"
	cases := []struct {
		from, to  string
		reach     bool
		hops, ret string
		fwd, bwd  string // NAT steps: "HOP: OBJECT RULE: DETAIL"
		reason    string
	}{
		{"b1h", "100.81.1.10", true, in, back,
			"branches-1: site2cloud branch1 mapping destination 100.81.0.0/16 -> 10.0.0.0/16, source 10.0.0.0/16 -> 100.65.0.0/16: 10.0.1.10 -> 100.81.1.10 becomes 100.65.1.10 -> 10.0.1.10",
			"branches-1: site2cloud branch1 mapping destination 100.65.0.0/16 -> 10.0.0.0/16, source 10.0.0.0/16 -> 100.81.0.0/16: 10.0.1.10 -> 100.65.1.10 becomes 100.81.1.10 -> 10.0.1.10", ""},
		{"b1h", "vh", true, in, back, "", "", ""},
		{"b2h", "100.82.1.10", true, strings.ReplaceAll(in, "b1h(host) > br1", "b2h(host) > br2"), strings.ReplaceAll(back, "br1(site-router) > b1h", "br2(site-router) > b2h"),
			"branches-1: site2cloud branch2 mapping destination 100.82.0.0/16 -> 10.0.0.0/16, source 10.0.0.0/16 -> 100.66.0.0/16: 10.0.1.10 -> 100.82.1.10 becomes 100.66.1.10 -> 10.0.1.10", "", ""},
		{"vh", "100.65.1.10", true,
			"vh(instance) > branch-vpc subnet 10.0.1.0/24(subnet) > branches-1(site2cloud-gateway) > br1(site-router) > b1h(host)",
			"br1(site-router) > branches-1(site2cloud-gateway) > branch-vpc subnet 10.0.1.0/24(subnet) > vh(instance)",
			"branches-1: site2cloud branch1 mapping destination 100.65.0.0/16 -> 10.0.0.0/16, source 10.0.0.0/16 -> 100.81.0.0/16: 10.0.1.10 -> 100.65.1.10 becomes 100.81.1.10 -> 10.0.1.10",
			"branches-1: site2cloud branch1 mapping destination 100.81.0.0/16 -> 10.0.0.0/16, source 10.0.0.0/16 -> 100.65.0.0/16: 10.0.1.10 -> 100.81.1.10 becomes 100.65.1.10 -> 10.0.1.10", ""},
		{"vh", "b2h", true, "vh(instance) > branch-vpc subnet 10.0.1.0/24(subnet) > branches-1(site2cloud-gateway) > br2(site-router) > b2h(host)", "",
			"branches-1: site2cloud branch2 mapping destination 100.66.0.0/16 -> 10.0.0.0/16, source 10.0.0.0/16 -> 100.82.0.0/16: 10.0.1.10 -> 100.66.1.10 becomes 100.82.1.10 -> 10.0.1.10", "", ""},
		{"b1h", "100.82.1.10", false, "b1h(host) > br1(site-router)", "", "", "", "no route: no mapping of site2cloud branch1 translates 10.0.1.10 -> 100.82.1.10"},
		{"b2h", "100.81.1.10", false, "b2h(host) > br2(site-router)", "", "", "", "no route: no mapping of site2cloud branch2 translates 10.0.1.10 -> 100.81.1.10"},
		{"vh", "100.90.0.1", false, "vh(instance) > branch-vpc subnet 10.0.1.0/24(subnet)", "", "", "", "no route: no mapping of site2cloud branch1, branch2 translates 10.0.1.10 -> 100.90.0.1"},
	}
	for _, c := range cases {
		got := p.Trace(c.from, c.to, Echo, p.IntentView(nil, nil))
		label := fmt.Sprintf("%s -> %s", c.from, c.to)
		if got.Reachable != c.reach || got.Reason != c.reason {
			t.Errorf("%s: reachable %v (%q), want %v (%q)", label, got.Reachable, got.Reason, c.reach, c.reason)
		}
		if h := hopList(got.Hops); h != c.hops {
			t.Errorf("%s: hops\n %s\nwant\n %s", label, h, c.hops)
		}
		if c.ret != "" && hopList(got.Return) != c.ret {
			t.Errorf("%s: return\n %s\nwant\n %s", label, hopList(got.Return), c.ret)
		}
		if f := natSteps(got.Hops); c.fwd != "" && (len(f) != 1 || f[0] != c.fwd) {
			t.Errorf("%s: NAT steps %q, want %q", label, f, c.fwd)
		}
		if b := natSteps(got.Return); c.bwd != "" && (len(b) != 1 || b[0] != c.bwd) {
			t.Errorf("%s: reply's NAT steps %q, want %q", label, b, c.bwd)
		}
		if !c.reach && (got.Block == nil || got.Block.Hop != got.Hops[len(got.Hops)-1].Node || got.Block.Kind != StepRoute) {
			t.Errorf("%s: block %+v", label, got.Block)
		}
	}
	var verdicts []string
	for _, v := range p.ServiceVerdicts() {
		if v.Service == "site2cloud" {
			verdicts = append(verdicts, fmt.Sprintf("%s -> %s %v", v.From, v.To, v.Allow))
		}
	}
	want := []string{"b1h -> 100.81.1.10 true", "b1h -> 100.82.1.10 false", "vh -> 100.65.1.10 true",
		"b2h -> 100.81.1.10 false", "b2h -> 100.82.1.10 true", "vh -> 100.66.1.10 true"}
	if strings.Join(verdicts, "; ") != strings.Join(want, "; ") {
		t.Errorf("site2cloud verdicts:\n %s\nwant\n %s", strings.Join(verdicts, "; "), strings.Join(want, "; "))
	}
}

// TestTraceMappedSpokeView: over a view as the cloud reads it, vh's
// security group that admits only the VPC's own range blocks the branch,
// which it sees at its virtual address 100.65.1.10; a route table
// without the branch's virtual prefix blocks the reply there.
func TestTraceMappedSpokeView(t *testing.T) {
	p := compiled(t, "../../topologies/access.yaml")
	v := p.IntentView(nil, nil)
	vh := v.Ends["vh"]
	vh.Groups[0].Ingress = []cloud.RuleState{{Rule: cloud.Rule{Protocol: cloud.ProtocolAll, Source: netip.MustParsePrefix("10.0.0.0/16")}}}
	v.Ends["vh"] = vh
	got := p.Trace("b1h", "100.81.1.10", Echo, v)
	if got.Reachable || got.Block == nil || got.Block.Hop != "vh" || !strings.Contains(got.Reason, "admits only 10.0.0.0/16") {
		t.Errorf("b1h -> vh with vh admitting 10.0.0.0/16 only: reachable %v, block %+v, %q", got.Reachable, got.Block, got.Reason)
	}
	v = p.IntentView(nil, nil)
	v.Intended = false
	got = p.Trace("b1h", "100.81.1.10", Echo, v)
	if got.Reachable || got.Block == nil || !got.Block.Return || got.Reason != "no route: route table route table of branch-vpc subnet 10.0.1.0/24 of vh's subnet has no route to 100.65.1.10 (site2cloud branch1's virtual prefix 100.65.0.0/16)" {
		t.Errorf("b1h -> vh with no route to the virtual prefix: reachable %v, block %+v, %q", got.Reachable, got.Block, got.Reason)
	}
}
