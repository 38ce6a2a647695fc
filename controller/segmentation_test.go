package controller

import (
	"context"
	"slices"
	"testing"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// Each domain is listed with its own members, also when the topology
// does not write its domains in name order (aws-transit.yaml: prod, dev,
// shared), as the API and inspect show them (issue 22).
func TestSegmentationListsEachDomainsOwnMembers(t *testing.T) {
	p := demoPlan(t)
	c := New(p, Options{Providers: map[string]cloud.Provider{"aws-lab": &fakeProvider{}}})
	seg, err := NewBackend(c, "t").Segmentation(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{}
	for _, d := range p.Topology.Cloud.Domains {
		want[d.Name] = d.Members
	}
	if len(seg.Domains) != len(want) {
		t.Fatalf("got %d domains, want %d", len(seg.Domains), len(want))
	}
	for _, d := range seg.Domains {
		if !slices.Equal(d.Members, want[d.Name]) {
			t.Errorf("domain %s listed with members %v, want %v", d.Name, d.Members, want[d.Name])
		}
	}
	if got := seg.Domains[0].Name; got != "dev" {
		t.Errorf("first domain %s, want dev (name order)", got)
	}
}
