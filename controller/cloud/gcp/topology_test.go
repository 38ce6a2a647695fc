package gcp_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/topologies"
)

// TestGCPRegionsAreTheCloud's: a topology may place a VPC in the regions
// the lab's GCP has, no more, no fewer.
func TestGCPRegionsAreTheCloud(t *testing.T) {
	p, ok := model.LookupProfile(model.ProviderGCP)
	if !ok {
		t.Fatal("no GCP profile")
	}
	if got := topologies.GCPRegions(); !slices.Equal(got, p.Regions) {
		t.Errorf("topologies.GCPRegions() = %v, cloudmock's GCP profile has %v", got, p.Regions)
	}
}

// TestGCPTransitTopology: topologies/gcp-transit.yaml, compiled as the
// controller compiles it, plans three networks, five subnets and six
// gateway instances with reserved addresses beside the three workloads,
// applies in full (the instances in their VPCs' regions' zones) and then
// makes no call.
func TestGCPTransitTopology(t *testing.T) {
	topo, err := topologies.Load("../../../topologies/gcp-transit.yaml")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := intent.Compile(topo)
	if err != nil {
		t.Fatal(err)
	}
	d := plan.Account("gcp-lab").Desired
	d.Owner = owner
	e := newEnv(t)
	ctx := context.Background()
	calls, err := e.p.Plan(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, c := range calls {
		count[c.Action]++
	}
	for action, n := range map[string]int{"networks.insert": 3, "subnetworks.insert": 5, "addresses.insert": 6, "instances.insert": 9} {
		if count[action] != n {
			t.Errorf("plan has %d %s, want %d:\n%s", count[action], action, n, strings.Join(callStrings(calls), "\n"))
		}
	}
	inv, made, err := e.p.Apply(ctx, d)
	if err != nil || len(made) != len(calls) {
		t.Fatalf("apply: %d calls of %d planned, %v", len(made), len(calls), err)
	}
	if g := inv.Instances["dev-1"]; !strings.HasPrefix(g.ID, "projects/"+project+"/zones/europe-west1-b/instances/") || !g.PublicIP.IsValid() {
		t.Errorf("dev-1: %+v", g)
	}
	if _, made, err := e.p.Apply(ctx, d); err != nil || len(made) != 0 {
		t.Errorf("second apply: %v, %v", callStrings(made), err)
	}
}
