package model

import (
	"net/netip"
	"testing"
)

const azSub = "00000000-0000-0000-0000-0000000000a1"

func azureCloud(t *testing.T) *Cloud {
	t.Helper()
	c := New()
	c.AddAccount(Account{ID: azSub, Provider: ProviderAzure})
	if _, err := c.CreateScope(azSub, Place{Region: "eastus", Name: "RG1"}, nil); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestAzureIDsAndNames: IDs are ARM IDs derived from names, subnets hang
// below their VNet, names are unique per group and kind, case-folded.
func TestAzureIDsAndNames(t *testing.T) {
	c := azureCloud(t)
	n, err := c.CreateNetworkAt(azSub, Place{Region: "eastus", Scope: "RG1", Name: "VNet1"}, netip.MustParsePrefix("10.0.0.0/16"), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := "/subscriptions/" + azSub + "/resourceGroups/RG1/providers/Microsoft.Network/virtualNetworks/VNet1"
	if n.ID != want {
		t.Fatalf("network ID %s, want %s", n.ID, want)
	}
	// Azure: no default NSG or ACL with a new VNet.
	if n.DefaultNetworkACLID != "" || n.DefaultSecurityGroupID != "" || len(c.RuleSets(azSub, "")) != 0 {
		t.Fatalf("a new VNet has default rule sets: %+v", n)
	}
	s, err := c.CreateSubnetAt(azSub, n.ID, Place{Scope: "RG1/VNet1", Name: "default"}, netip.MustParsePrefix("10.0.1.0/29"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.ID != want+"/subnets/default" {
		t.Fatalf("subnet ID %s", s.ID)
	}
	// Azure reserves 5 addresses of each subnet: a /29 keeps 3.
	if s.AvailableIPs != 3 {
		t.Fatalf("a /29 has %d available addresses, want 3", s.AvailableIPs)
	}
	for _, q := range []struct{ scope, name string }{{"rg1", "vnet1"}, {"RG1", "VNET1"}} {
		if id, err := c.ByName(azSub, q.scope, KindNetwork, q.name); err != nil || id != n.ID {
			t.Fatalf("ByName(%s, %s) = %s, %v", q.scope, q.name, id, err)
		}
	}
	if id, err := c.ByName(azSub, "rg1/vnet1", KindSubnet, "DEFAULT"); err != nil || id != s.ID {
		t.Fatalf("subnet by folded name: %s, %v", id, err)
	}
	if _, err := c.CreateNetworkAt(azSub, Place{Region: "eastus", Scope: "rg1", Name: "vnet1"}, netip.MustParsePrefix("10.1.0.0/16"), nil); CodeOf(err) != CodeAlreadyExists {
		t.Fatalf("a second vnet1 in rg1: %v", err)
	}
	// The same subnet name in another VNet is fine.
	n2, err := c.CreateNetworkAt(azSub, Place{Region: "eastus", Scope: "RG1", Name: "v2"}, netip.MustParsePrefix("10.2.0.0/16"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateSubnetAt(azSub, n2.ID, Place{Scope: "RG1/v2", Name: "default"}, netip.MustParsePrefix("10.2.1.0/24"), "", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateNetworkAt(azSub, Place{Region: "mars", Scope: "RG1", Name: "v3"}, netip.MustParsePrefix("10.3.0.0/16"), nil); CodeOf(err) != CodeInvalidParameter {
		t.Fatalf("unknown region: %v", err)
	}
	// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-networks-faq — /29 is the smallest subnet
	if _, err := c.CreateSubnetAt(azSub, n2.ID, Place{Scope: "RG1/v2", Name: "tiny"}, netip.MustParsePrefix("10.2.2.0/30"), "", nil); CodeOf(err) != CodeInvalidRange {
		t.Fatalf("a /30 subnet: %v", err)
	}
	// Azure lets a VNet mix RFC 1918 ranges (AWS does not).
	if _, err := c.AddNetworkCIDR(azSub, n2.ID, netip.MustParsePrefix("192.168.0.0/24")); err != nil {
		t.Fatalf("a second RFC 1918 range: %v", err)
	}
	if objs := c.ScopeObjects(azSub, "rg1"); len(objs) < 4 {
		t.Fatalf("scope objects: %v", objs)
	}
	g, _ := c.ByName(azSub, "", KindScope, "rg1")
	if err := c.DeleteScope(azSub, g); CodeOf(err) != CodeDependency {
		t.Fatalf("delete a non-empty scope: %v", err)
	}
}

// TestAzureFreeNSG: an NSG belongs to no network, attaches to a subnet of
// its region, and keeps unique priorities per direction.
func TestAzureFreeNSG(t *testing.T) {
	c := azureCloud(t)
	n, _ := c.CreateNetworkAt(azSub, Place{Region: "eastus", Scope: "RG1", Name: "v1"}, netip.MustParsePrefix("10.0.0.0/16"), nil)
	s, _ := c.CreateSubnetAt(azSub, n.ID, Place{Scope: "RG1/v1", Name: "s1"}, netip.MustParsePrefix("10.0.1.0/24"), "", nil)
	nsg, err := c.CreateRuleSetAt(azSub, Place{Region: "eastus", Scope: "RG1", Name: "nsg1"}, RuleSetSpec{Flavor: FlavorNSG})
	if err != nil {
		t.Fatal(err)
	}
	if nsg.ID != "/subscriptions/"+azSub+"/resourceGroups/RG1/providers/Microsoft.Network/networkSecurityGroups/nsg1" {
		t.Fatalf("NSG ID %s", nsg.ID)
	}
	r := Rule{Name: "a", Direction: Ingress, Priority: 200, Action: Deny, Protocol: "tcp", FromPort: 22, ToPort: 22, Peer: Peer{ServiceTag: "Internet"}}
	got, err := c.ReplaceRules(azSub, FlavorNSG, nsg.ID, []Rule{r})
	if err != nil || len(got) != 1 || got[0].ID == "" {
		t.Fatalf("replace rules: %v %v", got, err)
	}
	r2 := r
	r2.Name = "b"
	if _, err := c.ReplaceRules(azSub, FlavorNSG, nsg.ID, []Rule{r, r2}); CodeOf(err) != CodeAlreadyExists {
		t.Fatalf("two rules with one priority: %v", err)
	}
	again, _ := c.ReplaceRules(azSub, FlavorNSG, nsg.ID, []Rule{r})
	if again[0].ID != got[0].ID {
		t.Fatalf("a rule kept by name changed its ID: %s -> %s", got[0].ID, again[0].ID)
	}
	if _, err := c.AttachRuleSet(azSub, FlavorNSG, nsg.ID, Attachment{Kind: OnSubnet, TargetID: s.ID}); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteRuleSet(azSub, FlavorNSG, nsg.ID); CodeOf(err) != CodeDependency {
		t.Fatalf("delete an attached NSG: %v", err)
	}
	west, _ := c.CreateRuleSetAt(azSub, Place{Region: "westus", Scope: "RG1", Name: "nsg2"}, RuleSetSpec{Flavor: FlavorNSG})
	s2, _ := c.CreateSubnetAt(azSub, n.ID, Place{Scope: "RG1/v1", Name: "s2"}, netip.MustParsePrefix("10.0.2.0/24"), "", nil)
	if _, err := c.AttachRuleSet(azSub, FlavorNSG, west.ID, Attachment{Kind: OnSubnet, TargetID: s2.ID}); CodeOf(err) != CodeInvalidParameter {
		t.Fatalf("an NSG of another region: %v", err)
	}
}

// TestAzureSnapshotRoundTrip: resource groups (scopes in owner records),
// NSGs of no network with named rules, and the case-folded name index
// survive a snapshot and restore.
func TestAzureSnapshotRoundTrip(t *testing.T) {
	c := azureCloud(t)
	n, _ := c.CreateNetworkAt(azSub, Place{Region: "eastus", Scope: "RG1", Name: "v1"}, netip.MustParsePrefix("10.0.0.0/16"), nil)
	s, _ := c.CreateSubnetAt(azSub, n.ID, Place{Scope: "RG1/v1", Name: "s1"}, netip.MustParsePrefix("10.0.1.0/24"), "", nil)
	nsg, _ := c.CreateRuleSetAt(azSub, Place{Region: "eastus", Scope: "RG1", Name: "nsg1"}, RuleSetSpec{Flavor: FlavorNSG})
	if _, err := c.ReplaceRules(azSub, FlavorNSG, nsg.ID, []Rule{{Name: "r", Direction: Ingress, Priority: 100, Action: Allow, Protocol: "-1", Peer: Peer{ServiceTag: "VirtualNetwork"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachRuleSet(azSub, FlavorNSG, nsg.ID, Attachment{Kind: OnSubnet, TargetID: s.ID}); err != nil {
		t.Fatal(err)
	}
	b, _, err := c.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	r := New()
	if err := r.Restore(b); err != nil {
		t.Fatal(err)
	}
	if g := r.Scopes(azSub); len(g) != 1 || g[0].Name != "RG1" || g[0].Region != "eastus" {
		t.Fatalf("restored scopes: %+v", g)
	}
	if id, err := r.ByName(azSub, "rg1/V1", KindSubnet, "S1"); err != nil || id != s.ID {
		t.Fatalf("restored subnet by name: %s %v", id, err)
	}
	got, err := r.RuleSet(azSub, FlavorNSG, nsg.ID)
	if err != nil || got.NetworkID != "" || len(got.Rules) != 1 || got.Rules[0].Name != "r" || len(got.Attachments) != 1 {
		t.Fatalf("restored NSG: %+v %v", got, err)
	}
}
