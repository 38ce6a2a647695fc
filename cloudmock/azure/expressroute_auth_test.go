package azure

import (
	"context"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"

	"github.com/mcnlab/mcnlab/cloudmock/azure/azuretest"
	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// TestExpressRouteAuthorizations: the owner of circuit er1 (testSub)
// makes an authorization (a key, Available, listed and inline in the
// circuit); an ExpressRoute gateway of another subscription cannot link
// to the circuit without a key (403 LinkedAuthorizationFailed) or with a
// wrong one (400 InvalidAuthorizationKey), links with the key (its
// connection Connected, the model's virtual interface on the owner's
// line, the authorization InUse), cannot use it twice
// (AuthorizationKeyInUse); the authorization in use cannot be deleted
// (InUseResourceCannotBeDeleted) and is Available again once the
// connection is deleted, then deleted.
func TestExpressRouteAuthorizations(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	line := must(e.cloud.ProvisionDXConnectionAt(testSub, model.Place{Region: "eastus"}, "er1", nil))(t)
	_, f := nicSetup(t, e)
	cc, ac := f.NewExpressRouteCircuitsClient(), f.NewExpressRouteCircuitAuthorizationsClient()
	c := poll(cc.BeginCreateOrUpdate(ctx, "rg1", "er1", circuitIn(), nil)).must(t)
	poll(f.NewExpressRouteCircuitPeeringsClient().BeginCreateOrUpdate(ctx, "rg1", "er1", "AzurePrivatePeering", privatePeeringIn(), nil)).must(t)
	a := poll(ac.BeginCreateOrUpdate(ctx, "rg1", "er1", "sales", armnetwork.ExpressRouteCircuitAuthorization{}, nil)).must(t)
	if a.Properties.AuthorizationKey == nil || len(*a.Properties.AuthorizationKey) != 36 || *a.Properties.AuthorizationUseStatus != armnetwork.AuthorizationUseStatusAvailable ||
		*a.ID != *c.ID+"/authorizations/sales" {
		t.Fatalf("authorization: %s %+v", *a.ID, a.Properties)
	}
	key := *a.Properties.AuthorizationKey
	if got, _ := cc.Get(ctx, "rg1", "er1", nil); len(got.Properties.Authorizations) != 1 || *got.Properties.Authorizations[0].Name != "sales" {
		t.Fatalf("circuit's inline authorizations: %+v", got.Properties.Authorizations)
	}

	// The other subscription: a VNet with an ExpressRoute gateway.
	cred, opts, err := azuretest.Client(e.ts, testTenant, "other-app", "other", 1)
	if err != nil {
		t.Fatal(err)
	}
	rg, _ := armresources.NewResourceGroupsClient(otherSub, cred, opts)
	if _, err := rg.CreateOrUpdate(ctx, "rg2", armresources.ResourceGroup{Location: to.Ptr("eastus")}, nil); err != nil {
		t.Fatal(err)
	}
	of, _ := armnetwork.NewClientFactory(otherSub, cred, opts)
	v := poll(of.NewVirtualNetworksClient().BeginCreateOrUpdate(ctx, "rg2", "sales-vnet", vnet("10.50.0.0/16", subnet("GatewaySubnet", "10.50.255.0/27", "")), nil)).must(t)
	g := poll(of.NewVirtualNetworkGatewaysClient().BeginCreateOrUpdate(ctx, "rg2", "sales-ergw", erGatewayIn(*v.ID+"/subnets/GatewaySubnet"), nil)).must(t)
	conns := of.NewVirtualNetworkGatewayConnectionsClient()
	link := erConnIn(*g.ID, *c.ID)
	_, err = conns.BeginCreateOrUpdate(ctx, "rg2", "sales-link", link, nil)
	wantCode(t, err, "LinkedAuthorizationFailed", 403)
	link.Properties.AuthorizationKey = to.Ptr("00000000-1111-2222-3333-444444444444")
	_, err = conns.BeginCreateOrUpdate(ctx, "rg2", "sales-link", link, nil)
	wantCode(t, err, "InvalidAuthorizationKey", 400)
	link.Properties.AuthorizationKey = to.Ptr(key)
	conn := poll(conns.BeginCreateOrUpdate(ctx, "rg2", "sales-link", link, nil)).must(t)
	if *conn.Properties.ConnectionStatus != "Connected" || *conn.Properties.Peer.ID != *c.ID {
		t.Fatalf("connection across subscriptions: %+v", conn.Properties)
	}
	vifs := e.cloud.DXVirtualInterfaces(otherSub)
	if len(vifs) != 1 || vifs[0].ConnectionID != line.ID || vifs[0].LineAccount != testSub || vifs[0].VPNGatewayID == "" || vifs[0].State != model.StateAvailable {
		t.Fatalf("the other subscription's virtual interface: %+v", vifs)
	}
	if a, _ := ac.Get(ctx, "rg1", "er1", "sales", nil); *a.Properties.AuthorizationUseStatus != armnetwork.AuthorizationUseStatusInUse {
		t.Errorf("authorization after its key was redeemed: %s", *a.Properties.AuthorizationUseStatus)
	}
	_, err = conns.BeginCreateOrUpdate(ctx, "rg2", "sales-link2", link, nil)
	wantCode(t, err, "AuthorizationKeyInUse", 400)
	_, err = ac.BeginDelete(ctx, "rg1", "er1", "sales", nil)
	wantCode(t, err, "InUseResourceCannotBeDeleted", 400)
	_, err = cc.BeginDelete(ctx, "rg1", "er1", nil)
	wantCode(t, err, "InUseResourceCannotBeDeleted", 400) // the other subscription's link holds the circuit

	poll(conns.BeginDelete(ctx, "rg2", "sales-link", nil)).must(t)
	if a, _ := ac.Get(ctx, "rg1", "er1", "sales", nil); *a.Properties.AuthorizationUseStatus != armnetwork.AuthorizationUseStatusAvailable {
		t.Errorf("authorization after its connection went: %s", *a.Properties.AuthorizationUseStatus)
	}
	poll(ac.BeginDelete(ctx, "rg1", "er1", "sales", nil)).must(t)
	page, err := ac.NewListPager("rg1", "er1", nil).NextPage(ctx)
	if err != nil || len(page.Value) != 0 {
		t.Errorf("authorizations after the delete: %v %+v", err, page.Value)
	}
	_, err = ac.Get(ctx, "rg1", "er1", "sales", nil)
	wantCode(t, err, "NotFound", 404)
}
