package realize

import (
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/internal/roottest"
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

// TestDefaultNetworkRealized (root): an account's idle default VPC makes
// no namespace; an instance launched into it comes up behind its internet
// gateway with the public address it got at launch: what it sends to the
// internet arrives from that address, and the internet reaches it there.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/default-vpc.html — instances launched into a default subnet have access to the internet
func TestDefaultNetworkRealized(t *testing.T) {
	l := newLab(t)
	l.ok(l.cloud.EnsureDefaultNetwork(acct, "us-east-1"))
	l.sync()
	if ns := roottest.Namespaces(l.name); len(ns) != 0 {
		t.Fatalf("an idle default VPC made namespaces %v", ns)
	}
	n, _ := l.cloud.DefaultNetwork(acct, "us-east-1")
	s, _ := l.cloud.DefaultSubnet(acct, "us-east-1", "")
	g := l.openGroup(n, "web", "0.0.0.0/0")
	i := l.instance(s, g.ID)
	e := must[model.NetworkInterface](t)(l.cloud.NetworkInterface(acct, i.NetworkInterfaceID))
	if !e.PublicIP.IsValid() {
		t.Fatal("an instance in a default subnet got no public address")
	}
	l.sync()
	inet := l.r.internetNS()
	l.serveWhoami(inet, InternetServer, 8080)
	if got := l.whoami(l.ns(i), InternetServer, 8080); got != e.PublicIP {
		t.Fatalf("the internet sees the instance as %v, want its public address %v", got, e.PublicIP)
	}
	l.pingOK(inet, e.PublicIP)
}
