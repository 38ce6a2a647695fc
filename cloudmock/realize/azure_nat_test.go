package realize

import (
	"net/netip"
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// TestAzureNATGateway: a NAT gateway on a subnet takes the subnet's
// outbound internet traffic, ahead of a VM's own public IP, and gives a
// VM without one the internet; inbound through the VM's public IP still
// works; a subnet it does not serve keeps its own way out.
func TestAzureNATGateway(t *testing.T) {
	l := newAzureLab(t)
	_, subs := l.vnet("v3", "10.3.0.0/16", "10.3.1.0/24", "10.3.2.0/24")
	vm1, vm2, vm3 := l.vm(subs[0], "vm1"), l.vm(subs[0], "vm2"), l.vm(subs[1], "vm3")
	pub1, pub3 := l.publicIP(vm1), l.publicIP(vm3)
	web := l.nsg("web", nsgRule("web", model.Ingress, 100, model.Allow, "tcp", 80, "Internet"))
	must[model.Attachment](t)(l.cloud.AttachRuleSet(azSub, model.FlavorNSG, web.ID, model.Attachment{Kind: model.OnInterface, TargetID: vm1.NetworkInterfaceID}))
	l.sync()
	ns1, ns2, ns3, inet := l.ns(vm1), l.ns(vm2), l.ns(vm3), l.r.internetNS()
	l.serveWhoami(inet, InternetServer, 8080)
	if got := l.whoami(ns1, InternetServer, 8080); got != pub1 {
		t.Fatalf("vm1 goes out as %s before the NAT gateway, want its public IP %s", got, pub1)
	}
	l.pingFails(ns2, InternetServer)

	pip := must[model.ElasticIP](t)(l.cloud.AllocateAddressAt(azSub, model.Place{Region: "eastus", Scope: "rg", Name: "nat-ip"}, nil))
	nat := must[model.NATGateway](t)(l.cloud.CreateSubnetNATAt(azSub, model.Place{Region: "eastus", Scope: "rg", Name: "nat1"}, []string{pip.ID}, nil))
	l.ok(l.cloud.SetSubnetNAT(azSub, subs[0].ID, nat.ID))
	l.sync()
	for _, ns := range []string{ns1, ns2} {
		if got := l.whoami(ns, InternetServer, 8080); got != pip.PublicIP {
			t.Fatalf("%s goes out as %s with the NAT gateway, want its address %s", ns, got, pip.PublicIP)
		}
	}
	if got := l.whoami(ns3, InternetServer, 8080); got != pub3 {
		t.Fatalf("vm3, in a subnet the NAT gateway does not serve, goes out as %s, want its public IP %s", got, pub3)
	}
	l.serve(ns1, netip.IPv4Unspecified(), 80)
	l.tcpOK(inet, pub1, 80)

	l.ok(l.cloud.SetSubnetNAT(azSub, subs[0].ID, ""))
	l.sync()
	if got := l.whoami(ns1, InternetServer, 8080); got != pub1 {
		t.Fatalf("vm1 goes out as %s once the NAT gateway is gone, want %s", got, pub1)
	}
	l.pingFails(ns2, InternetServer)
}
