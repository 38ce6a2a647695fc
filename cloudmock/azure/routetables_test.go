package azure

import (
	"context"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

func route(name, prefix string, hop armnetwork.RouteNextHopType, ip string) *armnetwork.Route {
	r := &armnetwork.Route{Name: to.Ptr(name), Properties: &armnetwork.RoutePropertiesFormat{AddressPrefix: to.Ptr(prefix), NextHopType: to.Ptr(hop)}}
	if ip != "" {
		r.Properties.NextHopIPAddress = to.Ptr(ip)
	}
	return r
}

// TestRouteTables: the Go SDK makes a route table with user-defined
// routes (to an appliance, to nowhere, to the internet), associates it
// with a subnet through the subnet's routeTable, adds, reads, lists and
// deletes a route as a child resource; Azure's errors for an appliance
// route without an address and for deleting a table in use; deleting the
// resource group deletes everything in it.
func TestRouteTables(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	makeGroup(t, e, "rg1")
	f, err := armnetwork.NewClientFactory(testSub, e.cred, e.opts)
	if err != nil {
		t.Fatal(err)
	}
	rts, routes, c := f.NewRouteTablesClient(), f.NewRoutesClient(), newClients(t, e)
	va, none, inet := armnetwork.RouteNextHopTypeVirtualAppliance, armnetwork.RouteNextHopTypeNone, armnetwork.RouteNextHopTypeInternet
	rt := poll(rts.BeginCreateOrUpdate(ctx, "rg1", "spoke-udr", armnetwork.RouteTable{Location: to.Ptr("eastus"),
		Properties: &armnetwork.RouteTablePropertiesFormat{Routes: []*armnetwork.Route{
			route("default-via-nva", "0.0.0.0/0", va, "10.0.2.4"), route("drop", "192.0.2.0/24", none, "")}}}, nil)).must(t)
	if len(rt.Properties.Routes) != 2 || *rt.Properties.Routes[0].Properties.NextHopIPAddress != "10.0.2.4" {
		t.Fatalf("route table: %+v", rt.Properties)
	}
	v := poll(c.vnets.BeginCreateOrUpdate(ctx, "rg1", "spoke", vnet("10.0.0.0/16", subnet("app", "10.0.1.0/24", "")), nil)).must(t)
	sub := *subnet("app", "10.0.1.0/24", "")
	sub.Properties.RouteTable = &armnetwork.RouteTable{ID: rt.ID}
	app := poll(c.subnets.BeginCreateOrUpdate(ctx, "rg1", "spoke", "app", sub, nil)).must(t)
	if app.Properties.RouteTable == nil || *app.Properties.RouteTable.ID != *rt.ID {
		t.Fatalf("subnet's route table: %+v", app.Properties)
	}
	// The model routes the subnet by the table.
	if got, err := e.cloud.RouteTableForSubnet(testSub, *v.Properties.Subnets[0].ID); err != nil || got.ID != *rt.ID {
		t.Fatalf("model: the subnet's table is %s, %v", got.ID, err)
	}
	poll(routes.BeginCreateOrUpdate(ctx, "rg1", "spoke-udr", "web", *route("web", "203.0.113.0/24", inet, ""), nil)).must(t)
	got, err := routes.Get(ctx, "rg1", "spoke-udr", "WEB", nil)
	if err != nil || *got.Properties.NextHopType != inet || *got.Properties.AddressPrefix != "203.0.113.0/24" {
		t.Fatalf("route get: %+v %v", got, err)
	}
	n := 0
	for pg := routes.NewListPager("rg1", "spoke-udr", nil); pg.More(); {
		p, err := pg.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += len(p.Value)
	}
	if n != 3 {
		t.Fatalf("%d routes listed, want 3", n)
	}
	poll(routes.BeginDelete(ctx, "rg1", "spoke-udr", "drop", nil)).must(t)
	_, err = routes.BeginCreateOrUpdate(ctx, "rg1", "spoke-udr", "bad", *route("bad", "10.9.0.0/16", va, ""), nil)
	wantCode(t, err, "InvalidRequestFormat", 400)
	_, err = rts.BeginDelete(ctx, "rg1", "spoke-udr", nil)
	wantCode(t, err, "InUseRouteTableCannotBeDeleted", 400)
	all := rts.NewListAllPager(nil)
	if p, err := all.NextPage(ctx); err != nil || len(p.Value) != 1 || len(p.Value[0].Properties.Subnets) != 1 {
		t.Fatalf("list all: %+v %v", p, err)
	}
	// Deleting the group deletes the table, the VNet and its subnet.
	rg, _ := armresources.NewResourceGroupsClient(testSub, e.cred, e.opts)
	poll(rg.BeginDelete(ctx, "rg1", nil)).must(t)
	if k := len(e.cloud.RouteTables(testSub)) + len(e.cloud.Networks(testSub)) + len(e.cloud.Scopes(testSub)); k != 0 {
		t.Fatalf("%d objects left after the group's deletion", k)
	}
	if rs := e.cloud.RuleSets(testSub, model.FlavorNSG); len(rs) != 0 {
		t.Fatalf("NSGs left: %v", rs)
	}
}
