package hpe

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/vishvananda/netlink"
	vnetns "github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/emulator/netns"
)

// EndStats counts one tunnel end's inner IP packets: Tx were read from its
// TUN device and sent encrypted, Rx were received, decrypted and written to
// its TUN device.
type EndStats struct {
	TxPackets, TxBytes uint64
	RxPackets, RxBytes uint64
}

// TunnelStats is one tunnel's counters at both gateways.
type TunnelStats struct {
	Index int
	// Up is false once Down took the tunnel out of the group.
	Up bool
	// Routed says whether the tunnel is a nexthop of the routes now: up,
	// and both its TUN interfaces administratively up.
	Routed bool
	A, B   EndStats
}

// end is one gateway's half of a tunnel.
type end interface {
	// Stats returns the end's counters; after Close, the last ones.
	Stats() EndStats
	// Close stops the end and releases its TUN device and socket; the
	// kernel removes the TUN interface. Idempotent.
	Close() error
}

// side is one gateway's open handles.
type side struct {
	cfg     Side
	ns      vnetns.NsHandle
	nl      *netlink.Handle
	routed  []netip.Prefix // the other side's prefixes, routed over the group
	ifindex []int          // TUN interface index by tunnel
}

type tunnel struct {
	ends     [2]end      // A, B
	up       bool        // in the group: not taken out by Down or Close
	linkDown bool        // a TUN interface of the tunnel is administratively down
	last     [2]EndStats // counters when the tunnel went down
}

// routed reports whether the tunnel is a nexthop of the group's routes.
func (t *tunnel) routed() bool { return t.up && !t.linkDown }

// LinkPoll is how often a group checks its TUN interfaces' up flag: a TUN
// set down by anyone leaves the routes within about this time, and comes
// back when set up again.
const LinkPoll = 100 * time.Millisecond

// Group is a running tunnel group with its ECMP routes. Its methods are safe
// for concurrent use.
type Group struct {
	cfg   Config
	sides [2]*side

	stop    chan struct{} // closed by Close to end the link monitor
	monitor sync.WaitGroup

	mu       sync.Mutex // guards the fields below
	tunnels  []*tunnel
	closed   bool
	routeErr error // the link monitor's last failure to program routes
}

// New builds the group: it creates every tunnel's TUN device and UDP socket
// inside the two gateways' namespaces, starts the tunnels, sets the
// gateways' multipath hash policy to L4 and routes each side's prefixes over
// all tunnels at the other side. On error it removes what it made.
func New(cfg Config) (*Group, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	g := &Group{cfg: c, stop: make(chan struct{})}
	if err := g.build(); err != nil {
		return nil, errors.Join(fmt.Errorf("new %s group of %d: %w", c.Kind, c.Tunnels, err), g.Close())
	}
	g.monitor.Add(1)
	go g.watchLinks()
	return g, nil
}

// watchLinks polls the TUN interfaces' up flags until Close and reroutes
// when one changes.
func (g *Group) watchLinks() {
	defer g.monitor.Done()
	t := time.NewTicker(LinkPoll)
	defer t.Stop()
	for {
		select {
		case <-g.stop:
			return
		case <-t.C:
			g.pollLinks()
		}
	}
}

func (g *Group) pollLinks() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return
	}
	changed := false
	for i, t := range g.tunnels {
		if !t.up {
			continue
		}
		down := false
		for _, s := range g.sides {
			l, err := s.nl.LinkByIndex(s.ifindex[i])
			if err != nil || l.Attrs().Flags&net.FlagUp == 0 {
				down = true
			}
		}
		if down != t.linkDown {
			t.linkDown, changed = down, true
		}
	}
	if changed {
		g.routeErr = g.routeLocked()
	}
}

func (g *Group) build() error {
	c := g.cfg
	for i, s := range []Side{c.A, c.B} {
		other := c.B
		if i == 1 {
			other = c.A
		}
		sd, err := openSide(s, other.Prefixes)
		if sd != nil {
			g.sides[i] = sd
		}
		if err != nil {
			return err
		}
	}
	var keys keySource
	for i := range c.Tunnels {
		t := &tunnel{up: true}
		g.mu.Lock()
		g.tunnels = append(g.tunnels, t)
		g.mu.Unlock()
		if err := g.buildTunnel(i, t, &keys); err != nil {
			return fmt.Errorf("tunnel %d: %w", i, err)
		}
	}
	return g.route()
}

