package emulator

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/topologies"
)

// TestFRRExportFilters: a neighbour with an Export list (a cloud's edge
// router) is sent that list only and what it sends is marked no-export;
// every other neighbour is refused the exported prefix; a node without
// such a neighbour gets no filter.
func TestFRRExportFilters(t *testing.T) {
	ln := netip.MustParsePrefix("169.254.100.0/30")
	n := &PlanNode{Name: "dc1", BGP: &topologies.BGP{ASN: 65100, RouterID: netip.MustParseAddr("169.254.100.2"),
		Networks: []netip.Prefix{netip.MustParsePrefix("10.100.0.0/24"), ln},
		Neighbors: []topologies.Neighbor{{Address: netip.MustParseAddr("172.31.0.1"), ASN: 65000},
			{Address: netip.MustParseAddr("169.254.0.1"), ASN: 4200000000, Export: []netip.Prefix{ln}}}}}
	conf := frrBGPConfig(n, "/d")
	for _, want := range []string{
		"  neighbor 169.254.0.1 prefix-list mcn-edge-1 out\n  neighbor 169.254.0.1 route-map mcn-edge-in in\n",
		"  neighbor 172.31.0.1 prefix-list mcn-not-edge out\n",
		"ip prefix-list mcn-edge-1 seq 5 permit 169.254.100.0/30\n",
		"ip prefix-list mcn-not-edge seq 5 deny 169.254.100.0/30\nip prefix-list mcn-not-edge seq 10 permit 0.0.0.0/0 le 32\n",
		"route-map mcn-edge-in permit 10\n set community no-export\n",
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("bgpd.conf lacks %q:\n%s", want, conf)
		}
	}
	n.BGP.Neighbors = n.BGP.Neighbors[:1]
	if conf := frrBGPConfig(n, "/d"); strings.Contains(conf, "prefix-list") || strings.Contains(conf, "route-map") {
		t.Errorf("bgpd.conf without an edge neighbour has filters:\n%s", conf)
	}
}
