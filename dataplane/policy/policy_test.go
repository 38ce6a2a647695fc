package policy_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/dataplane/policy"
)

var pfx = netip.MustParsePrefix

// cases are descriptions and the state the kernel should then hold; the
// root test applies the same ones to a real namespace.
var cases = []struct {
	name   string
	tables []policy.Table
	want   string
}{
	{
		name: "stateful host firewall",
		tables: []policy.Table{{Family: policy.FamilyINet, Name: "host", Chains: []policy.Chain{
			{Name: "input", Hook: policy.HookInput, Policy: policy.PolicyDrop, Rules: []policy.Rule{
				{Match: policy.Match{CtState: policy.CtEstablished | policy.CtRelated}, Verdict: policy.Accept},
				{Match: policy.Match{IIF: "lo"}, Verdict: policy.Accept},
				{Match: policy.Match{IIF: "eth0", NotIIF: true}, Verdict: policy.Accept},
				{Match: policy.Match{Src: pfx("10.0.0.0/8"), Proto: policy.ProtoTCP, DstPort: policy.Port(22)}, Verdict: policy.Accept},
				{Match: policy.Match{Src: pfx("2001:db8::/32"), Proto: policy.ProtoTCP, DstPort: policy.PortRange{From: 8000, To: 8080}}, Verdict: policy.Accept},
				{Match: policy.Match{Src: pfx("192.0.2.7/32"), Proto: policy.ProtoICMP, ICMP: &policy.ICMP{Type: 8, Code: -1}}, Verdict: policy.Accept},
				{Match: policy.Match{Family: policy.FamilyIPv6, Proto: policy.ProtoICMPv6}, Verdict: policy.Accept},
				{Match: policy.Match{Src: pfx("0.0.0.0/0")}, Counter: true, Verdict: policy.Drop},
			}},
		}}},
		want: `table inet host {
	chain input { type filter hook input priority 0; policy drop;
		ct state established,related accept
		iifname "lo" accept
		iifname != "eth0" accept
		ip saddr 10.0.0.0/8 meta l4proto tcp tcp dport 22 accept
		ip6 saddr 2001:db8::/32 meta l4proto tcp tcp dport 8000-8080 accept
		ip saddr 192.0.2.7 meta l4proto icmp icmp type 8 accept
		meta nfproto ipv6 meta l4proto icmpv6 accept
		meta nfproto ipv4 counter drop
	}
}
`,
	},
	{
		name: "stateful and stateless rules told apart by the conntrack mark",
		tables: []policy.Table{{Family: policy.FamilyIPv4, Name: "mixed", Chains: []policy.Chain{
			{Name: "input", Hook: policy.HookInput, Policy: policy.PolicyDrop, Rules: []policy.Rule{
				{Match: policy.Match{CtState: policy.CtEstablished | policy.CtRelated, CtMark: 0x100}, Verdict: policy.Accept},
				{Match: policy.Match{Src: pfx("10.0.0.0/8"), Proto: policy.ProtoTCP, DstPort: policy.Port(22)}, SetCtMark: 0x100, Verdict: policy.Accept},
				{Match: policy.Match{Src: pfx("10.0.0.0/8"), Proto: policy.ProtoUDP}, Verdict: policy.Accept},
			}},
		}}},
		want: `table ip mixed {
	chain input { type filter hook input priority 0; policy drop;
		ct state established,related ct mark 0x100 accept
		ip saddr 10.0.0.0/8 meta l4proto tcp tcp dport 22 ct mark set 0x100 accept
		ip saddr 10.0.0.0/8 meta l4proto udp accept
	}
}
`,
	},
	{
		name: "ordered ACL in regular chains, IPv4 table",
		tables: []policy.Table{{Family: policy.FamilyIPv4, Name: "acl", Chains: []policy.Chain{
			{Name: "forward", Hook: policy.HookForward, Rules: []policy.Rule{
				{Match: policy.Match{IIF: "br0", OIF: "br0"}, Verdict: policy.Accept},
				{Match: policy.Match{IIF: "br0"}, Verdict: policy.Jump("out-br0")},
			}},
			{Name: "out-br0", Rules: []policy.Rule{
				{Match: policy.Match{Dst: pfx("10.9.0.0/16"), Proto: policy.ProtoUDP, SrcPort: policy.Port(53)}, Verdict: policy.Drop},
				{Match: policy.Match{Dst: pfx("10.0.0.0/8")}, Verdict: policy.Return},
				{Verdict: policy.Drop},
			}},
		}}},
		want: `table ip acl {
	chain forward { type filter hook forward priority 0; policy accept;
		iifname "br0" oifname "br0" accept
		iifname "br0" jump out-br0
	}
	chain out-br0 {
		ip daddr 10.9.0.0/16 meta l4proto udp udp sport 53 drop
		ip daddr 10.0.0.0/8 return
		drop
	}
}
`,
	},
	{
		name: "two families in one transaction: IPv4 security group, IPv6 shut",
		tables: []policy.Table{
			{Family: policy.FamilyIPv4, Name: "mcn", Chains: []policy.Chain{
				{Name: "forward-in", Rules: []policy.Rule{
					{Match: policy.Match{Src: pfx("0.0.0.0/0"), Proto: policy.ProtoICMP, ICMP: &policy.ICMP{Type: -1, Code: -1}}, Verdict: policy.Jump("forward-out")},
				}},
				{Name: "forward-out", Rules: []policy.Rule{
					{Match: policy.Match{OIF: "eth0", NotOIF: true}, Verdict: policy.Accept},
					{Match: policy.Match{Dst: pfx("10.0.0.0/16"), Proto: policy.ProtoTCP}, Verdict: policy.Accept},
				}},
				{Name: "forward", Hook: policy.HookForward, Policy: policy.PolicyDrop, Rules: []policy.Rule{
					{Match: policy.Match{CtState: policy.CtEstablished | policy.CtRelated}, Verdict: policy.Accept},
					{Match: policy.Match{IIF: "eth0", NotIIF: true}, Verdict: policy.Jump("forward-out")},
					{Verdict: policy.Jump("forward-in")},
				}},
			}},
			{Family: policy.FamilyIPv6, Name: "mcn", Chains: []policy.Chain{
				{Name: "input", Hook: policy.HookInput, Policy: policy.PolicyDrop, Rules: []policy.Rule{{Match: policy.Match{IIF: "lo"}, Verdict: policy.Accept}}},
				{Name: "forward", Hook: policy.HookForward, Policy: policy.PolicyDrop},
			}},
		},
		want: `table ip mcn {
	chain forward { type filter hook forward priority 0; policy drop;
		ct state established,related accept
		iifname != "eth0" jump forward-out
		jump forward-in
	}
	chain forward-in {
		meta l4proto icmp jump forward-out
	}
	chain forward-out {
		oifname != "eth0" accept
		ip daddr 10.0.0.0/16 meta l4proto tcp accept
	}
}
table ip6 mcn {
	chain forward { type filter hook forward priority 0; policy drop;
	}
	chain input { type filter hook input priority 0; policy drop;
		iifname "lo" accept
	}
}
`,
	},
	{
		name: "NAT: masquerade, SNAT, DNAT with port, IPv6",
		tables: []policy.Table{{Family: policy.FamilyINet, Name: "nat", Chains: []policy.Chain{
			{Name: "prerouting", Hook: policy.HookPrerouting, Type: policy.TypeNAT, Priority: policy.PriorityDstNAT, Rules: []policy.Rule{
				{Match: policy.Match{IIF: "igw", Dst: pfx("198.51.100.10/32")}, NAT: &policy.NAT{Kind: policy.DNAT, Addr: netip.MustParseAddr("10.0.1.10")}},
				{Match: policy.Match{Dst: pfx("198.51.100.11/32"), Proto: policy.ProtoTCP, DstPort: policy.Port(80)}, NAT: &policy.NAT{Kind: policy.DNAT, Addr: netip.MustParseAddr("10.0.1.11"), Port: 8080}},
				{Match: policy.Match{Dst: pfx("2001:db8:1::10/128")}, NAT: &policy.NAT{Kind: policy.DNAT, Addr: netip.MustParseAddr("fd00::10")}},
			}},
			{Name: "postrouting", Hook: policy.HookPostrouting, Type: policy.TypeNAT, Priority: policy.PrioritySrcNAT, Rules: []policy.Rule{
				{Match: policy.Match{OIF: "igw", Src: pfx("10.0.1.10/32")}, NAT: &policy.NAT{Kind: policy.SNAT, Addr: netip.MustParseAddr("198.51.100.10")}},
				{Match: policy.Match{OIF: "eth0", Src: pfx("10.0.0.5/32"), NotSrc: true}, NAT: &policy.NAT{Kind: policy.Masquerade}},
				{Match: policy.Match{OIF: "wan"}, NAT: &policy.NAT{Kind: policy.SNAT, Addr: netip.MustParseAddr("203.0.113.1")}},
			}},
		}}},
		want: `table inet nat {
	chain postrouting { type nat hook postrouting priority 100; policy accept;
		oifname "igw" ip saddr 10.0.1.10 snat ip to 198.51.100.10
		oifname "eth0" ip saddr != 10.0.0.5 masquerade
		oifname "wan" meta nfproto ipv4 snat ip to 203.0.113.1
	}
	chain prerouting { type nat hook prerouting priority -100; policy accept;
		iifname "igw" ip daddr 198.51.100.10 dnat ip to 10.0.1.10
		ip daddr 198.51.100.11 meta l4proto tcp tcp dport 80 dnat ip to 10.0.1.11:8080
		ip6 daddr 2001:db8:1::10 dnat ip6 to fd00::10
	}
}
`,
	},
	{
		name: "sets, named counters and marks",
		tables: []policy.Table{{Family: policy.FamilyINet, Name: "sec",
			Sets: []policy.Set{
				{Name: "threats4", Family: policy.FamilyIPv4, Prefixes: []netip.Prefix{pfx("203.0.113.0/25"), pfx("203.0.113.128/25"), pfx("198.51.100.7/32"), pfx("203.0.113.5/32")}},
				{Name: "threats6", Family: policy.FamilyIPv6, Prefixes: []netip.Prefix{pfx("2001:db8:bad::/48")}},
			},
			Counters: []string{"threats"},
			Chains: []policy.Chain{
				{Name: "forward", Hook: policy.HookForward, Rules: []policy.Rule{
					{Match: policy.Match{DstSet: "threats4"}, CounterName: "threats", Verdict: policy.Drop},
					{Match: policy.Match{SrcSet: "threats6", NotSrc: true, Dst: pfx("2001:db8::/32")}, Verdict: policy.Accept},
				}},
				{Name: "steer", Hook: policy.HookPrerouting, Priority: policy.PriorityMangle, Rules: []policy.Rule{
					{Match: policy.Match{Src: pfx("10.1.0.0/16"), Dst: pfx("10.2.0.0/16"), Mark: 0}, SetMark: 0x10},
					{Match: policy.Match{Mark: 0x10}, Counter: true},
				}},
			}}},
		want: `table inet sec {
	set threats4 { type ipv4_addr; flags interval; elements = { 198.51.100.7/32, 203.0.113.0/24 } }
	set threats6 { type ipv6_addr; flags interval; elements = { 2001:db8:bad::/48 } }
	counter threats
	chain forward { type filter hook forward priority 0; policy accept;
		ip daddr @threats4 counter name "threats" drop
		ip6 saddr != @threats6 ip6 daddr 2001:db8::/32 accept
	}
	chain steer { type filter hook prerouting priority -150; policy accept;
		ip saddr 10.1.0.0/16 ip daddr 10.2.0.0/16 meta mark set 0x10
		meta mark 0x10 counter
	}
}
`,
	},
}