func (g *Group) ifname(i int) string { return fmt.Sprintf("%s%d", g.cfg.IfPrefix, i) }

func (g *Group) buildTunnel(i int, t *tunnel, keys *keySource) error {
	c := g.cfg
	port := c.Port + uint16(i)
	la := netip.AddrPortFrom(c.A.Underlay, port)
	lb := netip.AddrPortFrom(c.B.Underlay, port)
	switch c.Kind {
	case ESP:
		ab, err := keys.sa(la, lb)
		if err != nil {
			return err
		}
		ba, err := keys.sa(lb, la)
		if err != nil {
			return err
		}
		for k, sa := range [][2]espSA{{ab, ba}, {ba, ab}} {
			e, err := newESPEnd(g.sides[k], g.ifname(i), c.MTU, sa[0], sa[1], c.RateLimit)
			if err != nil {
				return err
			}
			t.ends[k] = e
		}
	case WireGuard:
		ka, err := newWGKey()
		if err != nil {
			return err
		}
		kb, err := newWGKey()
		if err != nil {
			return err
		}
		ends := []struct {
			own, peer     wgKey
			local, remote netip.AddrPort
			peerPrefixes  []netip.Prefix
		}{{ka, kb, la, lb, c.B.Prefixes}, {kb, ka, lb, la, c.A.Prefixes}}
		for k, x := range ends {
			e, err := newWGEnd(g.sides[k], g.ifname(i), c.MTU, x.own, x.peer, x.local, x.remote, x.peerPrefixes, c.RateLimit, c.Logger)
			if err != nil {
				return err
			}
			t.ends[k] = e
		}
	}
	for k := range 2 {
		idx, err := g.sides[k].tunIndex(g.ifname(i))
		if err != nil {
			return err
		}
		g.sides[k].ifindex = append(g.sides[k].ifindex, idx)
	}
	return nil
}

func openSide(s Side, routed []netip.Prefix) (*side, error) {
	h, err := netns.Open(s.Namespace)
	if err != nil {
		return nil, err
	}
	sd := &side{cfg: s, ns: h, routed: routed}
	sd.nl, err = netlink.NewHandleAt(h, unix.NETLINK_ROUTE)
	if err != nil {
		return sd, fmt.Errorf("netlink handle in %s: %w", s.Namespace, err)
	}
	// L4 multipath hash: a flow's packets (same 5-tuple) take one nexthop,
	// so one TCP connection stays on one tunnel and is not reordered.
	err = netns.DoHandle(h, func() error {
		const p = "/proc/sys/net/ipv4/fib_multipath_hash_policy"
		if err := os.WriteFile(p, []byte("1"), 0o644); err != nil {
			return fmt.Errorf("set %s: %w", p, err)
		}
		return nil
	})
	if err != nil {
		return sd, fmt.Errorf("gateway %s: %w", s.Namespace, err)
	}
	return sd, nil
}

// tunIndex returns the index of the TUN interface with that name.
func (s *side) tunIndex(name string) (int, error) {
	l, err := s.nl.LinkByName(name)
	if err != nil {
		return 0, fmt.Errorf("find %s in %s: %w", name, s.cfg.Namespace, err)
	}
	return l.Attrs().Index, nil
}

func (s *side) setUp(name string) error {
	l, err := s.nl.LinkByName(name)
	if err != nil {
		return fmt.Errorf("find %s in %s: %w", name, s.cfg.Namespace, err)
	}
	if err := s.nl.LinkSetUp(l); err != nil {
		return fmt.Errorf("set %s up in %s: %w", name, s.cfg.Namespace, err)
	}
	return nil
}

// program routes the side's routed prefixes over the given TUN interfaces:
// one nexthop, an ECMP multipath route, or no route when none is left.
func (s *side) program(up []int) error {
	for _, p := range s.routed {
		r := &netlink.Route{Dst: ipNet(p)}
		switch len(up) {
		case 0:
			if err := s.nl.RouteDel(r); err != nil && !errors.Is(err, unix.ESRCH) {
				return fmt.Errorf("delete route %s in %s: %w", p, s.cfg.Namespace, err)
			}
			continue
		case 1:
			r.LinkIndex = up[0]
		default:
			for _, idx := range up {
				r.MultiPath = append(r.MultiPath, &netlink.NexthopInfo{LinkIndex: idx})
			}
		}
		if err := s.nl.RouteReplace(r); err != nil {
			return fmt.Errorf("route %s over %d tunnels in %s: %w", p, len(up), s.cfg.Namespace, err)
		}
	}
	return nil
}

