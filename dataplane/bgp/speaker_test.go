package bgp

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"testing"
	"time"
)

func TestEBGPExchangeBothWaysWithPrepend(t *testing.T) {
	a, b := newNode(t, 1, 65001), newNode(t, 2, 65002)
	connect(t, a, b, func(pc *PeerConfig) { pc.Prepend = 2 })
	advertise(t, a, "10.1.0.0/24", "127.0.0.1")
	advertise(t, b, "10.2.0.0/24", "127.0.0.2")
	waitEstablished(t, a, b)
	waitEstablished(t, b, a)

	// a prepends its own AS twice towards b; b does not prepend.
	waitRoutes(t, b, "10.1.0.0/24 via 127.0.0.1 [65001 65001 65001]", "10.2.0.0/24 via 127.0.0.2 []")
	waitRoutes(t, a, "10.1.0.0/24 via 127.0.0.1 []", "10.2.0.0/24 via 127.0.0.2 [65002]")

	// A late Watch first gets the current table.
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan []PathEvent, 1)
	go func() {
		b.Watch(ctx, func(ev []PathEvent) {
			select {
			case first <- ev:
			default:
			}
		})
	}()
	select {
	case ev := <-first:
		if len(ev) != 2 || ev[0].Prefix.String() != "10.1.0.0/24" || ev[0].Withdraw || ev[0].Paths[0].NextHop != a.addr ||
			ev[1].Prefix.String() != "10.2.0.0/24" || len(ev[1].Paths) != 1 {
			t.Fatalf("first Watch batch = %+v, want both prefixes", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Watch delivered nothing")
	}
	cancel()

	eventually(t, 5*time.Second, func() string {
		ps, err := a.Peers(context.Background())
		if err != nil {
			return err.Error()
		}
		p := ps[0]
		if p.Address != b.addr || p.ASN != 65002 || p.Description != "to 127.0.0.2" || p.Uptime <= 0 ||
			p.Received != 1 || p.Accepted != 1 || p.Advertised != 1 {
			return "a's view of b: " + fmtPeer(p)
		}
		return ""
	})

	// Dropping the prepend re-exports with the plain path.
	pc := peerCfg(a, b)
	if err := a.UpdatePeer(context.Background(), pc); err != nil {
		t.Fatalf("UpdatePeer: %v", err)
	}
	waitRoutes(t, b, "10.1.0.0/24 via 127.0.0.1 [65001]", "10.2.0.0/24 via 127.0.0.2 []")

	// Withdraw reaches the peer.
	if err := a.Withdraw(context.Background(), netip.MustParsePrefix("10.1.0.0/24")); err != nil {
		t.Fatalf("Withdraw: %v", err)
	}
	waitRoutes(t, b, "10.2.0.0/24 via 127.0.0.2 []")
}

func TestIBGPKeepsNextHopIPv4AndIPv6(t *testing.T) {
	a, b := newNode(t, 1, 65000), newNode(t, 2, 65000)
	connect(t, a, b, func(pc *PeerConfig) { pc.Passive = true })
	advertise(t, a, "10.1.0.0/24", "192.0.2.1")
	advertise(t, a, "2001:db8:1::/48", "2001:db8::1")
	advertise(t, b, "10.2.0.0/24", "192.0.2.2")
	waitEstablished(t, a, b)
	// iBGP: next hops pass unchanged and the AS path stays empty.
	waitRoutes(t, b, "10.1.0.0/24 via 192.0.2.1 []", "10.2.0.0/24 via 192.0.2.2 []", "2001:db8:1::/48 via 2001:db8::1 []")
	waitRoutes(t, a, "10.1.0.0/24 via 192.0.2.1 []", "10.2.0.0/24 via 192.0.2.2 []", "2001:db8:1::/48 via 2001:db8::1 []")
}

func TestImportExportFiltersDropExactlyTheFiltered(t *testing.T) {
	a, b := newNode(t, 1, 65001), newNode(t, 2, 65002)
	// a exports only 10.1.0.0/16 and its subnets up to /24.
	connect(t, a, b, func(pc *PeerConfig) {
		pc.Export = []PrefixFilter{{Prefix: netip.MustParsePrefix("10.1.0.0/16"), LE: 24}}
	})
	// b imports from a only /24s inside 10.1.0.0/16.
	bToA := peerCfg(b, a)
	bToA.Import = []PrefixFilter{{Prefix: netip.MustParsePrefix("10.1.0.0/16"), GE: 24, LE: 24}}
	if err := b.UpdatePeer(context.Background(), bToA); err != nil {
		t.Fatalf("UpdatePeer: %v", err)
	}
	for _, p := range []string{"10.1.0.0/16", "10.1.1.0/24", "10.1.2.128/25", "10.9.0.0/24"} {
		advertise(t, a, p, "127.0.0.1")
	}
	waitEstablished(t, b, a)
	waitRoutes(t, b, "10.1.1.0/24 via 127.0.0.1 [65001]")
	eventually(t, 5*time.Second, func() string {
		ps, err := b.Peers(context.Background())
		if err != nil {
			return err.Error()
		}
		// Export let two through (/16 and /24); import accepted one.
		if p := ps[0]; p.Received != 2 || p.Accepted != 1 {
			return "b's view of a: " + fmtPeer(p)
		}
		return ""
	})

	// Lifting b's import filter lets the /16 in without a new session.
	bToA.Import = nil
	if err := b.UpdatePeer(context.Background(), bToA); err != nil {
		t.Fatalf("UpdatePeer: %v", err)
	}
	waitRoutes(t, b, "10.1.0.0/16 via 127.0.0.1 [65001]", "10.1.1.0/24 via 127.0.0.1 [65001]")

	// Deleting the neighbor withdraws what it sent.
	if err := b.DeletePeer(context.Background(), a.addr); err != nil {
		t.Fatalf("DeletePeer: %v", err)
	}
	waitRoutes(t, b)
	if ps, err := b.Peers(context.Background()); err != nil || len(ps) != 0 {
		t.Fatalf("Peers after DeletePeer = %v, %v", ps, err)
	}
	if err := b.DeletePeer(context.Background(), a.addr); err == nil {
		t.Fatal("second DeletePeer succeeded")
	}
}

func TestECMPAndWithdrawOnPeerClose(t *testing.T) {
	r := newNode(t, 1, 65000)
	a, b := newNode(t, 2, 65001), newNode(t, 3, 65002)
	connect(t, r, a, nil)
	connect(t, r, b, nil)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := make(chan []PathEvent, 100)
	watchDone := make(chan error, 1)
	go func() { watchDone <- r.Watch(ctx, func(ev []PathEvent) { events <- ev }) }()

	advertise(t, a, "10.9.0.0/24", "127.0.0.2")
	advertise(t, b, "10.9.0.0/24", "127.0.0.3")
	waitEstablished(t, r, a, b)
	// Equal AS-path length from two eBGP peers: both next hops are best.
	waitRoutes(t, r, "10.9.0.0/24 via 127.0.0.2 [65001]", "10.9.0.0/24 via 127.0.0.3 [65002]")
	got := NextHops(mustBest(t, r))
	if want := []netip.Addr{netip.MustParseAddr("127.0.0.2"), netip.MustParseAddr("127.0.0.3")}; !slices.Equal(got[netip.MustParsePrefix("10.9.0.0/24")], want) {
		t.Fatalf("NextHops = %v, want 10.9.0.0/24 → %v", got, want)
	}
	// The speaker's own fold gives the same, and drops what keep refuses.
	if direct, err := r.NextHops(context.Background(), func(Path) bool { return true }); err != nil || !maps.EqualFunc(direct, got, slices.Equal) {
		t.Fatalf("Speaker.NextHops = %v, %v, want %v", direct, err, got)
	}
	notA := func(p Path) bool { return p.NextHop != a.addr }
	if direct, err := r.NextHops(context.Background(), notA); err != nil || fmt.Sprint(direct) != "map[10.9.0.0/24:[127.0.0.3]]" {
		t.Fatalf("Speaker.NextHops without a's next hop = %v, %v", direct, err)
	}
	waitEvent(t, events, func(e PathEvent) bool { return !e.Withdraw && len(e.Paths) == 2 })

	// Changing a's filters (a soft reset of a) does not reset b's session.
	before := establishedAt(t, r, b.addr)
	pc := peerCfg(r, a)
	pc.Export = []PrefixFilter{{Prefix: netip.MustParsePrefix("10.0.0.0/8"), LE: 32}}
	if err := r.UpdatePeer(context.Background(), pc); err != nil {
		t.Fatalf("UpdatePeer: %v", err)
	}
	waitEstablished(t, r, a, b)
	if after := establishedAt(t, r, b.addr); after.Sub(before).Abs() > 1500*time.Millisecond {
		t.Fatalf("b's session re-established (at %v, was %v) after changing a", after, before)
	}

	// a goes away: only b's path remains.
	a.Close()
	waitRoutes(t, r, "10.9.0.0/24 via 127.0.0.3 [65002]")
	waitEvent(t, events, func(e PathEvent) bool { return len(e.Paths) == 1 && e.Paths[0].NextHop == b.addr })
	b.Close()
	waitRoutes(t, r)
	waitEvent(t, events, func(e PathEvent) bool { return e.Withdraw && e.Prefix == netip.MustParsePrefix("10.9.0.0/24") })

	cancel()
	if err := <-watchDone; !errors.Is(err, context.Canceled) {
		t.Fatalf("Watch returned %v, want context.Canceled", err)
	}
}

func TestClosedSpeakerRefusesCalls(t *testing.T) {
	a := newNode(t, 1, 65001)
	if err := a.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := a.Peers(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Peers after Close = %v, want ErrClosed", err)
	}
	if err := a.Watch(context.Background(), func([]PathEvent) {}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Watch after Close = %v, want ErrClosed", err)
	}
}

func mustBest(t *testing.T, n *node) []Path {
	t.Helper()
	ps, err := n.BestPaths(context.Background())
	if err != nil {
		t.Fatalf("BestPaths: %v", err)
	}
	return ps
}

func waitEvent(t *testing.T, events <-chan []PathEvent, match func(PathEvent) bool) {
	t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case batch := <-events:
			if slices.ContainsFunc(batch, match) {
				return
			}
		case <-timeout:
			t.Fatal("no matching Watch event within 15s")
		}
	}
}

