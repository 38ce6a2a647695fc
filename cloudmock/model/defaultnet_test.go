package model

import (
	"net/netip"
	"testing"
)

// TestDefaultNetworkAsAWSMakesIt checks the default VPC's parts: the
// 172.31.0.0/16 network with DNS hostnames, a /20 default subnet per zone
// mapping public addresses, an attached internet gateway and the main
// table's default route to it, the default security group and ACL.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/default-vpc.html#default-vpc-components
func TestDefaultNetworkAsAWSMakesIt(t *testing.T) {
	c := newCloud(t)
	if err := c.EnsureDefaultNetwork(acct, "eu-west-1"); err != nil {
		t.Fatal(err)
	}
	n, ok := c.DefaultNetwork(acct, "eu-west-1")
	if !ok {
		t.Fatal("no default network in eu-west-1")
	}
	if n.CIDRs[0].Prefix != pfx("172.31.0.0/16") || !n.Default || !n.DNSSupport || !n.DNSHostnames || n.Region != "eu-west-1" {
		t.Fatalf("default network %+v", n)
	}
	if n.DefaultSecurityGroupID == "" || n.DefaultNetworkACLID == "" {
		t.Fatalf("default network without its default group or ACL: %+v", n)
	}
	want := map[string]string{"eu-west-1a": "172.31.0.0/20", "eu-west-1b": "172.31.16.0/20", "eu-west-1c": "172.31.32.0/20"}
	got := map[string]string{}
	for _, s := range c.Subnets(acct) {
		if s.NetworkID != n.ID {
			continue
		}
		if !s.DefaultForZone || !s.MapPublicIP {
			t.Errorf("default subnet %s: DefaultForZone %v MapPublicIP %v, want both", s.ID, s.DefaultForZone, s.MapPublicIP)
		}
		got[s.Zone] = s.Prefix.String()
	}
	if len(got) != len(want) {
		t.Fatalf("default subnets %v, want %v", got, want)
	}
	for z, p := range want {
		if got[z] != p {
			t.Errorf("default subnet of %s: %s, want %s", z, got[z], p)
		}
	}
	var igw string
	for _, g := range c.InternetGateways(acct) {
		if g.NetworkID == n.ID {
			igw = g.ID
		}
	}
	if igw == "" {
		t.Fatal("no internet gateway attached to the default network")
	}
	rt, err := c.RouteTable(acct, n.MainRouteTableID)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rt.Routes {
		if r.Destination == pfx("0.0.0.0/0") && r.Target == (Target{Kind: TargetInternetGateway, ID: igw}) {
			found = true
		}
	}
	if !found {
		t.Fatalf("main route table routes %+v: no 0.0.0.0/0 to %s", rt.Routes, igw)
	}
	s, ok := c.DefaultSubnet(acct, "eu-west-1", "")
	if !ok || s.Zone != "eu-west-1a" {
		t.Fatalf("DefaultSubnet of no zone: %+v %v, want eu-west-1a's", s, ok)
	}
	if s, ok := c.DefaultSubnet(acct, "eu-west-1", "eu-west-1b"); !ok || s.Prefix != pfx("172.31.16.0/20") {
		t.Fatalf("DefaultSubnet of eu-west-1b: %+v %v", s, ok)
	}
}

