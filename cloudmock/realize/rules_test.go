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

// render applies rulesets to a recording fake and returns the tables as
// the kernel would hold them.
func render(t *testing.T, rss ...*ruleset) string {
	t.Helper()
	f := policy.NewFake()
	if err := applyOn(f, rss...); err != nil {
		t.Fatal(err)
	}
	return f.String()
}

func pfxs(ss ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range ss {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

// table is the IPv4 table of a ruleset, rendered.
func ipv4Table(t *testing.T, rs *ruleset) string {
	t.Helper()
	s := render(t, rs)
	if i := strings.Index(s, "table ip mcn {"); i >= 0 {
		s = s[i:]
		if j := strings.Index(s, "table ip6 "); j >= 0 {
			s = s[:j]
		}
		return s
	}
	t.Fatalf("no IPv4 table in\n%s", s)
	return ""
}

// compileCases are a point's rule sets and the nftables rules they become.
var compileCases = []struct {
	name string
	rs   func() (*ruleset, error)
	want string
}{{
	// An Azure NSG on an interface: priority 100 denies SSH from
	// anywhere, 200 allows everything from the network; the deny is
	// checked first.
	// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/network-security-groups-overview#security-rules — lower priority numbers are processed first; processing stops at the first match
	name: "deny above allow",
	rs: func() (*ruleset, error) {
		return hostRuleset(hostSpec{SrcDstCheck: true, Ingress: layers{{Stateful: true, Rules: []ruleSpec{
			{Prio: 100, Deny: true, Proto: "tcp", From: 22, To: 22, Type: -1, Code: -1, Peers: pfxs("0.0.0.0/0")},
			{Prio: 200, Proto: "-1", From: -1, To: -1, Type: -1, Code: -1, Peers: pfxs("10.0.0.0/16")},
		}}}, Egress: layers{{Stateful: true}}})
	},
	want: `table ip mcn {
	set rejected { type ipv4_addr . ipv4_addr . inet_proto . inet_service . inet_service; flags dynamic,timeout; counter }
	chain egress {
		ct state established,related return
		update @rejected { ip saddr . ip daddr . meta l4proto . th sport . th dport counter } drop
	}
	chain forward { type filter hook forward priority 0; policy drop;
	}
	chain ingress {
		ct state established,related return
		meta l4proto tcp tcp dport 22 update @rejected { ip saddr . ip daddr . meta l4proto . th sport . th dport counter } drop
		ip saddr 10.0.0.0/16 return
		update @rejected { ip saddr . ip daddr . meta l4proto . th sport . th dport counter } drop
	}
	chain input { type filter hook input priority 0; policy drop;
		iifname "lo" accept
		iifname != "eth0" accept
		jump ingress
		accept
	}
	chain output { type filter hook output priority 0; policy drop;
		oifname "lo" accept
		oifname != "eth0" accept
		jump egress
		accept
	}
}
`,
}, {
	// A stateless rule admits a packet, not a connection: it marks
	// nothing, and a layer with only stateless rules passes no
	// "established" packets, so the return traffic needs a rule of its own.
	// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/securityrules.htm#stateful — stateless rules: response traffic is not automatically allowed
	name: "stateless needs the return rule",
	rs: func() (*ruleset, error) {
		return routerRuleset(routerSpec{Segs: []aclSpec{{Bridge: "s-1",
			Ingress: layers{{Rules: []ruleSpec{{Stateless: true, Proto: "icmp", From: -1, To: -1, Type: 8, Code: -1, Peers: pfxs("10.0.1.0/24")}}}},
			Egress:  layers{{Rules: []ruleSpec{{Stateless: true, Proto: "icmp", From: -1, To: -1, Type: 0, Code: -1, Peers: pfxs("10.0.1.0/24")}}}},
		}}})
	},
	want: `table ip mcn {
	set rejected { type ipv4_addr . ipv4_addr . inet_proto . inet_service . inet_service; flags dynamic,timeout; counter }
	chain forward { type filter hook forward priority 0; policy accept;
		iifname "s-1" oifname "s-1" accept
		iifname "s-1" jump out-s-1
		oifname "s-1" jump in-s-1
	}
	chain in-s-1 {
		ip saddr 10.0.1.0/24 meta l4proto icmp icmp type 8 return
		update @rejected { ip saddr . ip daddr . meta l4proto . th sport . th dport counter } drop
	}
	chain out-s-1 {
		ip daddr 10.0.1.0/24 meta l4proto icmp icmp type 0 return
		update @rejected { ip saddr . ip daddr . meta l4proto . th sport . th dport counter } drop
	}
}
`,
}, {
	// Two flavours at one subnet are two checks in a row (an ACL,
	// then an OCI security list with a stateful rule): both must allow.
	name: "layers in series",
	rs: func() (*ruleset, error) {
		acl := layer{Rules: []ruleSpec{{Prio: 100, Stateless: true, Proto: "-1", From: -1, To: -1, Type: -1, Code: -1, Peers: pfxs("0.0.0.0/0")}}}
		list := layer{Stateful: true, Rules: []ruleSpec{{Proto: "tcp", From: 443, To: 443, Type: -1, Code: -1, Peers: pfxs("10.0.1.0/24")}}}
		return routerRuleset(routerSpec{Segs: []aclSpec{{Bridge: "s-2", Ingress: layers{acl, list}, Egress: layers{acl, {Stateful: true}}}}})
	},
	want: `table ip mcn {
	set rejected { type ipv4_addr . ipv4_addr . inet_proto . inet_service . inet_service; flags dynamic,timeout; counter }
	chain forward { type filter hook forward priority 0; policy accept;
		iifname "s-2" oifname "s-2" accept
		iifname "s-2" jump out-s-2
		oifname "s-2" jump in-s-2
	}
	chain in-s-2 {
		jump in-s-2-0
		jump in-s-2-1
	}
	chain in-s-2-0 {
		return
		update @rejected { ip saddr . ip daddr . meta l4proto . th sport . th dport counter } drop
	}
	chain in-s-2-1 {
		ct state established,related return
		ip saddr 10.0.1.0/24 meta l4proto tcp tcp dport 443 return
		update @rejected { ip saddr . ip daddr . meta l4proto . th sport . th dport counter } drop
	}
	chain out-s-2 {
		jump out-s-2-0
		jump out-s-2-1
	}
	chain out-s-2-0 {
		return
		update @rejected { ip saddr . ip daddr . meta l4proto . th sport . th dport counter } drop
	}
	chain out-s-2-1 {
		ct state established,related return
		update @rejected { ip saddr . ip daddr . meta l4proto . th sport . th dport counter } drop
	}
}
`,
}, {
	// An OCI security list that mixes a stateful and a stateless rule: the
	// connections the stateful one admits are marked, and only they pass
	// as established; the stateless one's return needs its own rule.
	// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/securityrules.htm#stateful — stateful and stateless rules in one list
	name: "mixed layer marks its stateful connections",
	rs: func() (*ruleset, error) {
		l := layer{Stateful: true, Stateless: true, Rules: []ruleSpec{
			{Proto: "tcp", From: 443, To: 443, Type: -1, Code: -1, Peers: pfxs("10.0.1.0/24")},
			{Stateless: true, Proto: "udp", From: 53, To: 53, Type: -1, Code: -1, Peers: pfxs("10.0.1.0/24")},
		}}
		return routerRuleset(routerSpec{Segs: []aclSpec{{Bridge: "s-3", Ingress: layers{l}, Egress: layers{{Stateful: true, Stateless: true}}}}})
	},
	want: `table ip mcn {
	set rejected { type ipv4_addr . ipv4_addr . inet_proto . inet_service . inet_service; flags dynamic,timeout; counter }
	chain forward { type filter hook forward priority 0; policy accept;
		iifname "s-3" oifname "s-3" accept
		iifname "s-3" jump out-s-3
		oifname "s-3" jump in-s-3
	}
	chain in-s-3 {
		ct state established,related ct mark 0x1000000 return
		ip saddr 10.0.1.0/24 meta l4proto tcp tcp dport 443 ct mark set 0x1000000 return
		ip saddr 10.0.1.0/24 meta l4proto udp udp dport 53 return
		update @rejected { ip saddr . ip daddr . meta l4proto . th sport . th dport counter } drop
	}
	chain out-s-3 {
		ct state established,related ct mark 0x1000000 return
		update @rejected { ip saddr . ip daddr . meta l4proto . th sport . th dport counter } drop
	}
}
`,
}}

// The one compile path, without root: each case of compileCases, applied
// to a recording fake.
func TestCompileRuleSets(t *testing.T) {
	for _, tc := range compileCases {
		t.Run(tc.name, func(t *testing.T) {
			rs, err := tc.rs()
			if err != nil {
				t.Fatal(err)
			}
			if got := ipv4Table(t, rs); got != tc.want {
				t.Errorf("compiled:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

// A rule set attached to a network and a tag (GCP firewall rules with a
// target tag) filters the interfaces of the instances with the tag only;
// a source tag stands for the addresses of the instances carrying it.
// GCP: https://cloud.google.com/firewall/docs/firewalls#rule_assignment — target tags select the instances a rule applies to
func TestPlanTagAttachedRuleSet(t *testing.T) {
	c := model.New()
	c.AddAccount(model.Account{ID: acct, Limits: model.DefaultLimits()})
	v := must[model.Network](t)(c.CreateNetwork(acct, netip.MustParsePrefix("10.0.0.0/16"), nil))
	s := must[model.Subnet](t)(c.CreateSubnet(acct, v.ID, netip.MustParsePrefix("10.0.1.0/24"), "az1", nil))
	run := func(tags map[string]string) model.Instance {
		return must[[]model.Instance](t)(c.RunInstances(acct, model.LaunchSpec{SubnetID: s.ID, Count: 1, Tags: tags}))[0]
	}
	web, other, lb := run(map[string]string{"web": ""}), run(nil), run(map[string]string{"lb": ""})
	fw := must[model.RuleSet](t)(c.CreateRuleSet(acct, model.RuleSetSpec{Flavor: model.FlavorFirewall, NetworkID: v.ID, Name: "allow-web"}))
	must[[]model.Rule](t)(c.AddRules(acct, model.FlavorFirewall, fw.ID, []model.Rule{
		{Direction: model.Ingress, Priority: 1000, Action: model.Allow, Protocol: "tcp", FromPort: 80, ToPort: 80, Peer: model.Peer{Tag: "lb"}}}))
	must[model.Attachment](t)(c.AttachRuleSet(acct, model.FlavorFirewall, fw.ID, model.Attachment{Kind: model.OnNetwork, TargetID: v.ID, Tags: []string{"web"}}))
	r := &Realizer{opts: Options{Lab: "t"}, links: map[string]int{}}
	p, err := r.buildPlan(takeSnapshot(c))
	if err != nil {
		t.Fatal(err)
	}
	want := "ip saddr " + lb.PrivateIP.String() + " meta l4proto tcp tcp dport 80 return"
	if got := ipv4Table(t, p.hosts[web.NetworkInterfaceID].nft); !strings.Contains(got, want) {
		t.Errorf("the tagged instance's table lacks %q:\n%s", want, got)
	}
	if got := ipv4Table(t, p.hosts[other.NetworkInterfaceID].nft); strings.Contains(got, "dport 80") {
		t.Errorf("an instance without the tag got the firewall rule:\n%s", got)
	}
}

// Rules of one layer from several sets interleave by priority, and at
// equal priority a deny comes before an allow.
// GCP: https://cloud.google.com/firewall/docs/firewalls#priority_order_for_firewall_rules — deny wins at the same priority
func TestMergeOrdersByPriorityDenyFirst(t *testing.T) {
	c := model.New()
	c.AddAccount(model.Account{ID: acct, Limits: model.DefaultLimits()})
	v := must[model.Network](t)(c.CreateNetwork(acct, netip.MustParsePrefix("10.0.0.0/16"), nil))
	s := must[model.Subnet](t)(c.CreateSubnet(acct, v.ID, netip.MustParsePrefix("10.0.1.0/24"), "az1", nil))
	i := must[[]model.Instance](t)(c.RunInstances(acct, model.LaunchSpec{SubnetID: s.ID, Count: 1}))[0]
	tcp := func(prio int, a model.Action, port int) model.Rule {
		return model.Rule{Direction: model.Ingress, Priority: prio, Action: a, Protocol: "tcp", FromPort: port, ToPort: port, Peer: model.Peer{Prefix: anyIPv4}}
	}
	for _, rules := range [][]model.Rule{{tcp(1000, model.Allow, 80), tcp(3000, model.Allow, 3000)}, {tcp(1000, model.Deny, 80), tcp(2000, model.Allow, 2000)}} {
		fw := must[model.RuleSet](t)(c.CreateRuleSet(acct, model.RuleSetSpec{Flavor: model.FlavorFirewall, NetworkID: v.ID, Name: fmt.Sprint(rules[1].FromPort)}))
		must[[]model.Rule](t)(c.AddRules(acct, model.FlavorFirewall, fw.ID, rules))
		must[model.Attachment](t)(c.AttachRuleSet(acct, model.FlavorFirewall, fw.ID, model.Attachment{Kind: model.OnNetwork, TargetID: v.ID}))
	}
	r := &Realizer{opts: Options{Lab: "t"}, links: map[string]int{}}
	p, err := r.buildPlan(takeSnapshot(c))
	if err != nil {
		t.Fatal(err)
	}
	got := ipv4Table(t, p.hosts[i.NetworkInterfaceID].nft)
	var order []string
	for _, l := range strings.Split(got, "\n") {
		// The layer's rules (return or drop), not the resolver's accepts.
		if l = strings.TrimSpace(l); strings.Contains(l, "tcp dport") && !strings.HasSuffix(l, " accept") {
			order = append(order, l)
		}
	}
	want := []string{"meta l4proto tcp tcp dport 80 update @rejected { ip saddr . ip daddr . meta l4proto . th sport . th dport counter } drop", "meta l4proto tcp tcp dport 80 return", "meta l4proto tcp tcp dport 2000 return", "meta l4proto tcp tcp dport 3000 return"}
	if !slices.Equal(order, want) {
		t.Errorf("firewall rules in order:\n%s\nwant:\n%s\nin\n%s", strings.Join(order, "\n"), strings.Join(want, "\n"), got)
	}
}
