package topologies

import (
	"bytes"
	"testing"
)

// TestGCPExample: gcp-transit.yaml decodes to a GCP account whose VPCs
// have their regions, and writes back with them.
func TestGCPExample(t *testing.T) {
	topo, err := Load("gcp-transit.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cl := topo.Cloud
	if len(cl.Accounts) != 1 || cl.Accounts[0].Provider != ProviderGCP || cl.Accounts[0].Credentials != "lab" {
		t.Fatalf("accounts: %s", dump(cl.Accounts))
	}
	want := map[string]string{"transit-vpc": "us-central1", "prod-vpc": "us-central1", "dev-vpc": "europe-west1"}
	for _, v := range cl.VPCs {
		if v.Region != want[v.Name] {
			t.Errorf("vpc %s: region %s, want %s", v.Name, v.Region, want[v.Name])
		}
	}
	out, err := Marshal(topo)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte("provider: gcp")) {
		t.Errorf("marshalled without the provider:\n%s", out)
	}
	again, err := Parse("again.yaml", out)
	if err != nil {
		t.Fatalf("parse what Marshal wrote: %v\n%s", err, out)
	}
	if again.Cloud.VPCs[2].Region != "europe-west1" || again.Cloud.Accounts[0].Provider != ProviderGCP {
		t.Errorf("round trip: %s", dump(again.Cloud))
	}
}
