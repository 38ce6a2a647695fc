package hpe

import (
	"fmt"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/emulator/netns"
)

func TestConfigDefaults(t *testing.T) {
	side := func(ns string) Side {
		return Side{Namespace: ns, Underlay: netip.MustParseAddr("203.0.113.1"), Prefixes: []netip.Prefix{netip.MustParsePrefix("198.18.0.0/24")}}
	}
	c := Config{Kind: WireGuard, A: side("a"), B: side("b")}
	d, err := c.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if d.Tunnels < 1 || d.Port != DefaultWireGuardPort || d.MTU != DefaultMTU || d.IfPrefix != "hpe" {
		t.Errorf("defaults = %+v", d)
	}
	for _, bad := range []func(*Config){
		func(c *Config) { c.Kind = "gre" },
		func(c *Config) { c.Tunnels = -1 },
		func(c *Config) { c.RateLimit = -1 },
		func(c *Config) { c.IfPrefix = "averyverylongname" },
		func(c *Config) { c.A.Namespace = "" },
		func(c *Config) { c.B.Underlay = netip.MustParseAddr("2001:db8::1") },
		func(c *Config) { c.B.Prefixes = nil },
		func(c *Config) { c.Port = 65535; c.Tunnels = 4 },
	} {
		x := c
		bad(&x)
		if _, err := x.withDefaults(); err == nil {
			t.Errorf("config %+v accepted", x)
		}
	}
}

func TestKeysAreDistinct(t *testing.T) {
	var k keySource
	seen := map[uint32]bool{}
	keys := map[string]bool{}
	a, b := netip.MustParseAddrPort("203.0.113.1:4500"), netip.MustParseAddrPort("203.0.113.2:4500")
	for range 200 {
		sa, err := k.sa(a, b)
		if err != nil {
			t.Fatal(err)
		}
		if sa.SPI < 256 || seen[sa.SPI] || keys[string(sa.Key)] || len(sa.Key) != 32 {
			t.Fatalf("SA %#x key %x: reserved or repeated", sa.SPI, sa.Key)
		}
		if err := sa.Validate(); err != nil {
			t.Fatal(err)
		}
		seen[sa.SPI], keys[string(sa.Key)] = true, true
	}
}

