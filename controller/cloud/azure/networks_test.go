package azure_test

import (
	"context"
	"testing"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// TestNetworksListsEveryVNet: the VPC tracker's listing holds the VNets
// of the owner and of another owner in the subscription, each with its
// address space, location, resource group, key and owner.
func TestNetworksListsEveryVNet(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	d := desired()
	d.Instances, d.SecurityGroups, d.Routes = nil, nil, nil
	if _, _, err := e.p.Apply(ctx, d); err != nil {
		t.Fatal(err)
	}
	other := e.provider(t, "other-lab")
	od := cloud.Desired{Owner: "other-lab", VPCs: []cloud.VPC{{Key: "team-vnet", CIDR: pfx("10.1.128.0/20"), Region: region, Group: "rg-team",
		Subnets: []cloud.Subnet{{Key: "team-vnet/a", CIDR: pfx("10.1.128.0/24")}}}}}
	if _, _, err := other.Apply(ctx, od); err != nil {
		t.Fatal(err)
	}
	e.wire.writes()
	nets, err := e.p.(cloud.NetworkLister).Networks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if w := e.wire.writes(); len(w) > 0 {
		t.Errorf("Networks wrote %v", w)
	}
	got := map[string]cloud.Network{}
	for _, n := range nets {
		got[n.Name] = n
	}
	for name, want := range map[string]cloud.Network{
		"transit-vnet": {Region: region, Group: "rg-transit", Key: "transit-vnet", Owner: owner},
		"spoke-vnet":   {Region: "westeurope", Group: "rg-spoke", Key: "spoke-vnet", Owner: owner},
		"team-vnet":    {Region: region, Group: "rg-team", Key: "team-vnet", Owner: "other-lab"},
	} {
		n := got[name]
		if n.Region != want.Region || n.Group != want.Group || n.Key != want.Key || n.Owner != want.Owner || n.ID == "" {
			t.Errorf("VNet %s listed as %+v, want %+v and an ID", name, n, want)
		}
	}
	if c := got["team-vnet"].CIDRs; len(c) != 1 || c[0] != pfx("10.1.128.0/20") {
		t.Errorf("team-vnet's address space %v, want 10.1.128.0/20", c)
	}
	if len(nets) != 3 {
		t.Errorf("%d VNets listed, want 3: %+v", len(nets), nets)
	}
}
