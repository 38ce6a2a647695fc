package policy_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/dataplane/policy"
)

// The building blocks of the gateway's security features, as descriptions
// and the state they leave.

// steering marks the traffic of a domain pair (both ways) so that a policy
// route sends it to the firewall's interface, and lets what comes back
// from the firewall go on unmarked.
func steering() policy.Table {
	mark := func(src, dst string) policy.Rule {
		return policy.Rule{Match: policy.Match{IIF: "fw0", NotIIF: true, Src: pfx(src), Dst: pfx(dst)}, Counter: true, SetMark: 0xf1}
	}
	return policy.Table{Name: "steer", Chains: []policy.Chain{{Name: "prerouting", Hook: policy.HookPrerouting, Priority: policy.PriorityMangle,
		Rules: []policy.Rule{mark("10.1.0.0/16", "10.2.0.0/16"), mark("10.2.0.0/16", "10.1.0.0/16"), mark("fd00:1::/48", "fd00:2::/48")}}}}
}

// egress allows each source prefix only the addresses its FQDNs resolved
// to (a set per source, filled at run time by UpdateSet), and drops the
// rest of its new flows; replies pass.
func egress() policy.Table {
	return policy.Table{Name: "egress",
		Sets: []policy.Set{
			{Name: "web-allowed", Family: policy.FamilyIPv4, Prefixes: []netip.Prefix{pfx("192.0.2.10/32"), pfx("192.0.2.11/32")}},
			{Name: "web-allowed6", Family: policy.FamilyIPv6, Prefixes: []netip.Prefix{pfx("2001:db8::10/128")}},
		},
		Counters: []string{"web-denied"},
		Chains: []policy.Chain{
			{Name: "forward", Hook: policy.HookForward, Rules: []policy.Rule{
				{Match: policy.Match{CtState: policy.CtEstablished | policy.CtRelated}, Verdict: policy.Accept},
				{Match: policy.Match{Src: pfx("10.1.0.0/16")}, Verdict: policy.Jump("from-web")},
				{Match: policy.Match{Src: pfx("fd00:1::/48")}, Verdict: policy.Jump("from-web")},
			}},
			{Name: "from-web", Rules: []policy.Rule{
				{Match: policy.Match{DstSet: "web-allowed"}, Verdict: policy.Accept},
				{Match: policy.Match{DstSet: "web-allowed6"}, Verdict: policy.Accept},
				{CounterName: "web-denied", Verdict: policy.Drop},
			}},
		}}
}

// blocking drops, and counts, traffic from or to known threat addresses,
// before anything else sees it.
func blocking() policy.Table {
	return policy.Table{Name: "threats",
		Sets: []policy.Set{
			{Name: "bad4", Family: policy.FamilyIPv4, Prefixes: []netip.Prefix{pfx("198.51.100.66/32"), pfx("203.0.113.0/24")}},
			{Name: "bad6", Family: policy.FamilyIPv6, Prefixes: []netip.Prefix{pfx("2001:db8:bad::/48")}},
		},
		Counters: []string{"blocked"},
		Chains: []policy.Chain{{Name: "prerouting", Hook: policy.HookPrerouting, Priority: policy.PriorityRaw, Rules: []policy.Rule{
			{Match: policy.Match{SrcSet: "bad4"}, CounterName: "blocked", Verdict: policy.Drop},
			{Match: policy.Match{DstSet: "bad4"}, CounterName: "blocked", Verdict: policy.Drop},
			{Match: policy.Match{SrcSet: "bad6"}, CounterName: "blocked", Verdict: policy.Drop},
			{Match: policy.Match{DstSet: "bad6"}, CounterName: "blocked", Verdict: policy.Drop},
		}}}}
}

