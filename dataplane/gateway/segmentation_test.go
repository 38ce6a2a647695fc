package gateway

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"

	"github.com/mcnlab/mcnlab/dataplane/policy"
)

// TestSegmentationRules: the segmentation table the kernel gets for a
// policy, as text: a blocked pair is dropped and counted, a connected pair
// and traffic within a domain pass, IPv4 and IPv6 alike.
func TestSegmentationRules(t *testing.T) {
	for _, tc := range segCases() {
		t.Run(tc.name, func(t *testing.T) {
			f := policy.NewFake()
			nft := nftPolicy{conn: f}
			if err := nft.start(); err != nil {
				t.Fatal(err)
			}
			if err := nft.setSegmentation(&tc.seg); err != nil {
				t.Fatal(err)
			}
			got, err := policy.Dump(f, segTable)
			if err != nil || got != tc.want {
				t.Errorf("segmentation table (%v):\n%s\nwant:\n%s", err, got, tc.want)
			}
		})
	}
}

// segCase is a segmentation policy, validated, and the table it makes.
type segCase struct {
	name string
	seg  Segmentation
	want string
}

// segCases are the policies of TestSegmentationRules; the root test
// TestSegmentationRulesInKernel applies them to a namespace.
func segCases() []segCase {
	p := netip.MustParsePrefix
	cases := []segCase{
		{
			name: "three domains, prod and shared connected",
			seg: Segmentation{
				Domains: []Domain{
					{Name: "prod", Prefixes: []netip.Prefix{p("10.1.0.0/16"), p("10.1.5.0/24"), p("2001:db8:1::/48")}},
					{Name: "dev", Prefixes: []netip.Prefix{p("10.2.0.0/16"), p("2001:db8:2::/48")}},
					{Name: "shared", Prefixes: []netip.Prefix{p("10.3.0.0/16")}},
				},
				Connections: [][2]string{{"shared", "prod"}},
			},
			want: `table inet mcnlab-segmentation {
	set denied { type ipv4_addr . ipv4_addr . inet_proto . inet_service . inet_service; flags dynamic,timeout; counter }
	counter dev_prod
	counter dev_shared
	counter prod_dev
	counter shared_dev
	chain forward { type filter hook forward priority 0; policy accept;
		ip saddr 10.2.0.0/16 jump from-dev
		ip6 saddr 2001:db8:2::/48 jump from-dev
		ip saddr 10.1.0.0/16 jump from-prod
		ip6 saddr 2001:db8:1::/48 jump from-prod
		ip saddr 10.3.0.0/16 jump from-shared
	}
	chain from-dev {
		ip daddr 10.1.0.0/16 counter name "dev_prod" update @denied { ip saddr . ip daddr . meta l4proto . th sport . th dport counter } drop
		ip6 daddr 2001:db8:1::/48 counter name "dev_prod" drop
		ip daddr 10.3.0.0/16 counter name "dev_shared" update @denied { ip saddr . ip daddr . meta l4proto . th sport . th dport counter } drop
	}
	chain from-prod {
		ip daddr 10.2.0.0/16 counter name "prod_dev" update @denied { ip saddr . ip daddr . meta l4proto . th sport . th dport counter } drop
		ip6 daddr 2001:db8:2::/48 counter name "prod_dev" drop
	}
	chain from-shared {
		ip daddr 10.2.0.0/16 counter name "shared_dev" update @denied { ip saddr . ip daddr . meta l4proto . th sport . th dport counter } drop
		ip6 daddr 2001:db8:2::/48 counter name "shared_dev" drop
	}
}
`,
		},
		{
			name: "all connected: nothing dropped",
			seg: Segmentation{
				Domains:     []Domain{{Name: "a", Prefixes: []netip.Prefix{p("fd00:a::/32")}}, {Name: "b", Prefixes: []netip.Prefix{p("fd00:b::/32")}}},
				Connections: [][2]string{{"a", "b"}},
			},
			want: `table inet mcnlab-segmentation {
	set denied { type ipv4_addr . ipv4_addr . inet_proto . inet_service . inet_service; flags dynamic,timeout; counter }
	chain forward { type filter hook forward priority 0; policy accept;
	}
}
`,
		},
		{
			name: "a domain of everything IPv6",
			seg: Segmentation{Domains: []Domain{
				{Name: "lan", Prefixes: []netip.Prefix{p("10.0.0.0/8")}},
				{Name: "v6", Prefixes: []netip.Prefix{p("::/0")}},
			}},
			want: `table inet mcnlab-segmentation {
	set denied { type ipv4_addr . ipv4_addr . inet_proto . inet_service . inet_service; flags dynamic,timeout; counter }
	counter lan_v6
	counter v6_lan
	chain forward { type filter hook forward priority 0; policy accept;
		ip saddr 10.0.0.0/8 jump from-lan
		meta nfproto ipv6 jump from-v6
	}
	chain from-lan {
		meta nfproto ipv6 counter name "lan_v6" drop
	}
	chain from-v6 {
		ip daddr 10.0.0.0/8 counter name "v6_lan" update @denied { ip saddr . ip daddr . meta l4proto . th sport . th dport counter } drop
	}
}
`,
		},
	}
	for i := range cases {
		if err := cases[i].seg.validate(); err != nil {
			panic(fmt.Sprintf("segCases %s: %v", cases[i].name, err))
		}
	}
	return cases
}

