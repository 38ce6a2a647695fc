package azure_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/cloud/azure"
)

// wantPlan is what mcnlab plan prints for desired() in an empty
// subscription: the ARM operations in the order Apply makes them.
var wantPlan = []string{
	"Microsoft.Resources resourceGroups/write rg-spoke location=westeurope",
	"Microsoft.Resources resourceGroups/write rg-transit location=eastus",
	"Microsoft.Network routeTables/write transit-vnet/gw resourceGroup=rg-transit location=eastus routes=[0.0.0.0/0->Internet]",
	"Microsoft.Network routeTables/write spoke-vnet/gw resourceGroup=rg-spoke location=westeurope routes=[0.0.0.0/0->Internet]",
	"Microsoft.Network routeTables/write spoke-vnet/app resourceGroup=rg-spoke location=westeurope",
	"Microsoft.Network networkSecurityGroups/write transit-vnet/gateways resourceGroup=rg-transit location=eastus securityRules=[100 allow Udp/51820-51827 from *; 101 allow */* from 10.0.0.0/8; 4096 deny */* from *]",
	"Microsoft.Network networkSecurityGroups/write spoke-vnet/gateways resourceGroup=rg-spoke location=westeurope securityRules=[100 allow */* from 10.0.0.0/8; 4096 deny */* from *]",
	"Microsoft.Network networkSecurityGroups/write spoke-vnet/app1 resourceGroup=rg-spoke location=westeurope securityRules=[100 allow */* from 10.10.0.0/16; 4096 deny */* from *]",
	"Microsoft.Network virtualNetworks/write transit-vnet resourceGroup=rg-transit location=eastus addressSpace=10.10.0.0/16",
	"Microsoft.Network virtualNetworks/write spoke-vnet resourceGroup=rg-spoke location=westeurope addressSpace=10.1.0.0/16",
	"Microsoft.Network virtualNetworks/subnets/write transit-vnet/gw virtualNetwork=<transit-vnet> addressPrefix=10.10.1.0/24 routeTable=<transit-vnet/gw>",
	"Microsoft.Network virtualNetworks/subnets/write spoke-vnet/gw virtualNetwork=<spoke-vnet> addressPrefix=10.1.0.0/24 routeTable=<spoke-vnet/gw>",
	"Microsoft.Network virtualNetworks/subnets/write spoke-vnet/app virtualNetwork=<spoke-vnet> addressPrefix=10.1.1.0/24 routeTable=<spoke-vnet/app>",
	"Microsoft.Network publicIPAddresses/write transit-1 resourceGroup=rg-transit location=eastus sku=Standard allocation=Static",
	"Microsoft.Network publicIPAddresses/write spoke-1 resourceGroup=rg-spoke location=westeurope sku=Standard allocation=Static",
	"Microsoft.Network networkInterfaces/write transit-1 resourceGroup=rg-transit location=eastus subnet=<transit-vnet/gw> privateIPAddress=10.10.1.10 enableIPForwarding=true networkSecurityGroup=<transit-vnet/gateways> publicIPAddress=<transit-1>",
	"Microsoft.Network networkInterfaces/write spoke-1 resourceGroup=rg-spoke location=westeurope subnet=<spoke-vnet/gw> privateIPAddress=10.1.0.10 enableIPForwarding=true networkSecurityGroup=<spoke-vnet/gateways> publicIPAddress=<spoke-1>",
	"Microsoft.Network networkInterfaces/write app1 resourceGroup=rg-spoke location=westeurope subnet=<spoke-vnet/app> privateIPAddress=10.1.1.10 enableIPForwarding=false networkSecurityGroup=<spoke-vnet/app1>",
	"Microsoft.Compute virtualMachines/write transit-1 resourceGroup=rg-transit location=eastus vmSize=Standard_B1s imageReference=mcnlab:gateway:lab:latest networkInterface=<transit-1>",
	"Microsoft.Compute virtualMachines/write spoke-1 resourceGroup=rg-spoke location=westeurope vmSize=Standard_B1s imageReference=mcnlab:gateway:lab:latest networkInterface=<spoke-1>",
	"Microsoft.Compute virtualMachines/write app1 resourceGroup=rg-spoke location=westeurope vmSize=Standard_B1s imageReference=Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest networkInterface=<app1>",
}

