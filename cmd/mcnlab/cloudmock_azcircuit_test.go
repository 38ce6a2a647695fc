package main

import (
	"errors"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
	"github.com/vishvananda/netlink"

	"github.com/mcnlab/mcnlab/cloudmock/azure/azuretest"
	"github.com/mcnlab/mcnlab/emulator/probe"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// TestAzureServeCircuit: `cloudmock serve --provider azure --lab L
// --circuit line1=NS:er0:eastus` makes the lab's private line the
// subscription's, which the ExpressRoute circuit line1 claims (Provisioned)
// and a circuit of another name is refused (400 InvalidRequestFormat);
// once the circuit's private peering has a connection from an
// ExpressRoute gateway, the line reaches the site's namespace: er0 there
// holds the peering's first usable address and Microsoft's end (the
// second) answers pings over it.
func TestAzureServeCircuit(t *testing.T) {
	roottest.Require(t)
	roottest.UseTempState(t)
	lab := roottest.LabName(t, "aer")
	colo := roottest.NewNamespaces(t, "colo")[0] // the site's router, where the line ends
	startServe(t, "--provider", "azure", "--lab", lab, "--circuit", "line1="+colo.Name+":er0:eastus")
	ep, cred, opts := azureLabClient(t, lab)
	ctx := t.Context()
	groups, err := armresources.NewResourceGroupsClient(ep.AccountID, cred, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := groups.CreateOrUpdate(ctx, "rg1", armresources.ResourceGroup{Location: to.Ptr("eastus")}, nil); err != nil {
		t.Fatal(err)
	}
	f, err := armnetwork.NewClientFactory(ep.AccountID, cred, opts)
	if err != nil {
		t.Fatal(err)
	}
	cc := f.NewExpressRouteCircuitsClient()
	if _, err := cc.BeginCreateOrUpdate(ctx, "rg1", "line2", azuretest.Circuit("eastus"), nil); !isARMError(err, http.StatusBadRequest, "InvalidRequestFormat") {
		t.Errorf("circuit line2 (no such line): %v; want 400 InvalidRequestFormat", err)
	}
	c := must(azuretest.Wait(cc.BeginCreateOrUpdate(ctx, "rg1", "line1", azuretest.Circuit("eastus"), nil)))(t, "circuit line1")
	if s := c.Properties.ServiceProviderProvisioningState; s == nil || *s != armnetwork.ServiceProviderProvisioningStateProvisioned {
		t.Errorf("circuit line1: serviceProviderProvisioningState %v; want Provisioned", s)
	}
	must(azuretest.Wait(f.NewVirtualNetworksClient().BeginCreateOrUpdate(ctx, "rg1", "v1", armnetwork.VirtualNetwork{Location: to.Ptr("eastus"),
		Properties: &armnetwork.VirtualNetworkPropertiesFormat{AddressSpace: &armnetwork.AddressSpace{AddressPrefixes: []*string{to.Ptr("10.1.0.0/16")}},
			Subnets: []*armnetwork.Subnet{{Name: to.Ptr("GatewaySubnet"), Properties: &armnetwork.SubnetPropertiesFormat{AddressPrefix: to.Ptr("10.1.255.0/27")}}}}}, nil)))(t, "vnet v1")
	must(azuretest.Wait(f.NewExpressRouteCircuitPeeringsClient().BeginCreateOrUpdate(ctx, "rg1", "line1", "AzurePrivatePeering", armnetwork.ExpressRouteCircuitPeering{
		Properties: &armnetwork.ExpressRouteCircuitPeeringPropertiesFormat{PeeringType: to.Ptr(armnetwork.ExpressRoutePeeringTypeAzurePrivatePeering),
			PeerASN: to.Ptr[int64](65100), PrimaryPeerAddressPrefix: to.Ptr("192.168.100.0/30"), SecondaryPeerAddressPrefix: to.Ptr("192.168.100.4/30"),
			VlanID: to.Ptr[int32](100)}}, nil)))(t, "private peering")
	g := must(azuretest.Wait(f.NewVirtualNetworkGatewaysClient().BeginCreateOrUpdate(ctx, "rg1", "ergw", armnetwork.VirtualNetworkGateway{Location: to.Ptr("eastus"),
		Properties: &armnetwork.VirtualNetworkGatewayPropertiesFormat{GatewayType: to.Ptr(armnetwork.VirtualNetworkGatewayTypeExpressRoute),
			SKU: &armnetwork.VirtualNetworkGatewaySKU{Name: to.Ptr(armnetwork.VirtualNetworkGatewaySKUNameStandard), Tier: to.Ptr(armnetwork.VirtualNetworkGatewaySKUTierStandard)},
			IPConfigurations: []*armnetwork.VirtualNetworkGatewayIPConfiguration{{Name: to.Ptr("default"), Properties: &armnetwork.VirtualNetworkGatewayIPConfigurationPropertiesFormat{
				Subnet: &armnetwork.SubResource{ID: to.Ptr("/subscriptions/" + ep.AccountID + "/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/v1/subnets/GatewaySubnet")}}}}}}, nil)))(t, "gateway")
	must(azuretest.Wait(f.NewVirtualNetworkGatewayConnectionsClient().BeginCreateOrUpdate(ctx, "rg1", "er-link", armnetwork.VirtualNetworkGatewayConnection{Location: to.Ptr("eastus"),
		Properties: &armnetwork.VirtualNetworkGatewayConnectionPropertiesFormat{ConnectionType: to.Ptr(armnetwork.VirtualNetworkGatewayConnectionTypeExpressRoute),
			VirtualNetworkGateway1: &armnetwork.VirtualNetworkGateway{ID: g.ID}, Peer: &armnetwork.SubResource{ID: c.ID}}}, nil)))(t, "connection")
	// Azure: https://learn.microsoft.com/en-us/azure/expressroute/expressroute-routing#ip-addresses-used-for-azure-private-peering — the customer's router takes the /30's first address, Microsoft the second
	pingLine(t, colo.Name, netip.MustParseAddr("192.168.100.2"), 20*time.Second)
	end, err := colo.NL.LinkByName("er0")
	if err != nil {
		t.Fatalf("the line's end in %s: %v", colo.Name, err)
	}
	addrs, err := colo.NL.AddrList(end, netlink.FAMILY_V4)
	if err != nil || len(addrs) != 1 || addrs[0].IPNet.String() != "192.168.100.1/30" {
		t.Errorf("er0's addresses %v, %v; want 192.168.100.1/30", addrs, err)
	}
}

// must returns an operation's result, or fails the test (what failed).
func must[T any](v T, err error) func(*testing.T, string) T {
	return func(t *testing.T, what string) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

// isARMError reports whether err is ARM's error of that status and code.
func isARMError(err error, status int, code string) bool {
	var re *azcore.ResponseError
	return errors.As(err, &re) && re.StatusCode == status && strings.EqualFold(re.ErrorCode, code)
}

// pingLine pings dst from namespace ns until it answers, within limit.
func pingLine(t *testing.T, ns string, dst netip.Addr, limit time.Duration) {
	t.Helper()
	p, err := probe.NewPinger(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	deadline := time.Now().Add(limit)
	for seq := 1; ; seq++ {
		_, err := p.Ping(dst, seq, time.Second)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("ping %s from %s: no answer within %s: %v", dst, ns, limit, err)
		}
	}
}