// nat publishes a server (DNAT of a public address and port), maps one
// host one-to-one, and masquerades the rest of a prefix to the internet.
func nat() policy.Table {
	return policy.Table{Name: "nat", Chains: []policy.Chain{
		{Name: "prerouting", Hook: policy.HookPrerouting, Type: policy.TypeNAT, Priority: policy.PriorityDstNAT, Rules: []policy.Rule{
			{Match: policy.Match{IIF: "inet0", Dst: pfx("203.0.113.80/32"), Proto: policy.ProtoTCP, DstPort: policy.Port(443)},
				NAT: &policy.NAT{Kind: policy.DNAT, Addr: netip.MustParseAddr("10.1.0.80"), Port: 8443}},
		}},
		{Name: "postrouting", Hook: policy.HookPostrouting, Type: policy.TypeNAT, Priority: policy.PrioritySrcNAT, Rules: []policy.Rule{
			{Match: policy.Match{OIF: "inet0", Src: pfx("10.1.0.9/32")}, NAT: &policy.NAT{Kind: policy.SNAT, Addr: netip.MustParseAddr("203.0.113.9")}},
			{Match: policy.Match{OIF: "inet0", Src: pfx("10.1.0.0/16")}, NAT: &policy.NAT{Kind: policy.Masquerade}},
		}},
	}}
}

// netmap translates a site's 10.0.0.0/16 one to one and statelessly:
// what arrives from the tunnel for 100.81.0.0/16 goes to 10.0.0.0/16 with
// its source shown as 100.65.0.0/16, and what goes the other way is
// marked for the tunnel's routing table.
func netmap() policy.Table {
	return policy.Table{Family: policy.FamilyIPv4, Name: "netmap", Chains: []policy.Chain{
		{Name: "map", Hook: policy.HookPrerouting, Priority: policy.PriorityRaw, Rules: []policy.Rule{
			{Match: policy.Match{IIF: "ipsec0", Src: pfx("10.0.0.0/16"), Dst: pfx("100.81.0.0/16")},
				Rewrite: []policy.Rewrite{{Prefix: pfx("10.0.0.0/16")}, {Src: true, Prefix: pfx("100.65.0.0/16")}}},
			{Match: policy.Match{IIF: "ipsec0", NotIIF: true, Src: pfx("10.0.0.0/16"), Dst: pfx("100.65.0.0/16")}, SetMark: 0x5c2,
				Rewrite: []policy.Rewrite{{Prefix: pfx("10.0.0.0/16")}, {Src: true, Prefix: pfx("100.81.0.0/16")}}},
		}},
	}}
}

// l7egress sends the first packets of new web connections to a userspace
// filter (NFQUEUE 7), which answers with a packet mark; the mark becomes
// the connection's conntrack mark, so the rest of an allowed connection
// skips the queue and the rest of a denied one is reset or dropped.
func l7egress() policy.Table {
	const allow, deny = 0xe1, 0xe2
	return policy.Table{Name: "l7", Chains: []policy.Chain{{Name: "forward", Hook: policy.HookForward, Rules: []policy.Rule{
		{Match: policy.Match{CtMark: allow}, Verdict: policy.Accept},
		{Match: policy.Match{CtMark: deny, Proto: policy.ProtoTCP}, Verdict: policy.Reset},
		{Match: policy.Match{CtMark: deny}, Verdict: policy.Drop},
		{Match: policy.Match{Mark: allow}, SetCtMark: allow, Verdict: policy.Accept},
		{Match: policy.Match{Mark: deny, Proto: policy.ProtoTCP}, SetCtMark: deny, Verdict: policy.Reset},
		{Match: policy.Match{Src: pfx("10.1.0.0/16"), Proto: policy.ProtoTCP, DstPort: policy.Port(443)}, Verdict: policy.Queue(7)},
		{Match: policy.Match{Src: pfx("10.1.0.0/16"), Proto: policy.ProtoTCP, DstPort: policy.Port(80)},
			Verdict: policy.Verdict{Kind: policy.VerdictQueue, Queue: 7, Bypass: true}},
	}}}}
}

