package intent

import (
	"net/netip"
	"testing"
)

// natSteps lists the NAT steps of a way's hops as "HOP: OBJECT RULE:
// DETAIL".
func natSteps(hops []Hop) []string {
	var out []string
	for _, h := range hops {
		for _, s := range h.Steps {
			if s.Kind == StepNAT {
				out = append(out, h.Node+": "+s.Object+" "+s.Rule+": "+s.Detail)
			}
		}
	}
	return out
}

// TestTraceMapped: across cmd/mcnlab/testdata/s2c-mapped.yaml's mapped site2cloud
// connections, a flow from a branch host to the VPC host's virtual
// address (or to the host by name) passes the branch's router and the
// gateway, whose NAT step names the connection and its mapping and
// translates 100.81.1.10 to 10.0.1.10 and the source to 100.65.1.10 (as
// TestS2CCapture's capture shows on the gateway); the reply is translated
// back. From the VPC host to branch 2's virtual address the mapping of
// branch2 applies the other way. An address no mapping covers is blocked:
// at the site router (no tunnel route) from a branch, at the gateway's
// NAT from the VPC.
func TestTraceMapped(t *testing.T) {
	p := compiled(t, "../../cmd/mcnlab/testdata/s2c-mapped.yaml")
	cases := []struct {
		from, to string
		reach    bool
		fwd      string
		back     string
		reason   string
	}{
		{"b1h", "100.81.1.10", true,
			"gw1: site2cloud branch1 mapping destination 100.81.0.0/16 -> 10.0.0.0/16, source 10.0.0.0/16 -> 100.65.0.0/16: 10.0.1.10 -> 100.81.1.10 becomes 100.65.1.10 -> 10.0.1.10",
			"gw1: site2cloud branch1 mapping destination 100.65.0.0/16 -> 10.0.0.0/16, source 10.0.0.0/16 -> 100.81.0.0/16: 10.0.1.10 -> 100.65.1.10 becomes 100.81.1.10 -> 10.0.1.10", ""},
		{"b2h", "vh", true,
			"gw1: site2cloud branch2 mapping destination 100.82.0.0/16 -> 10.0.0.0/16, source 10.0.0.0/16 -> 100.66.0.0/16: 10.0.1.10 -> 100.82.1.10 becomes 100.66.1.10 -> 10.0.1.10", "", ""},
		{"vh", "100.66.1.10", true,
			"gw1: site2cloud branch2 mapping destination 100.66.0.0/16 -> 10.0.0.0/16, source 10.0.0.0/16 -> 100.82.0.0/16: 10.0.1.10 -> 100.66.1.10 becomes 100.82.1.10 -> 10.0.1.10", "", ""},
		{"b1h", "100.82.1.10", false, "", "", "no route: no mapping of site2cloud branch1 translates 10.0.1.10 -> 100.82.1.10"},
		{"vh", "100.90.0.1", false, "", "", "no mapping: no mapping of site2cloud branch1, branch2 translates 10.0.1.10 -> 100.90.0.1"},
	}
	for _, c := range cases {
		got := p.Trace(c.from, c.to, Echo, p.IntentView(nil, nil))
		if got.Reachable != c.reach || c.reason != "" && got.Reason != c.reason {
			t.Errorf("%s -> %s: reachable %v (%s), want %v (%s)", c.from, c.to, got.Reachable, got.Reason, c.reach, c.reason)
			continue
		}
		if !c.reach {
			if got.Block == nil {
				t.Errorf("%s -> %s: no block", c.from, c.to)
			}
			continue
		}
		if f := natSteps(got.Hops); len(f) != 1 || f[0] != c.fwd {
			t.Errorf("%s -> %s: NAT steps %q, want %q", c.from, c.to, f, c.fwd)
		}
		if b := natSteps(got.Return); len(b) != 1 || c.back != "" && b[0] != c.back {
			t.Errorf("%s -> %s: reply's NAT steps %q, want %q", c.from, c.to, b, c.back)
		}
		last := got.Hops[len(got.Hops)-1]
		if last.Kind != HopHost || (c.from == "b1h" || c.from == "b2h") && last.Node != "vh" {
			t.Errorf("%s -> %s: last hop %+v, want the host vh", c.from, c.to, last)
		}
	}
	if f := p.MappedFlow("b1h", "vh"); f == nil || f.Dst != netip.MustParseAddr("100.81.1.10") || f.SeenSrc != netip.MustParseAddr("100.65.1.10") || f.DstNode != "vh" {
		t.Errorf("MappedFlow(b1h, vh) = %+v", f)
	}
	if f := p.MappedFlow("laptop1", "100.81.1.10"); f != nil {
		t.Errorf("MappedFlow from a node behind no mapped connection: %+v", f)
	}
}

// TestMapAddr: the host bits stay, the network bits are the target's.
func TestMapAddr(t *testing.T) {
	for _, c := range [][4]string{
		{"10.0.1.10", "10.0.0.0/16", "100.65.0.0/16", "100.65.1.10"},
		{"192.168.7.200", "192.168.7.128/25", "172.16.3.128/25", "172.16.3.200"},
		{"10.1.2.3", "10.1.2.0/23", "10.9.0.0/23", "10.9.0.3"},
	} {
		if got := mapAddr(netip.MustParseAddr(c[0]), netip.MustParsePrefix(c[1]), netip.MustParsePrefix(c[2])); got.String() != c[3] {
			t.Errorf("mapAddr(%s, %s, %s) = %s, want %s", c[0], c[1], c[2], got, c[3])
		}
	}
}