// TestDefaultNetworkOnceAndAfterDelete checks that a region gets its
// default network once, that a deleted one is not made again, that it can
// be created anew, and that a second one is refused.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/work-with-default-vpc.html#create-default-vpc — deleted default VPCs can be created again; one per Region
func TestDefaultNetworkOnceAndAfterDelete(t *testing.T) {
	c := newCloud(t)
	for range 2 {
		if err := c.EnsureDefaultNetwork(acct, "us-east-1"); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(c.Networks(acct)); got != 1 {
		t.Fatalf("%d networks after two ensures, want 1", got)
	}
	n, _ := c.DefaultNetwork(acct, "us-east-1")
	if _, err := c.CreateDefaultNetwork(acct, "us-east-1"); CodeOf(err) != CodeAlreadyExists {
		t.Fatalf("CreateDefaultNetwork with one: %v, want AlreadyExists", err)
	}
	deleteDefaultNetwork(t, c, n)
	if err := c.EnsureDefaultNetwork(acct, "us-east-1"); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.DefaultNetwork(acct, "us-east-1"); ok {
		t.Fatal("a deleted default network came back")
	}
	m, err := c.CreateDefaultNetwork(acct, "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	if m.ID == n.ID || !m.Default {
		t.Fatalf("new default network %+v", m)
	}
}

// deleteDefaultNetwork deletes a default network as a user must: its
// subnets, its gateway, then it.
func deleteDefaultNetwork(t *testing.T, c *Cloud, n Network) {
	t.Helper()
	for _, s := range c.Subnets(acct) {
		if s.NetworkID == n.ID {
			if err := c.DeleteSubnet(acct, s.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, g := range c.InternetGateways(acct) {
		if g.NetworkID == n.ID {
			if err := c.DetachInternetGateway(acct, g.ID, n.ID); err != nil {
				t.Fatal(err)
			}
			if err := c.DeleteInternetGateway(acct, g.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := c.DeleteNetwork(acct, n.ID); err != nil {
		t.Fatal(err)
	}
}

// TestDefaultNetworkCountsAgainstQuota checks that the default VPC is one
// of the five VPCs per Region, and that a region already full gets none.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — VPCs per Region: 5, the default VPC included
func TestDefaultNetworkCountsAgainstQuota(t *testing.T) {
	c := newCloud(t)
	if err := c.EnsureDefaultNetwork(acct, "us-east-2"); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		if _, err := c.CreateNetworkIn(acct, "us-east-2", pfx("10."+string(rune('0'+i))+".0.0/16"), nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.CreateNetworkIn(acct, "us-east-2", pfx("10.9.0.0/16"), nil); CodeOf(err) != CodeQuotaExceeded {
		t.Fatalf("sixth VPC: %v, want QuotaExceeded", err)
	}
	for i := range 5 {
		if _, err := c.CreateNetworkIn(acct, "us-west-2", pfx("10."+string(rune('0'+i))+".0.0/16"), nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.EnsureDefaultNetwork(acct, "us-west-2"); err != nil {
		t.Fatalf("ensure in a full region: %v, want none made and no error", err)
	}
	if _, ok := c.DefaultNetwork(acct, "us-west-2"); ok {
		t.Fatal("a default network past the quota")
	}
	if got := len(c.InternetGateways(acct)); got != 1 {
		t.Fatalf("%d internet gateways, want only us-east-2's: a failed default network leaves nothing", got)
	}
}

// TestDefaultNetworkProfiles checks that the Azure profile has no default
// networks, and that the regions made survive a snapshot and AddAccount.
func TestDefaultNetworkProfiles(t *testing.T) {
	c := newCloud(t)
	c.AddAccount(Account{ID: "az", Provider: ProviderAzure})
	if err := c.EnsureDefaultNetwork("az", "eastus"); err != nil {
		t.Fatal(err)
	}
	if len(c.Networks("az")) != 0 {
		t.Fatal("an Azure account got a default network")
	}
	if _, err := c.CreateDefaultNetwork("az", "eastus"); CodeOf(err) != CodeInvalidParameter {
		t.Fatalf("CreateDefaultNetwork for Azure: %v", err)
	}
	if err := c.EnsureDefaultNetwork(acct, "us-east-1"); err != nil {
		t.Fatal(err)
	}
	n, _ := c.DefaultNetwork(acct, "us-east-1")
	deleteDefaultNetwork(t, c, n)
	b, _, err := c.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	r := New()
	if err := r.Restore(b); err != nil {
		t.Fatal(err)
	}
	r.AddAccount(Account{ID: acct, Limits: DefaultLimits()}) // as cloudmock serve does on start
	if err := r.EnsureDefaultNetwork(acct, "us-east-1"); err != nil {
		t.Fatal(err)
	}
	if len(r.Networks(acct)) != 0 {
		t.Fatal("the deleted default network came back after a restore")
	}
	if err := r.EnsureDefaultNetwork(acct, "ap-south-1"); err != nil {
		t.Fatal(err)
	}
	b2, _, _ := r.Snapshot()
	r2 := New()
	if err := r2.Restore(b2); err != nil {
		t.Fatal(err)
	}
	n2, ok := r2.DefaultNetwork(acct, "ap-south-1")
	if !ok {
		t.Fatal("default network lost in a snapshot")
	}
	if s, ok := r2.DefaultSubnet(acct, "ap-south-1", "ap-south-1c"); !ok || !s.DefaultForZone || s.NetworkID != n2.ID {
		t.Fatalf("default subnet after restore: %+v %v", s, ok)
	}
	var dopt []DHCPOptions
	for _, d := range r2.DHCPOptionsSets(acct) {
		if d.ID == n2.DHCPOptionsID && d.RegionDefault && d.Options[0].Values[0] == "ap-south-1.compute.internal" {
			dopt = append(dopt, d)
		}
	}
	if len(dopt) != 1 {
		t.Fatalf("the default network's DHCP options %q after restore: %+v", n2.DHCPOptionsID, r2.DHCPOptionsSets(acct))
	}
}

// TestPublicIPOnLaunch: an instance launched into a subnet that maps
// public addresses holds one while it runs and has no elastic IP; a
// stop releases it, a start gives a new one, an elastic IP replaces it and
// its disassociation brings a new one; a subnet that does not map gives
// none unless the launch asks.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-instance-addressing.html#concepts-public-addresses
func TestPublicIPOnLaunch(t *testing.T) {
	c := newCloud(t)
	if err := c.EnsureDefaultNetwork(acct, "us-east-1"); err != nil {
		t.Fatal(err)
	}
	s, _ := c.DefaultSubnet(acct, "us-east-1", "")
	eip, err := c.AllocateAddressAt(acct, Place{Region: "us-east-1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := c.RunInstances(acct, LaunchSpec{SubnetID: s.ID, Count: 2})
	if err != nil {
		t.Fatal(err)
	}
	pub := func(i Instance) netip.Addr {
		t.Helper()
		e, err := c.NetworkInterface(acct, i.NetworkInterfaceID)
		if err != nil {
			t.Fatal(err)
		}
		return e.PublicIP
	}
	a, b := pub(inst[0]), pub(inst[1])
	if !a.IsValid() || !b.IsValid() || a == b || a == eip.PublicIP || b == eip.PublicIP || !publicPool.Contains(a) {
		t.Fatalf("public addresses %v %v (elastic IP %v): want two of the pool's, distinct from the elastic IP", a, b, eip.PublicIP)
	}
	if _, err := c.StopInstances(acct, []string{inst[0].ID}, false); err != nil {
		t.Fatal(err)
	}
	if p := pub(inst[0]); p.IsValid() {
		t.Fatalf("a stopped instance holds public address %v", p)
	}
	if _, err := c.StartInstances(acct, []string{inst[0].ID}); err != nil {
		t.Fatal(err)
	}
	if p := pub(inst[0]); !p.IsValid() {
		t.Fatal("a started instance got no public address")
	}
	if err := c.AssociateAddress(acct, eip.ID, inst[1].ID); err != nil {
		t.Fatal(err)
	}
	if p := pub(inst[1]); p.IsValid() {
		t.Fatalf("an instance with an elastic IP still holds public address %v", p)
	}
	if err := c.DisassociateAddress(acct, eip.ID); err != nil {
		t.Fatal(err)
	}
	if p := pub(inst[1]); !p.IsValid() {
		t.Fatal("no public address after the elastic IP went")
	}
	n := mustNetwork(t, c, "10.0.0.0/16")
	private, err := c.CreateSubnet(acct, n.ID, pfx("10.0.1.0/24"), "a", nil)
	if err != nil {
		t.Fatal(err)
	}
	in, err := c.RunInstances(acct, LaunchSpec{SubnetID: private.ID, Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	if p := pub(in[0]); p.IsValid() {
		t.Fatalf("an instance in a subnet that maps none got %v", p)
	}
	yes := true
	in, err = c.RunInstances(acct, LaunchSpec{SubnetID: private.ID, Count: 1, PublicIP: &yes})
	if err != nil {
		t.Fatal(err)
	}
	if p := pub(in[0]); !p.IsValid() {
		t.Fatal("a launch that asks for a public address got none")
	}
}
