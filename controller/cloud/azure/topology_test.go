package azure_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/topologies"
)

// TestAzureRegionsAreTheCloud's: a topology may place a VNet in the
// regions the lab's Azure has, no more, no fewer.
func TestAzureRegionsAreTheCloud(t *testing.T) {
	p, ok := model.LookupProfile(model.ProviderAzure)
	if !ok {
		t.Fatal("no Azure profile")
	}
	if got := topologies.AzureRegions(); !slices.Equal(got, p.Regions) {
		t.Errorf("topologies.AzureRegions() = %v, cloudmock's Azure profile has %v", got, p.Regions)
	}
}

// TestAzureTransitTopology: topologies/azure-transit.yaml, compiled as
// the controller compiles it, plans three resource groups, three VNets and
// six gateway VMs with forwarding NICs and public IPs, applies in full and
// then makes no call.
func TestAzureTransitTopology(t *testing.T) {
	topo, err := topologies.Load("../../../topologies/azure-transit.yaml")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := intent.Compile(topo)
	if err != nil {
		t.Fatal(err)
	}
	d := plan.Account("azure-lab").Desired
	d.Owner = owner
	e := newEnv(t)
	ctx := context.Background()
	calls, err := e.p.Plan(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, c := range calls {
		count[c.Action]++
	}
	for action, n := range map[string]int{"resourceGroups/write": 3, "virtualNetworks/write": 3, "virtualNetworks/subnets/write": 5,
		"routeTables/write": 5, "publicIPAddresses/write": 6, "networkInterfaces/write": 9, "virtualMachines/write": 9} {
		if count[action] != n {
			t.Errorf("plan has %d %s, want %d:\n%s", count[action], action, n, strings.Join(callStrings(calls), "\n"))
		}
	}
	inv, made, err := e.p.Apply(ctx, d)
	if err != nil || len(made) != len(calls) {
		t.Fatalf("apply: %d calls of %d planned, %v", len(made), len(calls), err)
	}
	if g := inv.Instances["prod-1"]; !strings.Contains(g.ID, "/resourceGroups/rg-prod/providers/Microsoft.Compute/virtualMachines/prod-1") || !g.PublicIP.IsValid() {
		t.Errorf("prod-1: %+v", g)
	}
	if _, made, err := e.p.Apply(ctx, d); err != nil || len(made) != 0 {
		t.Errorf("second apply: %v, %v", callStrings(made), err)
	}
}
