package emulator

import (
	"testing"

	"github.com/vishvananda/netlink"

	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/internal/roottest"
	"github.com/mcnlab/mcnlab/topologies"
)

// TestRateRangeDeploys deploys links at both ends of the rate range that
// validate allows (topologies.MinRate, MaxRate): the kernel takes both
// token buckets as asked, and packets cross the slowest link.
func TestRateRangeDeploys(t *testing.T) {
	roottest.Require(t)
	roottest.UseTempState(t)
	lab := roottest.LabName(t, "rr")
	err := deployLine(t, lab, func(topo *topologies.Topology) {
		topo.Links[0].Rate = topologies.MaxRate
		topo.Links[1].Rate = topologies.MinRate // MTU 9000
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := ping(t, lab, "h1", "10.0.3.10"); err != nil {
		t.Errorf("h1 -> h2 over an 8kbit link: %v", err)
	}
	for _, c := range []struct {
		node, iface string
		rate        uint64
	}{{"h1", "eth0", topologies.MaxRate}, {"r1", "eth1", topologies.MinRate}} {
		nl, err := netns.Netlink(NamespaceName(lab, c.node))
		if err != nil {
			t.Fatal(err)
		}
		link, err := nl.LinkByName(c.iface)
		if err != nil {
			t.Fatal(err)
		}
		qs, err := nl.QdiscList(link)
		nl.Close()
		var rate uint64
		for _, q := range qs {
			if tb, ok := q.(*netlink.Tbf); ok {
				rate = tb.Rate * 8
			}
		}
		if err != nil || rate != c.rate {
			t.Errorf("%s %s tbf rate = %d bit/s, want %d (%v, qdiscs %v)", c.node, c.iface, rate, c.rate, err, qs)
		}
	}
}
