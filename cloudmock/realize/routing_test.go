package realize

import (
	"net/netip"
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// Two subnets of one VPC reach each other through the VPC router; a route
// less specific than the local route does not override it; a more specific
// one to an instance does, and the instance forwards only once its
// source/destination check is off; once the instance is gone the route is a
// blackhole and drops what the local route would deliver.
func TestRouting(t *testing.T) {
	l := newLab(t)
	v := l.vpc("10.0.0.0/16")
	sa, sb, sc := l.subnet(v, "10.0.1.0/24"), l.subnet(v, "10.0.2.0/24"), l.subnet(v, "10.0.3.0/24")
	g := l.openGroup(v, "open", "10.0.0.0/16")
	gx := l.openGroup(v, "appliance", "10.0.0.0/16")
	a, b, x := l.instance(sa, g.ID), l.instance(sb, g.ID), l.instance(sc, gx.ID)
	// The appliance's subnet has a table of its own with only the local route.
	rtc := must[model.RouteTable](t)(l.cloud.CreateRouteTable(acct, v.ID, nil))
	must[model.RouteTableAssociation](t)(l.cloud.AssociateRouteTable(acct, rtc.ID, sc.ID))
	l.sync()

	l.pingOK(l.ns(a), b.PrivateIP)
	l.pingOK(l.ns(b), a.PrivateIP)
	l.pingOK(l.ns(a), x.PrivateIP)

	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html — longest prefix match: the local /16 beats a /8
	l.ok(l.cloud.CreateRoute(acct, v.MainRouteTableID, netip.MustParsePrefix("10.0.0.0/8"), model.Target{Kind: model.TargetInstance, ID: x.ID}))
	l.sync()
	l.pingOK(l.ns(a), b.PrivateIP)

	// A /24 more specific than the local route sends a's traffic for b to x.
	l.ok(l.cloud.CreateRoute(acct, v.MainRouteTableID, sb.Prefix, model.Target{Kind: model.TargetInstance, ID: x.ID}))
	l.sync()
	l.pingFails(l.ns(a), b.PrivateIP) // x's source/destination check drops it
	l.pingOK(l.ns(a), x.PrivateIP)    // x itself is still reachable

	l.ok(l.cloud.SetSourceDestCheck(acct, x.ID, false))
	l.sync()
	l.pingOK(l.ns(a), b.PrivateIP) // now through x

	// What x forwards leaves through x's interface: its group's outbound
	// rules apply too.
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html — rules for traffic reaching and leaving the interface
	all := []sgRule{{Protocol: "-1", FromPort: -1, ToPort: -1, Prefix: netip.MustParsePrefix("0.0.0.0/0")}}
	_, _, err := removeGroupRules(l.cloud, gx.ID, model.Egress, all)
	l.ok(err)
	l.sync()
	l.pingFails(l.ns(a), b.PrivateIP)
	_, err = addGroupRules(l.cloud, gx.ID, model.Egress, []sgRule{{Protocol: "icmp", FromPort: -1, ToPort: -1, Prefix: sb.Prefix}})
	l.ok(err)
	l.sync()
	l.pingOK(l.ns(a), b.PrivateIP)

	must[map[string]model.InstanceState](t)(l.cloud.TerminateInstances(acct, []string{x.ID}))
	l.sync()
	l.pingFails(l.ns(a), b.PrivateIP) // blackhole
	l.pingOK(l.ns(b), b.PrivateIP)

	l.ok(l.cloud.DeleteRoute(acct, v.MainRouteTableID, sb.Prefix))
	l.sync()
	l.pingOK(l.ns(a), b.PrivateIP)
}