func establishedAt(t *testing.T, n *node, peer netip.Addr) time.Time {
	t.Helper()
	ps, err := n.Peers(context.Background())
	if err != nil {
		t.Fatalf("Peers: %v", err)
	}
	for _, p := range ps {
		if p.Address == peer {
			if p.State != StateEstablished {
				t.Fatalf("peer %s is %s", peer, p.State)
			}
			return time.Now().Add(-p.Uptime)
		}
	}
	t.Fatalf("no peer %s", peer)
	return time.Time{}
}

func TestManualApprovalAcceptsOnlyApprovedWithoutReset(t *testing.T) {
	a, b := newNode(t, 1, 65001), newNode(t, 2, 65002)
	// b approves a's routes by hand, and has approved none yet.
	connect(t, b, a, func(pc *PeerConfig) { pc.ManualApproval = true })
	p1, p2 := netip.MustParsePrefix("10.1.0.0/24"), netip.MustParsePrefix("10.2.0.0/24")
	advertise(t, a, p1.String(), "127.0.0.1")
	advertise(t, a, p2.String(), "127.0.0.1")
	waitEstablished(t, b, a)
	wantFiltered := func(want ...netip.Prefix) {
		t.Helper()
		eventually(t, 5*time.Second, func() string {
			ps, err := b.Peers(context.Background())
			if err != nil {
				return err.Error()
			}
			if p := ps[0]; p.Received != 2 || p.Accepted != uint64(2-len(want)) || !slices.Equal(p.Filtered, want) {
				return fmt.Sprintf("b's view of a: %s; want 2 received, filtered %v", fmtPeer(p), want)
			}
			return ""
		})
	}
	wantFiltered(p1, p2)
	waitRoutes(t, b)

	// Approving one lets it in within a second, over the same session.
	before := establishedAt(t, b, a.addr)
	pc := peerCfg(b, a)
	pc.ManualApproval, pc.Approved = true, []netip.Prefix{p1}
	t0 := time.Now()
	if err := b.UpdatePeer(context.Background(), pc); err != nil {
		t.Fatalf("UpdatePeer: %v", err)
	}
	waitRoutes(t, b, "10.1.0.0/24 via 127.0.0.1 [65001]")
	if took := time.Since(t0); took > time.Second {
		t.Errorf("approved route took %s to arrive; want under 1s", took)
	}
	wantFiltered(p2)
	if after := establishedAt(t, b, a.addr); after.Sub(before).Abs() > 1500*time.Millisecond {
		t.Fatalf("approving reset the session (established at %v, was %v)", after, before)
	}

	// Withdrawing the approval drops the route within a second, over the
	// same session; it is filtered again. Approving it again brings it
	// back.
	pc.Approved = nil
	t0 = time.Now()
	if err := b.UpdatePeer(context.Background(), pc); err != nil {
		t.Fatalf("UpdatePeer: %v", err)
	}
	waitRoutes(t, b)
	if took := time.Since(t0); took > time.Second {
		t.Errorf("unapproved route took %s to leave; want under 1s", took)
	}
	wantFiltered(p1, p2)
	if after := establishedAt(t, b, a.addr); after.Sub(before).Abs() > 1500*time.Millisecond {
		t.Fatalf("unapproving reset the session (established at %v, was %v)", after, before)
	}
	pc.Approved = []netip.Prefix{p1}
	if err := b.UpdatePeer(context.Background(), pc); err != nil {
		t.Fatalf("UpdatePeer: %v", err)
	}
	waitRoutes(t, b, "10.1.0.0/24 via 127.0.0.1 [65001]")

	// An import filter still applies to approved prefixes.
	pc.Approved = []netip.Prefix{p1, p2}
	pc.Import = []PrefixFilter{{Prefix: netip.MustParsePrefix("10.2.0.0/16"), LE: 24}}
	if err := b.UpdatePeer(context.Background(), pc); err != nil {
		t.Fatalf("UpdatePeer: %v", err)
	}
	waitRoutes(t, b, "10.2.0.0/24 via 127.0.0.1 [65001]")
	wantFiltered(p1)

	// A withdrawal at the peer removes the approved route.
	if err := a.Withdraw(context.Background(), p2); err != nil {
		t.Fatal(err)
	}
	waitRoutes(t, b)
}

