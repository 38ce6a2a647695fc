package gcp_test

import (
	"context"
	"net/http"
	"testing"

	compute "google.golang.org/api/compute/v1"
	"google.golang.org/api/option"
)

// peeringState returns a network's peering of a name and its state.
func peeringState(t *testing.T, svc *compute.Service, proj, network, name string) *compute.NetworkPeering {
	t.Helper()
	n := must[*compute.Network](t)(svc.Networks.Get(proj, network).Do())
	for _, p := range n.Peerings {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("network %s has no peering %s: %+v", network, name, n.Peerings)
	return nil
}

// peerRoutes lists a peering's exchanged routes as "dest type priority".
func peerRoutes(t *testing.T, svc *compute.Service, network, name, direction string) []string {
	t.Helper()
	l := must[*compute.ExchangedPeeringRoutesList](t)(svc.Networks.ListPeeringRoutes(project, network).PeeringName(name).Direction(direction).Region("us-central1").Do())
	var out []string
	for _, r := range l.Items {
		out = append(out, r.DestRange+" "+r.Type)
	}
	return out
}

func customNet(t *testing.T, svc *compute.Service, proj, name, subnet, cidr string) {
	t.Helper()
	must[*compute.Operation](t)(svc.Networks.Insert(proj, &compute.Network{Name: name, ForceSendFields: []string{"AutoCreateSubnetworks"}}).Do())
	must[*compute.Operation](t)(svc.Subnetworks.Insert(proj, "us-central1", &compute.Subnetwork{Name: subnet, Network: "global/networks/" + name, IpCidrRange: cidr}).Do())
}

// TestPeeringLibrary: a peering is INACTIVE until the peer network adds
// its side, then ACTIVE on both; each side imports the other's subnet
// routes, and custom static routes only when one side exports and the
// other imports them (untagged routes to an instance's address, not the
// default route nor tagged ones); a peering crosses projects; removing
// one side leaves the other INACTIVE with no routes, and adding it again
// reconnects; self, duplicate, overlapping and unknown peers are refused.
func TestPeeringLibrary(t *testing.T) {
	svc, _, url := newService(t)
	other, err := compute.NewService(context.Background(), option.WithEndpoint(url+"/compute/v1/"),
		option.WithHTTPClient(&http.Client{Transport: bearer{token: "tok-2", next: http.DefaultTransport}}))
	if err != nil {
		t.Fatal(err)
	}
	netWithSubnet(t, svc)
	customNet(t, svc, project, "net2", "b", "10.2.0.0/24")
	customNet(t, other, "other", "net3", "c", "10.3.0.0/24")
	yes := true
	must[*compute.Operation](t)(svc.Networks.AddPeering(project, "net1", &compute.NetworksAddPeeringRequest{NetworkPeering: &compute.NetworkPeering{
		Name: "p12", Network: "global/networks/net2", ExchangeSubnetRoutes: true, ExportCustomRoutes: yes}}).Do())
	if p := peeringState(t, svc, project, "net1", "p12"); p.State != "INACTIVE" || !p.ExportCustomRoutes {
		t.Fatalf("one side: %+v", p)
	}
	must[*compute.Operation](t)(svc.Networks.AddPeering(project, "net2", &compute.NetworksAddPeeringRequest{Name: "p21", PeerNetwork: "global/networks/net1"}).Do())
	if p1, p2 := peeringState(t, svc, project, "net1", "p12"), peeringState(t, svc, project, "net2", "p21"); p1.State != "ACTIVE" || p2.State != "ACTIVE" {
		t.Fatalf("both sides: %+v %+v", p1, p2)
	}
	// GCP: https://cloud.google.com/vpc/docs/vpc-peering#importing-exporting-routes — subnet routes always; custom routes when exported and imported
	must[*compute.Operation](t)(svc.Routes.Insert(project, &compute.Route{Name: "to-50", Network: "global/networks/net1", DestRange: "10.50.0.0/24", NextHopIp: "10.1.0.9", Priority: 700}).Do())
	must[*compute.Operation](t)(svc.Routes.Insert(project, &compute.Route{Name: "tagged", Network: "global/networks/net1", DestRange: "10.60.0.0/24", NextHopIp: "10.1.0.9", Tags: []string{"x"}}).Do())
	if got := peerRoutes(t, svc, "net2", "p21", "INCOMING"); len(got) != 1 || got[0] != "10.1.0.0/24 SUBNET_PEERING_ROUTE" {
		t.Fatalf("net2 imports %v", got)
	}
	must[*compute.Operation](t)(svc.Networks.UpdatePeering(project, "net2", &compute.NetworksUpdatePeeringRequest{NetworkPeering: &compute.NetworkPeering{Name: "p21", ImportCustomRoutes: true}}).Do())
	want := []string{"10.1.0.0/24 SUBNET_PEERING_ROUTE", "10.50.0.0/24 STATIC_PEERING_ROUTE"}
	if got := peerRoutes(t, svc, "net2", "p21", "INCOMING"); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("net2 imports %v, want %v", got, want)
	}
	if got := peerRoutes(t, svc, "net1", "p12", "OUTGOING"); len(got) != 2 {
		t.Fatalf("net1 exports %v", got)
	}
	if got := peerRoutes(t, svc, "net1", "p12", "INCOMING"); len(got) != 1 || got[0] != "10.2.0.0/24 SUBNET_PEERING_ROUTE" {
		t.Fatalf("net1 imports %v", got)
	}

	// Across projects, each side added by its own project's caller.
	must[*compute.Operation](t)(svc.Networks.AddPeering(project, "net1", &compute.NetworksAddPeeringRequest{NetworkPeering: &compute.NetworkPeering{
		Name: "p13", Network: "projects/other/global/networks/net3", ExchangeSubnetRoutes: true}}).Do())
	must[*compute.Operation](t)(other.Networks.AddPeering("other", "net3", &compute.NetworksAddPeeringRequest{NetworkPeering: &compute.NetworkPeering{
		Name: "p31", Network: url + "/compute/v1/projects/" + project + "/global/networks/net1", ExchangeSubnetRoutes: true}}).Do())
	if p := peeringState(t, svc, project, "net1", "p13"); p.State != "ACTIVE" || p.Network != url+"/compute/v1/projects/other/global/networks/net3" {
		t.Fatalf("cross-project: %+v", p)
	}

	// GCP: https://cloud.google.com/vpc/docs/using-vpc-peering#deleting — the other side becomes INACTIVE
	must[*compute.Operation](t)(svc.Networks.RemovePeering(project, "net2", &compute.NetworksRemovePeeringRequest{Name: "p21"}).Do())
	if p := peeringState(t, svc, project, "net1", "p12"); p.State != "INACTIVE" {
		t.Fatalf("after the peer removed its side: %+v", p)
	}
	if got := peerRoutes(t, svc, "net1", "p12", "INCOMING"); len(got) != 0 {
		t.Fatalf("an inactive peering brings %v", got)
	}
	must[*compute.Operation](t)(svc.Networks.AddPeering(project, "net2", &compute.NetworksAddPeeringRequest{NetworkPeering: &compute.NetworkPeering{
		Name: "p21", Network: "global/networks/net1", ExchangeSubnetRoutes: true}}).Do())
	if p := peeringState(t, svc, project, "net1", "p12"); p.State != "ACTIVE" || !p.ExportCustomRoutes {
		t.Fatalf("reconnected: %+v", p)
	}

	_, err = svc.Networks.AddPeering(project, "net1", &compute.NetworksAddPeeringRequest{Name: "self", PeerNetwork: "global/networks/net1"}).Do()
	wantReason(t, err, 400, "invalid")
	_, err = svc.Networks.AddPeering(project, "net1", &compute.NetworksAddPeeringRequest{Name: "p12", PeerNetwork: "global/networks/net2"}).Do()
	wantReason(t, err, 409, "alreadyExists")
	_, err = svc.Networks.AddPeering(project, "net1", &compute.NetworksAddPeeringRequest{Name: "again", PeerNetwork: "global/networks/net2"}).Do()
	wantReason(t, err, 400, "invalid")
	_, err = svc.Networks.AddPeering(project, "net1", &compute.NetworksAddPeeringRequest{Name: "nope", PeerNetwork: "global/networks/nope"}).Do()
	wantReason(t, err, 404, "notFound")
	customNet(t, svc, project, "net4", "d", "10.1.0.0/16")
	_, err = svc.Networks.AddPeering(project, "net1", &compute.NetworksAddPeeringRequest{Name: "p14", PeerNetwork: "global/networks/net4"}).Do()
	wantMessage(t, err, 400, "invalid", "overlaps with an IP range in the local network")
	// A subnet made after the peering may not overlap the peer's ranges.
	_, err = svc.Subnetworks.Insert(project, "europe-west1", &compute.Subnetwork{Name: "late", Network: "global/networks/net2", IpCidrRange: "10.1.0.128/25"}).Do()
	wantMessage(t, err, 400, "invalid", "conflicts with the range 10.1.0.0/24 of peer network")
	_, err = svc.Networks.RemovePeering(project, "net1", &compute.NetworksRemovePeeringRequest{Name: "nope"}).Do()
	wantReason(t, err, 400, "invalid")
}
