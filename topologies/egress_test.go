package topologies

import (
	"net/netip"
	"slices"
	"testing"
)

// The egress block decodes its gateway, private subnets, base policy and
// tags (sources by subnet and prefix, rules with their defaults), and
// EgressSubnets defaults to every subnet that is not a gateway's.
func TestEgressBlock(t *testing.T) {
	topo, err := Load("testdata/good/egress.yaml")
	if err != nil {
		t.Fatal(err)
	}
	v := topo.Cloud.VPCs[1]
	e := v.Egress
	if e == nil || e.Gateway != "dev-egress" || e.Subnet != "gw" || e.Address != netip.MustParseAddr("10.3.0.20") || e.Base != EgressDenyList {
		t.Fatalf("egress = %+v", e)
	}
	if got := topo.Cloud.EgressSubnets(v); !slices.Equal(got, []string{"app", "db"}) {
		t.Errorf("EgressSubnets = %v", got)
	}
	if len(e.Tags) != 2 || e.Tags[0].Name != "dev" || e.Tags[1].Name != "all" || len(e.Tags[1].Rules) != 0 {
		t.Fatalf("tags = %+v", e.Tags)
	}
	want := []EgressSource{{Subnet: "app"}, {Prefix: netip.MustParsePrefix("10.3.2.0/25")}}
	if !slices.Equal(e.Tags[0].Sources, want) {
		t.Errorf("sources = %v, want %v", e.Tags[0].Sources, want)
	}
	r := e.Tags[0].Rules
	if *r[0] != (EgressRule{FQDN: "api.example.com", Protocol: ProtoTCP, Port: 443, Pos: r[0].Pos}) ||
		*r[1] != (EgressRule{FQDN: "*.example.com", Protocol: ProtoAny, Action: EgressActionAllow, Pos: r[1].Pos}) {
		t.Errorf("rules = %+v %+v", *r[0], *r[1])
	}
	e.Private = nil
	if got := topo.Cloud.EgressSubnets(v); !slices.Equal(got, []string{"app", "db"}) {
		t.Errorf("EgressSubnets by default = %v, want every subnet but the gateways' gw", got)
	}
}

// The psf block of topologies/security.yaml decodes its gateway, subnet,
// address and protected subnets, and survives a marshal round trip.
func TestPSFBlock(t *testing.T) {
	topo, err := Load("security.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var v *VPC
	for _, x := range topo.Cloud.VPCs {
		if x.PSF != nil {
			v = x
		}
	}
	if v == nil || v.Name != "shared-vpc" {
		t.Fatalf("no psf block on shared-vpc")
	}
	g := v.PSF
	if g.Gateway != "shared-psf" || g.Subnet != "psf" || g.Address != netip.MustParseAddr("10.3.3.20") || !slices.Equal(g.Protects, []string{"web"}) {
		t.Fatalf("psf = %+v", g)
	}
	if !v.Protected("web") || v.Protected("psf") {
		t.Errorf("Protected(web) = %v, Protected(psf) = %v", v.Protected("web"), v.Protected("psf"))
	}
	roundTrip(t, topo)
}
