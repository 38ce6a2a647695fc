package azure

import (
	"context"
	"testing"
)

// TestGatewaySubnetRefusals: the GatewaySubnet holds gateways only. A
// network interface in it is refused with Azure's code GatewaySubnet, an
// NSG on it with NetworkSecurityGroupCannotBeAttachedToGatewaySubnet (as
// Azure answers, see errGatewaySubnetInUse and errNSGOnGatewaySubnet);
// nothing is made, and the subnet stays without an NSG.
func TestGatewaySubnetRefusals(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	nics, f := nicSetup(t, e)
	sc := f.NewSubnetsClient()
	poll(sc.BeginCreateOrUpdate(ctx, "rg1", "v1", "GatewaySubnet", *subnet("GatewaySubnet", "10.0.255.0/27", ""), nil)).must(t)

	_, err := nics.BeginCreateOrUpdate(ctx, "rg1", "vm-nic", nicIn(rgID+"virtualNetworks/v1/subnets/GatewaySubnet", "", "", ""), nil)
	wantCode(t, err, "GatewaySubnet", 400)
	if _, err := nics.Get(ctx, "rg1", "vm-nic", nil); err == nil {
		t.Fatal("the refused network interface exists")
	}
	// The same subnet name in another case is the GatewaySubnet too.
	_, err = sc.BeginCreateOrUpdate(ctx, "rg1", "v1", "GatewaySubnet", *subnet("gatewaysubnet", "10.0.255.0/27", rgID+"networkSecurityGroups/n1"), nil)
	wantCode(t, err, "NetworkSecurityGroupCannotBeAttachedToGatewaySubnet", 400)
	got, err := sc.Get(ctx, "rg1", "v1", "GatewaySubnet", nil)
	if err != nil || got.Properties.NetworkSecurityGroup != nil {
		t.Fatalf("GatewaySubnet after the refusal: %+v, %v", got.Properties, err)
	}
	// Elsewhere both are fine.
	poll(nics.BeginCreateOrUpdate(ctx, "rg1", "vm-nic", nicIn(rgID+"virtualNetworks/v1/subnets/b", "", "", rgID+"networkSecurityGroups/n1"), nil)).must(t)
}
