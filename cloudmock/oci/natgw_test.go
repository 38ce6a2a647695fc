package oci

import (
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"
)

// TestNatGatewaySDK: the SDK makes a VCN's NAT gateway (a public natIp,
// AVAILABLE after polling), routes 0.0.0.0/0 of a table to it, cannot
// delete it or its VCN while the rule stays (409 Conflict), blocks its
// traffic by update, and deletes it: TERMINATED, its address released.
func TestNatGatewaySDK(t *testing.T) {
	l := newLab(t)
	c := l.client1(t)
	v := newVcn(t, l, c, "priv", "10.0.0.0/16")
	ng, err := c.CreateNatGateway(ctx(t), core.CreateNatGatewayRequest{CreateNatGatewayDetails: core.CreateNatGatewayDetails{
		CompartmentId: common.String(tenancy1), VcnId: v.Id, DisplayName: common.String("nat")}})
	if err != nil || ng.NatIp == nil || *ng.NatIp == "" || *ng.BlockTraffic || ng.LifecycleState != core.NatGatewayLifecycleStateProvisioning {
		t.Fatalf("NAT gateway: %v %+v", err, ng.NatGateway)
	}
	if k, _ := model.OCIKind(*ng.Id); k != model.KindNATGateway {
		t.Fatalf("NAT OCID %s", *ng.Id)
	}
	g, err := c.GetNatGateway(ctx(t), core.GetNatGatewayRequest{NatGatewayId: ng.Id, RequestMetadata: common.RequestMetadata{RetryPolicy: waitFor("AVAILABLE")}})
	if err != nil || g.LifecycleState != core.NatGatewayLifecycleStateAvailable || *g.NatIp != *ng.NatIp {
		t.Fatalf("waiting for the NAT gateway: %v %+v", err, g.NatGateway)
	}
	if _, err := c.UpdateRouteTable(ctx(t), core.UpdateRouteTableRequest{RtId: v.DefaultRouteTableId, UpdateRouteTableDetails: core.UpdateRouteTableDetails{
		RouteRules: []core.RouteRule{{Destination: common.String("0.0.0.0/0"), NetworkEntityId: ng.Id}}}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteNatGateway(ctx(t), core.DeleteNatGatewayRequest{NatGatewayId: ng.Id})
	serviceError(t, err, 409, "Conflict")
	u, err := c.UpdateNatGateway(ctx(t), core.UpdateNatGatewayRequest{NatGatewayId: ng.Id, IfMatch: g.Etag, UpdateNatGatewayDetails: core.UpdateNatGatewayDetails{BlockTraffic: common.Bool(true)}})
	if err != nil || !*u.BlockTraffic {
		t.Fatalf("block traffic: %v %+v", err, u.NatGateway)
	}
	list, err := c.ListNatGateways(ctx(t), core.ListNatGatewaysRequest{CompartmentId: common.String(tenancy1), VcnId: v.Id})
	if err != nil || len(list.Items) != 1 {
		t.Fatalf("list: %v %d", err, len(list.Items))
	}
	if _, err := c.UpdateRouteTable(ctx(t), core.UpdateRouteTableRequest{RtId: v.DefaultRouteTableId, UpdateRouteTableDetails: core.UpdateRouteTableDetails{RouteRules: []core.RouteRule{}}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteVcn(ctx(t), core.DeleteVcnRequest{VcnId: v.Id})
	serviceError(t, err, 409, "Conflict")
	if _, err := c.DeleteNatGateway(ctx(t), core.DeleteNatGatewayRequest{NatGatewayId: ng.Id}); err != nil {
		t.Fatal(err)
	}
	d, err := c.GetNatGateway(ctx(t), core.GetNatGatewayRequest{NatGatewayId: ng.Id, RequestMetadata: common.RequestMetadata{RetryPolicy: waitFor("TERMINATED")}})
	if err != nil || d.LifecycleState != core.NatGatewayLifecycleStateTerminated {
		t.Fatalf("after delete: %v %s", err, d.LifecycleState)
	}
	if n := len(l.cloud.ElasticIPs(tenancy1)); n != 0 {
		t.Fatalf("%d public addresses left", n)
	}
	if _, err := c.DeleteVcn(ctx(t), core.DeleteVcnRequest{VcnId: v.Id}); err != nil {
		t.Fatal(err)
	}
}