// TestApplyRendersIntendedState: each description leaves the state that
// its text says, in one batch.
func TestApplyRendersIntendedState(t *testing.T) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := policy.NewFake()
			if err := policy.Apply(f, tc.tables...); err != nil {
				t.Fatal(err)
			}
			if got := f.String(); got != tc.want {
				t.Errorf("state:\n%s\nwant:\n%s", got, tc.want)
			}
			if f.Flushes() != 1 {
				t.Errorf("%d batches, want 1", f.Flushes())
			}
			got, err := policy.Dump(f, tc.tables...)
			if err != nil || got != tc.want {
				t.Errorf("Dump = %v\n%s\nwant the same as String", err, got)
			}
		})
	}
}

// TestApplyRefusesInvalid: an invalid description names its fault and
// changes nothing.
func TestApplyRefusesInvalid(t *testing.T) {
	chain := func(r policy.Rule) policy.Table {
		return policy.Table{Family: policy.FamilyIPv4, Name: "t",
			Chains: []policy.Chain{{Name: "c", Hook: policy.HookForward, Rules: []policy.Rule{r}}}}
	}
	for _, tc := range []struct {
		name  string
		table policy.Table
		want  string
	}{
		{"no name", policy.Table{}, "table has no name"},
		{"IPv6 set in ip table", policy.Table{Family: policy.FamilyIPv4, Name: "t", Sets: []policy.Set{{Name: "s6", Family: policy.FamilyIPv6}}}, "set s6: ip6 set in an ip table"},
		{"ports without protocol", chain(policy.Rule{Match: policy.Match{DstPort: policy.Port(80)}}), "rule 0: ports or ICMP type without a protocol"},
		{"ports on ICMP", chain(policy.Rule{Match: policy.Match{Proto: policy.ProtoICMP, DstPort: policy.Port(80)}}), "ports on protocol 1"},
		{"IPv6 prefix in ip table", chain(policy.Rule{Match: policy.Match{Src: pfx("fd00::/8")}}), "ip6 match in an ip table"},
		{"mixed families", chain(policy.Rule{Match: policy.Match{Src: pfx("10.0.0.0/8"), Dst: pfx("fd00::/8")}}), "match mixes ip and ip6"},
		{"unknown set", chain(policy.Rule{Match: policy.Match{SrcSet: "nope"}}), `no set "nope"`},
		{"unknown chain", chain(policy.Rule{Verdict: policy.Jump("nope")}), `jump to unknown chain "nope"`},
		{"unknown counter", chain(policy.Rule{CounterName: "nope"}), `no counter "nope"`},
		{"SNAT without address", chain(policy.Rule{NAT: &policy.NAT{Kind: policy.SNAT}}), "SNAT and DNAT need an address"},
		{"NAT family", chain(policy.Rule{Match: policy.Match{Src: pfx("10.0.0.0/8")}, NAT: &policy.NAT{Kind: policy.DNAT, Addr: netip.MustParseAddr("fd00::1")}}), "NAT to fd00::1 in a rule matching ip"},
		{"nat chain on forward", policy.Table{Name: "t", Chains: []policy.Chain{{Name: "c", Hook: policy.HookForward, Type: policy.TypeNAT}}}, "chain c: a nat chain cannot hook forward"},
		{"empty port range", chain(policy.Rule{Match: policy.Match{Proto: policy.ProtoTCP, DstPort: policy.PortRange{From: 9, To: 8}}}), "port range 9-8 is empty"},
		{"hash value past modulus", chain(policy.Rule{Match: policy.Match{Hash: &policy.Hash{Fields: []policy.HashField{policy.HashL4Proto}, Mod: 2, Value: 2}}}), "value below its modulus (value 2 mod 2)"},
		{"hash over ports without protocol", chain(policy.Rule{Match: policy.Match{Hash: &policy.Hash{Fields: []policy.HashField{policy.HashSrcPort}, Mod: 2}}}), "hash over ports on protocol 0"},
		{"hash over addresses of no family", policy.Table{Name: "t", Chains: []policy.Chain{{Name: "c", Rules: []policy.Rule{{Match: policy.Match{Hash: &policy.Hash{Fields: []policy.HashField{policy.HashSrcAddr}, Mod: 2}}}}}}}, "hash over addresses in a rule of no one family"},
		{"reset without tcp", chain(policy.Rule{Match: policy.Match{Proto: policy.ProtoUDP}, Verdict: policy.Reset}), "reset verdict in a rule that does not match tcp"},
		{"tproxy without tcp or udp", chain(policy.Rule{TProxy: &policy.TProxy{Family: policy.FamilyIPv4, Port: 3129}}), "tproxy in a rule that matches neither tcp nor udp"},
		{"tproxy without a port", chain(policy.Rule{Match: policy.Match{Proto: policy.ProtoTCP}, TProxy: &policy.TProxy{Family: policy.FamilyIPv4}}), "tproxy needs a port"},
		{"flow set in an ip6 table", policy.Table{Family: policy.FamilyIPv6, Name: "t", Sets: []policy.Set{{Name: "f", Family: policy.FamilyIPv4, Track: true}}}, "set f: a flow set is of IPv4 flows, in an ip or inet table"},
		{"inet flow set rule of no family", policy.Table{Name: "t", Sets: []policy.Set{{Name: "f", Family: policy.FamilyIPv4, Track: true}},
			Chains: []policy.Chain{{Name: "c", Rules: []policy.Rule{{Track: "f", Verdict: policy.Drop}}}}}, "rule tracking into flow set f in an inet table matches no IPv4 address or Family"},
		{"tproxy of another family", chain(policy.Rule{Match: policy.Match{Proto: policy.ProtoTCP, Dst: pfx("10.0.0.0/8")}, TProxy: &policy.TProxy{Family: policy.FamilyIPv6, Port: 1}}), "tproxy ip6 in a rule matching ip"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := policy.NewFake()
			err := policy.Apply(f, tc.table)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Apply = %v, want an error containing %q", err, tc.want)
			}
			if f.Flushes() != 0 || f.String() != "" {
				t.Errorf("an invalid description reached the kernel: %d batches, state %q", f.Flushes(), f.String())
			}
		})
	}
}

