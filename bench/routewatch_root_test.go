package bench

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/mcnlab/mcnlab/internal/roottest"
)

// TestRouteWatchCountsGatewayRoutes adds and removes protocol-186 /29s in
// ExtraRange in a namespace, and routes that must not count (another
// protocol, another length), and checks the notification count and the
// dump agree with what was installed.
func TestRouteWatchCountsGatewayRoutes(t *testing.T) {
	roottest.Require(t)
	nss := roottest.NewNamespaces(t, "a", "b")
	a, b := nss[0], nss[1]
	roottest.VethPair(t, a, b, "va", "vb", []string{"10.0.0.1/24"}, []string{"10.0.0.2/24"})
	w, err := newRouteWatch(a.Name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	route := func(i int, proto netlink.RouteProtocol, bits int) *netlink.Route {
		p := ExtraPrefix(i)
		return &netlink.Route{Dst: &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(bits, 32)}, Gw: net.IPv4(10, 0, 0, 2), Protocol: proto}
	}
	// Not counted: another protocol, another length.
	for _, r := range []*netlink.Route{route(5000, 4, ExtraPrefixLen), route(6000, GatewayRouteProtocol, 28)} {
		if err := a.NL.RouteAdd(r); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := w.count(); err != nil || n != 0 {
		t.Fatalf("count before adding = %d, %v; want 0", n, err)
	}
	const n = 3000
	for i := range n {
		if err := a.NL.RouteAdd(route(i, GatewayRouteProtocol, ExtraPrefixLen)); err != nil {
			t.Fatal(err)
		}
	}
	waitCount(t, w, n)
	for i := range n / 3 {
		if err := a.NL.RouteDel(route(i, GatewayRouteProtocol, ExtraPrefixLen)); err != nil {
			t.Fatal(err)
		}
	}
	waitCount(t, w, n-n/3)
	if got, err := w.dumper.count(); err != nil || got != n-n/3 {
		t.Fatalf("dump counts %d, %v; want %d", got, err, n-n/3)
	}
}

// waitCount polls w until it counts want, for at most 10 s.
func waitCount(t *testing.T, w *routeWatch, want int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		got, err := w.count()
		if err != nil {
			t.Fatal(err)
		}
		if got == want {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("route watch counts %d, want %d", got, want)
		case <-time.After(10 * time.Millisecond):
		}
	}
}
