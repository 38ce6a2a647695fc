package gateway_test

import (
	"fmt"
	"net/netip"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/mgmt"
)

// others returns 1..n without i.
func others(n, i int) []int {
	var out []int
	for j := 1; j <= n; j++ {
		if j != i {
			out = append(out, j)
		}
	}
	return out
}

// nextHop is gateway j's inner address on its tunnel to i.
func nextHop(i, j int) netip.Addr {
	_, nh := inner(i, j)
	return nh
}

// waitRoutes polls gateway i's kernel until its BGP routes are want.
func (l *lab) waitRoutes(t *testing.T, i int, want map[netip.Prefix][]netip.Addr) {
	t.Helper()
	g := l.gws[i-1]
	eventually(t, converge, func() string {
		if got := kernelRoutes(t, g.ns); fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Sprintf("BGP routes in %s = %v, want %v", g.name, got, want)
		}
		return ""
	})
}

// uptimes maps gateway i's session names to their uptime.
func (l *lab) uptimes(t *testing.T, i int) map[string]int64 {
	m := map[string]int64{}
	for _, s := range l.status(t, i).Sessions {
		if s.State == "established" {
			m[s.Name] = s.UptimeSeconds
		}
	}
	return m
}

// TestFourGatewayMesh runs four gateways in a full mesh of tunnels over a
// shared underlay router, then: removes the gw1–gw2 peering by PUT and
// checks that the other sessions were not reset and that gw1 and gw2 now
// reach each other through gw3 and gw4 (ECMP); then SIGKILLs gw4 and checks
// that the survivors withdraw its LAN within a few seconds (tunnel liveness,
// then the BGP hold time of 3 s).
func TestFourGatewayMesh(t *testing.T) {
	const n = 4
	l := startLab(t, "g4", n, false)
	for i := 1; i <= n; i++ {
		l.put(t, i, others(n, i)...)
	}
	waitFullMesh(t, l, n)
	removeOnePeering(t, l, n)
	killOneGateway(t, l)
}

// waitFullMesh waits until every pair of the n gateways has its session
// up, routes the other's LAN through its tunnel, and reaches it.
func waitFullMesh(t *testing.T, l *lab, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		eventually(t, converge, func() string { return l.sessionsUp(t, i, others(n, i)...) })
	}
	for i := 1; i <= n; i++ {
		want := map[netip.Prefix][]netip.Addr{}
		for _, j := range others(n, i) {
			want[lan(j)] = []netip.Addr{nextHop(i, j)}
		}
		l.waitRoutes(t, i, want)
	}
	for i := 1; i <= n; i++ {
		for _, j := range others(n, i) {
			l.waitReachable(t, i, j)
		}
	}
}

