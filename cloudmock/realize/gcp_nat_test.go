package realize

import (
	"net/netip"
	"testing"

	compute "google.golang.org/api/compute/v1"
)

// TestGCPCloudNAT: a Cloud Router's NAT gateway (AUTO_ONLY, all the
// network's subnets of its region) gives an instance without an external
// IP the internet from the NAT address getRouterStatus shows, while an
// instance with an external IP keeps going out as itself; a subnet made
// later is served too; nothing from the internet reaches the NAT address;
// a MANUAL_ONLY gateway goes out as its reserved address; deleting the
// router takes the internet away again.
// GCP: https://cloud.google.com/nat/docs/overview — Cloud NAT gives VMs without external IPs outbound connections; a VM with an external IP does not use it
func TestGCPCloudNAT(t *testing.T) {
	g := newGCPLab(t)
	g.gcpNet("vpc", "us-west1", "s1", "10.71.1.0/24")
	priv := g.instance("us-west1-a", "s1", "priv", false)
	pub := g.instance("us-west1-a", "s1", "pub", true)
	g.sync()
	nsPriv, nsPub, inet := g.ns(priv), g.ns(pub), g.r.internetNS()
	g.serveWhoami(inet, InternetServer, 8080)
	pubIP := g.whoami(nsPub, InternetServer, 8080)
	g.pingFails(nsPriv, InternetServer)

	g.op(g.svc.Routers.Insert(gcpProject, "us-west1", &compute.Router{Name: "r1", Network: "global/networks/vpc", Bgp: &compute.RouterBgp{Asn: 64514},
		Nats: []*compute.RouterNat{{Name: "nat1", NatIpAllocateOption: "AUTO_ONLY", SourceSubnetworkIpRangesToNat: "ALL_SUBNETWORKS_ALL_IP_RANGES"}}}).Do())
	st, err := g.svc.Routers.GetRouterStatus(gcpProject, "us-west1", "r1").Do()
	g.ok(err)
	if len(st.Result.NatStatus) != 1 || len(st.Result.NatStatus[0].AutoAllocatedNatIps) != 1 {
		t.Fatalf("router status %+v", st.Result)
	}
	natIP := netip.MustParseAddr(st.Result.NatStatus[0].AutoAllocatedNatIps[0])
	if got := g.whoami(nsPriv, InternetServer, 8080); got != natIP {
		t.Fatalf("priv goes out as %s, want the NAT address %s", got, natIP)
	}
	if got := g.whoami(nsPub, InternetServer, 8080); got != pubIP {
		t.Fatalf("pub goes out as %s with Cloud NAT, want its external IP %s", got, pubIP)
	}
	// GCP: https://cloud.google.com/nat/docs/overview — Cloud NAT does not let unsolicited inbound connections in
	g.serve(nsPriv, netip.IPv4Unspecified(), 80)
	g.tcpFails(inet, natIP, 80)

	g.op(g.svc.Subnetworks.Insert(gcpProject, "us-west1", &compute.Subnetwork{Name: "s2", Network: "global/networks/vpc", IpCidrRange: "10.71.2.0/24"}).Do())
	late := g.instance("us-west1-b", "s2", "late", false)
	g.sync()
	if got := g.whoami(g.ns(late), InternetServer, 8080); got != natIP {
		t.Fatalf("an instance of a subnet made later goes out as %s, want %s", got, natIP)
	}

	// MANUAL_ONLY with a reserved address, through a patch.
	g.op(g.svc.Addresses.Insert(gcpProject, "us-west1", &compute.Address{Name: "nat-ip"}).Do())
	a, err := g.svc.Addresses.Get(gcpProject, "us-west1", "nat-ip").Do()
	g.ok(err)
	g.op(g.svc.Routers.Patch(gcpProject, "us-west1", "r1", &compute.Router{Nats: []*compute.RouterNat{{Name: "nat1", NatIpAllocateOption: "MANUAL_ONLY",
		NatIps: []string{a.SelfLink}, SourceSubnetworkIpRangesToNat: "ALL_SUBNETWORKS_ALL_IP_RANGES"}}}).Do())
	if got := g.whoami(nsPriv, InternetServer, 8080); got.String() != a.Address {
		t.Fatalf("priv goes out as %s, want the manual NAT address %s", got, a.Address)
	}
	g.op(g.svc.Routers.Delete(gcpProject, "us-west1", "r1").Do())
	g.pingFails(nsPriv, InternetServer)
}
