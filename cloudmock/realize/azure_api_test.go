package realize

import (
	"context"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v6"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"

	cmazure "github.com/mcnlab/mcnlab/cloudmock/azure"
	"github.com/mcnlab/mcnlab/cloudmock/azure/azuretest"
	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// azARM is the Azure SDK's client factories against a realized Azure lab:
// the ARM front-end wrapped in InForce, so that a call's change is in the
// dataplane when the call returns.
type azARM struct {
	net     *armnetwork.ClientFactory
	compute *armcompute.ClientFactory
}

// newAzARM serves ARM for l's Azure subscription over TLS.
func newAzARM(l *lab) azARM {
	l.t.Helper()
	const tenant, app, secret = "72f988bf-86f1-41af-91ab-2d7cd011db47", "lab-app", "lab-secret"
	srv := cmazure.New(l.cloud, tenant, cmazure.Principal{ClientID: app, Secret: secret, Subscription: azSub})
	ts := httptest.NewTLSServer(l.r.InForce(srv))
	l.t.Cleanup(ts.Close)
	cred, opts, err := azuretest.Client(ts, tenant, app, secret, 1)
	l.ok(err)
	nf, err := armnetwork.NewClientFactory(azSub, cred, opts)
	l.ok(err)
	cf, err := armcompute.NewClientFactory(azSub, cred, opts)
	l.ok(err)
	return azARM{net: nf, compute: cf}
}

// vnet makes a VNet with one subnet s0 through ARM and returns the
// subnet's ID.
func (a azARM) vnet(l *lab, name, prefix, subnet string) string {
	l.t.Helper()
	v, err := azuretest.Wait(a.net.NewVirtualNetworksClient().BeginCreateOrUpdate(context.Background(), "rg", name, armnetwork.VirtualNetwork{
		Location: to.Ptr("eastus"), Properties: &armnetwork.VirtualNetworkPropertiesFormat{
			AddressSpace: &armnetwork.AddressSpace{AddressPrefixes: []*string{to.Ptr(prefix)}},
			Subnets:      []*armnetwork.Subnet{{Name: to.Ptr("s0"), Properties: &armnetwork.SubnetPropertiesFormat{AddressPrefix: to.Ptr(subnet)}}}}}, nil))
	l.ok(err)
	return *v.Properties.Subnets[0].ID
}

// vm makes a NIC (name-nic, a dynamic address in the subnet) and a VM of
// the image publisher:offer:sku on it through ARM, and returns the VM's
// model instance.
func (a azARM) vm(l *lab, subnetID, name, publisher, offer, sku string) model.Instance {
	l.t.Helper()
	ctx := context.Background()
	nic, err := azuretest.Wait(a.net.NewInterfacesClient().BeginCreateOrUpdate(ctx, "rg", name+"-nic", armnetwork.Interface{Location: to.Ptr("eastus"),
		Properties: &armnetwork.InterfacePropertiesFormat{IPConfigurations: []*armnetwork.InterfaceIPConfiguration{{Name: to.Ptr("ipconfig1"),
			Properties: &armnetwork.InterfaceIPConfigurationPropertiesFormat{Subnet: &armnetwork.Subnet{ID: to.Ptr(subnetID)}}}}}}, nil))
	l.ok(err)
	vm, err := azuretest.Wait(a.compute.NewVirtualMachinesClient().BeginCreateOrUpdate(ctx, "rg", name, armcompute.VirtualMachine{Location: to.Ptr("eastus"),
		Properties: &armcompute.VirtualMachineProperties{
			HardwareProfile: &armcompute.HardwareProfile{VMSize: to.Ptr(armcompute.VirtualMachineSizeTypesStandardB1S)},
			StorageProfile: &armcompute.StorageProfile{ImageReference: &armcompute.ImageReference{
				Publisher: to.Ptr(publisher), Offer: to.Ptr(offer), SKU: to.Ptr(sku), Version: to.Ptr("latest")}},
			OSProfile:      &armcompute.OSProfile{AdminUsername: to.Ptr("azureuser"), AdminPassword: to.Ptr("Lab-Passw0rd!")},
			NetworkProfile: &armcompute.NetworkProfile{NetworkInterfaces: []*armcompute.NetworkInterfaceReference{{ID: nic.ID}}}}}, nil))
	l.ok(err)
	for _, i := range l.cloud.Instances(azSub) {
		if i.ID == *vm.ID {
			return i
		}
	}
	l.t.Fatalf("VM %s is no model instance", *vm.ID)
	return model.Instance{}
}

// TestAzureVMThroughARM: VMs made through armcompute on NICs made through
// armnetwork are hosts in the lab with their NICs' addresses: one answers
// another's ping in the VNet; powered off (the call answered) it does not,
// and started again it does. A VM of the lab's gateway image is an
// appliance to the realizer.
func TestAzureVMThroughARM(t *testing.T) {
	l := newAzureLab(t)
	a := newAzARM(l)
	sn := a.vnet(l, "v1", "10.7.0.0/16", "10.7.1.0/24")
	vmA := a.vm(l, sn, "vma", "Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts")
	vmB := a.vm(l, sn, "vmb", "Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts")
	if !netip.MustParsePrefix("10.7.1.0/24").Contains(vmB.PrivateIP) {
		t.Fatalf("VM address %s is not of its NIC's subnet", vmB.PrivateIP)
	}
	l.pingOK(l.ns(vmA), vmB.PrivateIP)

	vms := a.compute.NewVirtualMachinesClient()
	_, err := azuretest.Wait(vms.BeginPowerOff(context.Background(), "rg", "vmb", nil))
	l.ok(err)
	l.pingFails(l.ns(vmA), vmB.PrivateIP)
	_, err = azuretest.Wait(vms.BeginStart(context.Background(), "rg", "vmb", nil))
	l.ok(err)
	l.pingOK(l.ns(vmA), vmB.PrivateIP)

	gw := a.vm(l, sn, "gw", "mcnlab", "gateway", "lab")
	if daemonImages[gw.ImageID] != "gateway" {
		t.Fatalf("a VM of mcnlab:gateway:lab has image %q, which runs no gateway daemon", gw.ImageID)
	}
}
