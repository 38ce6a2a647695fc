package realize

import (
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// TestPlanIdleDefaultNetwork: an account's default VPC costs the lab
// nothing (no router, no internet namespace) until an instance is
// launched into it; then it is planned with its internet gateway.
func TestPlanIdleDefaultNetwork(t *testing.T) {
	c := model.New()
	c.AddAccount(model.Account{ID: acct, Limits: model.DefaultLimits()})
	if err := c.EnsureDefaultNetwork(acct, "us-east-1"); err != nil {
		t.Fatal(err)
	}
	n, ok := c.DefaultNetwork(acct, "us-east-1")
	if !ok {
		t.Fatal("no default network")
	}
	r := &Realizer{opts: Options{Lab: "t"}, links: map[string]int{}}
	p, err := r.buildPlan(takeSnapshot(c))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.routers) != 0 || p.internet || len(r.links) != 0 {
		t.Fatalf("an idle default VPC is planned: %d routers, internet %v, links %v", len(p.routers), p.internet, r.links)
	}
	s, _ := c.DefaultSubnet(acct, "us-east-1", "")
	if _, err := c.RunInstances(acct, model.LaunchSpec{SubnetID: s.ID, Count: 1}); err != nil {
		t.Fatal(err)
	}
	p, err = r.buildPlan(takeSnapshot(c))
	if err != nil {
		t.Fatal(err)
	}
	rp := p.routers[n.ID]
	if rp == nil || !rp.igw || !p.internet || len(rp.segs) != 3 {
		t.Fatalf("the default VPC with an instance: router %+v, internet %v; want its router with 3 subnets and its internet gateway", rp, p.internet)
	}
}
