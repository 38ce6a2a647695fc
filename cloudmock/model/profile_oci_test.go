package model

import (
	"net/netip"
	"regexp"
	"slices"
	"testing"
)

const ociTenancy = "ocid1.tenancy.oc1..aaaatenancy"

// ocidRE is an OCID of the commercial realm: ocid1.TYPE.oc1.REGION.UNIQUE.
var ocidRE = regexp.MustCompile(`^ocid1\.([a-z]+)\.oc1\.([a-z0-9-]*)\.[a-z2-7]{56}$`)

func ociCloud(t *testing.T) (*Cloud, Network) {
	t.Helper()
	c := New()
	c.AddAccount(Account{ID: ociTenancy, Provider: ProviderOCI})
	n, err := c.CreateNetworkAt(ociTenancy, Place{Region: "us-ashburn-1", Scope: ociTenancy}, netip.MustParsePrefix("10.0.0.0/16"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return c, n
}

// TestOCIIDsAndCompartments: OCIDs name their type and region (none for a
// compartment), kinds are read back from them, and a compartment is a
// scope whose objects are listed under it.
func TestOCIIDsAndCompartments(t *testing.T) {
	c, n := ociCloud(t)
	if m := ocidRE.FindStringSubmatch(n.ID); m == nil || m[1] != "vcn" || m[2] != "us-ashburn-1" {
		t.Fatalf("VCN OCID %q", n.ID)
	}
	comp, err := c.CreateScope(ociTenancy, Place{Name: "prod"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m := ocidRE.FindStringSubmatch(comp.ID); m == nil || m[1] != "compartment" || m[2] != "" {
		t.Fatalf("compartment OCID %q", comp.ID)
	}
	if k, ok := OCIKind(comp.ID); !ok || k != KindScope {
		t.Fatalf("OCIKind(%s) = %v %v", comp.ID, k, ok)
	}
	n2, err := c.CreateNetworkAt(ociTenancy, Place{Region: "eu-frankfurt-1", Scope: comp.ID}, netip.MustParsePrefix("10.0.0.0/16"), nil)
	if err != nil {
		t.Fatalf("a second VCN with the same CIDR (display names and CIDRs need not be unique): %v", err)
	}
	if k, ok := OCIKind(n2.ID); !ok || k != KindNetwork {
		t.Fatalf("OCIKind(%s) = %v %v", n2.ID, k, ok)
	}
	if objs := c.ScopeObjects(ociTenancy, comp.ID); !slices.Contains(objs, n2.ID) || slices.Contains(objs, n.ID) {
		t.Fatalf("objects of the compartment %v", objs)
	}
	if _, err := c.CreateNetworkAt(ociTenancy, Place{Region: "us-east-1", Scope: ociTenancy}, netip.MustParsePrefix("10.1.0.0/16"), nil); CodeOf(err) != CodeInvalidParameter {
		t.Fatalf("an AWS region: %v", err)
	}
	if _, ok := OCIKind("ocid1.vcn"); ok {
		t.Fatal("a truncated OCID has a kind")
	}
	p, _ := LookupProfile(ProviderOCI)
	if got := p.Zones("us-phoenix-1"); !slices.Equal(got, []string{"mcnl:PHX-AD-1", "mcnl:PHX-AD-2", "mcnl:PHX-AD-3"}) {
		t.Fatalf("ADs of us-phoenix-1 %v", got)
	}
	if got := p.Zones("ap-tokyo-1"); len(got) != 1 {
		t.Fatalf("ADs of ap-tokyo-1 %v", got)
	}
}

// TestOCIVCNDefaults: a VCN comes with a default route table, a default
// security list with OCI's four stateful rules, and DHCP options of its
// own, which all go with it.
func TestOCIVCNDefaults(t *testing.T) {
	c, n := ociCloud(t)
	if n.MainRouteTableID == "" || n.DefaultSecurityListID == "" || n.DefaultSecurityGroupID != "" || n.DefaultNetworkACLID != "" {
		t.Fatalf("defaults: table %q list %q group %q acl %q", n.MainRouteTableID, n.DefaultSecurityListID, n.DefaultSecurityGroupID, n.DefaultNetworkACLID)
	}
	sl, err := c.RuleSet(ociTenancy, FlavorSecurityList, n.DefaultSecurityListID)
	if err != nil {
		t.Fatal(err)
	}
	if m := ocidRE.FindStringSubmatch(sl.ID); m == nil || m[1] != "securitylist" || !sl.Default {
		t.Fatalf("default list %q default=%v", sl.ID, sl.Default)
	}
	type want struct {
		dir          Direction
		proto        string
		port, ty, cd int
		peer         string
	}
	var got []want
	for _, r := range sl.Rules {
		if r.Stateless || r.Action != Allow || r.ID == "" {
			t.Fatalf("rule %+v: want a stateful allow with an ID", r)
		}
		got = append(got, want{r.Direction, r.Protocol, r.FromPort, r.ICMPType, r.ICMPCode, r.Peer.Prefix.String()})
	}
	exp := []want{{Egress, "-1", -1, -1, -1, "0.0.0.0/0"}, {Ingress, "tcp", 22, -1, -1, "0.0.0.0/0"},
		{Ingress, "icmp", -1, 3, 4, "0.0.0.0/0"}, {Ingress, "icmp", -1, 3, -1, "10.0.0.0/16"}}
	for _, w := range exp {
		if !slices.Contains(got, w) {
			t.Fatalf("default rules %+v lack %+v", got, w)
		}
	}
	if len(got) != len(exp) {
		t.Fatalf("default rules %+v, want %d", got, len(exp))
	}
	var dhcp DHCPOptions
	for _, d := range c.DHCPOptionsSets(ociTenancy) {
		if d.ID == n.DHCPOptionsID {
			dhcp = d
		}
	}
	if dhcp.NetworkID != n.ID || len(dhcp.Options) != 1 || dhcp.Options[0].Values[0] != OCIVcnLocalPlusInternet {
		t.Fatalf("VCN DHCP options %+v (ID %q)", dhcp, n.DHCPOptionsID)
	}
	if err := c.DeleteDHCPOptions(ociTenancy, dhcp.ID); CodeOf(err) != CodeDependency {
		t.Fatalf("deleting the VCN's default DHCP options: %v", err)
	}
	if err := c.DeleteNetwork(ociTenancy, n.ID); err != nil {
		t.Fatal(err)
	}
	if len(c.DHCPOptionsSets(ociTenancy)) != 0 || len(c.RuleSets(ociTenancy, FlavorSecurityList)) != 0 || len(c.RouteTables(ociTenancy)) != 0 {
		t.Fatalf("left after the VCN: dhcp %v lists %v tables %v", c.DHCPOptionsSets(ociTenancy), c.RuleSets(ociTenancy, FlavorSecurityList), c.RouteTables(ociTenancy))
	}
}

// TestOCIReservedAddresses: a subnet keeps its first two addresses and
// its last; a /30 has one usable address; a /31 is refused.
func TestOCIReservedAddresses(t *testing.T) {
	c, n := ociCloud(t)
	s, err := c.CreateSubnetAt(ociTenancy, n.ID, Place{Region: "us-ashburn-1", Scope: ociTenancy}, netip.MustParsePrefix("10.0.1.0/24"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.AvailableIPs != 256-3 {
		t.Fatalf("available addresses %d, want 253", s.AvailableIPs)
	}
	for a, want := range map[string]bool{"10.0.1.0": true, "10.0.1.1": true, "10.0.1.255": true, "10.0.1.2": false, "10.0.1.254": false} {
		c.mu.RLock()
		got := c.reservedAddrLocked(c.subnets[s.ID], netip.MustParseAddr(a))
		c.mu.RUnlock()
		if got != want {
			t.Fatalf("%s reserved = %v, want %v", a, got, want)
		}
	}
	s30, err := c.CreateSubnetAt(ociTenancy, n.ID, Place{Region: "us-ashburn-1", Scope: ociTenancy}, netip.MustParsePrefix("10.0.2.0/30"), "", nil)
	if err != nil || s30.AvailableIPs != 1 {
		t.Fatalf("a /30: %v, %d available", err, s30.AvailableIPs)
	}
	if _, err := c.CreateSubnetAt(ociTenancy, n.ID, Place{Region: "us-ashburn-1", Scope: ociTenancy}, netip.MustParsePrefix("10.0.3.0/31"), "", nil); CodeOf(err) != CodeInvalidRange && CodeOf(err) != CodeInvalidParameter {
		t.Fatalf("a /31: %v", err)
	}
}
