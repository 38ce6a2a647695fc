package gcp_test

import (
	"context"
	"net/netip"
	"slices"
	"testing"

	compute "google.golang.org/api/compute/v1"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// TestNetworksListsEveryNetwork: the VPC tracker's list holds every
// network of the project, the owner's with its key and owner and one made
// by hand without, each with its subnets' ranges (primary and secondary)
// across regions.
func TestNetworksListsEveryNetwork(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, _, err := e.p.Apply(ctx, desired()); err != nil {
		t.Fatal(err)
	}
	svc := e.service(t)
	if _, err := svc.Networks.Insert(project, &compute.Network{Name: "byhand", AutoCreateSubnetworks: false, ForceSendFields: []string{"AutoCreateSubnetworks"}}).Do(); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Subnetworks.Insert(project, "asia-east1", &compute.Subnetwork{Name: "s1", Network: "global/networks/byhand", IpCidrRange: "172.16.0.0/24",
		SecondaryIpRanges: []*compute.SubnetworkSecondaryRange{{RangeName: "pods", IpCidrRange: "172.17.0.0/20"}}}).Do(); err != nil {
		t.Fatal(err)
	}
	nets, err := e.p.(cloud.NetworkLister).Networks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]cloud.Network{}
	for _, n := range nets {
		slices.SortFunc(n.CIDRs, cloud.ComparePrefix)
		byName[n.Name] = n
	}
	if n := byName["byhand"]; n.Key != "" || n.Owner != "" || !slices.Equal(n.CIDRs, []netip.Prefix{pfx("172.16.0.0/24"), pfx("172.17.0.0/20")}) {
		t.Errorf("byhand: %+v", n)
	}
	if n := byName["vpc-spoke-vpc-3ab55c3e99"]; n.Key != "spoke-vpc" || n.Owner != owner || !slices.Equal(n.CIDRs, []netip.Prefix{pfx("10.1.0.0/24"), pfx("10.1.1.0/24")}) {
		t.Errorf("spoke-vpc: %+v", n)
	}
	if len(nets) != 3 {
		t.Errorf("%d networks, want 3: %+v", len(nets), nets)
	}
}