// balancing spreads new flows of a domain pair over two firewalls by a
// hash of their 5-tuple (the first side's address and port first, so that
// both directions choose alike), keeps the choice in the conntrack mark,
// and counts each firewall's packets.
func balancing() policy.Table {
	const fw1, fw2 = 0x4d430001, 0x4d430002
	hash := func(v uint32, fields ...policy.HashField) *policy.Hash {
		return &policy.Hash{Fields: fields, Seed: 0x6d636e, Mod: 2, Value: v}
	}
	tcp := []policy.HashField{policy.HashSrcAddr, policy.HashDstAddr, policy.HashSrcPort, policy.HashDstPort}
	other := []policy.HashField{policy.HashDstAddr, policy.HashSrcAddr, policy.HashL4Proto}
	return policy.Table{Name: "balance", Counters: []string{"fw1", "fw2"}, Chains: []policy.Chain{{Name: "prerouting", Hook: policy.HookPrerouting, Priority: policy.PriorityMangle,
		Rules: []policy.Rule{
			{Match: policy.Match{CtMark: fw1}, CounterName: "fw1", SetMark: fw1, Verdict: policy.Accept},
			{Match: policy.Match{Src: pfx("10.1.0.0/16"), Proto: policy.ProtoTCP, Hash: hash(0, tcp...)}, CounterName: "fw1", SetMark: fw1, SetCtMark: fw1},
			{Match: policy.Match{Src: pfx("10.1.0.0/16"), Proto: policy.ProtoTCP, Hash: hash(1, tcp...)}, CounterName: "fw2", SetMark: fw2, SetCtMark: fw2},
			{Match: policy.Match{Dst: pfx("fd00:1::/48"), Hash: hash(1, other...)}, CounterName: "fw2", SetMark: fw2, SetCtMark: fw2},
		}}}}
}

var features = []struct {
	name  string
	table policy.Table
	want  string
}{
	{"firewall steering", steering(), `table inet steer {
	chain prerouting { type filter hook prerouting priority -150; policy accept;
		iifname != "fw0" ip saddr 10.1.0.0/16 ip daddr 10.2.0.0/16 counter meta mark set 0xf1
		iifname != "fw0" ip saddr 10.2.0.0/16 ip daddr 10.1.0.0/16 counter meta mark set 0xf1
		iifname != "fw0" ip6 saddr fd00:1::/48 ip6 daddr fd00:2::/48 counter meta mark set 0xf1
	}
}
`},
	{"firewall balancing", balancing(), `table inet balance {
	counter fw1
	counter fw2
	chain prerouting { type filter hook prerouting priority -150; policy accept;
		ct mark 0x4d430001 counter name "fw1" meta mark set 0x4d430001 accept
		ip saddr 10.1.0.0/16 meta l4proto tcp jhash ip saddr . ip daddr . tcp sport . tcp dport mod 2 seed 0x6d636e == 0 counter name "fw1" meta mark set 0x4d430001 ct mark set 0x4d430001
		ip saddr 10.1.0.0/16 meta l4proto tcp jhash ip saddr . ip daddr . tcp sport . tcp dport mod 2 seed 0x6d636e == 1 counter name "fw2" meta mark set 0x4d430002 ct mark set 0x4d430002
		ip6 daddr fd00:1::/48 jhash ip6 daddr . ip6 saddr . meta l4proto mod 2 seed 0x6d636e == 1 counter name "fw2" meta mark set 0x4d430002 ct mark set 0x4d430002
	}
}
`},
	{"FQDN egress", egress(), `table inet egress {
	set web-allowed { type ipv4_addr; flags interval; elements = { 192.0.2.10/31 } }
	set web-allowed6 { type ipv6_addr; flags interval; elements = { 2001:db8::10/128 } }
	counter web-denied
	chain forward { type filter hook forward priority 0; policy accept;
		ct state established,related accept
		ip saddr 10.1.0.0/16 jump from-web
		ip6 saddr fd00:1::/48 jump from-web
	}
	chain from-web {
		ip daddr @web-allowed accept
		ip6 daddr @web-allowed6 accept
		counter name "web-denied" drop
	}
}
`},
	{"L7 egress verdicts", l7egress(), `table inet l7 {
	chain forward { type filter hook forward priority 0; policy accept;
		ct mark 0xe1 accept
		meta l4proto tcp ct mark 0xe2 reject with tcp reset
		ct mark 0xe2 drop
		meta mark 0xe1 ct mark set 0xe1 accept
		meta l4proto tcp meta mark 0xe2 ct mark set 0xe2 reject with tcp reset
		ip saddr 10.1.0.0/16 meta l4proto tcp tcp dport 443 queue num 7
		ip saddr 10.1.0.0/16 meta l4proto tcp tcp dport 80 queue num 7 bypass
	}
}
`},
	{"IP blocking", blocking(), `table inet threats {
	set bad4 { type ipv4_addr; flags interval; elements = { 198.51.100.66/32, 203.0.113.0/24 } }
	set bad6 { type ipv6_addr; flags interval; elements = { 2001:db8:bad::/48 } }
	counter blocked
	chain prerouting { type filter hook prerouting priority -300; policy accept;
		ip saddr @bad4 counter name "blocked" drop
		ip daddr @bad4 counter name "blocked" drop
		ip6 saddr @bad6 counter name "blocked" drop
		ip6 daddr @bad6 counter name "blocked" drop
	}
}
`},
	{"NAT", nat(), `table inet nat {
	chain postrouting { type nat hook postrouting priority 100; policy accept;
		oifname "inet0" ip saddr 10.1.0.9 snat ip to 203.0.113.9
		oifname "inet0" ip saddr 10.1.0.0/16 masquerade
	}
	chain prerouting { type nat hook prerouting priority -100; policy accept;
		iifname "inet0" ip daddr 203.0.113.80 meta l4proto tcp tcp dport 443 dnat ip to 10.1.0.80:8443
	}
}
`},
	{"netmap", netmap(), `table ip netmap {
	chain map { type filter hook prerouting priority -300; policy accept;
		iifname "ipsec0" ip saddr 10.0.0.0/16 ip daddr 100.81.0.0/16 ip daddr set ip daddr & 0.0.255.255 | 10.0.0.0 ip saddr set ip saddr & 0.0.255.255 | 100.65.0.0
		iifname != "ipsec0" ip saddr 10.0.0.0/16 ip daddr 100.65.0.0/16 meta mark set 0x5c2 ip daddr set ip daddr & 0.0.255.255 | 10.0.0.0 ip saddr set ip saddr & 0.0.255.255 | 100.81.0.0
	}
}
`},
}

