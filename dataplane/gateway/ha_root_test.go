package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/emulator/probe"
)

// pingStream pings one address from a namespace continuously and records
// when replies come, to measure the loss window of a failover: the longest
// time between two replies. Start it with startPingStream; Stop it.
type pingStream struct {
	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex // guards the fields below
	sent    []time.Time
	replies []time.Time
	err     error // a failure other than a lost reply
}

// startPingStream sends an echo request to dst from namespace ns every
// interval, each waiting for its reply up to timeout (a later reply counts
// as lost).
func startPingStream(ns string, dst netip.Addr, interval, timeout time.Duration) (*pingStream, error) {
	p, err := probe.NewPinger(ns)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &pingStream{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		defer p.Close()
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for seq := 0; ; seq++ {
			start := time.Now()
			_, err := p.Ping(dst, seq, timeout)
			now := time.Now()
			s.mu.Lock()
			s.sent = append(s.sent, start)
			switch {
			case err == nil:
				s.replies = append(s.replies, now)
			case !errors.Is(err, probe.ErrTimeout) && s.err == nil:
				s.err = err
			}
			s.mu.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return s, nil
}

// Stop ends the stream and waits for it. It is idempotent.
func (s *pingStream) Stop() {
	s.cancel()
	<-s.done
}

// repliesSince counts the replies received after t.
func (s *pingStream) repliesSince(t time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return count(s.replies, t)
}

// count counts the times in ts (ascending) after t.
func count(ts []time.Time, t time.Time) int {
	i := slices.IndexFunc(ts, func(x time.Time) bool { return x.After(t) })
	if i < 0 {
		return 0
	}
	return len(ts) - i
}

// outage is what a ping stream saw.
type outage struct {
	Sent, Received int
	// Gap is the longest time between two replies (or from the start to
	// the first), and GapStart when it began: the loss window.
	Gap      time.Duration
	GapStart time.Time
}

func (o outage) String() string {
	return fmt.Sprintf("loss window %s, %d of %d echo requests lost", o.Gap.Round(time.Millisecond), o.Sent-o.Received, o.Sent)
}

// result returns what the stream saw since from, and its first error
// other than a lost reply. The requests still waiting count as lost.
func (s *pingStream) result(from time.Time) (outage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := outage{Sent: count(s.sent, from), Received: count(s.replies, from)}
	last := from
	for _, r := range s.replies {
		if r.Before(from) {
			continue
		}
		if g := r.Sub(last); g > o.Gap {
			o.Gap, o.GapStart = g, last
		}
		last = r
	}
	return o, s.err
}

// forwardDevice returns the interface a router namespace forwards a packet
// from src to dst out of, arriving on iif (ECMP hashes on the addresses).
func forwardDevice(t *testing.T, ns, iif string, src, dst netip.Addr) string {
	t.Helper()
	var dev string
	err := netns.Do(ns, func() error {
		rs, err := netlink.RouteGetWithOptions(net.IP(dst.AsSlice()), &netlink.RouteGetOptions{Iif: iif, SrcAddr: net.IP(src.AsSlice())})
		if err != nil || len(rs) == 0 {
			return fmt.Errorf("route get %s from %s in %s: %d routes, %w", dst, src, ns, len(rs), err)
		}
		link, err := netlink.LinkByIndex(rs[0].LinkIndex)
		if err != nil {
			return err
		}
		dev = link.Attrs().Name
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dev
}

// restart starts gateway i's daemon again, with its old key, and PUTs its
// configuration with the given peers, as the controller would.
func (l *lab) restart(t *testing.T, i int, peers ...int) {
	t.Helper()
	old := l.gws[i-1]
	g := l.startDaemon(t, old.name)
	g.i, g.key = i, old.key
	l.gws[i-1] = g
	l.put(t, i, peers...)
}

// TestActiveActiveFailover: h1 behind gw1 reaches h4 behind gw4 through a
// pair of transit gateways, gw2 and gw3, at equal cost (ECMP both ways).
// While h1 pings h4 every 20 ms, the transit gateway carrying h1's
// packets is SIGKILLed: its tunnels go down, gw1 and gw4 take it out of
// their ECMP routes before BGP's hold timer expires, and traffic resumes
// through the survivor (asserted within a generous 10 s; the measured loss
// window is logged). Then the killed gateway is started again and its
// configuration PUT: it rejoins, tunnels up, sessions established and
// ECMP back to both transits, and traffic never stops meanwhile.
func TestActiveActiveFailover(t *testing.T) {
	l := startLab(t, "ha", 4, false)
	peers := map[int][]int{1: {2, 3}, 2: {1, 4}, 3: {1, 4}, 4: {2, 3}}
	for i := 1; i <= 4; i++ {
		l.put(t, i, peers[i]...)
	}
	for i := 1; i <= 4; i++ {
		eventually(t, converge, func() string { return l.sessionsUp(t, i, peers[i]...) })
	}
	waitTransitECMP(t, l)
	l.waitReachable(t, 1, 4)

	h1 := emulator.NamespaceName(l.name, "h1")
	stream, err := startPingStream(h1, host(4), 20*time.Millisecond, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Stop()
	began := time.Now()
	eventually(t, converge, func() string {
		if n := stream.repliesSince(began); n < 10 {
			return fmt.Sprintf("h1 -> h4: %d replies", n)
		}
		return ""
	})

	// Kill the transit that carries h1's packets to h4.
	victim, survivor := 2, 3
	fwd := forwardDevice(t, l.gws[0].ns, "lan0", host(1), host(4))
	if fwd == "wg-gw3" {
		victim, survivor = 3, 2
	}
	rev := forwardDevice(t, l.gws[3].ns, "lan0", host(4), host(1))
	t.Logf("h1 -> h4 goes through %s, h4 -> h1 through %s; killing gw%d", fwd, rev, victim)
	v := l.gws[victim-1]
	if err := syscall.Kill(v.proc.PID, syscall.SIGKILL); err != nil {
		t.Fatalf("kill gw%d pid %d: %v", victim, v.proc.PID, err)
	}
	killed := time.Now()
	eventually(t, recoverWithin, func() string {
		if n := stream.repliesSince(killed); n < 10 {
			return fmt.Sprintf("h1 -> h4: %d replies %s after killing gw%d", n, time.Since(killed).Round(time.Millisecond), victim)
		}
		return ""
	})
	out, err := stream.result(began)
	if err != nil {
		t.Errorf("ping stream: %v", err)
	}
	t.Logf("SIGKILL of gw%d: %s (gap began %s after the kill)", victim, out, out.GapStart.Sub(killed).Round(time.Millisecond))
	if out.Gap > recoverWithin {
		t.Errorf("traffic stopped for %s after killing gw%d", out.Gap, victim)
	}
	checkFailedOver(t, l, victim, survivor)
	rejoinTransit(t, l, stream, victim, peers)
	stream.Stop()
}

// recoverWithin bounds the traffic gap of a transit failover: the goal is
// 2 s; a loaded machine gets slack.
const recoverWithin = 10 * time.Second

// waitTransitECMP waits until gw1 and gw4 route each other's LAN through
// both transits, gw2 and gw3, at equal cost.
func waitTransitECMP(t *testing.T, l *lab) {
	t.Helper()
	l.waitRoutes(t, 1, map[netip.Prefix][]netip.Addr{
		lan(2): {nextHop(1, 2)}, lan(3): {nextHop(1, 3)}, lan(4): {nextHop(1, 2), nextHop(1, 3)},
	})
	l.waitRoutes(t, 4, map[netip.Prefix][]netip.Addr{
		lan(1): {nextHop(4, 2), nextHop(4, 3)}, lan(2): {nextHop(4, 2)}, lan(3): {nextHop(4, 3)},
	})
}

// checkFailedOver checks that both ends route through the survivor only,
// and report their tunnel to the killed transit down.
func checkFailedOver(t *testing.T, l *lab, victim, survivor int) {
	t.Helper()
	v := l.gws[victim-1]
	for _, i := range []int{1, 4} {
		want := map[netip.Prefix][]netip.Addr{lan(survivor): {nextHop(i, survivor)}}
		want[lan(5-i)] = []netip.Addr{nextHop(i, survivor)} // lan(4) at gw1, lan(1) at gw4
		l.waitRoutes(t, i, want)
		st := l.status(t, i)
		ti := slices.IndexFunc(st.Tunnels, func(x mgmt.Tunnel) bool { return x.Peer == v.name })
		if ti < 0 || st.Tunnels[ti].State != mgmt.TunnelDown || st.Tunnels[ti].StateChanges < 2 || st.Tunnels[ti].ProbesReceived == 0 {
			t.Errorf("gw%d's tunnel to killed gw%d: %+v; want down after being up", i, victim, st.Tunnels)
		}
	}
}

// rejoinTransit restarts the killed transit and configures it again: it
// rejoins with no other action, both ends see its restart, and ECMP
// returns without interrupting the stream's traffic.
func rejoinTransit(t *testing.T, l *lab, stream *pingStream, victim int, peers map[int][]int) {
	t.Helper()
	v := l.gws[victim-1]
	eventually(t, converge, func() string {
		if v.proc.Alive() {
			return fmt.Sprintf("gw%d still runs after SIGKILL", victim)
		}
		return ""
	})
	rejoin := time.Now()
	l.restart(t, victim, peers[victim]...)
	eventually(t, converge, func() string { return l.sessionsUp(t, victim, peers[victim]...) })
	for _, i := range []int{1, 4} {
		eventually(t, converge, func() string { return l.sessionsUp(t, i, peers[i]...) })
	}
	waitTransitECMP(t, l)
	t.Logf("gw%d rejoined: ECMP back %s after its restart", victim, time.Since(rejoin).Round(time.Millisecond))
	// Both ends saw the restart in the hellos (and reset their session).
	for _, i := range []int{1, 4} {
		st := l.status(t, i)
		ti := slices.IndexFunc(st.Tunnels, func(x mgmt.Tunnel) bool { return x.Peer == v.name })
		if ti < 0 || st.Tunnels[ti].PeerRestarts != 1 || st.Tunnels[ti].State != mgmt.TunnelUp {
			t.Errorf("gw%d's tunnel to restarted gw%d: %+v; want up, 1 peer restart", i, victim, st.Tunnels)
		}
	}
	eventually(t, converge, func() string {
		if n := stream.repliesSince(time.Now().Add(-time.Second)); n < 10 {
			return fmt.Sprintf("h1 -> h4 after the rejoin: %d replies in the last second", n)
		}
		return ""
	})
	after, _ := stream.result(rejoin)
	t.Logf("during the rejoin: %s", after)
	if after.Gap > recoverWithin {
		t.Errorf("traffic stopped for %s while gw%d rejoined", after.Gap, victim)
	}
}
