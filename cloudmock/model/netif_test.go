package model

import (
	"net/netip"
	"testing"
)

// azureNet makes a VNet with two subnets in RG1.
func azureNet(t *testing.T, c *Cloud, name, cidr string) (Network, Subnet, Subnet) {
	t.Helper()
	p := netip.MustParsePrefix(cidr)
	n, err := c.CreateNetworkAt(azSub, Place{Region: "eastus", Scope: "RG1", Name: name}, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := c.CreateSubnetAt(azSub, n.ID, Place{Scope: "RG1/" + name, Name: "a"}, netip.PrefixFrom(p.Addr(), 24), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	b2 := p.Addr().As4()
	b2[2] = 1
	b, err := c.CreateSubnetAt(azSub, n.ID, Place{Scope: "RG1/" + name, Name: "b"}, netip.PrefixFrom(netip.AddrFrom4(b2), 24), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	return n, a, b
}

// TestNetworkInterfaceOfItsOwn: an interface made without an instance
// takes the next free address (Azure keeps .0-.3), a given one is
// checked, it moves within its network, holds an NSG of its region and
// deletes, disassociating its public address.
func TestNetworkInterfaceOfItsOwn(t *testing.T) {
	c := azureCloud(t)
	_, a, b := azureNet(t, c, "v1", "10.0.0.0/16")
	e, err := c.CreateNetworkInterfaceAt(azSub, Place{Scope: "RG1", Name: "nic1"}, InterfaceSpec{SubnetID: a.ID, SourceDestCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	if e.PrivateIP != netip.MustParseAddr("10.0.0.4") || e.Region != "eastus" || e.Name != "nic1" {
		t.Fatalf("interface %+v", e)
	}
	if _, err := c.CreateNetworkInterfaceAt(azSub, Place{Scope: "RG1", Name: "nic2"}, InterfaceSpec{SubnetID: a.ID, PrivateIP: e.PrivateIP}); CodeOf(err) != CodeConflict {
		t.Fatalf("a taken address: %v", err)
	}
	if _, err := c.CreateNetworkInterfaceAt(azSub, Place{Scope: "RG1", Name: "nic2"}, InterfaceSpec{SubnetID: a.ID, PrivateIP: netip.MustParseAddr("10.0.0.2")}); CodeOf(err) != CodeInvalidParameter {
		t.Fatalf("a reserved address: %v", err)
	}
	m, err := c.MoveNetworkInterface(azSub, e.ID, b.ID, netip.MustParseAddr("10.0.1.10"))
	if err != nil || m.SubnetID != b.ID || m.PrivateIP != netip.MustParseAddr("10.0.1.10") {
		t.Fatalf("move: %+v, %v", m, err)
	}
	nsg, err := c.CreateRuleSetAt(azSub, Place{Region: "eastus", Scope: "RG1", Name: "n1"}, RuleSetSpec{Flavor: FlavorNSG})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetInterfaceRuleSets(azSub, e.ID, FlavorNSG, []string{nsg.ID}); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteRuleSet(azSub, FlavorNSG, nsg.ID); CodeOf(err) != CodeDependency {
		t.Fatalf("deleting an NSG in use: %v", err)
	}
	eip, err := c.AllocateAddressAt(azSub, Place{Region: "eastus", Scope: "RG1", Name: "pip"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AssociateAddress(azSub, eip.ID, e.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteNetworkInterface(azSub, e.ID); err != nil {
		t.Fatal(err)
	}
	if eips := c.ElasticIPs(azSub); eips[0].Associate != "" {
		t.Fatalf("address still associated: %+v", eips[0])
	}
	if _, err := c.ByName(azSub, "rg1", KindNetworkInterface, "NIC1"); CodeOf(err) != CodeNotFound {
		t.Fatalf("name kept after delete: %v", err)
	}
	if err := c.DeleteRuleSet(azSub, FlavorNSG, nsg.ID); err != nil {
		t.Fatal(err)
	}
}

// TestPeeringSides: A->B is pending until B->A accepts it under its own
// name; deleting one side deletes the peering but keeps the other side's
// name until it is deleted too, and then the peering is gone.
func TestPeeringSides(t *testing.T) {
	c := azureCloud(t)
	na, _, _ := azureNet(t, c, "va", "10.0.0.0/16")
	nb, _, _ := azureNet(t, c, "vb", "10.1.0.0/16")
	p, err := c.RequestPeeringAt(azSub, Place{Scope: "RG1/va", Name: "a-b"}, na.ID, azSub, nb.ID, nil)
	if err != nil || p.State != PeeringPendingAcceptance {
		t.Fatalf("request: %+v, %v", p, err)
	}
	p, err = c.AcceptPeeringAt(azSub, p.ID, Place{Scope: "RG1/vb", Name: "b-a"}, PeeringSide{BlockForwarded: true})
	if err != nil || p.State != PeeringActive || !p.AccepterSide.BlockForwarded {
		t.Fatalf("accept: %+v, %v", p, err)
	}
	if id, err := c.ByName(azSub, "rg1/vb", KindPeering, "B-A"); err != nil || id != p.ID {
		t.Fatalf("accepter side by name: %s, %v", id, err)
	}
	b, _, _ := c.Snapshot()
	r := New()
	if err := r.Restore(b); err != nil {
		t.Fatal(err)
	}
	if id, err := r.ByName(azSub, "rg1/vb", KindPeering, "b-a"); err != nil || id != p.ID {
		t.Fatalf("accepter side after restore: %s, %v", id, err)
	}
	if err := c.DeletePeeringSide(azSub, p.ID, false); err != nil {
		t.Fatal(err)
	}
	ps := c.Peerings(azSub)
	if len(ps) != 1 || ps[0].State != PeeringDeleted || ps[0].Name != "" || ps[0].AccepterName != "b-a" {
		t.Fatalf("after deleting the requester side: %+v", ps)
	}
	if _, err := c.ByName(azSub, "RG1/va", KindPeering, "a-b"); CodeOf(err) != CodeNotFound {
		t.Fatalf("requester name kept: %v", err)
	}
	if err := c.DeletePeeringSide(azSub, p.ID, true); err != nil {
		t.Fatal(err)
	}
	if ps := c.Peerings(azSub); len(ps) != 0 {
		t.Fatalf("peering kept after both sides: %+v", ps)
	}
}

// TestSubnetNAT: a NAT gateway of no subnet takes its public addresses,
// serves subnets of one network and region, and is deleted only when it
// serves none, freeing its addresses.
func TestSubnetNAT(t *testing.T) {
	c := azureCloud(t)
	_, a, b := azureNet(t, c, "v1", "10.0.0.0/16")
	_, other, _ := azureNet(t, c, "v2", "10.1.0.0/16")
	e1, _ := c.AllocateAddressAt(azSub, Place{Region: "eastus", Scope: "RG1", Name: "p1"}, nil)
	e2, _ := c.AllocateAddressAt(azSub, Place{Region: "eastus", Scope: "RG1", Name: "p2"}, nil)
	g, err := c.CreateSubnetNATAt(azSub, Place{Region: "eastus", Scope: "RG1", Name: "nat"}, []string{e1.ID, e2.ID}, nil)
	if err != nil || g.PublicIP != e1.PublicIP || len(g.MoreAllocationIDs) != 1 {
		t.Fatalf("create: %+v, %v", g, err)
	}
	if _, err := c.CreateSubnetNATAt(azSub, Place{Region: "eastus", Scope: "RG1", Name: "nat2"}, []string{e1.ID}, nil); CodeOf(err) != CodeAlreadyAssociated {
		t.Fatalf("an address in use: %v", err)
	}
	for _, s := range []string{a.ID, b.ID} {
		if err := c.SetSubnetNAT(azSub, s, g.ID); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.SetSubnetNAT(azSub, other.ID, g.ID); CodeOf(err) != CodeInvalidParameter {
		t.Fatalf("a subnet of another network: %v", err)
	}
	if err := c.DeleteNATGateway(azSub, g.ID); CodeOf(err) != CodeDependency {
		t.Fatalf("delete while serving: %v", err)
	}
	if err := c.SetSubnetNAT(azSub, a.ID, ""); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteSubnet(azSub, b.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteNATGateway(azSub, g.ID); err != nil {
		t.Fatal(err)
	}
	for _, e := range c.ElasticIPs(azSub) {
		if e.Associate != "" {
			t.Fatalf("address kept by a deleted gateway: %+v", e)
		}
	}
	if len(c.NATGateways(azSub)) != 0 {
		t.Fatal("gateway kept")
	}
}
