package realize

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// A subnet as large as its VPC (AWS allows it) is delivered to, not
// blackholed: the VPC router's local table holds the subnet's route and
// no blackhole for the same block (issue 22: such a lab never converged).
func TestPlanSubnetEqualToVPC(t *testing.T) {
	c := model.New()
	c.AddAccount(model.Account{ID: acct, Limits: model.DefaultLimits()})
	v := must[model.Network](t)(c.CreateNetwork(acct, netip.MustParsePrefix("10.0.0.0/24"), nil))
	s := must[model.Subnet](t)(c.CreateSubnet(acct, v.ID, netip.MustParsePrefix("10.0.0.0/24"), "az1", nil))
	r := &Realizer{opts: Options{Lab: "t"}, links: map[string]int{}}
	p, err := r.buildPlan(takeSnapshot(c))
	if err != nil {
		t.Fatal(err)
	}
	var local []string
	for _, k := range p.routers[v.ID].routes {
		if k.table == localTbl {
			local = append(local, k.String())
		}
	}
	slices.Sort(local)
	want := []string{"table 99 0.0.0.0/0 unreachable", "table 99 10.0.0.0/24 dev " + bridgeName(s.Handle)}
	if !slices.Equal(local, want) {
		t.Errorf("local table %q, want %q", local, want)
	}
}
