package azure

import (
	"context"
	"net/netip"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"

	"github.com/mcnlab/mcnlab/cloudmock/azure/azuretest"
	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// circuitIn is a circuit for the SDK at the lab's provider.
func circuitIn() armnetwork.ExpressRouteCircuit { return azuretest.Circuit("eastus") }

// privatePeeringIn is the private peering for the SDK: peer ASN 65010,
// 192.168.100.0/30 and .4/30, VLAN 100.
func privatePeeringIn() armnetwork.ExpressRouteCircuitPeering {
	return armnetwork.ExpressRouteCircuitPeering{Properties: &armnetwork.ExpressRouteCircuitPeeringPropertiesFormat{
		PeeringType: to.Ptr(armnetwork.ExpressRoutePeeringTypeAzurePrivatePeering), PeerASN: to.Ptr[int64](65010),
		PrimaryPeerAddressPrefix: to.Ptr("192.168.100.0/30"), SecondaryPeerAddressPrefix: to.Ptr("192.168.100.4/30"), VlanID: to.Ptr[int32](100)}}
}

// erGatewayIn is an ExpressRoute gateway in a GatewaySubnet, without a
// public IP.
func erGatewayIn(subnetID string) armnetwork.VirtualNetworkGateway {
	return armnetwork.VirtualNetworkGateway{Location: to.Ptr("eastus"), Properties: &armnetwork.VirtualNetworkGatewayPropertiesFormat{
		GatewayType: to.Ptr(armnetwork.VirtualNetworkGatewayTypeExpressRoute),
		SKU:         &armnetwork.VirtualNetworkGatewaySKU{Name: to.Ptr(armnetwork.VirtualNetworkGatewaySKUNameStandard)},
		IPConfigurations: []*armnetwork.VirtualNetworkGatewayIPConfiguration{{Name: to.Ptr("default"),
			Properties: &armnetwork.VirtualNetworkGatewayIPConfigurationPropertiesFormat{Subnet: &armnetwork.SubResource{ID: to.Ptr(subnetID)}}}}}}
}

// erConnIn links a gateway to a circuit.
func erConnIn(gateway, circuit string) armnetwork.VirtualNetworkGatewayConnection {
	return armnetwork.VirtualNetworkGatewayConnection{Location: to.Ptr("eastus"), Properties: &armnetwork.VirtualNetworkGatewayConnectionPropertiesFormat{
		ConnectionType:         to.Ptr(armnetwork.VirtualNetworkGatewayConnectionTypeExpressRoute),
		VirtualNetworkGateway1: &armnetwork.VirtualNetworkGateway{ID: to.Ptr(gateway)}, Peer: &armnetwork.SubResource{ID: to.Ptr(circuit)},
		RoutingWeight: to.Ptr[int32](10)}}
}

// TestExpressRoute: a circuit claims the lab's line of its name
// (Provisioned, a service key); one of another name is refused; the
// private peering is checked and read inline and on its own; a connection
// of type ExpressRoute from an ExpressRoute gateway is the model's virtual
// interface with the peering's VLAN and ASN and Azure's address split
// (the customer the first usable address, Microsoft the second); a Vpn
// gateway cannot take it; the peering and circuit cannot go while
// linked; deleting the connection and circuit gives the line back.
func TestExpressRoute(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	line := must(e.cloud.ProvisionDXConnectionAt(testSub, model.Place{Region: "eastus"}, "er1", nil))(t)
	_, f := nicSetup(t, e)
	cc, pc := f.NewExpressRouteCircuitsClient(), f.NewExpressRouteCircuitPeeringsClient()
	_, err := cc.BeginCreateOrUpdate(ctx, "rg1", "er9", circuitIn(), nil)
	wantCode(t, err, "InvalidRequestFormat", 400)
	c := poll(cc.BeginCreateOrUpdate(ctx, "rg1", "er1", circuitIn(), nil)).must(t)
	if *c.ID != rgID+"expressRouteCircuits/er1" || *c.Properties.ServiceProviderProvisioningState != "Provisioned" ||
		*c.Properties.CircuitProvisioningState != "Enabled" || c.Properties.ServiceKey == nil || *c.SKU.Family != "MeteredData" {
		t.Fatalf("circuit: %s %+v", *c.ID, c.Properties)
	}
	bad := privatePeeringIn()
	bad.Properties.PrimaryPeerAddressPrefix = to.Ptr("192.168.100.0/29")
	_, err = pc.BeginCreateOrUpdate(ctx, "rg1", "er1", "AzurePrivatePeering", bad, nil)
	wantCode(t, err, "InvalidRequestFormat", 400)
	p := poll(pc.BeginCreateOrUpdate(ctx, "rg1", "er1", "AzurePrivatePeering", privatePeeringIn(), nil)).must(t)
	if *p.Properties.AzureASN != 12076 || *p.Properties.VlanID != 100 || *p.Properties.State != armnetwork.ExpressRoutePeeringStateEnabled {
		t.Fatalf("peering: %+v", p.Properties)
	}
	if got, _ := cc.Get(ctx, "rg1", "er1", nil); len(got.Properties.Peerings) != 1 || *got.Properties.Peerings[0].Properties.PeerASN != 65010 {
		t.Fatalf("circuit's inline peerings: %+v", got.Properties.Peerings)
	}

	sc, gc, conns := f.NewSubnetsClient(), f.NewVirtualNetworkGatewaysClient(), f.NewVirtualNetworkGatewayConnectionsClient()
	poll(sc.BeginCreateOrUpdate(ctx, "rg1", "v1", "GatewaySubnet", *subnet("GatewaySubnet", "10.0.255.0/27", ""), nil)).must(t)
	g := poll(gc.BeginCreateOrUpdate(ctx, "rg1", "ergw", erGatewayIn(net1+"/subnets/GatewaySubnet"), nil)).must(t)
	if *g.Properties.GatewayType != armnetwork.VirtualNetworkGatewayTypeExpressRoute || *g.Properties.SKU.Name != "Standard" {
		t.Fatalf("ExpressRoute gateway: %+v", g.Properties)
	}
	conn := poll(conns.BeginCreateOrUpdate(ctx, "rg1", "er-link", erConnIn(*g.ID, *c.ID), nil)).must(t)
	if *conn.Properties.ConnectionType != "ExpressRoute" || *conn.Properties.Peer.ID != *c.ID || *conn.Properties.ConnectionStatus != "Connected" {
		t.Fatalf("connection: %+v", conn.Properties)
	}
	vifs := e.cloud.DXVirtualInterfaces(testSub)
	if len(vifs) != 1 || vifs[0].ConnectionID != line.ID || vifs[0].VLAN != 100 || vifs[0].CustomerASN != 65010 || vifs[0].State != model.StateAvailable ||
		vifs[0].CustomerAddress != netip.MustParsePrefix("192.168.100.1/30") || vifs[0].CloudAddress != netip.MustParsePrefix("192.168.100.2/30") {
		t.Fatalf("model virtual interfaces: %+v", vifs)
	}
	lng := poll(f.NewLocalNetworkGatewaysClient().BeginCreateOrUpdate(ctx, "rg1", "onprem", armnetwork.LocalNetworkGateway{Location: to.Ptr("eastus"),
		Properties: &armnetwork.LocalNetworkGatewayPropertiesFormat{GatewayIPAddress: to.Ptr("198.51.100.2")}}, nil)).must(t)
	_, err = conns.BeginCreateOrUpdate(ctx, "rg1", "s2s", armnetwork.VirtualNetworkGatewayConnection{Location: to.Ptr("eastus"),
		Properties: &armnetwork.VirtualNetworkGatewayConnectionPropertiesFormat{ConnectionType: to.Ptr(armnetwork.VirtualNetworkGatewayConnectionTypeIPsec),
			VirtualNetworkGateway1: &armnetwork.VirtualNetworkGateway{ID: g.ID}, LocalNetworkGateway2: &armnetwork.LocalNetworkGateway{ID: lng.ID}, SharedKey: to.Ptr("k")}}, nil)
	wantCode(t, err, "InvalidRequestFormat", 400) // an ExpressRoute gateway takes no IPsec connection
	_, err = pc.BeginDelete(ctx, "rg1", "er1", "AzurePrivatePeering", nil)
	wantCode(t, err, "InUseResourceCannotBeDeleted", 400)
	_, err = cc.BeginDelete(ctx, "rg1", "er1", nil)
	wantCode(t, err, "InUseResourceCannotBeDeleted", 400)
	// A changed peering moves the link onto its new VLAN.
	moved := privatePeeringIn()
	moved.Properties.VlanID = to.Ptr[int32](200)
	poll(pc.BeginCreateOrUpdate(ctx, "rg1", "er1", "AzurePrivatePeering", moved, nil)).must(t)
	if vifs = e.cloud.DXVirtualInterfaces(testSub); len(vifs) != 1 || vifs[0].VLAN != 200 {
		t.Fatalf("after the peering's change: %+v", vifs)
	}
	pager := conns.NewListPager("rg1", nil)
	page, err := pager.NextPage(ctx)
	if err != nil || len(page.Value) != 1 || *page.Value[0].Name != "er-link" {
		t.Fatalf("connections list: %v %+v", err, page.Value)
	}

	poll(conns.BeginDelete(ctx, "rg1", "er-link", nil)).must(t)
	poll(cc.BeginDelete(ctx, "rg1", "er1", nil)).must(t)
	if len(e.cloud.DXVirtualInterfaces(testSub)) != 0 || len(e.cloud.DXConnections(testSub)) != 1 {
		t.Fatalf("after deletes: %+v %+v", e.cloud.DXVirtualInterfaces(testSub), e.cloud.DXConnections(testSub))
	}
	_, err = cc.Get(ctx, "rg1", "er1", nil)
	wantCode(t, err, "ResourceNotFound", 404)
	poll(cc.BeginCreateOrUpdate(ctx, "rg1", "er1", circuitIn(), nil)).must(t) // the line is free again
}

// must returns a value or fails the test with its error.
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
