package main

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/probe"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

// checkSpokeMappedFlightPath asks FlightPath, for every pair across
// topologies/access.yaml's mapped connections (each branch's host to each
// branch's view of vh, vh to each branch's virtual address, and by name),
// and compares each verdict with a real ping: the pairs through the
// branch's own mapping reach, with the spoke gateway's NAT step naming
// the connection and its mapping (real -> virtual, and back on the
// reply) and the tunnel named at the branch's router; a branch's host
// pinging the other branch's view is blocked at its router, which says
// why, and the ping gets no answer. Then `mcnlab reach`'s site2cloud
// rows (simulate's verdicts, probed) are all seen as expected.
func checkSpokeMappedFlightPath(t *testing.T, lab string) {
	vh := workloadNS(t, lab, accessVH)
	cases := []struct {
		from, to string
		dst      string // the address pinged
		reach    bool
		nat      string // the request's NAT step: "OBJECT RULE: DETAIL"
	}{
		{"b1h", "100.81.1.10", "100.81.1.10", true, "site2cloud branch1 mapping destination 100.81.0.0/16 -> 10.0.0.0/16, source 10.0.0.0/16 -> 100.65.0.0/16: 10.0.1.10 -> 100.81.1.10 becomes 100.65.1.10 -> 10.0.1.10"},
		{"b2h", "100.82.1.10", "100.82.1.10", true, "site2cloud branch2 mapping destination 100.82.0.0/16 -> 10.0.0.0/16, source 10.0.0.0/16 -> 100.66.0.0/16: 10.0.1.10 -> 100.82.1.10 becomes 100.66.1.10 -> 10.0.1.10"},
		{"b1h", "vh", "100.81.1.10", true, "site2cloud branch1 mapping destination 100.81.0.0/16 -> 10.0.0.0/16, source 10.0.0.0/16 -> 100.65.0.0/16: 10.0.1.10 -> 100.81.1.10 becomes 100.65.1.10 -> 10.0.1.10"},
		{"vh", "100.65.1.10", "100.65.1.10", true, "site2cloud branch1 mapping destination 100.65.0.0/16 -> 10.0.0.0/16, source 10.0.0.0/16 -> 100.81.0.0/16: 10.0.1.10 -> 100.65.1.10 becomes 100.81.1.10 -> 10.0.1.10"},
		{"vh", "b2h", "100.66.1.10", true, "site2cloud branch2 mapping destination 100.66.0.0/16 -> 10.0.0.0/16, source 10.0.0.0/16 -> 100.82.0.0/16: 10.0.1.10 -> 100.66.1.10 becomes 100.82.1.10 -> 10.0.1.10"},
		{"b1h", "100.82.1.10", "100.82.1.10", false, ""},
		{"b2h", "100.81.1.10", "100.81.1.10", false, ""},
	}
	for _, c := range cases {
		fp := flightPath(t, lab, c.from, c.to)
		var nat []string
		tunnel := false
		for _, h := range fp.Hops {
			for _, s := range h.Steps {
				if s.Kind == intent.StepNAT && h.Kind == intent.HopS2CGateway {
					nat = append(nat, s.Object+" "+s.Rule+": "+s.Detail)
				}
				tunnel = tunnel || s.Kind == intent.StepRoute && strings.Contains(s.Rule, "-> IPsec branch")
			}
		}
		back := 0
		for _, h := range fp.Return {
			for _, s := range h.Steps {
				if s.Kind == intent.StepNAT {
					back++
				}
			}
		}
		site := "br1"
		if c.from == "b2h" {
			site = "br2"
		}
		if fp.Reachable != c.reach || c.reach && (len(nat) != 1 || nat[0] != c.nat || back != 1 || !tunnel) ||
			!c.reach && (fp.Block == nil || fp.Block.Hop != site || !strings.HasPrefix(fp.Reason, "no route: no mapping of site2cloud")) {
			t.Errorf("flightpath %s %s: reachable %v, NAT %q (reply's %d), tunnel named %v, block %+v (%s); want %v with %q",
				c.from, c.to, fp.Reachable, nat, back, tunnel, fp.Block, fp.Reason, c.reach, c.nat)
		}
		ns := vh
		if c.from != accessVH {
			ns = emulator.NamespaceName(lab, c.from)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		_, err := probe.WaitReachable(ctx, ns, netip.MustParseAddr(c.dst), 50*time.Millisecond)
		cancel()
		if (err == nil) != fp.Reachable {
			t.Errorf("ping %s -> %s (%s): answered %v, FlightPath says %v (%s)", c.from, c.dst, c.to, err == nil, fp.Reachable, fp.Reason)
		}
		t.Logf("flightpath %s %s: reachable %v %s%s; ping answered %v", c.from, c.to, fp.Reachable, strings.Join(nat, ""), fp.Reason, err == nil)
	}
	m, err := mcnlab.Reachability(context.Background(), lab)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range m.Services {
		if c.Service != "site2cloud" {
			continue
		}
		n++
		if want := map[bool]string{true: "allowed", false: "denied"}[c.Allow]; c.Seen != want {
			t.Errorf("reach: site2cloud %s -> %s: simulate says %s (%s), the ping saw %s", c.From, c.To, want, c.Reason, c.Seen)
		}
	}
	if n != 6 {
		t.Errorf("reach probed %d site2cloud verdicts, want 6", n)
	}
}
