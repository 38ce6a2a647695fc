package realize

import (
	"net/netip"
	"testing"

	compute "google.golang.org/api/compute/v1"
)

// peer adds one network's side of a peering.
func (g gcpLab) peer(network, name, peer string, export, imp bool) {
	g.t.Helper()
	g.op(g.svc.Networks.AddPeering(gcpProject, network, &compute.NetworksAddPeeringRequest{NetworkPeering: &compute.NetworkPeering{
		Name: name, Network: "global/networks/" + peer, ExchangeSubnetRoutes: true, ExportCustomRoutes: export, ImportCustomRoutes: imp}}).Do())
}

// TestGCPPeering: peering A-B and B-C without A-C: A reaches B, B
// reaches C, A does not reach C; B's custom route to a fourth network D
// (through an instance with an interface in each, forwarding) crosses the
// peering to A only once B exports and A imports custom routes; when B
// removes its side, A no longer reaches B.
// GCP: https://cloud.google.com/vpc/docs/vpc-peering — subnet routes are exchanged; peering is not transitive; custom routes only when exported and imported
func TestGCPPeering(t *testing.T) {
	g := newGCPLab(t)
	g.gcpNet("na", "us-central1", "sa", "10.61.1.0/24")
	g.gcpNet("nb", "us-central1", "sb", "10.62.1.0/24")
	g.gcpNet("nc", "us-central1", "sc", "10.63.1.0/24")
	g.gcpNet("nd", "us-central1", "sd", "10.69.1.0/24")
	a := g.instance("us-central1-a", "sa", "a", false)
	b := g.instance("us-central1-a", "sb", "b", false)
	c := g.instance("us-central1-a", "sc", "c", false)
	d := g.instance("us-central1-a", "sd", "d", false)
	// gw joins B and D and forwards between them; B routes D's range to
	// it, D routes A's, B's and C's ranges back to its address in D.
	g.op(g.svc.Instances.Insert(gcpProject, "us-central1-a", &compute.Instance{Name: "gw", MachineType: "e2-standard-2", CanIpForward: true,
		NetworkInterfaces: []*compute.NetworkInterface{
			{Subnetwork: "regions/us-central1/subnetworks/sb", NetworkIP: "10.62.1.10"},
			{Subnetwork: "regions/us-central1/subnetworks/sd", NetworkIP: "10.69.1.10"},
		}}).Do())
	g.op(g.svc.Routes.Insert(gcpProject, &compute.Route{Name: "b-to-d", Network: "global/networks/nb", DestRange: "10.69.1.0/24",
		NextHopInstance: "zones/us-central1-a/instances/gw", Priority: 800}).Do())
	g.op(g.svc.Routes.Insert(gcpProject, &compute.Route{Name: "d-back", Network: "global/networks/nd", DestRange: "10.60.0.0/14",
		NextHopIp: "10.69.1.10", Priority: 800}).Do())
	g.peer("na", "a-b", "nb", false, false)
	g.peer("nb", "b-a", "na", false, false)
	g.peer("nb", "b-c", "nc", false, false)
	g.peer("nc", "c-b", "nb", false, false)
	g.sync()
	nsA, nsB := g.ns(a), g.ns(b)

	g.pingOK(nsA, b.PrivateIP)
	g.pingOK(nsB, c.PrivateIP)
	// GCP: https://cloud.google.com/vpc/docs/vpc-peering#restrictions — transitive peering is not supported
	g.pingFails(nsA, c.PrivateIP)
	// B reaches D through gw; A does not, until B exports and A imports.
	g.pingOK(nsB, d.PrivateIP)
	g.pingFails(nsA, d.PrivateIP)
	g.op(g.svc.Networks.UpdatePeering(gcpProject, "nb", &compute.NetworksUpdatePeeringRequest{NetworkPeering: &compute.NetworkPeering{Name: "b-a", ExportCustomRoutes: true}}).Do())
	g.pingFails(nsA, d.PrivateIP)
	g.op(g.svc.Networks.UpdatePeering(gcpProject, "na", &compute.NetworksUpdatePeeringRequest{NetworkPeering: &compute.NetworkPeering{Name: "a-b", ImportCustomRoutes: true}}).Do())
	g.pingOK(nsA, d.PrivateIP)
	// GCP: https://cloud.google.com/vpc/docs/using-vpc-peering#deleting — once one side is removed, traffic stops
	g.op(g.svc.Networks.RemovePeering(gcpProject, "nb", &compute.NetworksRemovePeeringRequest{Name: "b-a"}).Do())
	g.pingFails(nsA, b.PrivateIP)
	g.pingFails(nsA, netip.MustParseAddr("10.69.1.10"))
}
