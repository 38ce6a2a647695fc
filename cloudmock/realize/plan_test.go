package realize

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/emulator"
)

func (k kroute) String() string {
	s := fmt.Sprintf("table %d %s", k.table, k.dst)
	if k.kind != "via" && k.kind != "dev" {
		s += " " + k.kind
	}
	if k.via.IsValid() {
		s += " via " + k.via.String()
	}
	if k.dev != "" {
		s += " dev " + k.dev
	}
	return s
}

// The plan, without root: the kernel routes a VPC router gets for its
// route tables, compared as text.
func TestPlanRoutes(t *testing.T) {
	c := model.New()
	c.AddAccount(model.Account{ID: acct, Limits: model.DefaultLimits()})
	v := must[model.Network](t)(c.CreateNetwork(acct, netip.MustParsePrefix("10.0.0.0/16"), nil))
	sa := must[model.Subnet](t)(c.CreateSubnet(acct, v.ID, netip.MustParsePrefix("10.0.1.0/24"), "az1", nil))
	sb := must[model.Subnet](t)(c.CreateSubnet(acct, v.ID, netip.MustParsePrefix("10.0.2.0/24"), "az1", nil))
	x := must[[]model.Instance](t)(c.RunInstances(acct, model.LaunchSpec{SubnetID: sb.ID, Count: 1}))[0]
	if err := c.CreateRoute(acct, v.MainRouteTableID, netip.MustParsePrefix("10.0.1.128/25"), model.Target{Kind: model.TargetInstance, ID: x.ID}); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateRoute(acct, v.MainRouteTableID, netip.MustParsePrefix("0.0.0.0/0"), model.Target{Kind: model.TargetNetworkInterface, ID: x.NetworkInterfaceID}); err != nil {
		t.Fatal(err)
	}
	r := &Realizer{opts: Options{Lab: "t"}, links: map[string]int{}}
	plan := func() []string {
		p, err := r.buildPlan(takeSnapshot(c))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, k := range p.routers[v.ID].routes {
			out = append(out, k.String())
		}
		for _, k := range p.routers[v.ID].rules {
			// Subnet rules come before the local one, in subnet ID order.
			prio := "subnet"
			if k.prio >= localPrio {
				prio = fmt.Sprint(k.prio)
			}
			out = append(out, fmt.Sprintf("rule %s iif %q table %d", prio, k.iif, k.table))
		}
		slices.Sort(out)
		return out
	}
	brA, brB := bridgeName(sa.Handle), bridgeName(sb.Handle)
	want := []string{
		"rule subnet iif \"" + brA + "\" table 100",
		"rule subnet iif \"" + brB + "\" table 100",
		"rule 2000 iif \"\" table 99",
		"table 100 0.0.0.0/0 via " + x.PrivateIP.String() + " dev " + brB,
		"table 100 10.0.0.0/16 throw",
		"table 100 10.0.1.128/25 via " + x.PrivateIP.String() + " dev " + brB,
		"table 99 0.0.0.0/0 unreachable",
		"table 99 10.0.0.0/16 blackhole",
		"table 99 10.0.1.0/24 dev " + brA,
		"table 99 10.0.2.0/24 dev " + brB,
	}
	slices.Sort(want)
	if got := plan(); !slices.Equal(got, want) {
		t.Fatalf("plan:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Once the instance is gone, both routes are blackholes.
	must[map[string]model.InstanceState](t)(c.TerminateInstances(acct, []string{x.ID}))
	got := plan()
	for _, w := range []string{"table 100 0.0.0.0/0 blackhole", "table 100 10.0.1.128/25 blackhole"} {
		if !slices.Contains(got, w) {
			t.Errorf("plan lacks %q:\n%s", w, strings.Join(got, "\n"))
		}
	}
}

// TestKernelNamesComeFromHandles: the plan names a network's router, its
// subnets' bridges and an instance's namespace from the handles the model
// issues, and the instance's namespace is the one emulator.InstanceNamespace
// gives the controller and the lab.
func TestKernelNamesComeFromHandles(t *testing.T) {
	c := model.New()
	c.AddAccount(model.Account{ID: acct})
	n := must[model.Network](t)(c.CreateNetwork(acct, netip.MustParsePrefix("10.0.0.0/16"), nil))
	s := must[model.Subnet](t)(c.CreateSubnet(acct, n.ID, netip.MustParsePrefix("10.0.1.0/24"), "", nil))
	inst := must[[]model.Instance](t)(c.RunInstances(acct, model.LaunchSpec{SubnetID: s.ID, Count: 1}))[0]
	r := &Realizer{opts: Options{Lab: "t"}, links: map[string]int{}}
	p, err := r.buildPlan(takeSnapshot(c))
	if err != nil {
		t.Fatal(err)
	}
	hn, _ := c.Handle(n.ID)
	hs, _ := c.Handle(s.ID)
	hi, _ := c.Handle(inst.ID)
	rp := p.routers[n.ID]
	if rp.ns != "mcn-t-vpc-"+hn || len(rp.segs) != 1 || rp.segs[0].bridge != "s-"+hs {
		t.Errorf("router %s with bridges %+v; want mcn-t-vpc-%s with s-%s", rp.ns, rp.segs, hn, hs)
	}
	hp := p.hosts[inst.NetworkInterfaceID]
	if want := emulator.InstanceNamespace("t", inst.ID); hp == nil || hp.ns != want || want != "mcn-t-i-"+hi {
		t.Errorf("host %+v; want namespace %s (mcn-t-i-%s)", hp, want, hi)
	}
}
