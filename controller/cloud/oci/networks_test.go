package oci_test

import (
	"context"
	"slices"
	"testing"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// TestNetworks lists the compartment's VCNs for the VPC tracker: the
// owner's with their keys and CIDR blocks, read through the SDK.
func TestNetworks(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, _, err := e.p.Apply(ctx, desired()); err != nil {
		t.Fatal(err)
	}
	ns, err := e.p.(cloud.NetworkLister).Networks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, n := range ns {
		if n.Owner != owner || n.Region != region || n.ID == "" {
			t.Errorf("network %+v: want owner %s, region %s and an OCID", n, owner, region)
		}
		for _, c := range n.CIDRs {
			got[n.Key] = append(got[n.Key], c.String())
		}
	}
	if len(got) != 2 || !slices.Equal(got["transit-vpc"], []string{"10.10.0.0/16"}) || !slices.Equal(got["spoke-vpc"], []string{"10.1.0.0/16"}) {
		t.Fatalf("networks = %v, want transit-vpc 10.10.0.0/16 and spoke-vpc 10.1.0.0/16", got)
	}
}
