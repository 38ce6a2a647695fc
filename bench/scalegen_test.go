package bench

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/topologies"
)

// compileGenerated generates the n-spoke transit, writes it as YAML and
// reads it back through the validating parser, as `mcnlab validate` does
// with the file, then compiles its plan.
func compileGenerated(t *testing.T, n int, ha bool) (*topologies.Topology, *intent.Plan) {
	t.Helper()
	gen, err := GenerateTransit("scale", n, ha)
	if err != nil {
		t.Fatal(err)
	}
	b, err := topologies.Marshal(gen)
	if err != nil {
		t.Fatal(err)
	}
	top, err := topologies.Parse("scale.yaml", b)
	if err != nil {
		t.Fatalf("the generated %d-spoke topology does not validate: %v", n, err)
	}
	p, err := intent.Compile(top)
	if err != nil {
		t.Fatalf("the generated %d-spoke topology does not compile: %v", n, err)
	}
	return top, p
}

// A 1,000-spoke transit validates; each spoke has its own /24, its
// workload inside it, a gateway and one tunnel to the transit; every
// workload reaches every other in the simulated matrix (999,000 pairs);
// and the gateways' security groups admit the topology's ranges in a few
// rules rather than one per VPC.
func TestGenerateTransit1000(t *testing.T) {
	const n = 1000
	top, p := compileGenerated(t, n, false)
	if got := len(top.Cloud.VPCs); got != n+1 {
		t.Fatalf("%d VPCs; want %d", got, n+1)
	}
	if len(p.Gateways) != n+1 || len(p.Tunnels) != n || len(p.Endpoints) != n {
		t.Fatalf("%d gateways, %d tunnels, %d endpoints; want %d, %d, %d", len(p.Gateways), len(p.Tunnels), len(p.Endpoints), n+1, n, n)
	}
	seen := map[netip.Prefix]string{}
	for i := range n {
		e := p.Endpoint(ScaleWorkload(i))
		if e == nil {
			t.Fatalf("no endpoint %s", ScaleWorkload(i))
		}
		cidr := ScaleSpokeCIDR(i)
		if other, dup := seen[cidr]; dup {
			t.Fatalf("%s and %s share %s", other, e.Name, cidr)
		}
		seen[cidr] = e.Name
		if e.Prefix != cidr || !cidr.Contains(e.Address) || e.Spoke != fmt.Sprintf("sp%d", i) {
			t.Fatalf("%s: prefix %s, address %s, spoke %s; want %s, inside it, sp%d", e.Name, e.Prefix, e.Address, e.Spoke, cidr, i)
		}
	}
	pairs := 0
	for _, a := range p.Endpoints {
		for _, b := range p.Endpoints {
			if a.Name == b.Name {
				continue
			}
			if x := p.Expect(a.Name, b.Name, nil, nil); !x.Reach {
				t.Fatalf("%s -> %s: %s", a.Name, b.Name, x.Reason)
			}
			pairs++
		}
	}
	if pairs != n*(n-1) {
		t.Fatalf("%d pairs; want %d", pairs, n*(n-1))
	}
	d := p.Accounts[0].Desired
	for _, sg := range d.SecurityGroups {
		if sg.Key != intent.GatewayGroupKey("sp0-vpc") {
			continue
		}
		// UDP for the tunnels, then 10.10.0.0/16 and the spokes' 1,000
		// /24s as 6 prefixes.
		if len(sg.Ingress) != 8 {
			t.Errorf("sp0's gateway group has %d rules; want 8: %+v", len(sg.Ingress), sg.Ingress)
		}
		if r := sg.Ingress[0]; r.Protocol != cloud.ProtocolUDP || r.FromPort != intent.BasePort || r.ToPort != intent.MaxPort {
			t.Errorf("tunnel rule %+v; want UDP %d-%d", r, intent.BasePort, intent.MaxPort)
		}
	}
}

// A transit with 500 HA spokes validates (there is no fixed ceiling of
// tunnels per lab): each transit gateway runs 1,000 tunnels, one UDP port
// each, numbered from BasePort, and each spoke gateway two.
func TestGenerateTransit500HA(t *testing.T) {
	const n = 500
	_, p := compileGenerated(t, n, true)
	if len(p.Gateways) != 2*(n+1) || len(p.Tunnels) != 4*n {
		t.Fatalf("%d gateways, %d tunnels; want %d, %d", len(p.Gateways), len(p.Tunnels), 2*(n+1), 4*n)
	}
	ports := map[string]map[uint16]bool{}
	for _, tn := range p.Tunnels {
		for side, g := range [2]string{tn.A, tn.B} {
			if ports[g] == nil {
				ports[g] = map[uint16]bool{}
			}
			if ports[g][tn.Ports[side]] {
				t.Fatalf("%s: port %d taken twice", g, tn.Ports[side])
			}
			ports[g][tn.Ports[side]] = true
		}
	}
	for _, g := range []string{"transit-1", "transit-2"} {
		if len(ports[g]) != 2*n || !ports[g][intent.BasePort] || !ports[g][intent.BasePort+2*n-1] {
			t.Errorf("%s listens on %d ports; want %d-%d", g, len(ports[g]), intent.BasePort, intent.BasePort+2*n-1)
		}
	}
	if got := len(ports["sp7-1"]); got != 2 {
		t.Errorf("sp7-1 listens on %d ports; want 2", got)
	}
}
