package azure

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"
)

const rgID = "/subscriptions/" + testSub + "/resourceGroups/rg1/providers/Microsoft.Network/"

// nicIn is a NIC for the SDK with one IP configuration.
func nicIn(subnetID, ip, pip, nsg string) armnetwork.Interface {
	c := &armnetwork.InterfaceIPConfiguration{Name: to.Ptr("ipc"), Properties: &armnetwork.InterfaceIPConfigurationPropertiesFormat{
		Subnet: &armnetwork.Subnet{ID: to.Ptr(subnetID)}, PrivateIPAllocationMethod: to.Ptr(armnetwork.IPAllocationMethodDynamic)}}
	if ip != "" {
		c.Properties.PrivateIPAddress, c.Properties.PrivateIPAllocationMethod = to.Ptr(ip), to.Ptr(armnetwork.IPAllocationMethodStatic)
	}
	if pip != "" {
		c.Properties.PublicIPAddress = &armnetwork.PublicIPAddress{ID: to.Ptr(pip)}
	}
	n := armnetwork.Interface{Location: to.Ptr("eastus"), Properties: &armnetwork.InterfacePropertiesFormat{IPConfigurations: []*armnetwork.InterfaceIPConfiguration{c}}}
	if nsg != "" {
		n.Properties.NetworkSecurityGroup = &armnetwork.SecurityGroup{ID: to.Ptr(nsg)}
	}
	return n
}

// pipIn is a public IP for the SDK.
func pipIn(sku armnetwork.PublicIPAddressSKUName, method armnetwork.IPAllocationMethod) armnetwork.PublicIPAddress {
	return armnetwork.PublicIPAddress{Location: to.Ptr("eastus"), SKU: &armnetwork.PublicIPAddressSKU{Name: to.Ptr(sku)},
		Properties: &armnetwork.PublicIPAddressPropertiesFormat{PublicIPAllocationMethod: to.Ptr(method)}}
}

// TestPublicIPAddresses: Standard addresses are Static and come from the
// lab's documentation range at creation; a Basic Dynamic one shows no
// address until it is used; Standard Dynamic and a SKU change are refused
// with Azure's codes; list and delete.
func TestPublicIPAddresses(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	makeGroup(t, e, "rg1")
	f, _ := armnetwork.NewClientFactory(testSub, e.cred, e.opts)
	pc := f.NewPublicIPAddressesClient()
	p := poll(pc.BeginCreateOrUpdate(ctx, "rg1", "pip1", pipIn(armnetwork.PublicIPAddressSKUNameStandard, armnetwork.IPAllocationMethodStatic), nil)).must(t)
	if a := *p.Properties.IPAddress; !strings.HasPrefix(a, "203.0.113.") || *p.SKU.Name != "Standard" || *p.Properties.PublicIPAllocationMethod != "Static" {
		t.Fatalf("standard address: %s %+v", a, p.Properties)
	}
	b := poll(pc.BeginCreateOrUpdate(ctx, "rg1", "pip2", armnetwork.PublicIPAddress{Location: to.Ptr("eastus")}, nil)).must(t)
	if b.Properties.IPAddress != nil || *b.SKU.Name != "Basic" || *b.Properties.PublicIPAllocationMethod != "Dynamic" {
		t.Fatalf("basic dynamic address: %+v %+v", b.SKU, b.Properties)
	}
	_, err := pc.BeginCreateOrUpdate(ctx, "rg1", "pip3", pipIn(armnetwork.PublicIPAddressSKUNameStandard, armnetwork.IPAllocationMethodDynamic), nil)
	wantCode(t, err, "StandardAndStandardV2SkuPublicIPAddressesMustBeStatic", 400)
	_, err = pc.BeginCreateOrUpdate(ctx, "rg1", "pip1", pipIn(armnetwork.PublicIPAddressSKUNameBasic, armnetwork.IPAllocationMethodStatic), nil)
	wantCode(t, err, "PropertyChangeNotAllowed", 400)
	var names []string
	for pg := pc.NewListAllPager(nil); pg.More(); {
		page, err := pg.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range page.Value {
			names = append(names, *x.Name)
		}
	}
	if !slices.Equal(names, []string{"pip1", "pip2"}) {
		t.Fatalf("list all: %v", names)
	}
	poll(pc.BeginDelete(ctx, "rg1", "pip2", nil)).must(t)
	_, err = pc.Get(ctx, "rg1", "pip2", nil)
	wantCode(t, err, "ResourceNotFound", 404)
}

// nicSetup makes rg1 with vnet v1 (subnets a 10.0.1.0/24, b 10.0.2.0/24),
// NSG n1 and public IP pip1 and returns the NIC client.
func nicSetup(t *testing.T, e *env) (*armnetwork.InterfacesClient, *armnetwork.ClientFactory) {
	t.Helper()
	ctx := context.Background()
	makeGroup(t, e, "rg1")
	c := newClients(t, e)
	f, _ := armnetwork.NewClientFactory(testSub, e.cred, e.opts)
	poll(c.nsgs.BeginCreateOrUpdate(ctx, "rg1", "n1", armnetwork.SecurityGroup{Location: to.Ptr("eastus"), Properties: &armnetwork.SecurityGroupPropertiesFormat{
		SecurityRules: []*armnetwork.SecurityRule{rule("ssh", 100, armnetwork.SecurityRuleDirectionInbound, armnetwork.SecurityRuleAccessAllow, "*", "22")}}}, nil)).must(t)
	poll(c.vnets.BeginCreateOrUpdate(ctx, "rg1", "v1", vnet("10.0.0.0/16", subnet("a", "10.0.1.0/24", rgID+"networkSecurityGroups/n1"), subnet("b", "10.0.2.0/24", "")), nil)).must(t)
	poll(f.NewPublicIPAddressesClient().BeginCreateOrUpdate(ctx, "rg1", "pip1", pipIn(armnetwork.PublicIPAddressSKUNameStandard, armnetwork.IPAllocationMethodStatic), nil)).must(t)
	return f.NewInterfacesClient(), f
}

