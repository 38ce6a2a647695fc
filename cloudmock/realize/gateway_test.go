package realize

import (
	"net/netip"
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// A private subnet reaches the internet server through a NAT gateway in a
// public subnet, whose elastic IP the internet gateway maps one to one; an
// instance with no public address gets nothing through the internet
// gateway; without the route there is no way out.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html — private subnet -> NAT gateway -> internet gateway
func TestInternetAndNATGateway(t *testing.T) {
	l := newLab(t)
	v := l.vpc("10.0.0.0/16")
	pub, priv := l.subnet(v, "10.0.1.0/24"), l.subnet(v, "10.0.2.0/24")
	g := l.openGroup(v, "open", "10.0.0.0/16")
	p, q := l.instance(pub, g.ID), l.instance(priv, g.ID)
	igw := must[model.InternetGateway](t)(l.cloud.CreateInternetGateway(acct, nil))
	l.ok(l.cloud.AttachInternetGateway(acct, igw.ID, v.ID))
	rtPub := must[model.RouteTable](t)(l.cloud.CreateRouteTable(acct, v.ID, nil))
	must[model.RouteTableAssociation](t)(l.cloud.AssociateRouteTable(acct, rtPub.ID, pub.ID))
	l.ok(l.cloud.CreateRoute(acct, rtPub.ID, anyIPv4, model.Target{Kind: model.TargetInternetGateway, ID: igw.ID}))
	eip := must[model.ElasticIP](t)(l.cloud.AllocateAddress(acct, nil))
	nat := must[model.NATGateway](t)(l.cloud.CreateNATGateway(acct, pub.ID, eip.ID, nil))
	l.sync()

	l.pingOK(l.ns(q), p.PrivateIP)
	l.pingFails(l.ns(q), InternetServer) // no route out of the private subnet yet
	l.pingFails(l.ns(p), InternetServer) // a route, but no public address

	l.ok(l.cloud.CreateRoute(acct, v.MainRouteTableID, anyIPv4, model.Target{Kind: model.TargetNATGateway, ID: nat.ID}))
	l.sync()
	l.pingOK(l.ns(q), InternetServer)
	l.serve(l.r.internetNS(), InternetServer, 80)
	l.tcpOK(l.ns(q), InternetServer, 80)
	l.serveWhoami(l.r.internetNS(), InternetServer, 81)
	if got := l.whoami(l.ns(q), InternetServer, 81); got != eip.PublicIP {
		t.Errorf("the internet server sees the private instance as %s, want the NAT gateway's elastic IP %s", got, eip.PublicIP)
	}

	// The internet sees the elastic IP, and nothing can start a flow inwards.
	l.serve(l.ns(q), q.PrivateIP, 80)
	l.pingFails(l.r.internetNS(), eip.PublicIP)
	l.tcpFails(l.r.internetNS(), eip.PublicIP, 80)

	l.ok(l.cloud.DetachInternetGateway(acct, igw.ID, v.ID))
	l.sync()
	l.pingFails(l.ns(q), InternetServer)
}

// Peered VPCs reach each other through the routes that point at the
// peering; a VPC peered with two others does not carry traffic between them.
// AWS: https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html — no transitive peering
func TestPeeringNonTransitive(t *testing.T) {
	l := newLab(t)
	v1, v2, v3 := l.vpc("10.1.0.0/16"), l.vpc("10.2.0.0/16"), l.vpc("10.3.0.0/16")
	i1 := l.instance(l.subnet(v1, "10.1.1.0/24"), l.openGroup(v1, "open", "10.0.0.0/8").ID)
	i2 := l.instance(l.subnet(v2, "10.2.1.0/24"), l.openGroup(v2, "open", "10.0.0.0/8").ID)
	i3 := l.instance(l.subnet(v3, "10.3.1.0/24"), l.openGroup(v3, "open", "10.0.0.0/8").ID)
	peer := func(a, b model.Network) model.Peering {
		pc := must[model.Peering](t)(l.cloud.RequestPeering(acct, a.ID, acct, b.ID, nil))
		return must[model.Peering](t)(l.cloud.AcceptPeering(acct, pc.ID))
	}
	route := func(n model.Network, dst string, pc model.Peering) {
		l.ok(l.cloud.CreateRoute(acct, n.MainRouteTableID, netip.MustParsePrefix(dst), model.Target{Kind: model.TargetPeering, ID: pc.ID}))
	}
	p12, p23 := peer(v1, v2), peer(v2, v3)
	l.sync()
	l.pingFails(l.ns(i1), i2.PrivateIP) // a peering without routes carries nothing

	route(v1, "10.2.0.0/16", p12)
	route(v2, "10.1.0.0/16", p12)
	route(v2, "10.3.0.0/16", p23)
	route(v3, "10.2.0.0/16", p23)
	// Routes that would need v2 to pass traffic on.
	route(v1, "10.3.0.0/16", p12)
	route(v3, "10.1.0.0/16", p23)
	l.sync()
	l.pingOK(l.ns(i1), i2.PrivateIP)
	l.pingOK(l.ns(i2), i3.PrivateIP)
	l.pingOK(l.ns(i3), i2.PrivateIP)
	l.pingFails(l.ns(i1), i3.PrivateIP)
	l.pingFails(l.ns(i3), i1.PrivateIP)

	// Edge to edge: VPC 2's NAT gateway takes VPC 2 to the internet, but
	// not VPC 1, whose default route points at the peering.
	// AWS: https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html#vpc-peering-limitations — a peer VPC's NAT device or internet gateway can't be used
	pub := l.subnet(v2, "10.2.2.0/24")
	igw := must[model.InternetGateway](t)(l.cloud.CreateInternetGateway(acct, nil))
	l.ok(l.cloud.AttachInternetGateway(acct, igw.ID, v2.ID))
	rtPub := must[model.RouteTable](t)(l.cloud.CreateRouteTable(acct, v2.ID, nil))
	must[model.RouteTableAssociation](t)(l.cloud.AssociateRouteTable(acct, rtPub.ID, pub.ID))
	l.ok(l.cloud.CreateRoute(acct, rtPub.ID, anyIPv4, model.Target{Kind: model.TargetInternetGateway, ID: igw.ID}))
	eip := must[model.ElasticIP](t)(l.cloud.AllocateAddress(acct, nil))
	nat := must[model.NATGateway](t)(l.cloud.CreateNATGateway(acct, pub.ID, eip.ID, nil))
	l.ok(l.cloud.CreateRoute(acct, v2.MainRouteTableID, anyIPv4, model.Target{Kind: model.TargetNATGateway, ID: nat.ID}))
	l.ok(l.cloud.CreateRoute(acct, v1.MainRouteTableID, anyIPv4, model.Target{Kind: model.TargetPeering, ID: p12.ID}))
	l.sync()
	l.pingOK(l.ns(i2), InternetServer)
	l.pingOK(l.ns(i1), i2.PrivateIP)
	l.pingFails(l.ns(i1), InternetServer)
}

// An instance with an elastic IP reaches the internet server through the
// internet gateway, which the server sees as the elastic IP; the internet
// reaches the instance at that address as its security group allows; after
// disassociation, the instance has no way out.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html — one-to-one NAT between the private and the elastic IP
func TestElasticIP(t *testing.T) {
	l := newLab(t)
	v := l.vpc("10.0.0.0/16")
	s := l.subnet(v, "10.0.1.0/24")
	g := must[model.RuleSet](t)(createGroup(l.cloud, v.ID, "web", "web", nil))
	_, err := addGroupRules(l.cloud, g.ID, model.Ingress, []sgRule{
		{Protocol: "tcp", FromPort: 80, ToPort: 80, Prefix: anyIPv4}})
	l.ok(err)
	i := l.instance(s, g.ID)
	igw := must[model.InternetGateway](t)(l.cloud.CreateInternetGateway(acct, nil))
	l.ok(l.cloud.AttachInternetGateway(acct, igw.ID, v.ID))
	l.ok(l.cloud.CreateRoute(acct, v.MainRouteTableID, anyIPv4, model.Target{Kind: model.TargetInternetGateway, ID: igw.ID}))
	eip := must[model.ElasticIP](t)(l.cloud.AllocateAddress(acct, nil))
	l.sync()
	l.serve(l.r.internetNS(), InternetServer, 80)
	l.serve(l.ns(i), i.PrivateIP, 80)
	l.pingFails(l.ns(i), InternetServer) // no public address yet

	l.ok(l.cloud.AssociateAddress(acct, eip.ID, i.ID))
	l.sync()
	l.pingOK(l.ns(i), InternetServer)
	l.tcpOK(l.ns(i), InternetServer, 80)
	l.serveWhoami(l.r.internetNS(), InternetServer, 81)
	if got := l.whoami(l.ns(i), InternetServer, 81); got != eip.PublicIP {
		t.Errorf("the internet server sees the instance as %s, want its elastic IP %s", got, eip.PublicIP)
	}
	l.tcpOK(l.r.internetNS(), eip.PublicIP, 80)   // inbound at the elastic IP, as the group allows
	l.pingFails(l.r.internetNS(), eip.PublicIP)   // ICMP is not allowed in
	l.tcpFails(l.r.internetNS(), i.PrivateIP, 80) // the private address is not on the internet

	l.ok(l.cloud.DisassociateAddress(acct, eip.ID))
	l.sync()
	l.pingFails(l.ns(i), InternetServer)
	l.tcpFails(l.r.internetNS(), eip.PublicIP, 80)
}
