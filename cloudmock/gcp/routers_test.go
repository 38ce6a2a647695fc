package gcp_test

import (
	"strings"
	"testing"

	compute "google.golang.org/api/compute/v1"
)

// TestRoutersLibrary: a Cloud Router with a BGP ASN and a Cloud NAT
// gateway is made, read, listed (regional and aggregated), patched and
// deleted; its NAT's automatic address is no address resource, a manual
// one is IN_USE by the router; a bad ASN, natIps with AUTO_ONLY, none
// with MANUAL_ONLY, a subnet of another network and a subnet that
// another router's NAT serves are refused; the network cannot go while
// the router lives.
func TestRoutersLibrary(t *testing.T) {
	svc, _, _ := newService(t)
	netWithSubnet(t, svc)
	customNet(t, svc, project, "net2", "b", "10.2.0.0/24")
	all := "ALL_SUBNETWORKS_ALL_IP_RANGES"
	must[*compute.Operation](t)(svc.Routers.Insert(project, "us-central1", &compute.Router{Name: "r1", Network: "global/networks/net1",
		Bgp: &compute.RouterBgp{Asn: 64514}, Nats: []*compute.RouterNat{{Name: "nat1", NatIpAllocateOption: "AUTO_ONLY", SourceSubnetworkIpRangesToNat: all}}}).Do())
	r := must[*compute.Router](t)(svc.Routers.Get(project, "us-central1", "r1").Do())
	if r.Bgp.Asn != 64514 || r.Bgp.AdvertiseMode != "DEFAULT" || !strings.HasSuffix(r.Network, "/global/networks/net1") || len(r.Nats) != 1 || r.Nats[0].Name != "nat1" {
		t.Fatalf("router %+v", r)
	}
	if l := must[*compute.AddressList](t)(svc.Addresses.List(project, "us-central1").Do()); len(l.Items) != 0 {
		t.Fatalf("the automatic NAT address is listed: %+v", l.Items)
	}
	if agg := must[*compute.RouterAggregatedList](t)(svc.Routers.AggregatedList(project).Do()); len(agg.Items["regions/us-central1"].Routers) != 1 {
		t.Fatalf("aggregated %+v", agg.Items)
	}

	bad := func(code int, reason string, rt *compute.Router) {
		t.Helper()
		_, err := svc.Routers.Insert(project, "us-central1", rt).Do()
		wantReason(t, err, code, reason)
	}
	bad(400, "invalid", &compute.Router{Name: "asn", Network: "global/networks/net1", Bgp: &compute.RouterBgp{Asn: 100}})
	bad(400, "invalid", &compute.Router{Name: "x", Network: "global/networks/net1", Nats: []*compute.RouterNat{{Name: "n", NatIpAllocateOption: "AUTO_ONLY",
		NatIps: []string{"regions/us-central1/addresses/a"}, SourceSubnetworkIpRangesToNat: all}}})
	bad(400, "invalid", &compute.Router{Name: "x", Network: "global/networks/net1", Nats: []*compute.RouterNat{{Name: "n", NatIpAllocateOption: "MANUAL_ONLY", SourceSubnetworkIpRangesToNat: all}}})
	bad(400, "invalid", &compute.Router{Name: "x", Network: "global/networks/net1", Nats: []*compute.RouterNat{{Name: "n", NatIpAllocateOption: "AUTO_ONLY",
		SourceSubnetworkIpRangesToNat: "LIST_OF_SUBNETWORKS", Subnetworks: []*compute.RouterNatSubnetworkToNat{{Name: "regions/us-central1/subnetworks/b"}}}}})
	bad(400, "invalid", &compute.Router{Name: "x", Network: "global/networks/net1", Nats: []*compute.RouterNat{{Name: "n", NatIpAllocateOption: "AUTO_ONLY", SourceSubnetworkIpRangesToNat: all}}})
	bad(409, "alreadyExists", &compute.Router{Name: "r1", Network: "global/networks/net1"})

	// A manual address, through a patch: IN_USE by the router.
	must[*compute.Operation](t)(svc.Addresses.Insert(project, "us-central1", &compute.Address{Name: "nat-ip"}).Do())
	a := must[*compute.Address](t)(svc.Addresses.Get(project, "us-central1", "nat-ip").Do())
	must[*compute.Operation](t)(svc.Routers.Patch(project, "us-central1", "r1", &compute.Router{Nats: []*compute.RouterNat{{Name: "nat1", NatIpAllocateOption: "MANUAL_ONLY",
		NatIps: []string{a.SelfLink}, SourceSubnetworkIpRangesToNat: "LIST_OF_SUBNETWORKS", Subnetworks: []*compute.RouterNatSubnetworkToNat{{Name: "regions/us-central1/subnetworks/a"}}}}}).Do())
	if a = must[*compute.Address](t)(svc.Addresses.Get(project, "us-central1", "nat-ip").Do()); a.Status != "IN_USE" || len(a.Users) != 1 || !strings.HasSuffix(a.Users[0], "/regions/us-central1/routers/r1") {
		t.Fatalf("manual NAT address %+v", a)
	}
	st := must[*compute.RouterStatusResponse](t)(svc.Routers.GetRouterStatus(project, "us-central1", "r1").Do())
	if len(st.Result.NatStatus) != 1 || len(st.Result.NatStatus[0].UserAllocatedNatIps) != 1 || st.Result.NatStatus[0].UserAllocatedNatIps[0] != a.Address {
		t.Fatalf("status %+v", st.Result.NatStatus)
	}
	if op := must[*compute.Operation](t)(svc.Networks.Delete(project, "net1").Do()); op.Error == nil || op.Error.Errors[0].Code != "RESOURCE_IN_USE_BY_ANOTHER_RESOURCE" {
		t.Fatalf("delete a network with a router: %+v", op.Error)
	}
	must[*compute.Operation](t)(svc.Routers.Delete(project, "us-central1", "r1").Do())
	if a = must[*compute.Address](t)(svc.Addresses.Get(project, "us-central1", "nat-ip").Do()); a.Status != "RESERVED" {
		t.Fatalf("address after the router went %+v", a)
	}
	_, err := svc.Routers.Get(project, "us-central1", "r1").Do()
	wantReason(t, err, 404, "notFound")
}
