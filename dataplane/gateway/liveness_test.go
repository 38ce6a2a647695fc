package gateway

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/bgp"
)

// freePort returns a UDP port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) netip.AddrPort {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).AddrPort()
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// changes records a prober's onChange calls.
type changes struct {
	mu  sync.Mutex
	ups []bool
}

func (c *changes) add(up bool) { c.mu.Lock(); c.ups = append(c.ups, up); c.mu.Unlock() }
func (c *changes) get() []bool { c.mu.Lock(); defer c.mu.Unlock(); return slices.Clone(c.ups) }

// TestProberUpDownUp runs two probers over loopback: they come up, one
// stops and the other declares the tunnel down, it starts again and both
// are up again; onChange sees each change once.
func TestProberUpDownUp(t *testing.T) {
	const interval, detect = 20 * time.Millisecond, 100 * time.Millisecond
	const bound = 10 * time.Second // generous: a loaded machine
	a, b := freePort(t), freePort(t)
	var ca changes
	pa, err := startProber(a, b, interval, detect, ca.add, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer pa.Close()
	if pa.Up() {
		t.Fatal("prober up before any hello")
	}
	pb, err := startProber(b, a, interval, detect, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, bound, "both up", func() bool { return pa.Up() && pb.Up() })
	if err := pb.Close(); err != nil {
		t.Fatal(err)
	}
	if err := pb.Close(); err != nil { // idempotent
		t.Fatal(err)
	}
	waitFor(t, bound, "a down after b stopped", func() bool { return !pa.Up() })
	pb, err = startProber(b, a, interval, detect, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer pb.Close()
	waitFor(t, bound, "both up again", func() bool { return pa.Up() && pb.Up() })
	st := pa.Stats()
	if st.Transitions != 3 || st.Sent == 0 || st.Received == 0 || st.Since.IsZero() {
		t.Errorf("stats = %+v; want 3 transitions and hellos both ways", st)
	}
	if got := ca.get(); !slices.Equal(got, []bool{true, false, true}) {
		t.Errorf("onChange calls = %v, want [true false true]", got)
	}
}

// TestProberNeedsToBeHeard: hellos from a peer that does not hear us (a
// one-way path) do not bring the tunnel up, and nor do hellos from another
// address or garbage.
func TestProberNeedsToBeHeard(t *testing.T) {
	a, b := freePort(t), freePort(t)
	pa, err := startProber(a, b, 20*time.Millisecond, 100*time.Millisecond, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer pa.Close()
	peer, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(b))
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	stranger, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2)})
	if err != nil {
		t.Fatal(err)
	}
	defer stranger.Close()
	// Send deaf hellos until pa has received 20 (proving the path works),
	// with a hearing hello from a stranger and garbage in between.
	for i := 0; pa.Stats().Received < 20; i++ {
		if i > 1000 {
			t.Fatalf("prober received only %d hellos", pa.Stats().Received)
		}
		if _, err := peer.WriteToUDPAddrPort(marshalHello(false), a); err != nil {
			t.Fatal(err)
		}
		if _, err := stranger.WriteToUDPAddrPort(marshalHello(true), a); err != nil {
			t.Fatal(err)
		}
		if _, err := peer.WriteToUDPAddrPort([]byte("MCNL\x02\x01\x00\x00"), a); err != nil {
			t.Fatal(err)
		}
		if pa.Up() {
			t.Fatal("prober up from hellos that do not hear it")
		}
		time.Sleep(5 * time.Millisecond) // pacing the sender, not waiting for a state
	}
	// One hello that hears it brings it up.
	if _, err := peer.WriteToUDPAddrPort(marshalHello(true), a); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "up after a hearing hello", pa.Up)
}

func TestParseHello(t *testing.T) {
	for _, tc := range []struct {
		in       string
		hear, ok bool
	}{
		{string(marshalHello(true)), true, true},
		{string(marshalHello(false)), false, true},
		{"MCNL\x01\x01\x00", false, false},         // short
		{"MCNL\x01\x01\x00\x00\x00", false, false}, // long
		{"MCNX\x01\x01\x00\x00", false, false},
		{"MCNL\x02\x01\x00\x00", false, false},
	} {
		hear, ok := parseHello([]byte(tc.in))
		if hear != tc.hear || ok != tc.ok {
			t.Errorf("parseHello(%q) = %v, %v; want %v, %v", tc.in, hear, ok, tc.hear, tc.ok)
		}
	}
}

func FuzzParseHello(f *testing.F) {
	f.Add(marshalHello(true))
	f.Add([]byte("MCNL"))
	f.Fuzz(func(t *testing.T, b []byte) {
		hear, ok := parseHello(b)
		if ok && string(marshalHello(hear)[:6]) != string(b[:6]) {
			t.Errorf("parseHello(%q) accepted a hello it would not write", b)
		}
	})
}

// TestUsablePaths: paths through a dead tunnel leave the FIB's input, so
// ECMP shrinks to the live next hops and a route with none left goes.
func TestUsablePaths(t *testing.T) {
	p, a := netip.MustParsePrefix, netip.MustParseAddr
	gw2, gw3 := a("10.255.12.1"), a("10.255.13.1")
	paths := []bgp.Path{
		{Prefix: p("10.1.0.0/24"), NextHop: netip.IPv4Unspecified()},           // local
		{Prefix: p("10.4.0.0/24"), NextHop: gw2, Peer: gw2},                    // ECMP
		{Prefix: p("10.4.0.0/24"), NextHop: gw3, Peer: gw3},                    // ECMP
		{Prefix: p("10.2.0.0/24"), NextHop: gw2, Peer: gw2},                    // only via gw2
		{Prefix: p("10.9.0.0/24"), NextHop: a("10.1.0.99"), Peer: gw2},         // third-party next hop
		{Prefix: p("10.5.0.0/24"), NextHop: a("10.1.0.7"), Peer: netip.Addr{}}, // no peer
	}
	for _, tc := range []struct {
		dead map[netip.Addr]bool
		want string
	}{
		{nil, "map[10.2.0.0/24:[10.255.12.1] 10.4.0.0/24:[10.255.12.1 10.255.13.1] 10.9.0.0/24:[10.1.0.99]]"},
		{map[netip.Addr]bool{gw2: true}, "map[10.4.0.0/24:[10.255.13.1] 10.9.0.0/24:[10.1.0.99]]"},
		{map[netip.Addr]bool{gw2: true, gw3: true}, "map[10.9.0.0/24:[10.1.0.99]]"},
	} {
		got := fmt.Sprint(bgp.NextHops(usablePaths(slices.Clone(paths), tc.dead)))
		if got != tc.want {
			t.Errorf("dead %v: next hops %s, want %s", tc.dead, got, tc.want)
		}
	}
}
