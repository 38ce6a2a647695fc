package azure

import (
	"context"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v6"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// vmIn is a VM for the SDK on the NICs (the first primary when primary),
// of the lab's gateway image.
func vmIn(size string, primary bool, nics ...string) armcompute.VirtualMachine {
	var refs []*armcompute.NetworkInterfaceReference
	for n, id := range nics {
		r := &armcompute.NetworkInterfaceReference{ID: to.Ptr(id)}
		if primary {
			r.Properties = &armcompute.NetworkInterfaceReferenceProperties{Primary: to.Ptr(n == 0)}
		}
		refs = append(refs, r)
	}
	return armcompute.VirtualMachine{Location: to.Ptr("eastus"), Zones: []*string{to.Ptr("1")},
		Properties: &armcompute.VirtualMachineProperties{
			HardwareProfile: &armcompute.HardwareProfile{VMSize: to.Ptr(armcompute.VirtualMachineSizeTypes(size))},
			StorageProfile: &armcompute.StorageProfile{ImageReference: &armcompute.ImageReference{
				Publisher: to.Ptr("mcnlab"), Offer: to.Ptr("gateway"), SKU: to.Ptr("lab"), Version: to.Ptr("latest")}},
			OSProfile:      &armcompute.OSProfile{ComputerName: to.Ptr("gw"), AdminUsername: to.Ptr("azureuser"), AdminPassword: to.Ptr("S3cret-Passw0rd")},
			NetworkProfile: &armcompute.NetworkProfile{NetworkInterfaces: refs}}}
}

// vmSetup makes nicSetup's network and NICs nic1, nic2 and nic3 (a
// dynamic address each in subnet b) and returns the VM client.
func vmSetup(t *testing.T, e *env) (*armcompute.VirtualMachinesClient, *armnetwork.InterfacesClient) {
	t.Helper()
	nc, _ := nicSetup(t, e)
	for _, n := range []string{"nic1", "nic2", "nic3"} {
		poll(nc.BeginCreateOrUpdate(context.Background(), "rg1", n, nicIn(net1+"/subnets/b", "", "", ""), nil)).must(t)
	}
	vc, err := armcompute.NewVirtualMachinesClient(testSub, e.cred, e.opts)
	if err != nil {
		t.Fatal(err)
	}
	return vc, nc
}

// powerState is the PowerState/... code of a VM's instance view.
func powerState(t *testing.T, vc *armcompute.VirtualMachinesClient, name string) string {
	t.Helper()
	v, err := vc.InstanceView(context.Background(), "rg1", name, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range v.Statuses {
		if c := *s.Code; strings.HasPrefix(c, "PowerState/") {
			return c
		}
	}
	t.Fatalf("no power state in %+v", v.Statuses)
	return ""
}

// TestVirtualMachines: armcompute creates a VM on an existing NIC (the
// model instance gets the NIC's address and the lab gateway image, the
// answer has vmId, zones and no adminPassword, the NIC names the VM and
// has the MAC address the lab gives its interface),
// reads it with its instance view, lists it per group and subscription
// across pages, resizes it, and deletes it (the NIC stays, detached, and
// the name can be used again); Azure's codes for a NIC in use, an
// unknown size, two NICs without a primary and a change of image.
func TestVirtualMachines(t *testing.T) {
	e := newEnv(t)
	e.srv.PageSize = 1
	ctx := context.Background()
	vc, nc := vmSetup(t, e)
	nic1 := rgID + "networkInterfaces/nic1"
	vm := poll(vc.BeginCreateOrUpdate(ctx, "rg1", "vm1", vmIn("Standard_B1s", false, nic1), nil)).must(t)
	p := vm.Properties
	if *vm.ID != "/subscriptions/"+testSub+"/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm1" || *vm.Zones[0] != "1" ||
		p.VMID == nil || *p.ProvisioningState != "Succeeded" || p.OSProfile.AdminPassword != nil || *p.OSProfile.AdminUsername != "azureuser" ||
		*p.StorageProfile.ImageReference.Offer != "gateway" || !*p.NetworkProfile.NetworkInterfaces[0].Properties.Primary {
		t.Fatalf("created VM: %s %+v", *vm.ID, p)
	}
	insts := e.cloud.Instances(testSub)
	nic, err := nc.Get(ctx, "rg1", "nic1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(insts) != 1 || insts[0].ImageID != "mcnlab:gateway:lab" || insts[0].PrivateIP.String() != *nic.Properties.IPConfigurations[0].Properties.PrivateIPAddress ||
		nic.Properties.VirtualMachine == nil || *nic.Properties.VirtualMachine.ID != *vm.ID {
		t.Fatalf("model instance %+v, NIC %+v", insts, nic.Properties)
	}
	// The NIC's MAC address, as ARM writes it, is the one the lab gives
	// its interface.
	if want := strings.ToUpper(strings.ReplaceAll(model.MACAddress(*nic.ID).String(), ":", "-")); nic.Properties.MacAddress == nil || *nic.Properties.MacAddress != want {
		t.Errorf("NIC's macAddress %v, want %s", nic.Properties.MacAddress, want)
	}
	got, err := vc.Get(ctx, "rg1", "VM1", &armcompute.VirtualMachinesClientGetOptions{Expand: to.Ptr(armcompute.InstanceViewTypesInstanceView)})
	if err != nil || *got.Properties.InstanceView.Statuses[1].Code != "PowerState/running" {
		t.Fatalf("get with instance view: %v %+v", err, got)
	}

	_, err = vc.BeginCreateOrUpdate(ctx, "rg1", "vm2", vmIn("Standard_B1s", false, nic1), nil)
	wantCode(t, err, "NicInUse", 400)
	_, err = vc.BeginCreateOrUpdate(ctx, "rg1", "vm2", vmIn("Standard_Bogus9", false, rgID+"networkInterfaces/nic2"), nil)
	wantCode(t, err, "SkuNotAvailable", 409)
	_, err = vc.BeginCreateOrUpdate(ctx, "rg1", "vm2", vmIn("Standard_B2s", false, rgID+"networkInterfaces/nic2", rgID+"networkInterfaces/nic3"), nil)
	wantCode(t, err, "VirtualMachineMustHaveOneNetworkInterfaceAsPrimary", 400)
	_, err = vc.BeginCreateOrUpdate(ctx, "rg1", "vm2", vmIn("Standard_B1s", false, rgID+"networkInterfaces/nope"), nil)
	wantCode(t, err, "InvalidResourceReference", 400)
	two := poll(vc.BeginCreateOrUpdate(ctx, "rg1", "vm2", vmIn("Standard_B2s", true, rgID+"networkInterfaces/nic3", rgID+"networkInterfaces/nic2"), nil)).must(t)
	if refs := two.Properties.NetworkProfile.NetworkInterfaces; len(refs) != 2 || !strings.HasSuffix(*refs[0].ID, "nic3") || !*refs[0].Properties.Primary || *refs[1].Properties.Primary {
		t.Fatalf("two NICs: %+v", refs)
	}

	change := vmIn("Standard_B2s", false, nic1)
	change.Properties.StorageProfile.ImageReference.Offer = to.Ptr("firewall")
	_, err = vc.BeginCreateOrUpdate(ctx, "rg1", "vm1", change, nil)
	wantCode(t, err, "PropertyChangeNotAllowed", 409)
	bigger := poll(vc.BeginCreateOrUpdate(ctx, "rg1", "vm1", vmIn("Standard_B2s", false, nic1), nil)).must(t)
	if *bigger.Properties.HardwareProfile.VMSize != "Standard_B2s" || powerState(t, vc, "vm1") != "PowerState/running" {
		t.Fatalf("resize: %+v", bigger.Properties.HardwareProfile)
	}

	checkVMLists(t, vc, 2)
	poll(vc.BeginDelete(ctx, "rg1", "vm1", nil)).must(t)
	_, err = vc.Get(ctx, "rg1", "vm1", nil)
	wantCode(t, err, "ResourceNotFound", 404)
	if nic, err = nc.Get(ctx, "rg1", "nic1", nil); err != nil || nic.Properties.VirtualMachine != nil || nic.Properties.MacAddress != nil {
		t.Fatalf("NIC after its VM's delete: %v %+v", err, nic.Properties)
	}
	poll(vc.BeginCreateOrUpdate(ctx, "rg1", "vm1", vmIn("Standard_B1s", false, nic1), nil)).must(t)
	checkVMLists(t, vc, 2)
}

// checkVMLists checks that the group's and the subscription's lists have
// n VMs, following nextLink.
func checkVMLists(t *testing.T, vc *armcompute.VirtualMachinesClient, n int) {
	t.Helper()
	count := func(more func() bool, next func() ([]*armcompute.VirtualMachine, error)) int {
		got := 0
		for more() {
			page, err := next()
			if err != nil {
				t.Fatal(err)
			}
			got += len(page)
		}
		return got
	}
	rg := vc.NewListPager("rg1", nil)
	all := vc.NewListAllPager(nil)
	ctx := context.Background()
	g := count(rg.More, func() ([]*armcompute.VirtualMachine, error) { p, err := rg.NextPage(ctx); return p.Value, err })
	a := count(all.More, func() ([]*armcompute.VirtualMachine, error) { p, err := all.NextPage(ctx); return p.Value, err })
	if g != n || a != n {
		t.Fatalf("lists: group %d, subscription %d, want %d", g, a, n)
	}
}

// TestVirtualMachinePower: powerOff stops a VM (PowerState/stopped, the
// model instance stopped), deallocate makes it deallocated, restart of a
// VM that does not run is OperationNotAllowed, start runs it again and
// restart reboots it (one more boot in the model).
func TestVirtualMachinePower(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	vc, _ := vmSetup(t, e)
	poll(vc.BeginCreateOrUpdate(ctx, "rg1", "vm1", vmIn("Standard_B1s", false, rgID+"networkInterfaces/nic1"), nil)).must(t)
	state := func() model.Instance { return e.cloud.Instances(testSub)[0] }
	poll(vc.BeginPowerOff(ctx, "rg1", "vm1", nil)).must(t)
	if ps := powerState(t, vc, "vm1"); ps != "PowerState/stopped" || state().State != model.InstanceStopped {
		t.Fatalf("after powerOff: %s, model %s", ps, state().State)
	}
	poll(vc.BeginDeallocate(ctx, "rg1", "vm1", nil)).must(t)
	if ps := powerState(t, vc, "vm1"); ps != "PowerState/deallocated" {
		t.Fatalf("after deallocate: %s", ps)
	}
	_, err := vc.BeginRestart(ctx, "rg1", "vm1", nil)
	wantCode(t, err, "OperationNotAllowed", 409)
	poll(vc.BeginStart(ctx, "rg1", "vm1", nil)).must(t)
	if ps := powerState(t, vc, "vm1"); ps != "PowerState/running" || state().State != model.InstanceRunning {
		t.Fatalf("after start: %s, model %s", ps, state().State)
	}
	boots := state().Boots
	poll(vc.BeginRestart(ctx, "rg1", "vm1", nil)).must(t)
	if state().Boots != boots+1 || powerState(t, vc, "vm1") != "PowerState/running" {
		t.Fatalf("restart: boots %d -> %d", boots, state().Boots)
	}
	_, err = vc.BeginPowerOff(ctx, "rg1", "nope", nil)
	wantCode(t, err, "ResourceNotFound", 404)
	// az 2.45's api-version answers with the same VM; an unknown one is refused.
	vm := "/subscriptions/" + testSub + "/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm1"
	if r, m := e.do(t, "GET", vm+"?api-version=2020-06-01", "", ""); r.StatusCode != 200 || m["name"] != "vm1" {
		t.Fatalf("az's api-version: %d %v", r.StatusCode, m)
	}
	if r, m := e.do(t, "GET", vm+"?api-version=2099-01-01", "", ""); r.StatusCode != 400 || errCode(m) != "NoRegisteredProviderFound" {
		t.Fatalf("unknown api-version: %d %v", r.StatusCode, m)
	}
}

// TestVirtualMachineTransitions: while the dataplane has not yet caught
// up with a power change (the model holds the transition), the instance
// view shows Azure's transitional power states: stopping, deallocating,
// starting.
func TestVirtualMachineTransitions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	vc, _ := vmSetup(t, e)
	poll(vc.BeginCreateOrUpdate(ctx, "rg1", "vm1", vmIn("Standard_B1s", false, rgID+"networkInterfaces/nic1"), nil)).must(t)
	e.cloud.SetPowerTransitions(true)
	poll(vc.BeginPowerOff(ctx, "rg1", "vm1", nil)).must(t)
	if ps := powerState(t, vc, "vm1"); ps != "PowerState/stopping" {
		t.Fatalf("powerOff not yet in force: %s", ps)
	}
	e.cloud.SetPowerTransitions(false) // settles what is in transition
	poll(vc.BeginStart(ctx, "rg1", "vm1", nil)).must(t)
	e.cloud.SetPowerTransitions(true)
	poll(vc.BeginDeallocate(ctx, "rg1", "vm1", nil)).must(t)
	if ps := powerState(t, vc, "vm1"); ps != "PowerState/deallocating" {
		t.Fatalf("deallocate not yet in force: %s", ps)
	}
	e.cloud.SetPowerTransitions(false)
	e.cloud.SetPowerTransitions(true)
	poll(vc.BeginStart(ctx, "rg1", "vm1", nil)).must(t)
	if ps := powerState(t, vc, "vm1"); ps != "PowerState/starting" {
		t.Fatalf("start not yet in force: %s", ps)
	}
}
