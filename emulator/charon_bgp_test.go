package emulator

import (
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/topologies"
)

// TestStrongSwanRunsFRRForBGP: a strongswan node with bgp runs FRR beside
// charon, with the gateway of its connection with bgp as neighbour at the
// gateway's inside address; one without bgp runs no daemon.
func TestStrongSwanRunsFRRForBGP(t *testing.T) {
	topo, err := topologies.Load("../cmd/mcnlab/testdata/s2c-bgp.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPlan("s2cbgp", topo)
	if err != nil {
		t.Fatal(err)
	}
	var r1 *PlanNode
	for _, n := range p.Nodes {
		if n.Name == "r1" {
			r1 = n
		}
	}
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
