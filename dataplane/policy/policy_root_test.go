package policy_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/google/nftables"

	"github.com/mcnlab/mcnlab/dataplane/policy"
	"github.com/mcnlab/mcnlab/emulator/probe"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// nsConn makes a namespace for the test (removed even when it fails) and
// an nftables connection into it.
func nsConn(t *testing.T) (*roottest.NS, *nftables.Conn) {
	t.Helper()
	roottest.Require(t)
	ns := roottest.NewNamespaces(t, "pol")[0]
	c, err := nftables.New(nftables.WithNetNSFd(int(ns.Handle)))
	if err != nil {
		t.Fatalf("nftables in %s: %v", ns.Name, err)
	}
	return ns, c
}

// TestKernelHoldsWhatFakeRenders: every case of TestApplyRendersIntendedState,
// applied to a fresh namespace, reads back from the kernel as the same text.
func TestKernelHoldsWhatFakeRenders(t *testing.T) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, c := nsConn(t)
			if err := policy.Apply(c, tc.tables...); err != nil {
				t.Fatal(err)
			}
			got, err := policy.Dump(c, tc.tables...)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("kernel holds:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

// TestKernelHoldsFeatureBuildingBlocks: steering, FQDN egress, IP blocking
// and NAT read back from a real namespace as the fake renders them.
func TestKernelHoldsFeatureBuildingBlocks(t *testing.T) {
	_, c := nsConn(t)
	for _, tc := range features {
		if err := policy.Apply(c, tc.table); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got, err := policy.Dump(c, tc.table)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("%s: kernel holds:\n%s\nwant:\n%s", tc.name, got, tc.want)
		}
	}
}

// pairWithConn makes two namespaces joined by a veth (10.9.0.1/24 in a,
// 10.9.0.2/24 in b) and returns them with an nftables connection into b.
func pairWithConn(t *testing.T) (a, b *roottest.NS, c *nftables.Conn) {
	t.Helper()
	roottest.Require(t)
	nss := roottest.NewNamespaces(t, "a", "b")
	a, b = nss[0], nss[1]
	roottest.VethPair(t, a, b, "eth0", "eth0", []string{"10.9.0.1/24"}, []string{"10.9.0.2/24"})
	c, err := nftables.New(nftables.WithNetNSFd(int(b.Handle)))
	if err != nil {
		t.Fatal(err)
	}
	return a, b, c
}

// TestBlockedAddressDropsPackets: a host whose address is in the threat
// set gets no answer, each of its pings is counted; once a feed update
// takes it out of the set (in place), it is answered again.
func TestBlockedAddressDropsPackets(t *testing.T) {
	a, _, c := pairWithConn(t)
	bad := policy.Set{Name: "bad4", Family: policy.FamilyIPv4, Prefixes: []netip.Prefix{pfx("10.9.0.1/32"), pfx("203.0.113.0/24")}}
	tab := policy.Table{Name: "threats", Sets: []policy.Set{bad}, Counters: []string{"blocked"},
		Chains: []policy.Chain{{Name: "input", Hook: policy.HookInput, Rules: []policy.Rule{
			{Match: policy.Match{SrcSet: "bad4"}, CounterName: "blocked", Verdict: policy.Drop},
		}}}}
	if err := policy.Apply(c, tab); err != nil {
		t.Fatal(err)
	}
	p, err := probe.NewPinger(a.Name)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	dst := netip.MustParseAddr("10.9.0.2")
	const sent = 3
	for seq := 1; seq <= sent; seq++ {
		if rtt, err := p.Ping(dst, seq, 300*time.Millisecond); err == nil {
			t.Fatalf("ping from a blocked address answered in %s", rtt)
		}
	}
	if got, err := policy.Counters(c, tab); err != nil || got["blocked"].Packets != sent {
		t.Errorf("blocked counter = %v, %v; want %d packets", got, err, sent)
	}
	bad.Prefixes = bad.Prefixes[1:]
	if err := policy.UpdateSet(c, tab, bad); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := probe.WaitReachable(ctx, a.Name, dst, 100*time.Millisecond); err != nil {
		t.Errorf("after unblocking: %v", err)
	}
}
