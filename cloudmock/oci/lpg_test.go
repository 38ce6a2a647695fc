package oci

import (
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"
)

// newLPG makes a VCN's LPG and waits for it.
func newLPG(t *testing.T, c core.VirtualNetworkClient, vcn *string) core.LocalPeeringGateway {
	t.Helper()
	r, err := c.CreateLocalPeeringGateway(ctx(t), core.CreateLocalPeeringGatewayRequest{CreateLocalPeeringGatewayDetails: core.CreateLocalPeeringGatewayDetails{
		CompartmentId: common.String(tenancy1), VcnId: vcn}})
	if err != nil || r.PeeringStatus != core.LocalPeeringGatewayPeeringStatusNew {
		t.Fatalf("CreateLocalPeeringGateway: %v %+v", err, r.LocalPeeringGateway)
	}
	return r.LocalPeeringGateway
}

// TestLocalPeeringSDK: two VCNs' LPGs are NEW; connecting one to an LPG
// of its own VCN is 400, and across overlapping VCNs 400; connected,
// both are PEERED with each other's CIDRs advertised, and a third
// cannot join (409); a route rule may target the peered LPG (and reads
// back as the LPG), not an unpeered one (400); the routed LPG and its
// VCN cannot be deleted (409); without the route it is deleted and its
// peer is REVOKED.
func TestLocalPeeringSDK(t *testing.T) {
	l := newLab(t)
	c := l.client1(t)
	va, vb, vo := newVcn(t, l, c, "a", "10.1.0.0/16"), newVcn(t, l, c, "b", "10.2.0.0/16"), newVcn(t, l, c, "o", "10.1.128.0/17")
	a, a2, b, o := newLPG(t, c, va.Id), newLPG(t, c, va.Id), newLPG(t, c, vb.Id), newLPG(t, c, vo.Id)
	connect := func(x, y core.LocalPeeringGateway) error {
		_, err := c.ConnectLocalPeeringGateways(ctx(t), core.ConnectLocalPeeringGatewaysRequest{LocalPeeringGatewayId: x.Id,
			ConnectLocalPeeringGatewaysDetails: core.ConnectLocalPeeringGatewaysDetails{PeerId: y.Id}})
		return err
	}
	serviceError(t, connect(a, a2), 400, "InvalidParameter")
	serviceError(t, connect(a, o), 400, "InvalidParameter")
	if err := connect(a, b); err != nil {
		t.Fatal(err)
	}
	ga, _ := c.GetLocalPeeringGateway(ctx(t), core.GetLocalPeeringGatewayRequest{LocalPeeringGatewayId: a.Id})
	gb, _ := c.GetLocalPeeringGateway(ctx(t), core.GetLocalPeeringGatewayRequest{LocalPeeringGatewayId: b.Id})
	if ga.PeeringStatus != core.LocalPeeringGatewayPeeringStatusPeered || *ga.PeerId != *b.Id || *ga.PeerAdvertisedCidr != "10.2.0.0/16" ||
		gb.PeeringStatus != core.LocalPeeringGatewayPeeringStatusPeered || *gb.PeerId != *a.Id {
		t.Fatalf("after connect: %+v %+v", ga.LocalPeeringGateway, gb.LocalPeeringGateway)
	}
	serviceError(t, connect(o, b), 409, "Conflict")

	route := func(lpg *string) error {
		_, err := c.UpdateRouteTable(ctx(t), core.UpdateRouteTableRequest{RtId: va.DefaultRouteTableId, UpdateRouteTableDetails: core.UpdateRouteTableDetails{
			RouteRules: []core.RouteRule{{Destination: common.String("10.2.0.0/16"), DestinationType: core.RouteRuleDestinationTypeCidrBlock, NetworkEntityId: lpg}}}})
		return err
	}
	serviceError(t, route(a2.Id), 400, "InvalidParameter")
	if err := route(a.Id); err != nil {
		t.Fatal(err)
	}
	rt, err := c.GetRouteTable(ctx(t), core.GetRouteTableRequest{RtId: va.DefaultRouteTableId})
	if err != nil || len(rt.RouteRules) != 1 || *rt.RouteRules[0].NetworkEntityId != *a.Id {
		t.Fatalf("route table: %v %+v", err, rt.RouteRules)
	}
	_, err = c.DeleteLocalPeeringGateway(ctx(t), core.DeleteLocalPeeringGatewayRequest{LocalPeeringGatewayId: a.Id})
	serviceError(t, err, 409, "Conflict")
	_, err = c.DeleteVcn(ctx(t), core.DeleteVcnRequest{VcnId: vb.Id})
	serviceError(t, err, 409, "Conflict")
	if _, err := c.UpdateRouteTable(ctx(t), core.UpdateRouteTableRequest{RtId: va.DefaultRouteTableId,
		UpdateRouteTableDetails: core.UpdateRouteTableDetails{RouteRules: []core.RouteRule{}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteLocalPeeringGateway(ctx(t), core.DeleteLocalPeeringGatewayRequest{LocalPeeringGatewayId: a.Id}); err != nil {
		t.Fatal(err)
	}
	gb, _ = c.GetLocalPeeringGateway(ctx(t), core.GetLocalPeeringGatewayRequest{LocalPeeringGatewayId: b.Id})
	ps := l.cloud.Peerings(tenancy1)
	if gb.PeeringStatus != core.LocalPeeringGatewayPeeringStatusRevoked || gb.PeerId != nil || len(ps) != 1 || ps[0].State != model.PeeringDeleted {
		t.Fatalf("peer after the delete: %+v, model peerings %+v", gb.LocalPeeringGateway, ps)
	}
	if g, err := c.GetLocalPeeringGateway(ctx(t), core.GetLocalPeeringGatewayRequest{LocalPeeringGatewayId: a.Id,
		RequestMetadata: common.RequestMetadata{RetryPolicy: waitFor("TERMINATED")}}); err != nil || g.LifecycleState != core.LocalPeeringGatewayLifecycleStateTerminated {
		t.Fatalf("deleted LPG: %v %s", err, g.LifecycleState)
	}
}
