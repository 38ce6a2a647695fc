package probe

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/internal/roottest"
)

func TestPingInsideNamespace(t *testing.T) {
	roottest.Require(t)
	ns := roottest.NewNamespaces(t, "probe")[0]
	lo, err := ns.NL.LinkByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	if err := ns.NL.LinkSetUp(lo); err != nil {
		t.Fatal(err)
	}
	p, err := NewPinger(ns.Name)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := p.Ping(netip.MustParseAddr("127.0.0.1"), 1, 2*time.Second); err != nil {
		t.Errorf("ping the namespace's own loopback: %v", err)
	}
	// 198.51.100.1 has no route in the new namespace: the send fails or no
	// reply comes; either way it is not reachable.
	if _, err := p.Ping(netip.MustParseAddr("198.51.100.1"), 2, 200*time.Millisecond); err == nil {
		t.Error("an address without a route answered")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err = WaitReachable(ctx, ns.Name, netip.MustParseAddr("198.51.100.1"), 50*time.Millisecond)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitReachable of an unreachable address = %v, want the context's deadline", err)
	}
}