func TestPrefixFilterMatches(t *testing.T) {
	p := netip.MustParsePrefix
	for _, tc := range []struct {
		f    PrefixFilter
		p    string
		want bool
	}{
		{PrefixFilter{Prefix: p("10.0.0.0/8")}, "10.0.0.0/8", true},
		{PrefixFilter{Prefix: p("10.0.0.0/8")}, "10.1.0.0/16", false},
		{PrefixFilter{Prefix: p("10.0.0.0/8"), LE: 24}, "10.1.0.0/16", true},
		{PrefixFilter{Prefix: p("10.0.0.0/8"), LE: 24}, "10.1.1.0/25", false},
		{PrefixFilter{Prefix: p("10.0.0.0/8"), GE: 24}, "10.1.1.0/25", true},
		{PrefixFilter{Prefix: p("10.0.0.0/8"), GE: 24}, "11.1.1.0/25", false},
		{PrefixFilter{Prefix: p("10.0.0.0/8"), LE: 128}, "::/64", false},
	} {
		if got := tc.f.Matches(p(tc.p)); got != tc.want {
			t.Errorf("%+v.Matches(%s) = %v, want %v", tc.f, tc.p, got, tc.want)
		}
	}
}

// TestWatchSessionsSeesUpAndDown: a session that carries no routes (so no
// path event) still wakes WatchSessions when it comes up and when it goes
// down, and Established agrees each time; closing the speaker ends the
// watch with ErrClosed.
func TestWatchSessionsSeesUpAndDown(t *testing.T) {
	r, a := newNode(t, 1, 65000), newNode(t, 2, 65001)
	wakes := make(chan struct{}, 100)
	done := make(chan error, 1)
	go func() { done <- r.WatchSessions(context.Background(), func() { wakes <- struct{}{} }) }()
	established := func() bool {
		m, err := r.Established(context.Background())
		if err != nil {
			t.Fatalf("Established: %v", err)
		}
		return m[a.addr]
	}
	// waitWake waits for a wake-up after which Established says want.
	waitWake := func(want bool) {
		t.Helper()
		deadline := time.After(15 * time.Second)
		for {
			select {
			case <-wakes:
				if established() == want {
					return
				}
			case <-deadline:
				t.Fatalf("no session wake-up with %s established = %v", a.addr, want)
			}
		}
	}
	connect(t, r, a, nil)
	waitWake(true)
	a.Close()
	waitWake(false)
	r.Close()
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("WatchSessions returned %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("WatchSessions still runs after Close")
	}
}