// TestApplyIsOneTransaction: replacing tables keeps the named counters'
// values; a refused batch leaves the old state whole; Delete removes
// tables whether they exist or not.
func TestApplyIsOneTransaction(t *testing.T) {
	f := policy.NewFake()
	tab := func(counters ...string) policy.Table {
		var rules []policy.Rule
		for _, c := range counters {
			rules = append(rules, policy.Rule{Match: policy.Match{Dst: pfx("10.2.0.0/16")}, CounterName: c, Verdict: policy.Drop})
		}
		return policy.Table{Name: "t", Counters: counters, Chains: []policy.Chain{{Name: "fwd", Hook: policy.HookForward, Rules: rules}}}
	}
	other := policy.Table{Family: policy.FamilyIPv6, Name: "other"}
	if err := policy.Apply(f, tab("a", "b"), other); err != nil {
		t.Fatal(err)
	}
	if !f.SetCounter(tab(), "a", policy.Count{Packets: 3, Bytes: 252}) {
		t.Fatal("no counter a")
	}
	if err := policy.Apply(f, tab("a", "c")); err != nil {
		t.Fatal(err)
	}
	got, err := policy.Counters(f, tab())
	want := map[string]policy.Count{"a": {3, 252}, "c": {}}
	if err != nil || len(got) != 2 || got["a"] != want["a"] || got["c"] != want["c"] {
		t.Errorf("counters after replace = %v, %v; want %v", got, err, want)
	}
	before := f.String()
	f.FailFlush = errors.New("refused")
	if err := policy.Apply(f, tab("x")); err == nil {
		t.Fatal("Apply succeeded through a refused batch")
	}
	if f.String() != before {
		t.Errorf("a refused batch changed the state:\n%s", f.String())
	}
	if err := policy.Delete(f, tab(), policy.Table{Name: "never-made"}); err != nil {
		t.Fatal(err)
	}
	if got := f.String(); got != "table ip6 other {\n}\n" {
		t.Errorf("after Delete:\n%s", got)
	}
}

