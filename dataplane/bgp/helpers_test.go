package bgp

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"slices"
	"testing"
	"time"
)

// node is one test speaker listening on its own loopback address.
type node struct {
	*Speaker
	addr netip.Addr
	asn  uint32
	port uint32
}

func freePort(t *testing.T, addr netip.Addr) uint32 {
	t.Helper()
	l, err := net.Listen("tcp", netip.AddrPortFrom(addr, 0).String())
	if err != nil {
		t.Fatalf("find free port on %s: %v", addr, err)
	}
	defer l.Close()
	return uint32(l.Addr().(*net.TCPAddr).Port)
}

// newNode starts a speaker on 127.0.0.<n>.
func newNode(t *testing.T, n byte, asn uint32) *node {
	t.Helper()
	addr := netip.AddrFrom4([4]byte{127, 0, 0, n})
	port := freePort(t, addr)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := New(ctx, Config{ASN: asn, RouterID: addr, ListenPort: int32(port), ListenAddrs: []netip.Addr{addr},
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))})
	if err != nil {
		t.Fatalf("New(%s): %v", addr, err)
	}
	t.Cleanup(func() { s.Close() })
	return &node{Speaker: s, addr: addr, asn: asn, port: port}
}

// peerCfg is a's view of b as a neighbor.
func peerCfg(a, b *node) PeerConfig {
	return PeerConfig{Address: b.addr, ASN: b.asn, Port: b.port, LocalAddress: a.addr, Description: fmt.Sprintf("to %s", b.addr)}
}

// connect configures a and b as neighbors of each other with the given
// tweaks applied to a's side.
func connect(t *testing.T, a, b *node, tweak func(*PeerConfig)) {
	t.Helper()
	ab, ba := peerCfg(a, b), peerCfg(b, a)
	if tweak != nil {
		tweak(&ab)
	}
	if err := a.AddPeer(context.Background(), ab); err != nil {
		t.Fatalf("%s AddPeer %s: %v", a.addr, b.addr, err)
	}
	if err := b.AddPeer(context.Background(), ba); err != nil {
		t.Fatalf("%s AddPeer %s: %v", b.addr, a.addr, err)
	}
}

// eventually polls cond until it returns "" or the deadline passes.
func eventually(t *testing.T, timeout time.Duration, cond func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		if last = cond(); last == "" {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("condition not met after %s: %s", timeout, last)
}

func waitEstablished(t *testing.T, n *node, peers ...*node) {
	t.Helper()
	eventually(t, 15*time.Second, func() string {
		ps, err := n.Peers(context.Background())
		if err != nil {
			return err.Error()
		}
		for _, want := range peers {
			i := slices.IndexFunc(ps, func(p PeerState) bool { return p.Address == want.addr })
			if i < 0 {
				return fmt.Sprintf("%s has no peer %s", n.addr, want.addr)
			}
			if ps[i].State != StateEstablished {
				return fmt.Sprintf("%s peer %s is %s", n.addr, want.addr, ps[i].State)
			}
		}
		return ""
	})
}

// routes renders n's best paths as "prefix via nexthop [aspath]" lines.
func routes(t *testing.T, n *node) []string {
	t.Helper()
	ps, err := n.BestPaths(context.Background())
	if err != nil {
		t.Fatalf("BestPaths: %v", err)
	}
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, fmt.Sprintf("%s via %s %v", p.Prefix, p.NextHop, p.ASPath))
	}
	return out
}

// waitRoutes polls until n's best paths are exactly want.
func waitRoutes(t *testing.T, n *node, want ...string) {
	t.Helper()
	eventually(t, 15*time.Second, func() string {
		got := routes(t, n)
		if !slices.Equal(got, want) {
			return fmt.Sprintf("%s best paths = %q, want %q", n.addr, got, want)
		}
		return ""
	})
}

func advertise(t *testing.T, n *node, prefix, nh string) {
	t.Helper()
	if err := n.Advertise(context.Background(), netip.MustParsePrefix(prefix), netip.MustParseAddr(nh)); err != nil {
		t.Fatalf("Advertise %s: %v", prefix, err)
	}
}
