package fib

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/mcnlab/mcnlab/internal/roottest"
)

// render is a desired table as kernelRoutes prints it.
func renderWant(want map[netip.Prefix][]netip.Addr) []string {
	var out []string
	for p, nhs := range want {
		var gws []string
		for _, nh := range nhs {
			gws = append(gws, nh.String())
		}
		slices.Sort(gws)
		gws = slices.Compact(gws)
		out = append(out, fmt.Sprintf("%s proto %d via %v", p, Protocol, gws))
	}
	slices.Sort(out)
	return out
}

// sameHops says whether a and b hold the same next hops in any order.
func sameHops(a, b []netip.Addr) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.SortFunc(a, netip.Addr.Compare)
	slices.SortFunc(b, netip.Addr.Compare)
	return slices.Equal(a, b)
}

// randomPool returns the prefixes TestSyncRandomSequences draws from (200
// IPv4 /24s, 40 IPv6 /64s) and a function that draws one to all of the
// next hops of a prefix's family, in random order.
func randomPool() ([]netip.Prefix, func(*rand.Rand, netip.Prefix) []netip.Addr) {
	v4 := []netip.Addr{netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("10.0.0.3"), netip.MustParseAddr("10.0.0.4")}
	v6 := []netip.Addr{netip.MustParseAddr("2001:db8::2"), netip.MustParseAddr("2001:db8::3")}
	var pool []netip.Prefix
	for i := range 200 {
		pool = append(pool, netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 1, byte(i), 0}), 24))
	}
	for i := range 40 {
		pool = append(pool, netip.PrefixFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 0x10, 0, byte(i)}), 64))
	}
	hops := func(r *rand.Rand, p netip.Prefix) []netip.Addr {
		all := v4
		if p.Addr().Is6() {
			all = v6
		}
		n := 1 + r.IntN(len(all))
		perm := r.Perm(len(all))[:n]
		var out []netip.Addr
		for _, i := range perm {
			out = append(out, all[i])
		}
		return out
	}
	return pool, hops
}

// TestSyncRandomSequences: after each Sync of a random sequence of
// announcements, withdrawals and next-hop changes (IPv4 and IPv6, single
// and ECMP), the kernel table, read with plain netlink, holds exactly the
// desired routes, next to a foreign route that stays. A route deleted
// behind the FIB's back comes back at the Sync after Invalidate. Version
// changes with every Sync that changed a route, and only then.
func TestSyncRandomSequences(t *testing.T) {
	roottest.Require(t)
	nss := roottest.NewNamespaces(t, "a", "b")
	a, b := nss[0], nss[1]
	roottest.VethPair(t, a, b, "va", "vb",
		[]string{"10.0.0.1/24", "2001:db8::1/64"},
		[]string{"10.0.0.2/24", "10.0.0.3/24", "10.0.0.4/24", "2001:db8::2/64", "2001:db8::3/64"})
	foreignDst := &net.IPNet{IP: net.IPv4(10, 9, 0, 0).To4(), Mask: net.CIDRMask(24, 32)}
	if err := a.NL.RouteAdd(&netlink.Route{Dst: foreignDst, Gw: net.IPv4(10, 0, 0, 2), Protocol: 4}); err != nil {
		t.Fatalf("add foreign route: %v", err)
	}
	foreign := "10.9.0.0/24 proto 4 via [10.0.0.2]"

	pool, hops := randomPool()

	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, seed))
	f := New(a.NL, a.Handle, Options{})
	t.Cleanup(func() { f.Close() })
	ctx := context.Background()
	want := map[netip.Prefix][]netip.Addr{}
	prev := map[netip.Prefix][]netip.Addr{}
	for round := range 60 {
		// Each round announces, withdraws and moves a random share of
		// the pool; one round in ten withdraws everything.
		if round%10 == 9 {
			clear(want)
		}
		for range r.IntN(80) {
			p := pool[r.IntN(len(pool))]
			switch r.IntN(3) {
			case 0:
				delete(want, p)
			default:
				want[p] = hops(r, p)
			}
		}
		v := f.Version()
		if err := f.Sync(ctx, want); err != nil {
			t.Fatalf("round %d: Sync: %v", round, err)
		}
		changed := !maps.EqualFunc(prev, want, sameHops)
		// The first Sync reads the kernel's table, so Routes may have
		// changed (Version's contract) even when round 0 wants nothing.
		if bumped := f.Version() != v; bumped != changed && !(round == 0 && bumped) {
			t.Fatalf("round %d: routes changed %v, but Version went from %d to %d", round, changed, v, f.Version())
		}
		prev = maps.Clone(want)
		if round == 30 && len(want) > 0 {
			// Delete one of its routes behind its back: the FIB
			// puts it back only once it reads the kernel again.
			for p := range want {
				if err := a.NL.RouteDel(&netlink.Route{Dst: prefixToIPNet(p), Protocol: Protocol, Family: family(p.Addr())}); err != nil {
					t.Fatalf("delete %s behind the FIB's back: %v", p, err)
				}
				break
			}
			v := f.Version()
			f.Invalidate()
			if err := f.Sync(ctx, want); err != nil || f.Version() == v {
				t.Fatalf("Sync after a route went behind the FIB's back: %v, Version %d -> %d", err, v, f.Version())
			}
		}
		got := kernelRoutes(t, a)
		exp := append(renderWant(want), foreign)
		slices.Sort(exp)
		if !slices.Equal(got, exp) {
			t.Fatalf("round %d (seed %d): kernel has\n%q\nwant\n%q", round, seed, got, exp)
		}
		own, err := f.Routes()
		if err != nil {
			t.Fatal(err)
		}
		if g, w := renderWant(own), renderWant(want); !slices.Equal(g, w) {
			t.Fatalf("round %d: Routes() = %q, want %q", round, g, w)
		}
	}
	// Read back with nothing changed: the same version.
	v := f.Version()
	f.Invalidate()
	if err := f.Sync(ctx, want); err != nil || f.Version() != v {
		t.Fatalf("Sync after Invalidate with nothing changed: %v, Version %d -> %d", err, v, f.Version())
	}
	if got := kernelRoutes(t, b); len(got) != 0 {
		t.Fatalf("namespace b has routes %q", got)
	}
}
