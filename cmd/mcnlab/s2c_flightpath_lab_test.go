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
)

// TestS2CMappedFlightPath deploys testdata/s2c-mapped.yaml (two
// strongSwan branches on 10.0.0.0/16 mapped through the gateway nodes
// gw1/gw2 into a VPC router's 10.0.0.0/16, beside a minimal cloud whose
// controller answers FlightPath) and checks FlightPath against pings
// (checkMappedFlightPath).
func TestS2CMappedFlightPath(t *testing.T) {
	lab := deployCloudLab(t, "testdata/s2c-mapped.yaml", "s2cm")
	s2cReach(t, lab, "b1h", netip.MustParseAddr("100.81.1.10"))
	s2cReach(t, lab, "vh", netip.MustParseAddr("100.66.1.10"))
	checkMappedFlightPath(t, lab)
}

// checkMappedFlightPath asks FlightPath for pings across the lab's
// mapped site2cloud connections and compares each verdict with a
// real ping: b1h -> 100.81.1.10 and vh -> 100.66.1.10 pass, the gateway's
// NAT step naming the connection and its mapping with the addresses
// (real -> virtual) that TestS2CCapture's capture shows, and the reply
// translated back; b1h -> 100.82.1.10 (branch 2's view of the VPC) is
// blocked at br1, and the ping gets no answer.
func checkMappedFlightPath(t *testing.T, lab string) {
	cases := []struct {
		from, to string
		reach    bool
		nat      string // the request's NAT step: "OBJECT RULE: DETAIL"
	}{
		{"b1h", "100.81.1.10", true, "site2cloud branch1 mapping destination 100.81.0.0/16 -> 10.0.0.0/16, source 10.0.0.0/16 -> 100.65.0.0/16: 10.0.1.10 -> 100.81.1.10 becomes 100.65.1.10 -> 10.0.1.10"},
		{"vh", "100.66.1.10", true, "site2cloud branch2 mapping destination 100.66.0.0/16 -> 10.0.0.0/16, source 10.0.0.0/16 -> 100.82.0.0/16: 10.0.1.10 -> 100.66.1.10 becomes 100.82.1.10 -> 10.0.1.10"},
		{"b1h", "100.82.1.10", false, ""},
	}
	for _, c := range cases {
		fp := flightPath(t, lab, c.from, c.to)
		var nat []string
		for _, h := range fp.Hops {
			for _, s := range h.Steps {
				if s.Kind == intent.StepNAT && h.Kind == intent.HopS2CGateway {
					nat = append(nat, s.Object+" "+s.Rule+": "+s.Detail)
				}
			}
		}
		if fp.Reachable != c.reach || c.reach && (len(nat) != 1 || nat[0] != c.nat || len(fp.Return) == 0) ||
			!c.reach && (fp.Block == nil || fp.Block.Hop != "br1") {
			t.Errorf("flightpath %s %s: reachable %v, NAT %q, block %+v; want %v with %q", c.from, c.to, fp.Reachable, nat, fp.Block, c.reach, c.nat)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		_, err := probe.WaitReachable(ctx, emulator.NamespaceName(lab, c.from), netip.MustParseAddr(c.to), 50*time.Millisecond)
		cancel()
		if (err == nil) != c.reach {
			t.Errorf("ping %s -> %s: answered %v, FlightPath says %v", c.from, c.to, err == nil, c.reach)
		}
		t.Logf("flightpath %s %s: reachable %v %s%s", c.from, c.to, fp.Reachable, strings.Join(nat, ""), fp.Reason)
	}
}
