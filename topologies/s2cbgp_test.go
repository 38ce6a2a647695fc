package topologies

import (
	"net/netip"
	"testing"
)

// TestS2CBGPDecode: a connection's bgp decodes to the site's AS number
// and the inside network, whose first address is the gateway's and second
// the site's; the topology round-trips through Marshal.
func TestS2CBGPDecode(t *testing.T) {
	topo, err := Load("../cmd/mcnlab/testdata/s2c-bgp.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b := topo.Site2Cloud[0].BGP
	if b == nil || b.SiteASN != 65401 || b.Inside != netip.MustParsePrefix("169.254.10.0/30") {
		t.Fatalf("bgp %+v", b)
	}
	if b.GatewayInside() != netip.MustParsePrefix("169.254.10.1/30") || b.SiteInside() != netip.MustParsePrefix("169.254.10.2/30") {
		t.Errorf("inside addresses %s, %s", b.GatewayInside(), b.SiteInside())
	}
	if r1 := topo.Node("r1"); r1.BGP == nil || r1.BGP.ASN != 65401 {
		t.Errorf("r1's bgp %+v", r1.BGP)
	}
	roundTrip(t, topo)
}
