package egress

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/dataplane/policy"
)

func smallPolicy(base Base) Policy {
	return Policy{Base: base, Tags: []Tag{{Name: "dev", Sources: []netip.Prefix{dev, netip.MustParsePrefix("fd00:1::/64")}, Rules: []Rule{
		{Name: "api.example.com", Proto: ProtoTCP, Port: 443},
		{Name: "*.example.org", Proto: ProtoTCP, Port: 22},
		{Name: "bad.example.net", Action: ActionDeny},
	}}}}
}

const smallTable = `table inet egress {
	set r1-4 { type ipv4_addr; flags interval; elements = {  } }
	set r1-6 { type ipv6_addr; flags interval; elements = {  } }
	set r2-4 { type ipv4_addr; flags interval; elements = {  } }
	set r2-6 { type ipv6_addr; flags interval; elements = {  } }
	set src4 { type ipv4_addr; flags interval; elements = { 10.1.1.0/24 } }
	set src6 { type ipv6_addr; flags interval; elements = { fd00:1::/64 } }
	set t0-src4 { type ipv4_addr; flags interval; elements = { 10.1.1.0/24 } }
	set t0-src6 { type ipv6_addr; flags interval; elements = { fd00:1::/64 } }
	chain forward { type filter hook forward priority 0; policy accept;
		ct mark 0x6d610001 accept
		meta l4proto tcp ct mark 0x6d610002 reject with tcp reset
		ct mark 0x6d610002 drop
		meta mark 0x6d610001 ct mark set 0x6d610001 accept
		meta l4proto tcp meta mark 0x6d610002 ct mark set 0x6d610002 reject with tcp reset
		meta mark 0x6d610002 ct mark set 0x6d610002 drop
		ip saddr @src4 meta l4proto tcp tcp dport 443 queue num 5
		ip saddr @src4 meta l4proto tcp tcp dport 80 queue num 5
		ip saddr @t0-src4 ip daddr @r1-4 meta mark set 0x6d720001 queue num 5
		ip saddr @t0-src4 ip daddr @r2-4 meta l4proto tcp tcp dport 22 meta mark set 0x6d720002 queue num 5
		ip saddr @src4 meta mark set 0x6d72ffff queue num 5
		ip6 saddr @src6 meta l4proto tcp tcp dport 443 queue num 5
		ip6 saddr @src6 meta l4proto tcp tcp dport 80 queue num 5
		ip6 saddr @t0-src6 ip6 daddr @r1-6 meta mark set 0x6d720001 queue num 5
		ip6 saddr @t0-src6 ip6 daddr @r2-6 meta l4proto tcp tcp dport 22 meta mark set 0x6d720002 queue num 5
		ip6 saddr @src6 meta mark set 0x6d72ffff queue num 5
	}
}
`

// TestTableRendersPolicy: the filter's table, as the kernel would hold
// it: the rule for tcp/443 only is the queue's (SNI), the deny rule's
// set comes before the allow rule's, the base policy queues the rest.
func TestTableRendersPolicy(t *testing.T) {
	nft, _ := startFake(t, smallPolicy(AllowList))
	if got := nft.String(); got != smallTable {
		t.Errorf("table:\n%s\nwant:\n%s", got, smallTable)
	}
}

// TestLearnFillsRuleSets: learned answers reach the sets of the rules
// whose names match them, in place; SetPolicy keeps them; Close deletes
// the table.
func TestLearnFillsRuleSets(t *testing.T) {
	nft, f := startFake(t, smallPolicy(AllowList))
	flushes := nft.Flushes()
	if err := f.Learn("git.example.org", []netip.Addr{netip.MustParseAddr("198.51.100.22"), netip.MustParseAddr("2001:db8::22")}); err != nil {
		t.Fatal(err)
	}
	if err := f.Learn("BAD.example.net.", []netip.Addr{netip.MustParseAddr("203.0.113.66")}); err != nil {
		t.Fatal(err)
	}
	if err := f.Learn("api.example.com", []netip.Addr{netip.MustParseAddr("198.51.100.20")}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"set r1-4 { type ipv4_addr; flags interval; elements = { 203.0.113.66/32 } }",
		"set r2-4 { type ipv4_addr; flags interval; elements = { 198.51.100.22/32 } }",
		"set r2-6 { type ipv6_addr; flags interval; elements = { 2001:db8::22/128 } }",
	}
	check := func(when string) {
		t.Helper()
		got := nft.String()
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: no %q in\n%s", when, w, got)
			}
		}
	}
	check("after Learn")
	// api.example.com's rule is SNI only: no set, no batch.
	if n := nft.Flushes() - flushes; n != 4 {
		t.Errorf("Learn sent %d batches, want 4: both families of the two rules that match, none for api.example.com", n)
	}
	// In a deny-list both address rules deny: they keep the policy's
	// order, and the learned addresses follow them.
	if err := f.SetPolicy(smallPolicy(DenyList)); err != nil {
		t.Fatal(err)
	}
	want = []string{
		"set r1-4 { type ipv4_addr; flags interval; elements = { 198.51.100.22/32 } }",
		"set r1-6 { type ipv6_addr; flags interval; elements = { 2001:db8::22/128 } }",
		"set r2-4 { type ipv4_addr; flags interval; elements = { 203.0.113.66/32 } }",
	}
	check("after SetPolicy")
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if got := nft.String(); got != "" {
		t.Errorf("after Close the kernel still holds:\n%s", got)
	}
	if err := f.Learn("x.example.org", nil); err == nil {
		t.Error("Learn after Close succeeded")
	}
}

// TestStartRefusesInvalidPolicy: nothing reaches the kernel.
func TestStartRefusesInvalidPolicy(t *testing.T) {
	nft := policy.NewFake()
	if _, err := Start(nft, newFakeQueue(), Config{Table: "egress", Policy: Policy{Tags: []Tag{{Name: "t", Rules: []Rule{{Name: "bad name"}}}}}}); err == nil {
		t.Fatal("Start with a bad rule name succeeded")
	}
	if nft.Flushes() != 0 {
		t.Errorf("%d batches sent", nft.Flushes())
	}
}