// TestFeatureBuildingBlocks: steering, FQDN egress, IP blocking and NAT
// leave the state their text says.
func TestFeatureBuildingBlocks(t *testing.T) {
	for _, tc := range features {
		t.Run(tc.name, func(t *testing.T) {
			f := policy.NewFake()
			if err := policy.Apply(f, tc.table); err != nil {
				t.Fatal(err)
			}
			if got := f.String(); got != tc.want {
				t.Errorf("state:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

// TestEgressLearnsAddresses: an FQDN's new answers replace its allowed
// set in place; the rules and the denied counter stay.
func TestEgressLearnsAddresses(t *testing.T) {
	f := policy.NewFake()
	if err := policy.Apply(f, egress()); err != nil {
		t.Fatal(err)
	}
	f.SetCounter(egress(), "web-denied", policy.Count{Packets: 2, Bytes: 168})
	learned := policy.Set{Name: "web-allowed", Family: policy.FamilyIPv4, Prefixes: []netip.Prefix{pfx("198.51.100.20/32")}}
	if err := policy.UpdateSet(f, egress(), learned); err != nil {
		t.Fatal(err)
	}
	got, err := policy.Dump(f, egress())
	if err != nil {
		t.Fatal(err)
	}
	want := `set web-allowed { type ipv4_addr; flags interval; elements = { 198.51.100.20/32 } }`
	if !containsLine(got, want) || !containsLine(got, `counter name "web-denied" drop`) {
		t.Errorf("after UpdateSet:\n%s\nwant the line %q and the rules unchanged", got, want)
	}
	if c, err := policy.Counters(f, egress()); err != nil || c["web-denied"] != (policy.Count{Packets: 2, Bytes: 168}) {
		t.Errorf("counters = %v, %v; want web-denied kept", c, err)
	}
}

func containsLine(text, line string) bool {
	for _, l := range strings.Split(text, "\n") {
		if strings.TrimLeft(l, "\t") == line {
			return true
		}
	}
	return false
}
