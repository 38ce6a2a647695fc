package azure

import (
	"context"
	"errors"
	"net/netip"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// vngIn is a VPN gateway for the SDK with one IP configuration per pip.
func vngIn(subnetID string, activeActive bool, pips ...string) armnetwork.VirtualNetworkGateway {
	g := armnetwork.VirtualNetworkGateway{Location: to.Ptr("eastus"), Properties: &armnetwork.VirtualNetworkGatewayPropertiesFormat{
		GatewayType: to.Ptr(armnetwork.VirtualNetworkGatewayTypeVPN), VPNType: to.Ptr(armnetwork.VPNTypeRouteBased),
		SKU:    &armnetwork.VirtualNetworkGatewaySKU{Name: to.Ptr(armnetwork.VirtualNetworkGatewaySKUNameVPNGw2), Tier: to.Ptr(armnetwork.VirtualNetworkGatewaySKUTierVPNGw2)},
		Active: to.Ptr(activeActive), EnableBgp: to.Ptr(true), BgpSettings: &armnetwork.BgpSettings{Asn: to.Ptr[int64](65010)}}}
	for i, p := range pips {
		g.Properties.IPConfigurations = append(g.Properties.IPConfigurations, &armnetwork.VirtualNetworkGatewayIPConfiguration{
			Name: to.Ptr([]string{"default", "activeActive"}[i]), Properties: &armnetwork.VirtualNetworkGatewayIPConfigurationPropertiesFormat{
				Subnet: &armnetwork.SubResource{ID: to.Ptr(subnetID)}, PublicIPAddress: &armnetwork.SubResource{ID: to.Ptr(rgID + "publicIPAddresses/" + p)}}})
	}
	return g
}

// TestGateways: a local network gateway keeps its address, prefixes and
// BGP settings; a virtual network gateway needs the GatewaySubnet and, when
// active-active, two IP configurations; it shows its ASN and BGP peering
// address, holds its public IPs, and lets a peer use remote gateways.
func TestGateways(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, f := nicSetup(t, e)
	pc := f.NewPublicIPAddressesClient()
	poll(pc.BeginCreateOrUpdate(ctx, "rg1", "pip2", pipIn(armnetwork.PublicIPAddressSKUNameStandard, armnetwork.IPAllocationMethodStatic), nil)).must(t)
	lc := f.NewLocalNetworkGatewaysClient()
	l := poll(lc.BeginCreateOrUpdate(ctx, "rg1", "onprem", armnetwork.LocalNetworkGateway{Location: to.Ptr("eastus"), Properties: &armnetwork.LocalNetworkGatewayPropertiesFormat{
		GatewayIPAddress: to.Ptr("198.51.100.2"), LocalNetworkAddressSpace: &armnetwork.AddressSpace{AddressPrefixes: []*string{to.Ptr("172.16.0.0/16")}},
		BgpSettings: &armnetwork.BgpSettings{Asn: to.Ptr[int64](65001), BgpPeeringAddress: to.Ptr("172.16.0.1")}}}, nil)).must(t)
	if *l.Properties.GatewayIPAddress != "198.51.100.2" || *l.Properties.LocalNetworkAddressSpace.AddressPrefixes[0] != "172.16.0.0/16" || *l.Properties.BgpSettings.Asn != 65001 {
		t.Fatalf("local gateway: %+v", l.Properties)
	}
	sc := f.NewSubnetsClient()
	poll(sc.BeginCreateOrUpdate(ctx, "rg1", "v1", "GatewaySubnet", *subnet("GatewaySubnet", "10.0.255.0/27", ""), nil)).must(t)
	gc := f.NewVirtualNetworkGatewaysClient()
	_, err := gc.BeginCreateOrUpdate(ctx, "rg1", "gw", vngIn(rgID+"virtualNetworks/v1/subnets/b", false, "pip1"), nil)
	wantCode(t, err, "InvalidRequestFormat", 400)
	_, err = gc.BeginCreateOrUpdate(ctx, "rg1", "gw", vngIn(rgID+"virtualNetworks/v1/subnets/GatewaySubnet", true, "pip1"), nil)
	wantCode(t, err, "InvalidRequestFormat", 400)
	g := poll(gc.BeginCreateOrUpdate(ctx, "rg1", "gw", vngIn(rgID+"virtualNetworks/v1/subnets/GatewaySubnet", true, "pip1", "pip2"), nil)).must(t)
	if !*g.Properties.Active || len(g.Properties.IPConfigurations) != 2 || *g.Properties.BgpSettings.Asn != 65010 ||
		*g.Properties.BgpSettings.BgpPeeringAddress != "10.0.255.30,10.0.255.29" {
		t.Fatalf("gateway: %+v %+v", g.Properties, g.Properties.BgpSettings)
	}
	// Each instance's BGP address, with its IP configuration and public IP.
	for i, b := range g.Properties.BgpSettings.BgpPeeringAddresses {
		want := []string{"10.0.255.30", "10.0.255.29"}[i]
		if *b.IPConfigurationID != *g.Properties.IPConfigurations[i].ID || len(b.DefaultBgpIPAddresses) != 1 || *b.DefaultBgpIPAddresses[0] != want ||
			len(b.TunnelIPAddresses) != 1 || *b.TunnelIPAddresses[0] == "" {
			t.Fatalf("instance %d's BGP peering address: %+v, want %s", i, b, want)
		}
	}
	if n := len(g.Properties.BgpSettings.BgpPeeringAddresses); n != 2 {
		t.Fatalf("%d BGP peering addresses, want 2", n)
	}
	if p, _ := pc.Get(ctx, "rg1", "pip1", nil); p.Properties.IPConfiguration != nil {
		t.Fatalf("a gateway's public IP shows a NIC configuration: %+v", p.Properties.IPConfiguration)
	}
	_, err = pc.BeginDelete(ctx, "rg1", "pip1", nil)
	wantCode(t, err, "PublicIPAddressCannotBeDeleted", 400)
	c := newClients(t, e)
	poll(c.vnets.BeginCreateOrUpdate(ctx, "rg1", "spoke", vnet("10.5.0.0/16"), nil)).must(t)
	peer := peerIn("v1", false)
	peer.Properties.UseRemoteGateways = to.Ptr(true)
	poll(f.NewVirtualNetworkPeeringsClient().BeginCreateOrUpdate(ctx, "rg1", "spoke", "to-hub", peer, nil)).must(t)
	cc := f.NewVirtualNetworkGatewayConnectionsClient()
	conn := poll(cc.BeginCreateOrUpdate(ctx, "rg1", "s2s", armnetwork.VirtualNetworkGatewayConnection{Location: to.Ptr("eastus"),
		Properties: &armnetwork.VirtualNetworkGatewayConnectionPropertiesFormat{ConnectionType: to.Ptr(armnetwork.VirtualNetworkGatewayConnectionTypeIPsec),
			VirtualNetworkGateway1: &armnetwork.VirtualNetworkGateway{ID: g.ID}, LocalNetworkGateway2: &armnetwork.LocalNetworkGateway{ID: l.ID},
			SharedKey: to.Ptr("k3y"), EnableBgp: to.Ptr(false)}}, nil)).must(t)
	if *conn.Properties.ConnectionType != "IPsec" || *conn.Properties.EnableBgp {
		t.Fatalf("connection: %+v", conn.Properties)
	}
	vs := e.cloud.VPNConnections(testSub)
	if len(vs) != 1 || len(vs[0].Routes) != 1 || vs[0].Routes[0].String() != "172.16.0.0/16" || vs[0].SharedKey != "k3y" || string(*conn.Properties.ConnectionStatus) != "Unknown" {
		t.Fatalf("model VPN: %+v, status %s", vs, *conn.Properties.ConnectionStatus)
	}
	// Azure: https://learn.microsoft.com/en-us/rest/api/network-gateway/virtual-network-gateway-connections/get — connectionStatus as the tunnel is
	for _, st := range []struct{ tunnel, want string }{{model.VPNConnecting, "Connecting"}, {model.VPNUp, "Connected"}} {
		if err := e.cloud.SetVPNStatus(testSub, vs[0].ID, st.tunnel, ""); err != nil {
			t.Fatal(err)
		}
		if got, err := cc.Get(ctx, "rg1", "s2s", nil); err != nil || string(*got.Properties.ConnectionStatus) != st.want {
			t.Fatalf("tunnel %s: connectionStatus %v (%v), want %s", st.tunnel, got.Properties, err, st.want)
		}
	}
	poll(cc.BeginDelete(ctx, "rg1", "s2s", nil)).must(t)
	checkBGPActions(t, e, gc, cc, g, l)
	poll(gc.BeginDelete(ctx, "rg1", "gw", nil)).must(t)
	poll(pc.BeginDelete(ctx, "rg1", "pip1", nil)).must(t)
	poll(lc.BeginDelete(ctx, "rg1", "onprem", nil)).must(t)
}

// checkBGPActions: with a BGP connection whose learned routes and session
// the realizer recorded, getLearnedRoutes lists the VNet's prefix (origin
// Network) and the learned one (EBgp, from the local gateway's BGP
// address), getBgpPeerStatus the peer Connected with its route count.
// Azure: https://learn.microsoft.com/en-us/rest/api/network-gateway/virtual-network-gateways/get-learned-routes — GatewayRoute; https://learn.microsoft.com/en-us/rest/api/network-gateway/virtual-network-gateways/get-bgp-peer-status — BgpPeerStatus
func checkBGPActions(t *testing.T, e *env, gc *armnetwork.VirtualNetworkGatewaysClient, cc *armnetwork.VirtualNetworkGatewayConnectionsClient,
	g armnetwork.VirtualNetworkGatewaysClientCreateOrUpdateResponse, l armnetwork.LocalNetworkGatewaysClientCreateOrUpdateResponse) {
	t.Helper()
	ctx := context.Background()
	poll(cc.BeginCreateOrUpdate(ctx, "rg1", "s2s-bgp", armnetwork.VirtualNetworkGatewayConnection{Location: to.Ptr("eastus"),
		Properties: &armnetwork.VirtualNetworkGatewayConnectionPropertiesFormat{ConnectionType: to.Ptr(armnetwork.VirtualNetworkGatewayConnectionTypeIPsec),
			VirtualNetworkGateway1: &armnetwork.VirtualNetworkGateway{ID: g.ID}, LocalNetworkGateway2: &armnetwork.LocalNetworkGateway{ID: l.ID},
			SharedKey: to.Ptr("k3y"), EnableBgp: to.Ptr(true)}}, nil)).must(t)
	v := e.cloud.VPNConnections(testSub)[0]
	if err := errors.Join(e.cloud.SetVPNLearnedRoutes(testSub, v.ID, []netip.Prefix{netip.MustParsePrefix("172.16.1.0/24")}),
		e.cloud.SetVPNStatus(testSub, v.ID, model.VPNUp, model.VPNUp)); err != nil {
		t.Fatal(err)
	}
	lr := poll(gc.BeginGetLearnedRoutes(ctx, "rg1", "gw", nil)).must(t)
	got := map[string]string{}
	for _, r := range lr.Value {
		got[*r.Network] = string(*r.Origin) + " " + *r.SourcePeer + " " + *r.LocalAddress
	}
	if len(got) != 2 || got["10.0.0.0/16"] != "Network 10.0.255.30 10.0.255.30" || got["172.16.1.0/24"] != "EBgp 172.16.0.1 10.0.255.30" {
		t.Fatalf("learned routes: %v", got)
	}
	ps := poll(gc.BeginGetBgpPeerStatus(ctx, "rg1", "gw", nil)).must(t)
	if len(ps.Value) != 1 || *ps.Value[0].Neighbor != "172.16.0.1" || *ps.Value[0].State != armnetwork.BgpPeerStateConnected ||
		*ps.Value[0].Asn != 65001 || *ps.Value[0].RoutesReceived != 1 {
		t.Fatalf("BGP peers: %+v", ps.Value)
	}
	poll(cc.BeginDelete(ctx, "rg1", "s2s-bgp", nil)).must(t)
}
