package topologies

import "testing"

// TestMultiCloudExample: multicloud.yaml, with accounts of AWS, Azure and
// GCP in one topology and their transits peered across the clouds,
// validates (a topology was once refused for holding two clouds), each
// VPC in its cloud's account; overlapping ranges across clouds are still
// refused (testdata/bad/multicloud-overlap.yaml).
func TestMultiCloudExample(t *testing.T) {
	topo, err := Load("multicloud.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cl := topo.Cloud
	providers := map[string]Provider{}
	for _, a := range cl.Accounts {
		providers[a.Name] = a.Provider
	}
	if len(providers) != 4 || providers["aws-lab"] != ProviderAWS || providers["azure-lab"] != ProviderAzure || providers["gcp-lab"] != ProviderGCP ||
		providers["oci-lab"] != ProviderOCI {
		t.Fatalf("accounts: %s", dump(cl.Accounts))
	}
	vpcProvider := map[string]Provider{}
	for _, v := range cl.VPCs {
		vpcProvider[v.Name] = providers[v.Account]
	}
	trProvider := map[string]Provider{}
	for _, tr := range cl.Transits {
		trProvider[tr.Name] = vpcProvider[tr.VPC]
	}
	if len(trProvider) != 4 || len(cl.TransitPeerings) != 6 {
		t.Fatalf("%d transits, %d peerings; want 4 and 6 (a full mesh)", len(trProvider), len(cl.TransitPeerings))
	}
	for _, p := range cl.TransitPeerings {
		if trProvider[p.A] == trProvider[p.B] {
			t.Errorf("peering %s-%s joins two transits of %s; the example peers across clouds", p.A, p.B, trProvider[p.A])
		}
	}
	clouds := map[Provider]int{}
	for _, s := range cl.Spokes {
		clouds[vpcProvider[s.VPC]]++
	}
	if clouds[ProviderAWS] == 0 || clouds[ProviderAzure] == 0 || clouds[ProviderGCP] == 0 || clouds[ProviderOCI] == 0 {
		t.Errorf("spokes by cloud %v; want spokes in each", clouds)
	}
}