// TestNetworkInterfaces: the SDK makes a NIC with a static address, a
// public IP and an NSG, reads, lists and updates it (IP forwarding, a
// dynamic address in another subnet); Azure's codes for a bad address,
// a public IP in use, a missing subnet, and deletes of what the NIC uses.
func TestNetworkInterfaces(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	nc, f := nicSetup(t, e)
	sa, sb := rgID+"virtualNetworks/v1/subnets/a", rgID+"virtualNetworks/v1/subnets/b"
	n := poll(nc.BeginCreateOrUpdate(ctx, "rg1", "nic1", nicIn(sa, "10.0.1.10", rgID+"publicIPAddresses/pip1", rgID+"networkSecurityGroups/n1"), nil)).must(t)
	ipc := n.Properties.IPConfigurations[0]
	if *ipc.Properties.PrivateIPAddress != "10.0.1.10" || *ipc.Properties.PrivateIPAllocationMethod != "Static" || *ipc.Name != "ipc" ||
		*ipc.Properties.PublicIPAddress.ID != rgID+"publicIPAddresses/pip1" || *n.Properties.NetworkSecurityGroup.ID != rgID+"networkSecurityGroups/n1" ||
		*n.Properties.EnableIPForwarding {
		t.Fatalf("created NIC: %+v %+v", n.Properties, ipc.Properties)
	}
	for _, bad := range []struct{ ip, code string }{{"10.0.2.10", "PrivateIPAddressNotInSubnet"}, {"10.0.1.3", "PrivateIPAddressInReservedRange"},
		{"10.0.1.255", "PrivateIPAddressInReservedRange"}, {"10.0.1.10", "PrivateIPAddressInUse"}} {
		_, err := nc.BeginCreateOrUpdate(ctx, "rg1", "nic2", nicIn(sa, bad.ip, "", ""), nil)
		wantCode(t, err, bad.code, 400)
	}
	_, err := nc.BeginCreateOrUpdate(ctx, "rg1", "nic2", nicIn(sa, "", rgID+"publicIPAddresses/pip1", ""), nil)
	wantCode(t, err, "PublicIPAddressInUse", 400)
	_, err = nc.BeginCreateOrUpdate(ctx, "rg1", "nic2", nicIn(rgID+"virtualNetworks/v1/subnets/zz", "", "", ""), nil)
	wantCode(t, err, "InvalidResourceReference", 400)
	if _, err := nc.Get(ctx, "rg1", "nic2", nil); err == nil {
		t.Fatal("a refused NIC was made")
	}
	pip, _ := f.NewPublicIPAddressesClient().Get(ctx, "rg1", "pip1", nil)
	if *pip.Properties.IPConfiguration.ID != *n.ID+"/ipConfigurations/ipc" {
		t.Fatalf("public IP's ipConfiguration: %+v", pip.Properties.IPConfiguration)
	}
	_, err = f.NewPublicIPAddressesClient().BeginDelete(ctx, "rg1", "pip1", nil)
	wantCode(t, err, "PublicIPAddressCannotBeDeleted", 400)
	_, err = f.NewSecurityGroupsClient().BeginDelete(ctx, "rg1", "n1", nil)
	wantCode(t, err, "InUseNetworkSecurityGroupCannotBeDeleted", 400)
	_, err = f.NewSubnetsClient().BeginDelete(ctx, "rg1", "v1", "a", nil)
	wantCode(t, err, "InUseSubnetCannotBeDeleted", 400)
	upd := nicIn(sb, "", "", "")
	upd.Properties.EnableIPForwarding = to.Ptr(true)
	n = poll(nc.BeginCreateOrUpdate(ctx, "rg1", "nic1", upd, nil)).must(t)
	ipc = n.Properties.IPConfigurations[0]
	if *ipc.Properties.PrivateIPAddress != "10.0.2.4" || *ipc.Properties.PrivateIPAllocationMethod != "Dynamic" || ipc.Properties.PublicIPAddress != nil ||
		n.Properties.NetworkSecurityGroup != nil || !*n.Properties.EnableIPForwarding {
		t.Fatalf("updated NIC: %+v %+v", n.Properties, ipc.Properties)
	}
	var names []string
	for pg := nc.NewListPager("rg1", nil); pg.More(); {
		page, err := pg.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range page.Value {
			names = append(names, *x.Name)
		}
	}
	if !slices.Equal(names, []string{"nic1"}) {
		t.Fatalf("list: %v", names)
	}
	poll(nc.BeginDelete(ctx, "rg1", "nic1", nil)).must(t)
	poll(f.NewPublicIPAddressesClient().BeginDelete(ctx, "rg1", "pip1", nil)).must(t)
	poll(f.NewSubnetsClient().BeginDelete(ctx, "rg1", "v1", "a", nil)).must(t)
}
