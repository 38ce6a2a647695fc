package realize

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// A transit gateway routes between attached VPCs by the route table each
// attachment is associated with, whose routes come from propagation or are
// static; unlike peering it is transitive by design, and a static blackhole
// route beats a propagated one.
// AWS: https://docs.aws.amazon.com/vpc/latest/tgw/tgw-route-tables.html — association, propagation, blackhole routes
func TestTransitGateway(t *testing.T) {
	l := newLab(t)
	var vpcs []model.Network
	var insts []model.Instance
	var atts []model.TransitGatewayAttachment
	tgw := must[model.TransitGateway](t)(l.cloud.CreateTransitGateway(acct, model.TransitGatewayOptions{DefaultAssociation: true, DefaultPropagation: true}, nil))
	for i, cidr := range []string{"10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16"} {
		v := l.vpc(cidr)
		s := l.subnet(v, fmt.Sprintf("10.%d.1.0/24", i+1))
		insts = append(insts, l.instance(s, l.openGroup(v, "open", "10.0.0.0/8").ID))
		atts = append(atts, must[model.TransitGatewayAttachment](t)(l.cloud.CreateTransitGatewayVPCAttachment(acct, tgw.ID, v.ID, []string{s.ID}, nil)))
		l.ok(l.cloud.CreateRoute(acct, v.MainRouteTableID, netip.MustParsePrefix("10.0.0.0/8"), model.Target{Kind: model.TargetTransitGateway, ID: tgw.ID}))
		vpcs = append(vpcs, v)
	}
	l.sync()
	l.pingOK(l.ns(insts[0]), insts[1].PrivateIP)
	l.pingOK(l.ns(insts[0]), insts[2].PrivateIP)
	l.pingOK(l.ns(insts[1]), insts[2].PrivateIP)

	// Move the first attachment to a table that only VPC 2 propagates to.
	rt2 := must[model.TransitGatewayRouteTable](t)(l.cloud.CreateTransitGatewayRouteTable(acct, tgw.ID, nil))
	l.ok(l.cloud.DisassociateTransitGatewayRouteTable(acct, tgw.DefaultRouteTableID, atts[0].ID))
	l.ok(l.cloud.AssociateTransitGatewayRouteTable(acct, rt2.ID, atts[0].ID))
	l.ok(l.cloud.EnableTransitGatewayRouteTablePropagation(acct, rt2.ID, atts[1].ID))
	l.sync()
	l.pingOK(l.ns(insts[0]), insts[1].PrivateIP)
	l.pingFails(l.ns(insts[0]), insts[2].PrivateIP)
	l.pingOK(l.ns(insts[1]), insts[2].PrivateIP)

	// A static blackhole beats the propagated route.
	must[model.TransitGatewayRoute](t)(l.cloud.CreateTransitGatewayRoute(acct, rt2.ID, vpcs[1].CIDRs[0].Prefix, "", true))
	l.sync()
	l.pingFails(l.ns(insts[0]), insts[1].PrivateIP)
	l.pingOK(l.ns(insts[2]), insts[1].PrivateIP)
}