// TestEveryKindPassesTraffic builds a single ESP tunnel, a single WireGuard
// tunnel and a 2-tunnel group of each, one after another in one lab, and
// sends TCP streams from hostA to hostB through each.
func TestEveryKindPassesTraffic(t *testing.T) {
	l := deployLab(t)
	for _, kind := range []Kind{ESP, WireGuard} {
		for _, n := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s-%d", kind, n), func(t *testing.T) {
				cfg := l.config(kind, n)
				if n == 1 {
					cfg.RateLimit = AWSTunnelRate // the cap passes traffic too
				}
				t0 := time.Now()
				g := newGroup(t, cfg)
				t1 := time.Now()
				l.waitReachable(t)
				t2 := time.Now()
				sink, load := l.streams(t, 4)
				waitFor(t, 15*time.Second, "1 MiB through the tunnels", func() bool { return sink.Bytes() > 1<<20 })
				t.Logf("built in %s, reachable after %s, 1 MiB after %s", t1.Sub(t0), t2.Sub(t1), time.Since(t2))
				load.Close()
				var tx, rx uint64
				for _, s := range g.Stats() {
					tx += s.A.TxPackets
					rx += s.B.RxPackets
				}
				if tx == 0 || rx == 0 {
					t.Errorf("stats %+v: no packets counted through the tunnels", g.Stats())
				}
				if err := g.Close(); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// TestECMPSpreadsAndDownMovesFlows runs 48 TCP flows over a 4-tunnel ESP
// group: every tunnel carries some (with an L4 hash, the chance that one of
// 4 tunnels gets none of 48 flows is 4*(3/4)^48, about 4e-6). Then it takes
// tunnel 0 down and checks that every flow, those of tunnel 0 included, still
// moves data over the other three.
func TestECMPSpreadsAndDownMovesFlows(t *testing.T) {
	l := deployLab(t)
	g := newGroup(t, l.config(ESP, 4))
	l.waitReachable(t)
	sink, load := l.streams(t, 48)
	waitFor(t, 20*time.Second, "every tunnel carries packets both ways", func() bool {
		for _, s := range g.Stats() {
			if s.A.TxPackets == 0 || s.B.RxPackets == 0 || s.B.TxPackets == 0 || s.A.RxPackets == 0 {
				return false
			}
		}
		return true
	})
	flows := load.Local()
	waitFor(t, 20*time.Second, "every flow delivers data", func() bool {
		per := sink.PerConn()
		for _, f := range flows {
			if per[f] == 0 {
				return false
			}
		}
		return true
	})
	if err := g.Down(0); err != nil {
		t.Fatal(err)
	}
	before := sink.PerConn()
	down := g.Stats()[0]
	if down.Up {
		t.Fatal("tunnel 0 still up after Down")
	}
	// Every flow, including those hashed onto tunnel 0, makes progress.
	waitFor(t, 20*time.Second, "every flow moves data after tunnel 0 went down", func() bool {
		per := sink.PerConn()
		for _, f := range flows {
			if per[f] <= before[f] {
				return false
			}
		}
		return true
	})
	after := g.Stats()
	if after[0].A.TxPackets != down.A.TxPackets {
		t.Errorf("tunnel 0 sent %d packets after it went down", after[0].A.TxPackets-down.A.TxPackets)
	}
	for i, s := range after[1:] {
		if s.A.TxPackets == 0 || !s.Up {
			t.Errorf("tunnel %d: %+v", i+1, s)
		}
	}
	if err := g.Down(1); err != nil {
		t.Fatal(err)
	}
	if err := g.Down(5); err == nil {
		t.Error("Down(5) of a 4-tunnel group succeeded")
	}
}

// TestTUNSetDownLeavesAndRejoinsRoute sets one TUN of a 2-tunnel WireGuard
// group down from outside: the link monitor takes the tunnel out of both
// gateways' routes and every flow keeps moving over the other tunnel; set
// up again, the tunnel rejoins the routes and carries packets again (so
// wireguard-go reopened its sockets, inside the gateway's namespace).
func TestTUNSetDownLeavesAndRejoinsRoute(t *testing.T) {
	l := deployLab(t)
	g := newGroup(t, l.config(WireGuard, 2))
	l.waitReachable(t)
	sink, load := l.streams(t, 16)
	waitFor(t, 20*time.Second, "both tunnels carry packets", func() bool {
		st := g.Stats()
		return st[0].B.RxPackets > 0 && st[1].B.RxPackets > 0
	})
	h := nlHandle(t, l.gwA)
	tun1, err := h.LinkByName(g.Interfaces()[1])
	if err != nil {
		t.Fatal(err)
	}
	tun0, err := h.LinkByName(g.Interfaces()[0])
	if err != nil {
		t.Fatal(err)
	}
	nexthops := func() []int {
		rs, err := h.RouteListFiltered(unix.AF_INET, &netlink.Route{Dst: ipNet(netB)}, netlink.RT_FILTER_DST)
		if err != nil || len(rs) != 1 {
			return nil
		}
		if len(rs[0].MultiPath) == 0 {
			return []int{rs[0].LinkIndex}
		}
		var out []int
		for _, nh := range rs[0].MultiPath {
			out = append(out, nh.LinkIndex)
		}
		return out
	}
	if err := h.LinkSetDown(tun1); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "tunnel 1 leaves the route", func() bool {
		nh := nexthops()
		return !g.Stats()[1].Routed && len(nh) == 1 && nh[0] == tun0.Attrs().Index
	})
	flows := load.Local()
	before := sink.PerConn()
	waitFor(t, 20*time.Second, "every flow moves data with tunnel 1 down", func() bool {
		per := sink.PerConn()
		for _, f := range flows {
			if per[f] <= before[f] {
				return false
			}
		}
		return true
	})
	if err := h.LinkSetUp(tun1); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "tunnel 1 rejoins the route", func() bool {
		return g.Stats()[1].Routed && len(nexthops()) == 2
	})
	rx := g.Stats()[1].B.RxPackets
	waitFor(t, 20*time.Second, "tunnel 1 carries packets again", func() bool { return g.Stats()[1].B.RxPackets > rx })
	if err := g.Err(); err != nil {
		t.Error(err)
	}
}

func nlHandle(t *testing.T, ns string) *netlink.Handle {
	t.Helper()
	nsh, err := netns.Open(ns)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nsh.Close() })
	h, err := netlink.NewHandleAt(nsh, unix.NETLINK_ROUTE)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return h
}

// TestCloseLeavesNoGoroutines builds and closes a group of each kind, one
// tunnel taken down on the way, and checks that every goroutine the group
// started has ended (as wireguard-go's goroutineLeakCheck does).
func TestCloseLeavesNoGoroutines(t *testing.T) {
	l := deployLab(t)
	for _, kind := range []Kind{ESP, WireGuard} {
		before := runtime.NumGoroutine()
		g, err := New(l.config(kind, 3))
		if err != nil {
			t.Fatal(err)
		}
		l.waitReachable(t)
		if err := g.Down(2); err != nil {
			t.Fatal(err)
		}
		if links := tunLinks(t, l.gwA); len(links) != 2 {
			t.Errorf("%s: TUN interfaces in gwA after Down(2) = %v, want 2", kind, links)
		}
		if err := g.Close(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 5*time.Second, fmt.Sprintf("%s: goroutines back to %d", kind, before), func() bool {
			return runtime.NumGoroutine() <= before
		})
		if links := tunLinks(t, l.gwA); len(links) != 0 {
			t.Errorf("%s: TUN interfaces left in gwA: %v", kind, links)
		}
	}
}

func tunLinks(t *testing.T, ns string) []string {
	links, err := nlHandle(t, ns).LinkList()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range links {
		if l.Type() == "tuntap" {
			out = append(out, l.Attrs().Name)
		}
	}
	return out
}
