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

// TestS2CBGPHADecode: with an HA gateway the backup tunnel's inside
// network is the /30 after inside unless ha-inside gives one; the HA
// gateway takes its first address, the site its second; ha-inside
// round-trips through Marshal.
func TestS2CBGPHADecode(t *testing.T) {
	topo, err := Load("../cmd/mcnlab/testdata/s2c-bgp-ha.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p := netip.MustParsePrefix
	b := topo.Site2Cloud[0].BGP
	if gw, site := b.Tunnel(true); b.BackupInside() != p("169.254.10.4/30") || gw != p("169.254.10.5/30") || site != p("169.254.10.6/30") {
		t.Errorf("allocated backup inside %s: %s, %s", b.BackupInside(), gw, site)
	}
	if gw, site := b.Tunnel(false); gw != b.GatewayInside() || site != b.SiteInside() {
		t.Errorf("primary tunnel %s, %s", gw, site)
	}
	roundTrip(t, topo)
	b.HAInside = p("169.254.99.8/30")
	if gw, site := b.Tunnel(true); gw != p("169.254.99.9/30") || site != p("169.254.99.10/30") {
		t.Errorf("given backup inside: %s, %s", gw, site)
	}
	roundTrip(t, topo)
}
