package azure

import (
	"context"
	"net/netip"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// TestExpressRouteBGP: an ExpressRoute gateway's BGP peer is Microsoft's
// edge of the circuit's private peering (its address of the /30, AS
// 12076), Connecting until the realizer records the session up; then the
// gateway's learned routes hold what the session learned (EBgp from that
// address, AS path 12076-65010) and a NIC of the VNet has it as an
// effective route to the gateway (source VirtualNetworkGateway); the
// session down takes the route away.
// Azure: https://learn.microsoft.com/en-us/rest/api/network-gateway/virtual-network-gateways/get-bgp-peer-status — BgpPeerStatus; https://learn.microsoft.com/en-us/rest/api/virtualnetwork/network-interfaces/get-effective-route-table — source VirtualNetworkGateway
func TestExpressRouteBGP(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	must(e.cloud.ProvisionDXConnectionAt(testSub, model.Place{Region: "eastus"}, "er1", nil))(t)
	_, f := nicSetup(t, e)
	c := poll(f.NewExpressRouteCircuitsClient().BeginCreateOrUpdate(ctx, "rg1", "er1", circuitIn(), nil)).must(t)
	poll(f.NewExpressRouteCircuitPeeringsClient().BeginCreateOrUpdate(ctx, "rg1", "er1", "AzurePrivatePeering", privatePeeringIn(), nil)).must(t)
	poll(f.NewSubnetsClient().BeginCreateOrUpdate(ctx, "rg1", "v1", "GatewaySubnet", *subnet("GatewaySubnet", "10.0.255.0/27", ""), nil)).must(t)
	gc := f.NewVirtualNetworkGatewaysClient()
	g := poll(gc.BeginCreateOrUpdate(ctx, "rg1", "ergw", erGatewayIn(net1+"/subnets/GatewaySubnet"), nil)).must(t)
	poll(f.NewVirtualNetworkGatewayConnectionsClient().BeginCreateOrUpdate(ctx, "rg1", "er-link", erConnIn(*g.ID, *c.ID), nil)).must(t)
	nc := f.NewInterfacesClient()
	poll(nc.BeginCreateOrUpdate(ctx, "rg1", "nica", nicIn(net1+"/subnets/b", "", "", ""), nil)).must(t)

	ps := poll(gc.BeginGetBgpPeerStatus(ctx, "rg1", "ergw", nil)).must(t)
	if len(ps.Value) != 1 || *ps.Value[0].Neighbor != "192.168.100.2" || *ps.Value[0].Asn != 12076 || *ps.Value[0].State != armnetwork.BgpPeerStateConnecting {
		t.Fatalf("BGP peers before the session: %+v", ps.Value)
	}
	onprem := netip.MustParsePrefix("172.16.1.0/24")
	vif := e.cloud.DXVirtualInterfaces(testSub)[0]
	if err := e.cloud.SetDXSession(testSub, vif.ID, true, []netip.Prefix{onprem}); err != nil {
		t.Fatal(err)
	}
	ps = poll(gc.BeginGetBgpPeerStatus(ctx, "rg1", "ergw", nil)).must(t)
	if len(ps.Value) != 1 || *ps.Value[0].State != armnetwork.BgpPeerStateConnected || *ps.Value[0].RoutesReceived != 1 {
		t.Fatalf("BGP peers with the session up: %+v", ps.Value)
	}
	lr := poll(gc.BeginGetLearnedRoutes(ctx, "rg1", "ergw", nil)).must(t)
	got := map[string]string{}
	for _, r := range lr.Value {
		got[*r.Network] = string(*r.Origin) + " " + *r.SourcePeer + " " + *r.AsPath
	}
	if got[onprem.String()] != "EBgp 192.168.100.2 12076-65010" || got["10.0.0.0/16"] == "" || len(got) != 2 {
		t.Fatalf("learned routes: %v", got)
	}
	if hop := nicRoute(t, nc, onprem); hop != "VirtualNetworkGateway/VirtualNetworkGateway" {
		t.Fatalf("NIC's effective route to %s: %q, want source and next hop VirtualNetworkGateway", onprem, hop)
	}
	if err := e.cloud.SetDXSession(testSub, vif.ID, false, []netip.Prefix{onprem}); err != nil {
		t.Fatal(err)
	}
	if hop := nicRoute(t, nc, onprem); hop != "" {
		t.Fatalf("NIC's effective route to %s with the session down: %q, want none", onprem, hop)
	}
}

// nicRoute is the source and next hop type of NIC nica's effective route
// to dst ("" when it has none).
func nicRoute(t *testing.T, nc *armnetwork.InterfacesClient, dst netip.Prefix) string {
	t.Helper()
	res := poll(nc.BeginGetEffectiveRouteTable(context.Background(), "rg1", "nica", nil)).must(t)
	for _, r := range res.Value {
		if len(r.AddressPrefix) == 1 && *r.AddressPrefix[0] == dst.String() {
			return string(*r.Source) + "/" + string(*r.NextHopType)
		}
	}
	return ""
}
