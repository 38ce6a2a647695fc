package realize

import (
	"net/netip"
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// An instance in a private subnet (no internet gateway, no NAT) fetches
// from the lab's S3 over HTTPS, by its regional name through the VPC's
// resolver, once a gateway endpoint puts S3's prefix list route in its
// subnet's table, and not before nor after the table leaves the
// endpoint. A security group egress rule to S3's prefix list lets it
// through; one to a customer-managed list does once the list holds S3's
// CIDR, and no longer when the list drops it.
// AWS: https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-s3.html — gateway endpoints for Amazon S3: no internet gateway or NAT device needed
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/managed-prefix-lists.html — security group rules referencing prefix lists
func TestGatewayEndpointReachesS3(t *testing.T) {
	cfg := internetConfig(t)
	l := newLabWith(t, func(o *Options) { o.Internet = cfg })
	v := l.vpc("10.0.0.0/16")
	priv := l.subnet(v, "10.0.1.0/24")
	sg := l.openGroup(v, "open", "10.0.0.0/16")
	q := l.instance(priv, sg.ID)
	l.sync()
	s3, _ := model.ServiceByName("us-east-1", "com.amazonaws.us-east-1.s3")
	vpcDNS := netip.MustParseAddr("10.0.0.2")
	if got, err := lookup(l.ns(q), vpcDNS, s3.DNSName); err != nil || len(got) != 1 || got[0] != s3.Addr {
		t.Fatalf("lookup %s = %v, %v; want %s", s3.DNSName, got, err, s3.Addr)
	}
	get := func() (string, error) { return getHTTPS(l.ns(q), vpcDNS, cfg.CA.Pool(), s3.DNSName) }
	want := "s3-us-east-1 " + s3.DNSName + " /\n"
	if body, err := get(); err == nil {
		t.Fatalf("without an endpoint the private subnet reached S3: %q", body)
	}

	e := must[model.VPCEndpoint](t)(l.cloud.CreateVPCEndpoint(acct, model.EndpointSpec{NetworkID: v.ID, Type: model.EndpointGateway,
		ServiceName: s3.Name, RouteTableIDs: []string{v.MainRouteTableID}}))
	l.sync()
	if body, err := get(); err != nil || body != want {
		t.Fatalf("through the endpoint: GET = %q, %v; want %q", body, err, want)
	}

	// Egress only to S3's prefix list still reaches it.
	anyAll := sgRule{Protocol: "-1", FromPort: -1, ToPort: -1, Prefix: anyIPv4}
	must[[]model.Rule](t)(func() ([]model.Rule, error) {
		_, _, err := removeGroupRules(l.cloud, sg.ID, model.Egress, []sgRule{anyAll})
		return nil, err
	}())
	toList := func(id string) model.Rule {
		return model.Rule{Direction: model.Egress, Action: model.Allow, Protocol: "tcp", FromPort: 443, ToPort: 443, Peer: model.Peer{PrefixListID: id}}
	}
	must[[]model.Rule](t)(l.cloud.AddRules(acct, model.FlavorSecurityGroup, sg.ID, []model.Rule{toList(s3.PrefixListID)}))
	l.sync()
	if body, err := get(); err != nil || body != want {
		t.Fatalf("with egress to S3's prefix list only: GET = %q, %v", body, err)
	}

	// A customer-managed list: its modifications are in force at once.
	pl := must[model.PrefixList](t)(l.cloud.CreatePrefixList(acct, model.PrefixListSpec{Name: "storage", MaxEntries: 2,
		Entries: []model.PrefixListEntry{{CIDR: netip.MustParsePrefix("192.0.2.99/32")}}}))
	must[[]model.Rule](t)(l.cloud.AddRules(acct, model.FlavorSecurityGroup, sg.ID, []model.Rule{toList(pl.ID)}))
	must[[]model.Rule](t)(func() ([]model.Rule, error) {
		_, _, err := l.cloud.RemoveRules(acct, model.FlavorSecurityGroup, sg.ID, model.RuleRemoval{Rules: []model.Rule{toList(s3.PrefixListID)}})
		return nil, err
	}())
	l.sync()
	if body, err := get(); err == nil {
		t.Fatalf("egress to a list without S3 reached it: %q", body)
	}
	v1 := int64(1)
	must[model.PrefixList](t)(l.cloud.ModifyPrefixList(acct, pl.ID, model.PrefixListChange{CurrentVersion: &v1,
		Add: []model.PrefixListEntry{{CIDR: netip.PrefixFrom(s3.Addr, 32), Description: "S3"}}}))
	l.sync()
	if body, err := get(); err != nil || body != want {
		t.Fatalf("after the list gained S3: GET = %q, %v", body, err)
	}
	v2 := int64(2)
	must[model.PrefixList](t)(l.cloud.ModifyPrefixList(acct, pl.ID, model.PrefixListChange{CurrentVersion: &v2,
		Remove: []netip.Prefix{netip.PrefixFrom(s3.Addr, 32)}}))
	l.sync()
	l.forgetFlows(l.ns(q))
	if body, err := get(); err == nil {
		t.Fatalf("after the list dropped S3 it still reached it: %q", body)
	}
	must[model.PrefixList](t)(l.cloud.RestorePrefixListVersion(acct, pl.ID, 2, 3))
	l.sync()
	if body, err := get(); err != nil || body != want {
		t.Fatalf("after restoring version 2: GET = %q, %v", body, err)
	}

	// Out of the endpoint's route tables: unreachable again.
	must[model.VPCEndpoint](t)(l.cloud.ModifyVPCEndpoint(acct, e.ID, model.EndpointChange{RemoveRouteTables: []string{v.MainRouteTableID}}))
	l.sync()
	if body, err := get(); err == nil {
		t.Fatalf("without the endpoint's route: GET = %q", body)
	}
}

// With private DNS, a VPC's resolver answers an interface endpoint's
// service name with the endpoint's interface addresses, and only in that
// VPC; with private DNS turned off, the name is unknown again.
// AWS: https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html#private-dns — the service's default DNS name resolves to the endpoint's private IP addresses
func TestInterfaceEndpointPrivateDNS(t *testing.T) {
	l := newLabWith(t, func(o *Options) { o.Internet = internetConfig(t) })
	v, other := l.vpc("10.0.0.0/16"), l.vpc("10.1.0.0/16")
	sub, otherSub := l.subnet(v, "10.0.1.0/24"), l.subnet(other, "10.1.1.0/24")
	q := l.instance(sub, l.openGroup(v, "open", "10.0.0.0/16").ID)
	r := l.instance(otherSub, l.openGroup(other, "open", "10.1.0.0/16").ID)
	sts, _ := model.ServiceByName("us-east-1", "com.amazonaws.us-east-1.sts")
	e := must[model.VPCEndpoint](t)(l.cloud.CreateVPCEndpoint(acct, model.EndpointSpec{NetworkID: v.ID, Type: model.EndpointInterface,
		ServiceName: sts.Name, SubnetIDs: []string{sub.ID}, PrivateDNS: true}))
	l.sync()
	want := l.cloud.EndpointAddrs(acct, e.ID)
	if got, err := lookup(l.ns(q), netip.MustParseAddr("10.0.0.2"), sts.DNSName); err != nil || len(got) != 1 || got[0] != want[0] {
		t.Fatalf("lookup %s in the endpoint's VPC = %v, %v; want %v", sts.DNSName, got, err, want)
	}
	if got, err := lookup(l.ns(r), netip.MustParseAddr("10.1.0.2"), sts.DNSName); err == nil {
		t.Fatalf("lookup %s in another VPC = %v", sts.DNSName, got)
	}
	off := false
	must[model.VPCEndpoint](t)(l.cloud.ModifyVPCEndpoint(acct, e.ID, model.EndpointChange{PrivateDNS: &off}))
	l.sync()
	if got, err := lookup(l.ns(q), netip.MustParseAddr("10.0.0.2"), sts.DNSName); err == nil {
		t.Fatalf("lookup %s with private DNS off = %v", sts.DNSName, got)
	}
}

// A route to a customer-managed prefix list carries what the list holds
// now: a peer VPC becomes reachable when the list gains its subnet and
// unreachable when the list drops it.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/managed-prefix-lists.html — when you update a prefix list, the resources that reference it are updated
func TestPrefixListRouteFollowsModify(t *testing.T) {
	l := newLab(t)
	v1, v2 := l.vpc("10.1.0.0/16"), l.vpc("10.2.0.0/16")
	s1, s2 := l.subnet(v1, "10.1.1.0/24"), l.subnet(v2, "10.2.1.0/24")
	i1 := l.instance(s1, l.openGroup(v1, "open", "10.0.0.0/8").ID)
	i2 := l.instance(s2, l.openGroup(v2, "open", "10.0.0.0/8").ID)
	pc := must[model.Peering](t)(l.cloud.RequestPeering(acct, v1.ID, acct, v2.ID, nil))
	must[model.Peering](t)(l.cloud.AcceptPeering(acct, pc.ID))
	l.ok(l.cloud.CreateRoute(acct, v2.MainRouteTableID, v1.CIDRs[0].Prefix, model.Target{Kind: model.TargetPeering, ID: pc.ID}))
	pl := must[model.PrefixList](t)(l.cloud.CreatePrefixList(acct, model.PrefixListSpec{Name: "peers", MaxEntries: 4,
		Entries: []model.PrefixListEntry{{CIDR: netip.MustParsePrefix("10.9.0.0/16")}}}))
	l.ok(l.cloud.CreatePrefixListRoute(acct, v1.MainRouteTableID, pl.ID, model.Target{Kind: model.TargetPeering, ID: pc.ID}))
	// Positive control: the peering carries traffic by a CIDR route.
	l.ok(l.cloud.CreateRoute(acct, v1.MainRouteTableID, s2.Prefix, model.Target{Kind: model.TargetPeering, ID: pc.ID}))
	l.sync()
	l.pingOK(l.ns(i1), i2.PrivateIP)
	l.ok(l.cloud.DeleteRoute(acct, v1.MainRouteTableID, s2.Prefix))
	l.sync()
	l.pingFails(l.ns(i1), i2.PrivateIP) // the list does not hold 10.2.1.0/24 yet
	v := int64(1)
	must[model.PrefixList](t)(l.cloud.ModifyPrefixList(acct, pl.ID, model.PrefixListChange{CurrentVersion: &v,
		Add: []model.PrefixListEntry{{CIDR: s2.Prefix, Description: "v2"}}}))
	l.sync()
	l.pingOK(l.ns(i1), i2.PrivateIP)
	// An IPv6 list in a route and a rule leaves the IPv4 dataplane as it is.
	pl6 := must[model.PrefixList](t)(l.cloud.CreatePrefixList(acct, model.PrefixListSpec{Name: "v6", MaxEntries: 2, IPv6: true,
		Entries: []model.PrefixListEntry{{CIDR: netip.MustParsePrefix("2001:db8:77::/48")}}}))
	l.ok(l.cloud.CreatePrefixListRoute(acct, v1.MainRouteTableID, pl6.ID, model.Target{Kind: model.TargetPeering, ID: pc.ID}))
	must[[]model.Rule](t)(l.cloud.AddRules(acct, model.FlavorSecurityGroup, i1.SecurityGroupIDs[0], []model.Rule{{Direction: model.Egress,
		Action: model.Allow, Protocol: "tcp", FromPort: 443, ToPort: 443, Peer: model.Peer{PrefixListID: pl6.ID}}}))
	l.sync()
	l.pingOK(l.ns(i1), i2.PrivateIP)
	v = 2
	must[model.PrefixList](t)(l.cloud.ModifyPrefixList(acct, pl.ID, model.PrefixListChange{CurrentVersion: &v, Remove: []netip.Prefix{s2.Prefix}}))
	l.sync()
	l.pingFails(l.ns(i1), i2.PrivateIP)
}
