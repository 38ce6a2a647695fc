package realize

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/dataplane/policy"
)

// routeLines renders a router plan's routes and rules as text.
func routeLines(rp *routerPlan) []string {
	var out []string
	for _, k := range rp.routes {
		out = append(out, k.String())
	}
	for _, k := range rp.rules {
		s := fmt.Sprintf("rule %d iif %q table %d", k.prio, k.iif, k.table)
		if k.src.IsValid() {
			s = fmt.Sprintf("rule %d from %s iif %q table %d", k.prio, k.src, k.iif, k.table)
		}
		if k.mark != 0 {
			s = fmt.Sprintf("rule %d fwmark %#x iif %q table %d", k.prio, k.mark, k.iif, k.table)
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// The plan, without root: routes to one destination with different
// priorities become the lowest-priority one; a route table associated with
// a tag becomes, for each instance with the tag, a kernel table of its own
// (its subnet's routes and the tag table's) chosen by its source address,
// and, for an instance that forwards, by a mark its MAC address gets.
// GCP: https://cloud.google.com/vpc/docs/routes#routeselection — most specific destination, then the lowest priority value
// GCP: https://cloud.google.com/vpc/docs/routes#instance_tags — tagged routes apply to the instances with the tag only
func TestPlanTagRoutesAndPriorities(t *testing.T) {
	c := model.New()
	c.AddAccount(model.Account{ID: acct, Limits: model.DefaultLimits()})
	v := must[model.Network](t)(c.CreateNetwork(acct, netip.MustParsePrefix("10.0.0.0/16"), nil))
	sa := must[model.Subnet](t)(c.CreateSubnet(acct, v.ID, netip.MustParsePrefix("10.0.1.0/24"), "az1", nil))
	sb := must[model.Subnet](t)(c.CreateSubnet(acct, v.ID, netip.MustParsePrefix("10.0.2.0/24"), "az1", nil))
	run := func(s model.Subnet, tags map[string]string) model.Instance {
		return must[[]model.Instance](t)(c.RunInstances(acct, model.LaunchSpec{SubnetID: s.ID, Count: 1, Tags: tags}))[0]
	}
	x, y := run(sb, nil), run(sb, nil)
	tagged, plain := run(sa, map[string]string{"via-x": ""}), run(sa, nil)
	fwd := run(sa, map[string]string{"via-x": ""})
	if err := c.SetSourceDestCheck(acct, fwd.ID, false); err != nil {
		t.Fatal(err)
	}
	inet := netip.MustParsePrefix("192.0.2.0/24")
	to := func(i model.Instance) model.Target { return model.Target{Kind: model.TargetInstance, ID: i.ID} }
	l := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	l(c.AddRoute(acct, v.MainRouteTableID, model.Route{Destination: inet, Target: to(x), Priority: 1000}))
	l(c.AddRoute(acct, v.MainRouteTableID, model.Route{Destination: inet, Target: to(y), Priority: 900}))
	tt := must[model.RouteTable](t)(c.CreateRouteTable(acct, v.ID, nil))
	l(c.AddRoute(acct, tt.ID, model.Route{Destination: inet, Target: to(x), Priority: 800}))
	l(c.AddRoute(acct, tt.ID, model.Route{Destination: sb.Prefix, Target: to(x), Priority: 1000}))
	must[model.RouteTableAssociation](t)(c.AssociateRouteTableTags(acct, tt.ID, []string{"via-x"}))
	r := &Realizer{opts: Options{Lab: "t"}, links: map[string]int{}}
	p, err := r.buildPlan(takeSnapshot(c))
	if err != nil {
		t.Fatal(err)
	}
	main, tag, combo := 100, 101, 102
	if tt.ID < v.MainRouteTableID {
		main, tag = 101, 100
	}
	brA, brB := bridgeName(sa.Handle), bridgeName(sb.Handle)
	got := routeLines(p.routers[v.ID])
	for _, w := range []string{
		fmt.Sprintf("table %d 192.0.2.0/24 via %s dev %s", main, y.PrivateIP, brB), // 900 beats 1000
		fmt.Sprintf("table %d 192.0.2.0/24 via %s dev %s", tag, x.PrivateIP, brB),
		fmt.Sprintf("table %d 192.0.2.0/24 via %s dev %s", combo, x.PrivateIP, brB), // the tag table's 800 beats the subnet's 900
		fmt.Sprintf("table %d 10.0.2.0/24 via %s dev %s", combo, x.PrivateIP, brB),
		fmt.Sprintf("table %d 10.0.0.0/16 throw", combo),
		fmt.Sprintf("rule %d from %s/32 iif %q table %d", tagPrio, tagged.PrivateIP, brA, combo),
		fmt.Sprintf("rule %d from %s/32 iif %q table %d", tagPrio, fwd.PrivateIP, brA, combo),
		fmt.Sprintf("rule %d fwmark %#x iif %q table %d", tagPrio, senderMarkBase, brA, combo),
	} {
		if !slices.Contains(got, w) {
			t.Errorf("plan lacks %q:\n%s", w, strings.Join(got, "\n"))
		}
	}
	// The subnet keeps its rule (rulePrio plus its index) to the main table.
	if !slices.ContainsFunc(got, func(l string) bool {
		return strings.HasPrefix(l, "rule 100") && strings.HasSuffix(l, fmt.Sprintf(" iif %q table %d", brA, main))
	}) {
		t.Errorf("plan lacks the subnet's rule to table %d:\n%s", main, strings.Join(got, "\n"))
	}
	if s := strings.Join(got, "\n"); strings.Contains(s, plain.PrivateIP.String()) {
		t.Errorf("the untagged instance got a rule:\n%s", s)
	}
	// The forwarding instance's packets, of any source, are marked by its
	// MAC address for its table; the tagged one that does not forward is
	// known by its address alone.
	rp := p.routers[v.ID]
	if len(rp.senders) != 1 || rp.senders[0].Mark != senderMarkBase || rp.senders[0].Bridge != brA {
		t.Errorf("senders = %+v; want the forwarding instance's alone", rp.senders)
	}
	var e model.NetworkInterface
	for _, x := range c.NetworkInterfaces(acct) {
		if x.InstanceID == fwd.ID {
			e = x
		}
	}
	if len(rp.senders) == 1 && rp.senders[0].MAC.String() != hostMAC(e.ID).String() {
		t.Errorf("sender MAC %s, want the forwarding instance's interface's %s", rp.senders[0].MAC, hostMAC(e.ID))
	}
	if rs := rp.nft.tables[0]; !slices.ContainsFunc(rs.Chains, func(ch policy.Chain) bool {
		return ch.Name == "senders" && len(ch.Rules) == 1 && ch.Rules[0].SetMark == senderMarkBase
	}) {
		t.Errorf("the router's table has no senders chain marking the forwarding instance: %+v", rs.Chains)
	}
}

// With packets: a tag-scoped route sends the tagged instance's traffic to
// the other subnet through an instance that drops it (its
// source/destination check is on); an untagged neighbour goes direct.
func TestTagScopedRoute(t *testing.T) {
	l := newLab(t)
	v := l.vpc("10.0.0.0/16")
	sa, sb := l.subnet(v, "10.0.1.0/24"), l.subnet(v, "10.0.2.0/24")
	g := l.openGroup(v, "open", "10.0.0.0/16")
	run := func(s model.Subnet, tags map[string]string) model.Instance {
		return must[[]model.Instance](t)(l.cloud.RunInstances(acct, model.LaunchSpec{SubnetID: s.ID, Count: 1, SecurityGroupIDs: []string{g.ID}, Tags: tags}))[0]
	}
	x, b := run(sb, nil), run(sb, nil)
	tagged, plain := run(sa, map[string]string{"via-x": ""}), run(sa, nil)
	tt := must[model.RouteTable](t)(l.cloud.CreateRouteTable(acct, v.ID, nil))
	l.ok(l.cloud.AddRoute(acct, tt.ID, model.Route{Destination: netip.PrefixFrom(b.PrivateIP, 32), Target: model.Target{Kind: model.TargetInstance, ID: x.ID}, Priority: 1000}))
	l.sync()
	l.pingOK(l.ns(tagged), b.PrivateIP) // the table applies to no one yet
	a := must[model.RouteTableAssociation](t)(l.cloud.AssociateRouteTableTags(acct, tt.ID, []string{"via-x"}))
	l.sync()
	l.pingFails(l.ns(tagged), b.PrivateIP)
	l.pingOK(l.ns(plain), b.PrivateIP)
	l.ok(l.cloud.DisassociateRouteTable(acct, a.ID))
	l.sync()
	l.pingOK(l.ns(tagged), b.PrivateIP)
}
