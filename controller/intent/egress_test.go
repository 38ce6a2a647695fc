package intent

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/dataplane/egressmgmt"
)

// TestEgressDesired: the egress gateway is an instance of the egress
// image in its public subnet with an elastic IP, forwarding, in a group
// admitting the VPC; its subnet keeps one route to the internet (the
// spoke gateway's); the private subnets' default routes go to it; its
// policy names the tags' subnets by range, the VPC's resolver and the base.
func TestEgressDesired(t *testing.T) {
	p := compiled(t, "../../topologies/testdata/good/egress.yaml")
	d := p.Accounts[0].Desired
	i := slices.IndexFunc(d.Instances, func(in cloud.Instance) bool { return in.Key == "dev-egress" })
	if i < 0 {
		t.Fatalf("no dev-egress instance in %+v", d.Instances)
	}
	in := d.Instances[i]
	if in.Image != cloud.ImageEgress || in.Subnet != "dev-vpc/gw" || in.PrivateIP != netip.MustParseAddr("10.3.0.20") || !in.PublicIP ||
		in.SourceDestCheck || !slices.Equal(in.SecurityGroups, []string{"dev-vpc/egress"}) {
		t.Errorf("dev-egress = %+v", in)
	}
	g := slices.IndexFunc(d.SecurityGroups, func(sg cloud.SecurityGroup) bool { return sg.Key == "dev-vpc/egress" })
	if g < 0 || len(d.SecurityGroups[g].Ingress) != 1 || d.SecurityGroups[g].Ingress[0].Source != netip.MustParsePrefix("10.3.0.0/16") {
		t.Errorf("egress security group: %+v", d.SecurityGroups)
	}
	var defaults []string
	for _, r := range d.Routes {
		if r.Destination == DefaultRoute() {
			defaults = append(defaults, r.Subnet)
		}
	}
	if !slices.Equal(defaults, []string{"dev-vpc/gw", "transit-vpc/gw"}) {
		t.Errorf("static default routes in %v, want one each in dev-vpc/gw and transit-vpc/gw", defaults)
	}
	if err := cloud.Validate(d, "", cloud.Capabilities{StaticPublicAddresses: true, PrivateLines: true}); err != nil {
		t.Errorf("desired state: %v", err)
	}
	routes := p.EgressRoutes()
	if len(routes) != 2 || routes["dev-vpc/app"].Gateway != "dev-egress" || routes["dev-vpc/db"].Account != "aws-lab" {
		t.Errorf("egress routes %+v", routes)
	}
	cfg := p.EgressGateways()[0].EgressConfig()
	want := egressmgmt.Config{Base: "deny-list", Resolver: netip.MustParseAddr("10.3.0.2"), Tags: []egressmgmt.Tag{
		{Name: "dev", Sources: []netip.Prefix{netip.MustParsePrefix("10.3.1.0/24"), netip.MustParsePrefix("10.3.2.0/25")}, Rules: []egressmgmt.Rule{
			{FQDN: "api.example.com", Protocol: "tcp", Port: 443}, {FQDN: "*.example.com", Action: "allow"},
			{FQDN: "ntp.example.org", Protocol: "udp", Port: 123, Action: "deny"}}},
		{Name: "all", Sources: []netip.Prefix{netip.MustParsePrefix("10.3.0.0/16")}, Rules: []egressmgmt.Rule{}},
	}}
	if !equalConfig(cfg, want) {
		t.Errorf("policy %+v\nwant %+v", cfg, want)
	}
	if _, err := cfg.Policy(); err != nil {
		t.Errorf("the policy does not convert: %v", err)
	}
}

func equalConfig(a, b egressmgmt.Config) bool {
	if a.Base != b.Base || a.Resolver != b.Resolver || len(a.Tags) != len(b.Tags) {
		return false
	}
	for i := range a.Tags {
		x, y := a.Tags[i], b.Tags[i]
		if x.Name != y.Name || !slices.Equal(x.Sources, y.Sources) || !slices.Equal(x.Rules, y.Rules) {
			return false
		}
	}
	return true
}