// TestUpdateSet: a set's elements are replaced in place, rules untouched.
func TestUpdateSet(t *testing.T) {
	f := policy.NewFake()
	tab := policy.Table{Name: "egress", Sets: []policy.Set{{Name: "web", Family: policy.FamilyIPv4, Prefixes: []netip.Prefix{pfx("192.0.2.1/32")}}},
		Chains: []policy.Chain{{Name: "fwd", Hook: policy.HookForward, Rules: []policy.Rule{{Match: policy.Match{DstSet: "web"}, Verdict: policy.Accept}}}}}
	if err := policy.Apply(f, tab); err != nil {
		t.Fatal(err)
	}
	if err := policy.UpdateSet(f, tab, policy.Set{Name: "web", Family: policy.FamilyIPv4, Prefixes: []netip.Prefix{pfx("192.0.2.9/32"), pfx("198.51.100.0/24")}}); err != nil {
		t.Fatal(err)
	}
	want := `table inet egress {
	set web { type ipv4_addr; flags interval; elements = { 192.0.2.9/32, 198.51.100.0/24 } }
	chain fwd { type filter hook forward priority 0; policy accept;
		ip daddr @web accept
	}
}
`
	if got := f.String(); got != want {
		t.Errorf("state:\n%s\nwant:\n%s", got, want)
	}
	if err := policy.UpdateSet(f, tab, policy.Set{Name: "nope", Family: policy.FamilyIPv4}); err == nil {
		t.Error("UpdateSet of a missing set succeeded")
	}
}

// TestClampMSS: the MSS clamp of forwarded TCP SYNs. (Only the fake: the
// nftables library does not decode rt and byteorder when reading rules
// back, so Dump cannot show it; the gateway's TestMSSClampedThroughTunnel proves it on
// packets.)
func TestClampMSS(t *testing.T) {
	f := policy.NewFake()
	tab := policy.Table{Name: "gw", Chains: []policy.Chain{{Name: "forward", Hook: policy.HookForward, Priority: policy.PriorityMangle,
		Rules: []policy.Rule{{ClampMSS: true}}}}}
	if err := policy.Apply(f, tab); err != nil {
		t.Fatal(err)
	}
	want := `table inet gw {
	chain forward { type filter hook forward priority -150; policy accept;
		meta l4proto tcp tcp flags & (syn|rst) == syn tcp option maxseg size set rt mtu
	}
}
`
	if got := f.String(); got != want {
		t.Errorf("state:\n%s\nwant:\n%s", got, want)
	}
}
