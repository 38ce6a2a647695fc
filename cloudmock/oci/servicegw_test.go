package oci

import (
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"
)

// TestServiceGatewaySDK: the region's one service is listed with its
// CIDR label; a service gateway made with no services waits
// PROVISIONING to AVAILABLE; a route rule to it with the label is 400
// until the service is attached, and a CIDR_BLOCK rule to it is 400;
// the rule reads back as SERVICE_CIDR_BLOCK and is the model's route to
// the service's list (192.0.2.185, us-phoenix-1's address); a second
// gateway in the VCN is 400 LimitExceeded; detaching the routed service
// and deleting the routed gateway are 409; without the rule both pass
// and the gateway goes TERMINATED.
func TestServiceGatewaySDK(t *testing.T) {
	l := newLab(t)
	c := l.client1(t)
	v := newVcn(t, l, c, "sgw", "10.6.0.0/16")
	svcs, err := c.ListServices(ctx(t), core.ListServicesRequest{})
	if err != nil || len(svcs.Items) != 1 || *svcs.Items[0].CidrBlock != "all-phx-services-in-oracle-services-network" ||
		*svcs.Items[0].Name != "All PHX Services In Oracle Services Network" {
		t.Fatalf("ListServices: %v %+v", err, svcs.Items)
	}
	svc := svcs.Items[0]
	if g, err := c.GetService(ctx(t), core.GetServiceRequest{ServiceId: svc.Id}); err != nil || *g.CidrBlock != *svc.CidrBlock {
		t.Fatalf("GetService: %v %+v", err, g.Service)
	}
	_, err = c.GetService(ctx(t), core.GetServiceRequest{ServiceId: common.String("ocid1.service.oc1.us-phoenix-1.nosuch")})
	serviceError(t, err, 404, "NotAuthorizedOrNotFound")

	r, err := c.CreateServiceGateway(ctx(t), core.CreateServiceGatewayRequest{CreateServiceGatewayDetails: core.CreateServiceGatewayDetails{
		CompartmentId: common.String(tenancy1), VcnId: v.Id, Services: []core.ServiceIdRequestDetails{}, DisplayName: common.String("sgw")}})
	if err != nil || r.LifecycleState != core.ServiceGatewayLifecycleStateProvisioning || len(r.Services) != 0 {
		t.Fatalf("CreateServiceGateway: %v %+v", err, r.ServiceGateway)
	}
	g, err := c.GetServiceGateway(ctx(t), core.GetServiceGatewayRequest{ServiceGatewayId: r.Id, RequestMetadata: common.RequestMetadata{RetryPolicy: waitFor("AVAILABLE")}})
	if err != nil || g.LifecycleState != core.ServiceGatewayLifecycleStateAvailable || *g.VcnId != *v.Id || *g.CompartmentId != tenancy1 {
		t.Fatalf("GetServiceGateway: %v %+v", err, g.ServiceGateway)
	}
	_, err = c.CreateServiceGateway(ctx(t), core.CreateServiceGatewayRequest{CreateServiceGatewayDetails: core.CreateServiceGatewayDetails{
		CompartmentId: common.String(tenancy1), VcnId: v.Id, Services: []core.ServiceIdRequestDetails{}}})
	serviceError(t, err, 400, "LimitExceeded")

	route := func(dst string, typ core.RouteRuleDestinationTypeEnum) error {
		_, err := c.UpdateRouteTable(ctx(t), core.UpdateRouteTableRequest{RtId: v.DefaultRouteTableId, UpdateRouteTableDetails: core.UpdateRouteTableDetails{
			RouteRules: []core.RouteRule{{Destination: common.String(dst), DestinationType: typ, NetworkEntityId: r.Id}}}})
		return err
	}
	serviceError(t, route(*svc.CidrBlock, core.RouteRuleDestinationTypeServiceCidrBlock), 400, "InvalidParameter")
	a, err := c.AttachServiceId(ctx(t), core.AttachServiceIdRequest{ServiceGatewayId: r.Id, AttachServiceDetails: core.ServiceIdRequestDetails{ServiceId: svc.Id}})
	if err != nil || len(a.Services) != 1 || *a.Services[0].ServiceId != *svc.Id || *a.Services[0].ServiceName != *svc.Name {
		t.Fatalf("AttachServiceId: %v %+v", err, a.ServiceGateway)
	}
	serviceError(t, route("0.0.0.0/0", core.RouteRuleDestinationTypeCidrBlock), 400, "InvalidParameter")
	if err := route(*svc.CidrBlock, core.RouteRuleDestinationTypeServiceCidrBlock); err != nil {
		t.Fatal(err)
	}
	rt, err := c.GetRouteTable(ctx(t), core.GetRouteTableRequest{RtId: v.DefaultRouteTableId})
	if err != nil || len(rt.RouteRules) != 1 || *rt.RouteRules[0].Destination != *svc.CidrBlock ||
		rt.RouteRules[0].DestinationType != core.RouteRuleDestinationTypeServiceCidrBlock || *rt.RouteRules[0].NetworkEntityId != *r.Id {
		t.Fatalf("route table: %v %+v", err, rt.RouteRules)
	}
	mrt, _ := l.cloud.RouteTable(tenancy1, *v.DefaultRouteTableId)
	if ex := l.cloud.ExpandRoutes(mrt); !hasRoute(ex, "192.0.2.185/32", *r.Id) {
		t.Fatalf("model routes: %+v", ex)
	}
	_, err = c.DetachServiceId(ctx(t), core.DetachServiceIdRequest{ServiceGatewayId: r.Id, DetachServiceDetails: core.ServiceIdRequestDetails{ServiceId: svc.Id}})
	serviceError(t, err, 409, "Conflict")
	_, err = c.DeleteServiceGateway(ctx(t), core.DeleteServiceGatewayRequest{ServiceGatewayId: r.Id})
	serviceError(t, err, 409, "Conflict")
	if _, err := c.UpdateRouteTable(ctx(t), core.UpdateRouteTableRequest{RtId: v.DefaultRouteTableId,
		UpdateRouteTableDetails: core.UpdateRouteTableDetails{RouteRules: []core.RouteRule{}}}); err != nil {
		t.Fatal(err)
	}
	u, err := c.UpdateServiceGateway(ctx(t), core.UpdateServiceGatewayRequest{ServiceGatewayId: r.Id, UpdateServiceGatewayDetails: core.UpdateServiceGatewayDetails{
		DisplayName: common.String("sgw2"), BlockTraffic: common.Bool(true), Services: []core.ServiceIdRequestDetails{}}})
	if err != nil || *u.DisplayName != "sgw2" || !*u.BlockTraffic || len(u.Services) != 0 {
		t.Fatalf("UpdateServiceGateway: %v %+v", err, u.ServiceGateway)
	}
	if _, err := c.DeleteServiceGateway(ctx(t), core.DeleteServiceGatewayRequest{ServiceGatewayId: r.Id}); err != nil {
		t.Fatal(err)
	}
	d, err := c.GetServiceGateway(ctx(t), core.GetServiceGatewayRequest{ServiceGatewayId: r.Id, RequestMetadata: common.RequestMetadata{RetryPolicy: waitFor("TERMINATED")}})
	if err != nil || d.LifecycleState != core.ServiceGatewayLifecycleStateTerminated {
		t.Fatalf("deleted gateway: %v %s", err, d.LifecycleState)
	}
}

// hasRoute reports whether routes send dst to target.
func hasRoute(routes []model.Route, dst, target string) bool {
	for _, r := range routes {
		if r.Destination.String() == dst && r.Target.ID == target {
			return true
		}
	}
	return false
}