// TestPlanListsARMCalls: plan of an empty subscription lists every ARM
// operation apply will make, in order, and makes none itself.
func TestPlanListsARMCalls(t *testing.T) {
	e := newEnv(t)
	calls, err := e.p.Plan(context.Background(), desired())
	if err != nil {
		t.Fatal(err)
	}
	if got := callStrings(calls); !slices.Equal(got, wantPlan) {
		t.Errorf("plan:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantPlan, "\n"))
	}
	if w := e.wire.writes(); len(w) != 0 {
		t.Errorf("plan wrote to ARM: %v", w)
	}
}

// TestSecondApplyMakesNoCalls: apply makes what plan listed, one PUT per
// call; a second apply and a plan then find nothing to do and send ARM
// no write; the inventory names every object with its address.
func TestSecondApplyMakesNoCalls(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	inv, made, err := e.p.Apply(ctx, desired())
	if err != nil {
		t.Fatal(err)
	}
	if got := callStrings(made); !slices.Equal(got, wantPlan) {
		t.Errorf("apply made:\n%s\nwant the plan's calls", strings.Join(got, "\n"))
	}
	if w := e.wire.writes(); len(w) != len(wantPlan) {
		t.Errorf("apply sent %d writes for %d calls: %v", len(w), len(wantPlan), w)
	}
	_, made, err = e.p.Apply(ctx, desired())
	if err != nil || len(made) != 0 {
		t.Fatalf("second apply: %v, calls %v; want none", err, callStrings(made))
	}
	if w := e.wire.writes(); len(w) != 0 {
		t.Errorf("second apply wrote to ARM: %v", w)
	}
	if calls, err := e.p.Plan(ctx, desired()); err != nil || len(calls) != 0 {
		t.Errorf("plan after apply: %v, %v; want nothing", callStrings(calls), err)
	}
	for _, k := range []string{"transit-vnet", "spoke-vnet"} {
		if !strings.HasSuffix(inv.VPCs[k], "/virtualNetworks/"+k) {
			t.Errorf("inventory VPC %s = %q", k, inv.VPCs[k])
		}
	}
	if len(inv.Subnets) != 3 || len(inv.RouteTables) != 3 || len(inv.Groups) != 3 {
		t.Errorf("inventory: %d subnets, %d route tables, %d groups; want 3 of each", len(inv.Subnets), len(inv.RouteTables), len(inv.Groups))
	}
	gw := inv.Instances["spoke-1"]
	if gw.PrivateIP != ip("10.1.0.10") || !gw.PublicIP.IsValid() || !strings.HasSuffix(gw.Interface, "/networkInterfaces/spoke-1-nic") {
		t.Errorf("inventory spoke-1 = %+v; want 10.1.0.10, a public IP and NIC spoke-1-nic", gw)
	}
	if app := inv.Instances["app1"]; app.PublicIP.IsValid() || app.PrivateIP != ip("10.1.1.10") {
		t.Errorf("inventory app1 = %+v; want 10.1.1.10 and no public IP", app)
	}
	obs, err := e.p.Observe(ctx)
	if err != nil || len(obs.Instances) != 3 || obs.Instances["spoke-1"] != gw {
		t.Errorf("observe: %+v, %v; want apply's inventory", obs.Instances, err)
	}
	// A gateway's NIC forwards; a workload's does not.
	nics := e.nicsClient(t)
	for name, want := range map[string]bool{"spoke-1-nic": true, "app1-nic": false} {
		n, err := nics.Get(ctx, "rg-spoke", name, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := n.Properties.EnableIPForwarding; got == nil || *got != want {
			t.Errorf("NIC %s enableIPForwarding = %v, want %v", name, got, want)
		}
	}
}

func (e *env) nicsClient(t *testing.T) *armnetwork.InterfacesClient {
	t.Helper()
	cred, opts, err := azure.LabClient(&e.ep)
	if err != nil {
		t.Fatal(err)
	}
	c, err := armnetwork.NewInterfacesClient(sub, cred, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestApplyChangesAndDeletes: a rule changed is one rule written; a
// workload removed takes its VM, then its NIC, then its NSG; a VNet
// removed takes what was in it and the resource group the owner made for
// it; another owner's objects stay.
func TestApplyChangesAndDeletes(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	other := e.provider(t, "lab2")
	od := cloud.Desired{Owner: "lab2", VPCs: []cloud.VPC{{Key: "lab2-vnet", CIDR: pfx("10.50.0.0/16"), Region: region, Group: "rg-spoke",
		Subnets: []cloud.Subnet{{Key: "lab2-vnet/app", CIDR: pfx("10.50.1.0/24")}}}}}
	if _, _, err := other.Apply(ctx, od); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.p.Apply(ctx, desired()); err != nil {
		t.Fatal(err)
	}
	d := desired()
	d.SecurityGroups[1].Ingress[0].Source = pfx("10.0.0.0/16")
	d.Instances = d.Instances[:2]
	d.SecurityGroups = d.SecurityGroups[:2]
	_, made, err := e.p.Apply(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"Microsoft.Compute virtualMachines/delete app1",
		"Microsoft.Network networkInterfaces/delete app1",
		"Microsoft.Network networkSecurityGroups/delete spoke-vnet/app1",
		"Microsoft.Network networkSecurityGroups/securityRules/write spoke-vnet/gateways",
	}
	if got := actions(made); !slices.Equal(got, want) {
		t.Errorf("apply made %v, want %v", callStrings(made), want)
	}
	d.VPCs = d.VPCs[:1]
	d.SecurityGroups = d.SecurityGroups[:1]
	d.Instances = d.Instances[:1]
	d.Routes = d.Routes[:1]
	_, made, err = e.p.Apply(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	want = []string{
		"Microsoft.Compute virtualMachines/delete spoke-1",
		"Microsoft.Network networkInterfaces/delete spoke-1",
		"Microsoft.Network publicIPAddresses/delete spoke-1",
		"Microsoft.Network virtualNetworks/subnets/delete spoke-vnet/app",
		"Microsoft.Network virtualNetworks/subnets/delete spoke-vnet/gw",
		"Microsoft.Network routeTables/delete spoke-vnet/app",
		"Microsoft.Network routeTables/delete spoke-vnet/gw",
		"Microsoft.Network networkSecurityGroups/delete spoke-vnet/gateways",
		"Microsoft.Network virtualNetworks/delete spoke-vnet",
	}
	if got := actions(made); !slices.Equal(got, want) {
		t.Errorf("apply made %v, want %v", callStrings(made), want)
	}
	// rg-spoke is lab2's (lab1 used it as it found it) and holds lab2's VNet.
	inv, err := other.Observe(ctx)
	if err != nil || inv.VPCs["lab2-vnet"] == "" || inv.Subnets["lab2-vnet/app"] == "" || inv.RouteTables["lab2-vnet/app"] == "" {
		t.Errorf("lab2's objects after lab1's deletions: %+v, %v", inv, err)
	}
	if _, made, err = e.p.Apply(ctx, d); err != nil || len(made) != 0 {
		t.Errorf("apply again: %v, %v", callStrings(made), err)
	}
}

// actions is each call's namespace, action and object.
func actions(calls []cloud.Call) []string {
	out := make([]string, len(calls))
	for i, c := range calls {
		out[i] = c.Service + " " + c.Action + " " + c.Object
	}
	return out
}
