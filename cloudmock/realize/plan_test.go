package realize

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
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
	brA, brB := bridgeName(sa.ID), bridgeName(sb.ID)
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

func TestShortNames(t *testing.T) {
	for id, want := range map[string]string{
		"vpc-0123456789abcdef0":        "01234567",
		"tgw-attach-0fedcba9876543210": "0fedcba9",
		"i-0a1b2c3d4e5f60718":          "0a1b2c3d",
		"odd":                          "odd",
	} {
		if got := short(id); got != want {
			t.Errorf("short(%q) = %q, want %q", id, got, want)
		}
	}
}
