package fib

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"testing"

	"github.com/mcnlab/mcnlab/internal/roottest"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// kernelRoutes renders every main-table unicast gateway route in ns as
// "prefix proto N via a,b" lines, read with the plain netlink RouteList, not
// through the FIB under test.
func kernelRoutes(t *testing.T, ns *roottest.NS) []string {
	t.Helper()
	var out []string
	for _, fam := range []int{netlink.FAMILY_V4, netlink.FAMILY_V6} {
		routes, err := ns.NL.RouteList(nil, fam)
		if err != nil {
			t.Fatalf("RouteList: %v", err)
		}
		for _, r := range routes {
			if r.Gw == nil && len(r.MultiPath) == 0 {
				continue // connected and local routes
			}
			var gws []string
			if r.Gw != nil {
				gws = append(gws, r.Gw.String())
			}
			for _, nh := range r.MultiPath {
				gws = append(gws, nh.Gw.String())
			}
			slices.Sort(gws)
			dst := "default"
			if r.Dst != nil {
				dst = r.Dst.String()
			}
			out = append(out, fmt.Sprintf("%s proto %d via %v", dst, r.Protocol, gws))
		}
	}
	slices.Sort(out)
	return out
}

func TestSyncProgramsKernel(t *testing.T) {
	roottest.Require(t)
	nss := roottest.NewNamespaces(t, "a", "b")
	a, b := nss[0], nss[1]
	roottest.VethPair(t, a, b, "va", "vb",
		[]string{"10.0.0.1/24", "2001:db8::1/64"},
		[]string{"10.0.0.2/24", "10.0.0.3/24", "2001:db8::2/64"})

	// A route of another protocol that the FIB must leave alone, also when
	// asked to route the same prefix.
	foreign := &netlink.Route{
		Dst:      &net.IPNet{IP: net.IPv4(203, 0, 113, 0).To4(), Mask: net.CIDRMask(24, 32)},
		Gw:       net.IPv4(10, 0, 0, 2),
		Protocol: unix.RTPROT_STATIC,
	}
	if err := a.NL.RouteAdd(foreign); err != nil {
		t.Fatalf("add foreign route: %v", err)
	}

	f := New(a.NL, a.Handle, Options{})
	t.Cleanup(func() { f.Close() })
	ctx := context.Background()
	err := f.Sync(ctx, map[netip.Prefix][]netip.Addr{
		netip.MustParsePrefix("192.0.2.0/24"):    {netip.MustParseAddr("10.0.0.2")},
		netip.MustParsePrefix("198.51.100.0/24"): {netip.MustParseAddr("10.0.0.3"), netip.MustParseAddr("10.0.0.2")},
		netip.MustParsePrefix("2001:db8:9::/48"): {netip.MustParseAddr("2001:db8::2")},
	})
	if err != nil {
		t.Fatalf("Sync: %v", err)
	}
	want := []string{
		"192.0.2.0/24 proto 186 via [10.0.0.2]",
		"198.51.100.0/24 proto 186 via [10.0.0.2 10.0.0.3]",
		"2001:db8:9::/48 proto 186 via [2001:db8::2]",
		"203.0.113.0/24 proto 4 via [10.0.0.2]",
	}
	if got := kernelRoutes(t, a); !slices.Equal(got, want) {
		t.Fatalf("after first Sync, kernel has\n%q\nwant\n%q", got, want)
	}

	// Move one next hop, withdraw the ECMP and IPv6 routes, try to take
	// over the foreign prefix.
	err = f.Sync(ctx, map[netip.Prefix][]netip.Addr{
		netip.MustParsePrefix("192.0.2.0/24"):   {netip.MustParseAddr("10.0.0.3")},
		netip.MustParsePrefix("203.0.113.0/24"): {netip.MustParseAddr("10.0.0.3")},
	})
	if !errors.Is(err, ErrForeignRoute) {
		t.Fatalf("Sync over a foreign route = %v, want ErrForeignRoute", err)
	}
	want = []string{
		"192.0.2.0/24 proto 186 via [10.0.0.3]",
		"203.0.113.0/24 proto 4 via [10.0.0.2]",
	}
	if got := kernelRoutes(t, a); !slices.Equal(got, want) {
		t.Fatalf("after second Sync, kernel has\n%q\nwant\n%q", got, want)
	}
	own, err := f.Routes()
	if err != nil {
		t.Fatal(err)
	}
	if len(own) != 1 || !slices.Equal(own[netip.MustParsePrefix("192.0.2.0/24")], []netip.Addr{netip.MustParseAddr("10.0.0.3")}) {
		t.Fatalf("Routes() = %v", own)
	}

	// Close removes exactly the FIB's routes; a second Close is a no-op.
	if err := f.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	want = []string{"203.0.113.0/24 proto 4 via [10.0.0.2]"}
	if got := kernelRoutes(t, a); !slices.Equal(got, want) {
		t.Fatalf("after Close, kernel has\n%q\nwant\n%q", got, want)
	}
	if err := f.Sync(ctx, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("Sync after Close = %v, want ErrClosed", err)
	}
	// Namespace b saw none of it.
	if got := kernelRoutes(t, b); len(got) != 0 {
		t.Fatalf("namespace b has routes %q", got)
	}
}