// removeOnePeering removes the gw1–gw2 peering by PUT on both sides and
// checks that gw1 and gw2 then reach each other through gw3 and gw4 at
// equal cost, and that no other session was reset.
func removeOnePeering(t *testing.T, l *lab, n int) {
	t.Helper()
	// Let every session be up for 3 s, so that a reset shows as a drop in
	// uptime that cannot hide in the one-second rounding.
	eventually(t, converge, func() string {
		for i := 1; i <= n; i++ {
			for name, up := range l.uptimes(t, i) {
				if up < 3 {
					return fmt.Sprintf("gw%d session %s up only %d s", i, name, up)
				}
			}
		}
		return ""
	})
	before := map[int]map[string]int64{}
	for i := 1; i <= n; i++ {
		before[i] = l.uptimes(t, i)
	}
	t0 := time.Now()

	l.put(t, 1, 3, 4)
	l.put(t, 2, 3, 4)
	eventually(t, converge, func() string { return l.sessionsUp(t, 1, 3, 4) })
	eventually(t, converge, func() string { return l.sessionsUp(t, 2, 3, 4) })
	if dev := routeDevice(t, l.gws[0].ns, nextHop(1, 2)); dev == "wg-gw2" {
		t.Errorf("gw1 still has interface wg-gw2 after its peer was removed")
	}
	// gw1 now reaches LAN 2 through gw3 and gw4 at equal cost, and the
	// other way round.
	l.waitRoutes(t, 1, map[netip.Prefix][]netip.Addr{
		lan(2): {nextHop(1, 3), nextHop(1, 4)}, lan(3): {nextHop(1, 3)}, lan(4): {nextHop(1, 4)},
	})
	l.waitRoutes(t, 2, map[netip.Prefix][]netip.Addr{
		lan(1): {nextHop(2, 3), nextHop(2, 4)}, lan(3): {nextHop(2, 3)}, lan(4): {nextHop(2, 4)},
	})
	l.waitReachable(t, 1, 2)
	l.waitReachable(t, 2, 1)
	elapsed := int64(time.Since(t0) / time.Second)
	for i := 1; i <= n; i++ {
		after := l.uptimes(t, i)
		for name, up := range before[i] {
			if (i == 1 && name == "gw2") || (i == 2 && name == "gw1") {
				if _, ok := after[name]; ok {
					t.Errorf("gw%d still has a session to removed peer %s", i, name)
				}
				continue
			}
			// Uptimes are whole seconds, each rounded down.
			if got, min := after[name], up+elapsed-1; got < min {
				t.Errorf("gw%d session %s was reset by removing another peer: uptime %d s, then %d s %d s later", i, name, up, got, elapsed)
			}
		}
	}
	for _, i := range []int{3, 4} {
		if msg := l.sessionsUp(t, i, others(n, i)...); msg != "" {
			t.Errorf("after removing gw1–gw2: %s", msg)
		}
	}
}

// killOneGateway SIGKILLs gw4: its peers notice within the hold time and
// withdraw its LAN everywhere, and the survivors still reach each other.
func killOneGateway(t *testing.T, l *lab) {
	t.Helper()
	gw4 := l.gws[3]
	if err := syscall.Kill(gw4.proc.PID, syscall.SIGKILL); err != nil {
		t.Fatalf("kill gw4 pid %d: %v", gw4.proc.PID, err)
	}
	killed := time.Now()
	const withdrawWithin = 10 * time.Second // liveness 0.5 s, hold 3 s, plus a loaded machine
	eventually(t, withdrawWithin, func() string {
		for _, i := range []int{1, 2, 3} {
			if nh, ok := kernelRoutes(t, l.gws[i-1].ns)[lan(4)]; ok {
				return fmt.Sprintf("gw%d still routes %s via %v %s after gw4 died", i, lan(4), nh, time.Since(killed).Round(time.Millisecond))
			}
		}
		return ""
	})
	t.Logf("gw4's LAN withdrawn everywhere %s after SIGKILL", time.Since(killed).Round(time.Millisecond))
	eventually(t, 5*time.Second, func() string {
		if gw4.proc.Alive() {
			return "gw4 still runs after SIGKILL"
		}
		return ""
	})
	// Liveness took the routes out before BGP noticed; the sessions go
	// when the hold timer (3 s) expires.
	eventually(t, withdrawWithin, func() string {
		for _, i := range []int{1, 2, 3} {
			st := l.status(t, i)
			si := slices.IndexFunc(st.Sessions, func(s mgmt.Session) bool { return s.Name == "gw4" })
			if si < 0 || st.Sessions[si].State == "established" {
				return fmt.Sprintf("gw%d session to dead gw4: %+v", i, st.Sessions)
			}
			ti := slices.IndexFunc(st.Tunnels, func(x mgmt.Tunnel) bool { return x.Peer == "gw4" })
			if ti < 0 || st.Tunnels[ti].State != mgmt.TunnelDown {
				return fmt.Sprintf("gw%d tunnel to dead gw4: %+v", i, st.Tunnels)
			}
		}
		return ""
	})
	// The survivors still reach each other, gw1 and gw2 through gw3 only.
	l.waitRoutes(t, 1, map[netip.Prefix][]netip.Addr{lan(2): {nextHop(1, 3)}, lan(3): {nextHop(1, 3)}})
	l.waitReachable(t, 1, 2)
	l.waitReachable(t, 3, 1)
}
