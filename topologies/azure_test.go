package topologies

import (
	"bytes"
	"testing"
)

// TestAzureExample: azure-transit.yaml decodes to an Azure account whose
// VNets have their regions and resource groups, and writes back with them.
func TestAzureExample(t *testing.T) {
	topo, err := Load("azure-transit.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cl := topo.Cloud
	if len(cl.Accounts) != 1 || cl.Accounts[0].Provider != ProviderAzure || cl.Accounts[0].Credentials != "lab" {
		t.Fatalf("accounts: %s", dump(cl.Accounts))
	}
	want := map[string][2]string{"transit-vnet": {"eastus", "rg-transit"}, "prod-vnet": {"eastus", "rg-prod"}, "dev-vnet": {"westeurope", "rg-dev"}}
	for _, v := range cl.VPCs {
		if got := [2]string{v.Region, v.ResourceGroup}; got != want[v.Name] {
			t.Errorf("vpc %s: region and resource group %v, want %v", v.Name, got, want[v.Name])
		}
	}
	if len(cl.Transits) != 1 || len(cl.Spokes) != 2 {
		t.Errorf("%d transits, %d spokes; want 1 and 2", len(cl.Transits), len(cl.Spokes))
	}
	out, err := Marshal(topo)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte("resource-group: rg-transit")) {
		t.Errorf("marshalled without the resource group:\n%s", out)
	}
	again, err := Parse("again.yaml", out)
	if err != nil {
		t.Fatalf("parse what Marshal wrote: %v\n%s", err, out)
	}
	if again.Cloud.VPCs[2].ResourceGroup != "rg-dev" || again.Cloud.VPCs[2].Region != "westeurope" {
		t.Errorf("round trip: %s", dump(again.Cloud.VPCs[2]))
	}
}
