package emulator

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/emulator/ipsec"
	"github.com/mcnlab/mcnlab/topologies"
)

// TestStrongSwanRunsFRRForBGP: a strongswan node with bgp runs FRR beside
// charon, with the gateway of its connection with bgp as neighbour at the
// gateway's inside address; one without bgp runs no daemon.
func TestStrongSwanRunsFRRForBGP(t *testing.T) {
	topo, r1 := planR1(t, "s2c-bgp.yaml", "s2cbgp")
	d := DaemonFor("s2cbgp", r1)
	if d == nil {
		t.Fatal("r1 runs no daemon")
	}
	conf := d.Files["bgpd.conf"]
	for _, want := range []string{"router bgp 65401\n", " neighbor 169.254.10.1 remote-as 65201\n", "  network 10.50.1.0/24\n"} {
		if !strings.Contains(conf, want) {
			t.Errorf("r1's bgpd.conf lacks %q:\n%s", want, conf)
		}
	}
	if len(topo.Node("r1").BGP.Neighbors) != 0 {
		t.Error("the plan changed the topology's bgp of r1")
	}
	r1.BGP = nil
	if DaemonFor("s2cbgp", r1) != nil {
		t.Error("a strongswan node without bgp runs a daemon")
	}
}

// TestStrongSwanRunsFRRTemplate: with an HA gateway, r1's bgpd runs the
// frr template's router bgp stanza of its side of the connection (the
// text `mcnlab s2c config --vendor frr` ends with), with a neighbour over
// each tunnel: gw1 at 169.254.10.1 and gw2 at 169.254.10.5.
func TestStrongSwanRunsFRRTemplate(t *testing.T) {
	topo, r1 := planR1(t, "s2c-bgp-ha.yaml", "s2cha")
	conf := DaemonFor("s2cha", r1).Files["bgpd.conf"]
	s := topo.Site2Cloud[0]
	stanza, err := ipsec.FRRRouterBGP(ipsec.WithBGP(topo, s, ipsec.SiteConns(s, "", 0)), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{stanza, " neighbor 169.254.10.1 remote-as 65201\n", " neighbor 169.254.10.5 remote-as 65202\n"} {
		if !strings.HasSuffix(conf, stanza) || !strings.Contains(conf, want) {
			t.Errorf("r1's bgpd.conf lacks %q at its end:\n%s", want, conf)
		}
	}
}

// TestStrongSwanRunsFRRForCloudBGP: a strongswan site of a connection
// with bgp to a spoke's instances (ha: true) runs FRR from deploy on,
// before the cloud is up, with a neighbour over each tunnel, the spoke's
// gateways at 169.254.10.1 and 169.254.10.5 in the spoke's AS (64600, as
// the controller chooses it), and the frr template's router bgp of the
// connection resolved to the spoke's gateways.
func TestStrongSwanRunsFRRForCloudBGP(t *testing.T) {
	topo, r1 := planR1(t, "s2c-cloud-bgp.yaml", "s2ccb")
	if len(r1.Site2Cloud) != 0 {
		t.Errorf("r1's charon starts with the emulator: %+v", r1.Site2Cloud)
	}
	conf := DaemonFor("s2ccb", r1).Files["bgpd.conf"]
	s := topo.Site2Cloud[0].Resolve(netip.Addr{}, "app-1", netip.Addr{}, "app-2", netip.Addr{})
	stanza, err := ipsec.FRRRouterBGP(ipsec.WithBGP(topo, s, ipsec.SiteConns(s, "", 0)), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{stanza, " neighbor 169.254.10.1 remote-as 64600\n", " neighbor 169.254.10.5 remote-as 64600\n", "  network 10.50.1.0/24\n"} {
		if !strings.HasSuffix(conf, stanza) || !strings.Contains(conf, want) {
			t.Errorf("r1's bgpd.conf lacks %q at its end:\n%s", want, conf)
		}
	}
}

// planR1 plans cmd/mcnlab/testdata/FILE as lab and returns the topology
// and the plan's node r1.
func planR1(t *testing.T, file, lab string) (*topologies.Topology, *PlanNode) {
	t.Helper()
	topo, err := topologies.Load("../cmd/mcnlab/testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPlan(lab, topo)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range p.Nodes {
		if n.Name == "r1" {
			return topo, n
		}
	}
	t.Fatalf("%s has no r1", file)
	return nil, nil
}
