package fib

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/bgp"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// TestBGPBestPathsDriveKernelRoutes wires dataplane/bgp to the FIB the way
// the gateway does: a speaker learns one prefix from two iBGP neighbors
// (ECMP), each Watch batch syncs the FIB in a namespace, and the kernel
// route follows when a neighbor goes away.
func TestBGPBestPathsDriveKernelRoutes(t *testing.T) {
	roottest.Require(t)
	nss := roottest.NewNamespaces(t, "a", "b")
	a, b := nss[0], nss[1]
	roottest.VethPair(t, a, b, "va", "vb", []string{"10.0.0.1/24"}, []string{"10.0.0.2/24", "10.0.0.3/24"})

	// The speakers peer over root-namespace loopback; only the FIB is in
	// namespace a.
	ctx := context.Background()
	speaker := func(n byte) (*bgp.Speaker, netip.Addr, uint32) {
		addr := netip.AddrFrom4([4]byte{127, 0, 0, n})
		l, err := net.Listen("tcp", netip.AddrPortFrom(addr, 0).String())
		if err != nil {
			t.Fatal(err)
		}
		port := uint32(l.Addr().(*net.TCPAddr).Port)
		l.Close()
		s, err := bgp.New(ctx, bgp.Config{ASN: 65000, RouterID: addr, ListenPort: int32(port), ListenAddrs: []netip.Addr{addr}})
		if err != nil {
			t.Fatalf("bgp.New: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s, addr, port
	}
	r, rAddr, rPort := speaker(1)
	x, xAddr, xPort := speaker(2)
	y, yAddr, yPort := speaker(3)
	for _, n := range []struct {
		s    *bgp.Speaker
		addr netip.Addr
		port uint32
	}{{x, xAddr, xPort}, {y, yAddr, yPort}} {
		if err := r.AddPeer(ctx, bgp.PeerConfig{Address: n.addr, ASN: 65000, Port: n.port, LocalAddress: rAddr}); err != nil {
			t.Fatal(err)
		}
		if err := n.s.AddPeer(ctx, bgp.PeerConfig{Address: rAddr, ASN: 65000, Port: rPort, LocalAddress: n.addr, Passive: true}); err != nil {
			t.Fatal(err)
		}
	}
	prefix := netip.MustParsePrefix("198.51.100.0/24")
	if err := x.Advertise(ctx, prefix, netip.MustParseAddr("10.0.0.2")); err != nil {
		t.Fatal(err)
	}
	if err := y.Advertise(ctx, prefix, netip.MustParseAddr("10.0.0.3")); err != nil {
		t.Fatal(err)
	}

	f := New(a.NL, a.Handle, Options{})
	t.Cleanup(func() { f.Close() })
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- r.Watch(wctx, func([]bgp.PathEvent) {
			paths, err := r.BestPaths(wctx)
			if err == nil {
				err = f.Sync(wctx, bgp.NextHops(paths))
			}
			if err != nil && wctx.Err() == nil {
				t.Errorf("sync: %v", err)
			}
		})
	}()
	t.Cleanup(func() { cancel(); <-done })

	waitKernel := func(want ...string) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			got := kernelRoutes(t, a)
			if slices.Equal(got, want) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("kernel routes in %s = %q, want %q", a.Name, got, want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitKernel(fmt.Sprintf("%s proto 186 via [10.0.0.2 10.0.0.3]", prefix))
	y.Close()
	waitKernel(fmt.Sprintf("%s proto 186 via [10.0.0.2]", prefix))
	x.Close()
	waitKernel()
}