func (s *side) close() {
	if s.nl != nil {
		s.nl.Close()
	}
	if s.ns.IsOpen() {
		s.ns.Close()
	}
}

// route programs both sides for the tunnels that are up.
func (g *Group) route() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.routeLocked()
}

func (g *Group) routeLocked() error {
	for _, s := range g.sides {
		var up []int
		for i, t := range g.tunnels {
			if t.routed() && i < len(s.ifindex) {
				up = append(up, s.ifindex[i])
			}
		}
		if err := s.program(up); err != nil {
			return err
		}
	}
	return nil
}

// Tunnels returns the number of tunnels the group was built with.
func (g *Group) Tunnels() int { return g.cfg.Tunnels }

// Kind returns the group's tunnel kind.
func (g *Group) Kind() Kind { return g.cfg.Kind }

// Interfaces returns the TUN interface names, by tunnel (the same at both
// gateways).
func (g *Group) Interfaces() []string {
	out := make([]string, g.cfg.Tunnels)
	for i := range out {
		out[i] = g.ifname(i)
	}
	return out
}

// Stats returns every tunnel's counters.
func (g *Group) Stats() []TunnelStats {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]TunnelStats, len(g.tunnels))
	for i, t := range g.tunnels {
		out[i] = TunnelStats{Index: i, Up: t.up, Routed: t.routed(), A: t.last[0], B: t.last[1]}
		if t.up {
			for k, e := range t.ends {
				if e != nil {
					s := e.Stats()
					if k == 0 {
						out[i].A = s
					} else {
						out[i].B = s
					}
				}
			}
		}
	}
	return out
}

// Down takes tunnel i out of the group: it removes the tunnel's nexthop
// from both gateways' routes first, so that its flows move to the other
// tunnels, and then closes both ends (their TUN interfaces disappear). When
// it was the last tunnel, the routes are deleted. Down of a tunnel already
// down does nothing.
func (g *Group) Down(i int) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return errors.New("hpe down: group closed")
	}
	if i < 0 || i >= len(g.tunnels) {
		return fmt.Errorf("hpe down: no tunnel %d of %d", i, len(g.tunnels))
	}
	t := g.tunnels[i]
	if !t.up {
		return nil
	}
	t.up = false
	for k, e := range t.ends {
		t.last[k] = e.Stats()
	}
	rerr := g.routeLocked()
	var errs []error
	if rerr != nil {
		errs = append(errs, fmt.Errorf("hpe down %d: %w", i, rerr))
	}
	for _, e := range t.ends {
		if err := e.Close(); err != nil {
			errs = append(errs, fmt.Errorf("hpe down %d: %w", i, err))
		}
	}
	return errors.Join(errs...)
}

// Err returns the link monitor's last failure to reprogram the routes, or
// nil.
func (g *Group) Err() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.routeErr
}

// Close stops the link monitor, deletes the group's routes, closes every
// tunnel (their TUN interfaces disappear) and releases the namespace
// handles. It is idempotent.
func (g *Group) Close() error {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return nil
	}
	g.closed = true
	g.mu.Unlock()
	// The monitor takes the lock; stop it before holding the lock for good.
	close(g.stop)
	g.monitor.Wait()
	g.mu.Lock()
	defer g.mu.Unlock()
	var errs []error
	for _, s := range g.sides {
		if s != nil && s.nl != nil {
			if err := s.program(nil); err != nil {
				errs = append(errs, err)
			}
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, t := range g.tunnels {
		for k, e := range t.ends {
			if e == nil {
				continue
			}
			if t.up {
				t.last[k] = e.Stats()
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := e.Close(); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}()
		}
		t.up = false
	}
	wg.Wait()
	for _, s := range g.sides {
		if s != nil {
			s.close()
		}
	}
	return errors.Join(errs...)
}

func ipNet(p netip.Prefix) *net.IPNet {
	bits := 32
	if p.Addr().Is6() {
		bits = 128
	}
	return &net.IPNet{IP: net.IP(p.Masked().Addr().AsSlice()), Mask: net.CIDRMask(p.Bits(), bits)}
}
