package realize

import (
	"net/netip"
	"testing"

	compute "google.golang.org/api/compute/v1"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// gcpNet makes a custom-mode network with one subnet in a region and a
// rule that admits ICMP from 10.0.0.0/8 to its instances.
func (g gcpLab) gcpNet(name, region, subnet, cidr string) {
	g.t.Helper()
	g.op(g.svc.Networks.Insert(gcpProject, &compute.Network{Name: name, ForceSendFields: []string{"AutoCreateSubnetworks"}}).Do())
	g.op(g.svc.Subnetworks.Insert(gcpProject, region, &compute.Subnetwork{Name: subnet, Network: "global/networks/" + name, IpCidrRange: cidr}).Do())
	g.op(g.svc.Firewalls.Insert(gcpProject, &compute.Firewall{Name: name + "-icmp", Network: "global/networks/" + name, SourceRanges: []string{"10.0.0.0/8"},
		Allowed: []*compute.FirewallAllowed{{IPProtocol: "icmp"}}}).Do())
}

// modelInstance returns the model instance of a name.
func (g gcpLab) modelInstance(name string) model.Instance {
	g.t.Helper()
	for _, i := range g.cloud.Instances(gcpProject) {
		if i.Name == name && i.State != model.InstanceTerminated {
			return i
		}
	}
	g.t.Fatalf("instance %s is no model instance", name)
	return model.Instance{}
}

// TestGCPMultiNICAndInternalAddress: an instance whose nic0 takes a
// reserved static internal address and whose nic1 is in a second VPC
// network answers on both, each from its own network (nic1 is eth1 in
// its namespace, plugged into the second network's subnet); the two
// networks stay apart: an instance of one does not reach an instance of
// the other through it (it does not forward); the internet reaches nic1
// on its reserved external IP.
// GCP: https://cloud.google.com/vpc/docs/create-use-multiple-interfaces — each interface is in its own VPC network, with its own internal IP
// GCP: https://cloud.google.com/compute/docs/ip-addresses/reserve-static-internal-ip-address — an instance given the reserved address uses it
func TestGCPMultiNICAndInternalAddress(t *testing.T) {
	g := newGCPLab(t)
	g.gcpNet("one", "us-central1", "s1", "10.40.1.0/24")
	g.gcpNet("two", "us-central1", "s2", "10.50.1.0/24")
	g.op(g.svc.Addresses.Insert(gcpProject, "us-central1", &compute.Address{Name: "fixed", AddressType: "INTERNAL",
		Subnetwork: "regions/us-central1/subnetworks/s1", Address: "10.40.1.50"}).Do())
	g.op(g.svc.Addresses.Insert(gcpProject, "us-central1", &compute.Address{Name: "m-nic1"}).Do())
	ext, err := g.svc.Addresses.Get(gcpProject, "us-central1", "m-nic1").Do()
	g.ok(err)
	g.op(g.svc.Instances.Insert(gcpProject, "us-central1-a", &compute.Instance{Name: "m", MachineType: "e2-standard-2",
		NetworkInterfaces: []*compute.NetworkInterface{
			{Subnetwork: "regions/us-central1/subnetworks/s1", NetworkIP: "10.40.1.50"},
			{Subnetwork: "regions/us-central1/subnetworks/s2", NetworkIP: "10.50.1.60", AccessConfigs: []*compute.AccessConfig{{NatIP: ext.Address}}},
		}}).Do())
	p := g.instance("us-central1-b", "s1", "p", false)
	q := g.instance("us-central1-c", "s2", "q", false)
	m := g.modelInstance("m")
	g.sync()
	var a *compute.Address
	a, err = g.svc.Addresses.Get(gcpProject, "us-central1", "fixed").Do()
	g.ok(err)
	if a.Status != "IN_USE" {
		t.Fatalf("address fixed is %s, want IN_USE", a.Status)
	}
	nsM, nsP, nsQ := g.ns(m), g.ns(p), g.ns(q)
	g.pingOK(nsP, m.PrivateIP)
	g.pingOK(nsQ, netip.MustParseAddr("10.50.1.60"))
	g.pingOK(nsM, p.PrivateIP)
	g.pingOK(nsM, q.PrivateIP)
	// GCP: https://cloud.google.com/vpc/docs/vpc — VPC networks are isolated from each other unless connected (peering, VPN); an instance with interfaces in both does not join them
	g.pingFails(nsP, q.PrivateIP)
	g.pingFails(nsP, netip.MustParseAddr("10.50.1.60"))
	// nic1's external IP: the internet reaches it through network two,
	// and its replies leave the way they came (eth1).
	// GCP: https://cloud.google.com/vpc/docs/create-use-multiple-interfaces — an interface other than nic0 may have an external IP
	g.op(g.svc.Firewalls.Insert(gcpProject, &compute.Firewall{Name: "two-icmp-any", Network: "global/networks/two", SourceRanges: []string{"0.0.0.0/0"},
		Allowed: []*compute.FirewallAllowed{{IPProtocol: "icmp"}}}).Do())
	g.pingOK(g.r.internetNS(), netip.MustParseAddr(ext.Address))
}