// TestSegmentationReplace: replacing the policy keeps the counters of pairs
// denied before and after, Status reads them, and removing the policy
// deletes its table and leaves the MSS clamp alone.
func TestSegmentationReplace(t *testing.T) {
	p := netip.MustParsePrefix
	domains := []Domain{{Name: "dev", Prefixes: []netip.Prefix{p("10.2.0.0/16")}}, {Name: "prod", Prefixes: []netip.Prefix{p("10.1.0.0/16")}}, {Name: "shared", Prefixes: []netip.Prefix{p("10.3.0.0/16")}}}
	f := policy.NewFake()
	nft := nftPolicy{conn: f}
	if err := nft.start(); err != nil {
		t.Fatal(err)
	}
	connected := &Segmentation{Domains: domains, Connections: [][2]string{{"prod", "shared"}}}
	if err := nft.setSegmentation(connected); err != nil {
		t.Fatal(err)
	}
	f.SetCounter(segTable, "prod_dev", policy.Count{Packets: 3, Bytes: 120})
	cut := &Segmentation{Domains: domains}
	if err := nft.setSegmentation(cut); err != nil {
		t.Fatal(err)
	}
	drops, err := nft.drops(cut)
	if err != nil {
		t.Fatal(err)
	}
	want := []DomainDrops{{"dev", "prod", 0, 0}, {"dev", "shared", 0, 0}, {"prod", "dev", 3, 120}, {"prod", "shared", 0, 0}, {"shared", "dev", 0, 0}, {"shared", "prod", 0, 0}}
	if !slices.Equal(drops, want) {
		t.Errorf("drops = %v, want %v", drops, want)
	}
	if err := nft.setSegmentation(nil); err != nil {
		t.Fatal(err)
	}
	if err := nft.setSegmentation(nil); err != nil {
		t.Fatalf("removing an absent policy: %v", err)
	}
	if got := f.String(); got != "table inet mcnlab-gateway {\n\tchain forward { type filter hook forward priority -150; policy accept;\n\t\tmeta l4proto tcp tcp flags & (syn|rst) == syn tcp option maxseg size set rt mtu\n\t}\n}\n" {
		t.Errorf("after removing segmentation:\n%s", got)
	}
	if err := nft.close(); err != nil || f.String() != "" {
		t.Errorf("close = %v, left %q", err, f.String())
	}
}
