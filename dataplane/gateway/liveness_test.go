package gateway

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
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

// checkGoroutines fails the test if, once it and its cleanups are done,
// more goroutines run than when it started (after a grace period for
// those still exiting).
func checkGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<16)
				t.Errorf("goroutines leaked: %d before, %d after\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
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
// are up again; onChange sees each change once, and the new incarnation
// is reported as a restart. (A stall of the machine longer than the
// detect time may add a down and up: the checks allow it.)
func TestProberUpDownUp(t *testing.T) {
	const interval, detect = 20 * time.Millisecond, 300 * time.Millisecond
	const bound = 10 * time.Second // generous: a loaded machine
	checkGoroutines(t)
	a, b := freePort(t), freePort(t)
	var ca changes
	var restarts atomic.Int32
	pa, err := startProber(a, b, interval, detect, proberHooks{Change: ca.add, Restart: func() { restarts.Add(1) }}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer pa.Close()
	if pa.Up() {
		t.Fatal("prober up before any hello")
	}
	pb, err := startProber(b, a, interval, detect, proberHooks{}, slog.New(slog.DiscardHandler))
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
	pb, err = startProber(b, a, interval, detect, proberHooks{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer pb.Close()
	waitFor(t, bound, "both up again", func() bool { return pa.Up() && pb.Up() })
	st := pa.Stats()
	got := ca.get()
	if st.Transitions != uint64(len(got)) || st.PeerRestarts != 1 || st.Sent == 0 || st.Received == 0 || st.Since.IsZero() {
		t.Errorf("stats = %+v; want %d transitions, 1 peer restart and hellos both ways", st, len(got))
	}
	if n := restarts.Load(); n != 1 {
		t.Errorf("Restart hook called %d times, want 1 (b's new prober)", n)
	}
	alternate := len(got) >= 3 && len(got)%2 == 1
	for i, up := range got {
		alternate = alternate && up == (i%2 == 0)
	}
	if !alternate {
		t.Errorf("onChange calls = %v, want [true false true] (or more alternations)", got)
	}
}

// TestProberNeedsToBeHeard: hellos from a peer that does not hear us (a
// one-way path) do not bring the tunnel up, and nor do hellos from another
// address or garbage.
func TestProberNeedsToBeHeard(t *testing.T) {
	checkGoroutines(t)
	a, b := freePort(t), freePort(t)
	pa, err := startProber(a, b, 20*time.Millisecond, 100*time.Millisecond, proberHooks{}, slog.New(slog.DiscardHandler))
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
		if _, err := peer.WriteToUDPAddrPort(hello{Incarnation: 7}.marshal(), a); err != nil {
			t.Fatal(err)
		}
		if _, err := stranger.WriteToUDPAddrPort(hello{Hear: true, Incarnation: 8}.marshal(), a); err != nil {
			t.Fatal(err)
		}
		if _, err := peer.WriteToUDPAddrPort([]byte("MCNL\x02\x01\x00\x00\x00\x00\x00\x07"), a); err != nil {
			t.Fatal(err)
		}
		if pa.Up() {
			t.Fatal("prober up from hellos that do not hear it")
		}
		time.Sleep(5 * time.Millisecond) // pacing the sender, not waiting for a state
	}
	// One hello that hears it brings it up.
	if _, err := peer.WriteToUDPAddrPort(hello{Hear: true, Incarnation: 7}.marshal(), a); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "up after a hearing hello", pa.Up)
	if n := pa.Stats().PeerRestarts; n != 0 {
		t.Errorf("%d peer restarts counted from one incarnation (and a stranger's)", n)
	}
}

func TestParseHello(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want hello
		ok   bool
	}{
		{string(hello{Hear: true, Incarnation: 0x01020304}.marshal()), hello{Hear: true, Incarnation: 0x01020304}, true},
		{"MCNL\x01\x00\x00\x00\xff\xff\xff\xff", hello{Incarnation: 0xffffffff}, true},
		{"MCNL\x01\x01\x00\x00\x00\x00\x00", hello{}, false},         // short
		{"MCNL\x01\x01\x00\x00\x00\x00\x00\x01\x00", hello{}, false}, // long
		{"MCNX\x01\x01\x00\x00\x00\x00\x00\x01", hello{}, false},
		{"MCNL\x02\x01\x00\x00\x00\x00\x00\x01", hello{}, false},
		{"MCNL\x01\x01\x00\x00\x00\x00\x00\x00", hello{}, false}, // no incarnation
	} {
		got, ok := parseHello([]byte(tc.in))
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseHello(%q) = %+v, %v; want %+v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func FuzzParseHello(f *testing.F) {
	f.Add(hello{Hear: true, Incarnation: 1}.marshal())
	f.Add([]byte("MCNL"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, ok := parseHello(b)
		if !ok {
			return
		}
		if h2, ok := parseHello(h.marshal()); !ok || h2 != h {
			t.Errorf("parseHello(%q) = %+v, which does not round-trip: %+v, %v", b, h, h2, ok)
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
		// A neighbour whose BFD session went down is a dead next hop too.
		{map[netip.Addr]bool{a("10.1.0.99"): true}, "map[10.2.0.0/24:[10.255.12.1] 10.4.0.0/24:[10.255.12.1 10.255.13.1]]"},
	} {
		got := fmt.Sprint(bgp.NextHops(slices.DeleteFunc(slices.Clone(paths), func(p bgp.Path) bool { return !usablePaths(tc.dead)(p) })))
		if got != tc.want {
			t.Errorf("dead %v: next hops %s, want %s", tc.dead, got, tc.want)
		}
	}
}
