package realize

import (
	"net/netip"
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// TestAzurePublicIPAndNSGs: a VM whose NIC has a public IP reaches the
// internet with no gateway, one without does not; inbound from the
// internet is closed until an NSG rule admits it; of an allow at 300 and
// a deny at 200 the deny wins; the default rules deny the internet; a
// subnet's NSG filters traffic between two VMs of the subnet.
func TestAzurePublicIPAndNSGs(t *testing.T) {
	l := newAzureLab(t)
	_, subs := l.vnet("v1", "10.1.0.0/16", "10.1.1.0/24")
	vm1, vm2 := l.vm(subs[0], "vm1"), l.vm(subs[0], "vm2")
	pub := l.publicIP(vm1)
	l.sync()
	ns1, ns2, inet := l.ns(vm1), l.ns(vm2), l.r.internetNS()

	// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/ip-services/default-outbound-access — a VM with a public IP uses it outbound; in a private subnet (the default for new VNets) one without has no outbound access
	l.pingOK(ns1, InternetServer)
	l.serveWhoami(inet, InternetServer, 8080)
	if got := l.whoami(ns1, InternetServer, 8080); got != pub {
		t.Fatalf("vm1 reaches the internet as %s, want its public IP %s", got, pub)
	}
	l.pingFails(ns2, InternetServer)
	l.pingOK(ns1, vm2.PrivateIP) // no NSG: all traffic within the VNet passes

	// Standard public IPs are closed inbound while no NSG admits traffic.
	l.serve(ns1, netip.IPv4Unspecified(), 80)
	l.tcpFails(inet, pub, 80)

	// A NIC NSG that allows tcp/80 from the Internet at 300 opens it.
	nicNSG := l.nsg("vm1-nsg", nsgRule("web", model.Ingress, 300, model.Allow, "tcp", 80, "Internet"))
	must[model.Attachment](t)(l.cloud.AttachRuleSet(azSub, model.FlavorNSG, nicNSG.ID, model.Attachment{Kind: model.OnInterface, TargetID: vm1.NetworkInterfaceID}))
	l.sync()
	l.tcpOK(inet, pub, 80)
	l.pingOK(ns2, vm1.PrivateIP) // AllowVnetInBound 65000
	// A deny at 200 beats the allow at 300.
	must[[]model.Rule](t)(l.cloud.ReplaceRules(azSub, model.FlavorNSG, nicNSG.ID, []model.Rule{
		nsgRule("web", model.Ingress, 300, model.Allow, "tcp", 80, "Internet"),
		nsgRule("no-web", model.Ingress, 200, model.Deny, "tcp", 80, "Internet"),
	}))
	l.sync()
	l.tcpFails(inet, pub, 80)
	// With only the default rules, DenyAllInBound 65500 stops the
	// internet while the VNet still passes.
	must[[]model.Rule](t)(l.cloud.ReplaceRules(azSub, model.FlavorNSG, nicNSG.ID, nil))
	l.sync()
	l.tcpFails(inet, pub, 80)
	l.pingOK(ns2, vm1.PrivateIP)
	l.pingOK(ns1, InternetServer) // AllowInternetOutBound 65001, and the reply is established

	// A subnet NSG filters within the subnet: ICMP allowed at 300, denied at 200.
	subNSG := l.nsg("s0-nsg", nsgRule("icmp", model.Ingress, 300, model.Allow, "icmp", -1, "VirtualNetwork"))
	must[model.Attachment](t)(l.cloud.AttachRuleSet(azSub, model.FlavorNSG, subNSG.ID, model.Attachment{Kind: model.OnSubnet, TargetID: subs[0].ID}))
	l.sync()
	l.pingOK(ns2, vm1.PrivateIP)
	must[[]model.Rule](t)(l.cloud.ReplaceRules(azSub, model.FlavorNSG, subNSG.ID, []model.Rule{
		nsgRule("icmp", model.Ingress, 300, model.Allow, "icmp", -1, "VirtualNetwork"),
		nsgRule("no-icmp", model.Ingress, 200, model.Deny, "icmp", -1, "10.1.1.0/24"),
	}))
	l.sync()
	l.forgetFlows(ns1)
	l.forgetFlows(ns2)
	l.pingFails(ns2, vm1.PrivateIP)
	l.pingFails(ns1, vm2.PrivateIP) // vm2 has no NSG of its own: its subnet's stops it
	// Inbound the subnet's NSG comes first: its allow of tcp/80 from the
	// Internet does not pass the NIC's default deny.
	must[[]model.Rule](t)(l.cloud.ReplaceRules(azSub, model.FlavorNSG, subNSG.ID, []model.Rule{
		nsgRule("web", model.Ingress, 300, model.Allow, "tcp", 80, "Internet"),
	}))
	l.sync()
	l.tcpFails(inet, pub, 80)
	l.pingOK(ns2, vm1.PrivateIP)
}

// TestAzureUDRToAppliance: a user-defined route to a virtual appliance
// overrides the system route between two subnets: the traffic is counted
// at the appliance, and stops when the appliance's NIC stops forwarding;
// None drops and VnetLocal goes straight again; a longer Internet route
// wins over a None default route.
func TestAzureUDRToAppliance(t *testing.T) {
	l := newAzureLab(t)
	_, subs := l.vnet("v2", "10.2.0.0/16", "10.2.1.0/24", "10.2.2.0/24", "10.2.3.0/24")
	a, b, nva := l.vm(subs[0], "a"), l.vm(subs[1], "b"), l.vm(subs[2], "nva")
	// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-network-network-interface#enable-or-disable-ip-forwarding — a NIC forwards traffic not addressed to it only with IP forwarding on
	l.ok(l.cloud.SetSourceDestCheck(azSub, nva.NetworkInterfaceID, false))
	l.sync()
	nsA, nsNVA := l.ns(a), l.ns(nva)

	before := l.forwarded(nsNVA)
	l.pingOK(nsA, b.PrivateIP) // the system route: straight between the subnets
	if got := l.forwarded(nsNVA) - before; got != 0 {
		t.Fatalf("the appliance forwarded %d packets before any user-defined route", got)
	}
	rtA := l.routeTable("rt-a", subs[0], toAppliance("10.2.2.0/24", nva.PrivateIP))
	rtB := l.routeTable("rt-b", subs[1], toAppliance("10.2.1.0/24", nva.PrivateIP))
	l.sync()
	before = l.forwarded(nsNVA)
	l.pingOK(nsA, b.PrivateIP)
	if got := l.forwarded(nsNVA) - before; got < 2 {
		t.Fatalf("the appliance forwarded %d packets of a ping through it, want at least 2", got)
	}
	l.ok(l.cloud.SetSourceDestCheck(azSub, nva.NetworkInterfaceID, true))
	l.sync()
	l.pingFails(nsA, b.PrivateIP)

	// None and VnetLocal user-defined routes override the system route
	// too; Internet sends a prefix out where a broader UDR drops it.
	l.ok(l.cloud.SetSourceDestCheck(azSub, nva.NetworkInterfaceID, false))
	route := func(dst string, k model.TargetKind) model.Route {
		return model.Route{Name: string(k), Destination: netip.MustParsePrefix(dst), Target: model.Target{Kind: k}}
	}
	l.ok(l.cloud.ReplaceRoutes(azSub, rtA.ID, []model.Route{route("10.2.2.0/24", model.TargetBlackhole)}))
	l.sync()
	l.pingFails(nsA, b.PrivateIP)
	l.ok(l.cloud.ReplaceRoutes(azSub, rtA.ID, []model.Route{route("10.2.2.0/24", model.TargetNetworkLocal)}))
	l.ok(l.cloud.ReplaceRoutes(azSub, rtB.ID, []model.Route{route("10.2.1.0/24", model.TargetNetworkLocal)}))
	l.sync()
	before = l.forwarded(nsNVA)
	l.pingOK(nsA, b.PrivateIP)
	if got := l.forwarded(nsNVA) - before; got != 0 {
		t.Fatalf("the appliance forwarded %d packets with VnetLocal routes", got)
	}
	l.publicIP(a)
	l.sync()
	l.pingOK(nsA, InternetServer)
	l.ok(l.cloud.ReplaceRoutes(azSub, rtA.ID, []model.Route{route("0.0.0.0/0", model.TargetBlackhole)}))
	l.sync()
	l.pingFails(nsA, InternetServer)
	l.ok(l.cloud.ReplaceRoutes(azSub, rtA.ID, []model.Route{route("0.0.0.0/0", model.TargetBlackhole), route("192.0.2.0/24", model.TargetInternet)}))
	l.sync()
	l.pingOK(nsA, InternetServer)
}

// TestAzurePeeringNotTransitive: with A-B and B-C peered, A reaches B and
// B reaches C by the peerings' system routes, A does not reach C; with
// user-defined routes in A and C to an appliance in B, A reaches C
// through it only when A and C take forwarded traffic from B; with B's
// access to the remote network off, B's NSG defaults stop A.
func TestAzurePeeringNotTransitive(t *testing.T) {
	l := newAzureLab(t)
	va, sa := l.vnet("va", "10.10.0.0/16", "10.10.1.0/24")
	vb, sb := l.vnet("vb", "10.20.0.0/16", "10.20.1.0/24", "10.20.2.0/24")
	vc, sc := l.vnet("vc", "10.30.0.0/16", "10.30.1.0/24")
	a, b, nva, c := l.vm(sa[0], "a"), l.vm(sb[0], "b"), l.vm(sb[1], "nva"), l.vm(sc[0], "c")
	l.ok(l.cloud.SetSourceDestCheck(azSub, nva.NetworkInterfaceID, false))
	ab, bc := l.peer(va, vb), l.peer(vb, vc)
	// Azure's default: no side takes forwarded traffic.
	for _, s := range []struct {
		p model.Peering
		n model.Network
	}{{ab, va}, {ab, vb}, {bc, vb}, {bc, vc}} {
		l.ok(l.cloud.SetPeeringSide(azSub, s.p.ID, s.n.ID, model.PeeringSide{BlockForwarded: true}))
	}
	l.sync()
	nsA, nsB, nsC, nsNVA := l.ns(a), l.ns(b), l.ns(c), l.ns(nva)
	l.pingOK(nsA, b.PrivateIP)
	l.pingOK(nsB, c.PrivateIP)
	l.pingOK(nsC, b.PrivateIP)
	l.pingFails(nsA, c.PrivateIP)
	l.pingFails(nsC, a.PrivateIP)

	l.routeTable("rt-a", sa[0], toAppliance("10.30.0.0/16", nva.PrivateIP))
	l.routeTable("rt-c", sc[0], toAppliance("10.10.0.0/16", nva.PrivateIP))
	l.sync()
	l.pingFails(nsA, c.PrivateIP) // C's and A's peerings with B refuse what the appliance forwards
	l.ok(l.cloud.SetPeeringSide(azSub, bc.ID, vc.ID, model.PeeringSide{}))
	l.sync()
	before := l.forwarded(nsNVA)
	l.pingFails(nsA, c.PrivateIP) // C takes the requests now, but A refuses the replies
	if got := l.forwarded(nsNVA) - before; got < 6 {
		t.Fatalf("the appliance forwarded %d packets of three pings and their replies, want 6", got)
	}
	l.ok(l.cloud.SetPeeringSide(azSub, ab.ID, va.ID, model.PeeringSide{}))
	l.sync()
	before = l.forwarded(nsNVA)
	l.pingOK(nsA, c.PrivateIP)
	if got := l.forwarded(nsNVA) - before; got < 2 {
		t.Fatalf("the appliance forwarded %d packets of a ping from A to C, want at least 2", got)
	}
	l.pingOK(nsA, b.PrivateIP) // B itself is still reached straight

	// With access to the remote network off on B's side, A is no longer
	// in B's VirtualNetwork tag: an NSG's default rules at B stop A.
	nsg := l.nsg("b-nsg")
	must[model.Attachment](t)(l.cloud.AttachRuleSet(azSub, model.FlavorNSG, nsg.ID, model.Attachment{Kind: model.OnInterface, TargetID: b.NetworkInterfaceID}))
	l.sync()
	l.pingOK(nsA, b.PrivateIP) // AllowVnetInBound: A is a peer
	l.ok(l.cloud.SetPeeringSide(azSub, ab.ID, vb.ID, model.PeeringSide{BlockForwarded: true, BlockRemote: true}))
	l.sync()
	l.forgetFlows(nsB)
	l.pingFails(nsA, b.PrivateIP)
}
