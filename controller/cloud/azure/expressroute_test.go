package azure_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/cloud/azure"
)

// wantLinePlan are the calls that give the transit VNet its private line
// dc1, after those of wantPlan.
var wantLinePlan = []string{
	"Microsoft.Network expressRouteCircuits/write dc1-vif resourceGroup=rg-transit location=eastus serviceProvider=mcnlab bandwidthInMbps=1000",
	"Microsoft.Network expressRouteCircuits/peerings/write dc1-vif/AzurePrivatePeering circuit=<dc1-vif> peerASN=65100 primaryPeerAddressPrefix=192.168.100.0/30 secondaryPeerAddressPrefix=192.168.100.4/30 vlanId=100",
	"Microsoft.Network virtualNetworks/subnets/write transit-vnet/GatewaySubnet virtualNetwork=<transit-vnet> addressPrefix=10.10.255.224/27",
	"Microsoft.Network virtualNetworkGateways/write transit-vnet#ergw resourceGroup=rg-transit location=eastus gatewayType=ExpressRoute sku=Standard subnet=<transit-vnet/GatewaySubnet>",
	"Microsoft.Network connections/write dc1-vif#conn resourceGroup=rg-transit connectionType=ExpressRoute virtualNetworkGateway1=<transit-vnet#ergw> peer=<dc1-vif>",
}

// TestExpressRouteLines: a private line's virtual interface is an
// ExpressRoute circuit on the lab's line of its name with its private
// peering (the site's ASN, the /30, the VLAN), and a connection from an
// ExpressRoute gateway in the VNet's GatewaySubnet (made, the VNet having
// none); plan lists them after the rest, apply makes them (the line's
// private virtual interface is available with the peering's values), a
// second plan finds nothing, and without the line they are deleted in
// reverse, the line left for another circuit.
func TestExpressRouteLines(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.cloud.ProvisionDXConnectionAt(sub, model.Place{Region: region}, "dc1", nil); err != nil {
		t.Fatal(err)
	}
	d := desired()
	d.VPCs[0].PrivateLines = true
	d.VirtualInterfaces = []cloud.VirtualInterface{{Key: "dc1-vif", Connection: "dc1", VPC: "transit-vnet", VLAN: 100, ASN: 65100,
		CustomerAddress: pfx("192.168.100.1/30"), CloudAddress: pfx("192.168.100.2/30"), CloudASN: azure.MicrosoftASN}}
	calls, err := e.p.Plan(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if got := callStrings(calls); !slices.Equal(got, append(slices.Clone(wantPlan), wantLinePlan...)) {
		t.Errorf("plan:\n%s\nwant it to end:\n%s", strings.Join(got, "\n"), strings.Join(wantLinePlan, "\n"))
	}
	if _, _, err := e.p.Apply(ctx, d); err != nil {
		t.Fatal(err)
	}
	vifs := e.cloud.DXVirtualInterfaces(sub)
	if len(vifs) != 1 || vifs[0].VLAN != 100 || vifs[0].CustomerASN != 65100 || vifs[0].State != model.StateAvailable ||
		vifs[0].CustomerAddress != pfx("192.168.100.1/30") || vifs[0].CloudAddress != pfx("192.168.100.2/30") {
		t.Fatalf("the line's virtual interfaces: %+v", vifs)
	}
	if calls, err := e.p.Plan(ctx, d); err != nil || len(calls) != 0 {
		t.Errorf("plan after apply: %v, %v; want nothing", callStrings(calls), err)
	}
	d.VPCs[0].PrivateLines, d.VirtualInterfaces = false, nil
	_, made, err := e.p.Apply(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range made {
		got = append(got, c.Action+" "+c.Object)
	}
	want := []string{"connections/delete dc1-vif#conn", "virtualNetworkGateways/delete transit-vnet#ergw", "virtualNetworks/subnets/delete transit-vnet/GatewaySubnet",
		"expressRouteCircuits/delete dc1-vif"}
	if !slices.Equal(got, want) {
		t.Errorf("apply without the line made %v, want %v", got, want)
	}
	if len(e.cloud.DXVirtualInterfaces(sub)) != 0 || len(e.cloud.DXConnections(sub)) != 1 {
		t.Errorf("after the deletes: virtual interfaces %+v, lines %+v", e.cloud.DXVirtualInterfaces(sub), e.cloud.DXConnections(sub))
	}
}
