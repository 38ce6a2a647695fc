package azure_test

import (
	"context"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// TestFurtherNIC: an instance with a further interface (a FireNet
// firewall's egress NIC) is a VM made on two NICs, the primary first: the
// further one in its own subnet with its NSG and a Standard public IP of
// its own, IP forwarding on as on the VM's own NIC; the inventory's Second names it with both
// addresses, and the instance has its primary NIC's MAC address; a second apply makes no call; the interface dropped from the
// desired state replaces the VM (a VM's NICs are set when it is made
// here) and deletes the NIC and its public IP.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-network-network-interface-vm#add-a-network-interface-to-an-existing-vm — a NIC is added to a VM that is stopped (deallocated); the provider makes the VM again instead
func TestFurtherNIC(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	d := desired()
	d.VPCs[0].Subnets = append(d.VPCs[0].Subnets, cloud.Subnet{Key: "transit-vnet/egress", CIDR: pfx("10.10.2.0/24")})
	d.SecurityGroups = append(d.SecurityGroups, cloud.SecurityGroup{Key: "transit-vnet/firewall-egress", VPC: "transit-vnet"})
	d.Instances = append(d.Instances, cloud.Instance{Key: "fw1", VPC: "transit-vnet", Subnet: "transit-vnet/gw", PrivateIP: ip("10.10.1.30"),
		Image: cloud.ImageFirewall, SecurityGroups: []string{"transit-vnet/gateways"},
		Interfaces: []cloud.Interface{{Subnet: "transit-vnet/egress", PrivateIP: ip("10.10.2.30"), SecurityGroups: []string{"transit-vnet/firewall-egress"}, PublicIP: true}}})
	inv, made, err := e.p.Apply(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"Microsoft.Network publicIPAddresses/write fw1/eth1 resourceGroup=rg-transit location=eastus sku=Standard allocation=Static",
		"Microsoft.Network networkInterfaces/write fw1/eth1 resourceGroup=rg-transit location=eastus subnet=<transit-vnet/egress> privateIPAddress=10.10.2.30 enableIPForwarding=true networkSecurityGroup=<transit-vnet/firewall-egress> publicIPAddress=<fw1/eth1>",
		"Microsoft.Compute virtualMachines/write fw1 resourceGroup=rg-transit location=eastus vmSize=Standard_B1s imageReference=mcnlab:firewall:lab:latest networkInterface=<fw1> networkInterface=<fw1/eth1>",
	}
	got := callStrings(made)
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("apply made no call %q:\n%s", w, strings.Join(got, "\n"))
		}
	}
	fw := inv.Instances["fw1"]
	if fw.PrivateIP != ip("10.10.1.30") || fw.Second.ID == "" || !strings.HasSuffix(fw.Second.ID, "/fw1-eth1-nic") ||
		fw.Second.PrivateIP != ip("10.10.2.30") || !fw.Second.PublicIP.IsValid() || fw.Second.PublicIP == fw.PublicIP {
		t.Errorf("fw1 in the inventory = %+v; want its second NIC fw1-eth1-nic at 10.10.2.30 with a public IP of its own", fw)
	}
	if mac, err := net.ParseMAC(fw.MAC); err != nil || fw.MAC != mac.String() || mac[0] != 0x02 {
		t.Errorf("fw1's MAC address in the inventory = %q (%v); want its primary NIC's, read from ARM once the VM has it", fw.MAC, err)
	}
	if _, made, err = e.p.Apply(ctx, d); err != nil || len(made) != 0 {
		t.Fatalf("second apply: %v, calls %v; want none", err, callStrings(made))
	}
	d.Instances[len(d.Instances)-1].Interfaces = nil
	inv, made, err = e.p.Apply(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	got = callStrings(made)
	for _, w := range []string{"virtualMachines/delete fw1 ", "networkInterfaces/delete fw1/eth1 id=", "publicIPAddresses/delete fw1/eth1 id=", "virtualMachines/write fw1 "} {
		if !slices.ContainsFunc(got, func(c string) bool { return strings.Contains(c, w) }) {
			t.Errorf("without the interface, apply made no %q:\n%s", w, strings.Join(got, "\n"))
		}
	}
	if fw := inv.Instances["fw1"]; fw.Second.ID != "" {
		t.Errorf("fw1 still has a second NIC: %+v", fw)
	}
}
