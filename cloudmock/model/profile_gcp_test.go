package model

import (
	"net/netip"
	"slices"
	"testing"
)

const gcpProject = "proj1"

func gcpCloud(t *testing.T) (*Cloud, Network) {
	t.Helper()
	c := New()
	c.AddAccount(Account{ID: gcpProject, Provider: ProviderGCP})
	n, err := c.CreateNetworkAt(gcpProject, Place{Scope: GCPGlobal, Name: "net1"}, netip.Prefix{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c, n
}

func localRoutes(t *testing.T, c *Cloud, n Network) []string {
	t.Helper()
	rt, err := c.RouteTable(gcpProject, n.MainRouteTableID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rt.Routes {
		if r.Target.Kind == TargetLocal {
			out = append(out, r.Destination.String())
		}
	}
	slices.Sort(out)
	return out
}

// TestGCPGlobalNetwork: a network has no range; subnets in two regions
// make their ranges its prefixes (subnet routes), and leave with them.
func TestGCPGlobalNetwork(t *testing.T) {
	c, n := gcpCloud(t)
	if n.ID != "projects/proj1/global/networks/net1" || n.Region != "" || len(n.CIDRs) != 0 {
		t.Fatalf("network = %s region %q prefixes %v", n.ID, n.Region, n.CIDRs)
	}
	a, err := c.CreateSubnetAt(gcpProject, n.ID, Place{Region: "us-central1", Scope: GCPRegionScope("us-central1"), Name: "a"}, netip.MustParsePrefix("10.1.0.0/24"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.CreateSubnetAt(gcpProject, n.ID, Place{Region: "europe-west1", Scope: GCPRegionScope("europe-west1"), Name: "a"}, netip.MustParsePrefix("172.16.0.0/20"), "", nil)
	if err != nil {
		t.Fatalf("a subnet of the same name in another region: %v", err)
	}
	if a.ID != "projects/proj1/regions/us-central1/subnetworks/a" || a.Region != "us-central1" || b.Region != "europe-west1" {
		t.Fatalf("subnets %s (%s), %s (%s)", a.ID, a.Region, b.ID, b.Region)
	}
	if got := localRoutes(t, c, n); !slices.Equal(got, []string{"10.1.0.0/24", "172.16.0.0/20"}) {
		t.Fatalf("subnet routes %v", got)
	}
	_, err = c.CreateSubnetAt(gcpProject, n.ID, Place{Region: "us-east1", Scope: GCPRegionScope("us-east1"), Name: "c"}, netip.MustParsePrefix("10.1.0.128/25"), "", nil)
	if CodeOf(err) != CodeConflict {
		t.Fatalf("overlapping subnet: %v, want a conflict", err)
	}
	_, err = c.CreateSubnetAt(gcpProject, n.ID, Place{Scope: GCPRegionScope("us-east1"), Name: "d"}, netip.MustParsePrefix("10.9.0.0/24"), "", nil)
	if CodeOf(err) != CodeInvalidParameter {
		t.Fatalf("subnet without a region: %v, want invalid", err)
	}
	if err := c.DeleteSubnet(gcpProject, a.ID); err != nil {
		t.Fatal(err)
	}
	if got := localRoutes(t, c, n); !slices.Equal(got, []string{"172.16.0.0/20"}) {
		t.Fatalf("subnet routes after delete %v", got)
	}
	if _, err := c.CreateNetworkAt(gcpProject, Place{Scope: GCPGlobal, Name: "net1"}, netip.Prefix{}, nil); CodeOf(err) != CodeAlreadyExists {
		t.Fatalf("second net1: %v", err)
	}
}

// TestGCPNamedRoutesTargetsAttrs: named routes with priorities to the
// internet and to an address, firewall targets, and provider attributes
// that survive a snapshot.
func TestGCPNamedRoutesTargetsAttrs(t *testing.T) {
	c, n := gcpCloud(t)
	if _, err := c.CreateSubnetAt(gcpProject, n.ID, Place{Region: "us-central1", Scope: GCPRegionScope("us-central1"), Name: "a"}, netip.MustParsePrefix("10.1.0.0/24"), "", nil); err != nil {
		t.Fatal(err)
	}
	rt := n.MainRouteTableID
	if err := c.AddRoute(gcpProject, rt, Route{Name: "default-internet", Destination: netip.MustParsePrefix("0.0.0.0/0"), Target: Target{Kind: TargetInternet}, Priority: 1000}); err != nil {
		t.Fatal(err)
	}
	if err := c.AddRoute(gcpProject, rt, Route{Name: "via-fw", Destination: netip.MustParsePrefix("0.0.0.0/0"), Target: Target{Kind: TargetAddress, Addr: netip.MustParseAddr("10.1.0.9")}, Priority: 900}); err != nil {
		t.Fatal(err)
	}
	err := c.AddRoute(gcpProject, rt, Route{Name: "off-net", Destination: netip.MustParsePrefix("10.50.0.0/16"), Target: Target{Kind: TargetAddress, Addr: netip.MustParseAddr("192.168.1.1")}, Priority: 900})
	if CodeOf(err) != CodeInvalidParameter {
		t.Fatalf("next hop outside the network: %v", err)
	}
	if err := c.RemoveNamedRoute(gcpProject, rt, "default-internet"); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveNamedRoute(gcpProject, rt, "default-internet"); CodeOf(err) != CodeNotFound {
		t.Fatalf("second remove: %v", err)
	}
	fw, err := c.CreateRuleSet(gcpProject, RuleSetSpec{Flavor: FlavorFirewall, NetworkID: n.ID, Scope: GCPGlobal, Name: "allow-ssh", Targets: RuleTargets{Tags: []string{"bastion"}}})
	if err != nil {
		t.Fatal(err)
	}
	if fw.ID != "projects/proj1/global/firewalls/allow-ssh" || !slices.Equal(fw.Targets.Tags, []string{"bastion"}) {
		t.Fatalf("firewall %s targets %+v", fw.ID, fw.Targets)
	}
	if err := c.SetRuleSetTargets(gcpProject, FlavorFirewall, fw.ID, RuleTargets{ServiceAccounts: []string{"sa@proj1.iam.gserviceaccount.com"}}, true); err != nil {
		t.Fatal(err)
	}
	if err := c.SetAttrs(gcpProject, n.ID, map[string]string{"routingMode": "GLOBAL", "mtu": "1460"}); err != nil {
		t.Fatal(err)
	}
	snap, _, err := c.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	r := New()
	if err := r.Restore(snap); err != nil {
		t.Fatal(err)
	}
	got, err := r.Network(gcpProject, n.ID)
	if err != nil || got.Attrs["routingMode"] != "GLOBAL" || got.Attrs["mtu"] != "1460" {
		t.Fatalf("restored network attrs %v (%v)", got.Attrs, err)
	}
	g, err := r.RuleSet(gcpProject, FlavorFirewall, fw.ID)
	if err != nil || !g.Disabled || len(g.Targets.Tags) != 0 || g.Targets.ServiceAccounts[0] != "sa@proj1.iam.gserviceaccount.com" {
		t.Fatalf("restored firewall %+v (%v)", g, err)
	}
	rtab, _ := r.RouteTable(gcpProject, rt)
	if !slices.ContainsFunc(rtab.Routes, func(x Route) bool { return x.Name == "via-fw" && x.Priority == 900 }) {
		t.Fatalf("restored routes %+v", rtab.Routes)
	}
}
