package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/bfd"
	"github.com/mcnlab/mcnlab/dataplane/bgp"
	"github.com/mcnlab/mcnlab/dataplane/firenet"
	"github.com/mcnlab/mcnlab/dataplane/flowexport"
	"github.com/mcnlab/mcnlab/dataplane/policy"
	"github.com/mcnlab/mcnlab/dataplane/wg"
)

// fakeSys is a recording sys: each tunnel, overlay and BGP call becomes a
// line of text (take returns them), the nftables calls go to a policy.Fake,
// and the FIB keeps the routes it was last given. A call whose line starts
// with a key of failing fails with its error.
type fakeSys struct {
	nft *policy.Fake
	// fwRoutes are FireNet's firewall routes; every firewall answers
	// its probes.
	fwRoutes firenet.FakeRoutes
	// fwNFT is FireNet's own nftables connection.
	fwNFT *policy.Fake

	mu      sync.Mutex // guards the fields below
	calls   []string
	failing map[string]error
	routes  map[netip.Prefix][]netip.Addr
	// routesVersion counts the syncs that changed routes.
	routesVersion uint64
	// paths are what the speaker's sessions would have learned; a path is
	// best while the session to its Peer is configured.
	paths    []bgp.Path
	sessions map[netip.Addr]bool
	// established are the sessions Established reports.
	established map[netip.Addr]bool
	// bfd are the running BFD sessions by peer.
	bfd map[netip.Addr]*fakeBFD
	// exporter is the last flow export started.
	exporter *fakeExporter
}

func newFakeSys() *fakeSys {
	return &fakeSys{nft: policy.NewFake(), fwNFT: policy.NewFake(), failing: map[string]error{}, routes: map[netip.Prefix][]netip.Addr{}, sessions: map[netip.Addr]bool{},
		established: map[netip.Addr]bool{}, bfd: map[netip.Addr]*fakeBFD{}}
}

// answering is a firewall prober that always gets its answer.
type answering struct{}

func (answering) Probe(netip.Addr, int, time.Duration) error { return nil }
func (answering) Close() error                               { return nil }

// sys returns the engine's view of f.
func (f *fakeSys) sys() sys {
	return sys{
		tunnels:  fakeTunnels{f},
		overlays: fakeOverlays{f},
		bfd:      fakeBFDs{f},
		nft:      f.nft,
		fib:      fakeFIB{f},
		firenet:  firenet.Deps{NFT: f.fwNFT, Routes: &f.fwRoutes, Probe: func(firenet.Firewall) (firenet.Prober, error) { return answering{}, nil }},
		newSpeaker: func(_ context.Context, c bgp.Config) (speaker, error) {
			if err := f.record("bgp start: as %d router-id %s", c.ASN, c.RouterID); err != nil {
				return nil, err
			}
			return &fakeSpeaker{f: f, done: make(chan struct{})}, nil
		},
		startFlows: func(c flowexport.Config, domain func(netip.Addr) string, _ *slog.Logger) (flowExporter, error) {
			if err := f.record("flows start: %s every %s domain %d", c.Collector, c.Interval, c.DomainID); err != nil {
				return nil, err
			}
			x := &fakeExporter{f: f}
			x.domain.Store(&domain)
			f.mu.Lock()
			f.exporter = x
			f.mu.Unlock()
			return x, nil
		},
		close: func() {},
	}
}

// fakeExporter is a flow export that records its life and keeps how it
// names domains.
type fakeExporter struct {
	f      *fakeSys
	domain atomic.Pointer[func(netip.Addr) string]
}

func (x *fakeExporter) SetDomain(d func(netip.Addr) string) {
	x.domain.Store(&d)
	_ = x.f.record("flows set domains")
}

func (x *fakeExporter) Close() error { return x.f.record("flows close") }

// name is how the export names a's domain now.
func (x *fakeExporter) name(a string) string { return (*x.domain.Load())(netip.MustParseAddr(a)) }

// record adds a line and returns the error configured for it.
func (f *fakeSys) record(format string, args ...any) error {
	line := fmt.Sprintf(format, args...)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, line)
	for prefix, err := range f.failing {
		if strings.HasPrefix(line, prefix) {
			return fmt.Errorf("fake: %s: %w", line, err)
		}
	}
	return nil
}

// fail makes the calls whose line starts with prefix fail with err (nil:
// succeed again).
func (f *fakeSys) fail(prefix string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err == nil {
		delete(f.failing, prefix)
	} else {
		f.failing[prefix] = err
	}
}

// learn sets the paths the sessions would have learned.
func (f *fakeSys) learn(paths ...bgp.Path) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.paths = paths
}

// installed returns the routes the FIB was last given, next hops sorted.
func (f *fakeSys) installed() map[netip.Prefix][]netip.Addr {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[netip.Prefix][]netip.Addr{}
	for p, hops := range f.routes {
		out[p] = slices.SortedFunc(slices.Values(hops), netip.Addr.Compare)
	}
	return out
}

// take returns the lines recorded since the last take.
func (f *fakeSys) take() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.calls
	f.calls = nil
	return out
}

type fakeTunnels struct{ f *fakeSys }

func (t fakeTunnels) open(key wg.Key, mtu int, p Peer, _ proberHooks) (*tunnel, error) {
	if err := t.f.record("tunnel %s open: address %s mtu %d", p.Interface(), p.Address, mtu); err != nil {
		return nil, err
	}
	dev := &fakeDevice{f: t.f, ifname: p.Interface()}
	if err := dev.Apply(wgConfig(key, p)); err != nil {
		return nil, err
	}
	dev.peer = p.PeerAddress
	return &tunnel{ifname: p.Interface(), dev: dev, peer: p.PeerAddress}, nil
}

func (t fakeTunnels) setMTU(tu *tunnel, mtu int) error {
	return t.f.record("tunnel %s mtu %d", tu.ifname, mtu)
}

// packets answers the tunnel's fake counters: none.
func (t fakeTunnels) packets(*tunnel) (rx, tx uint64, err error) { return 0, 0, nil }

// fakeDevice records a tunnel's WireGuard settings: the first byte of each
// key (as the tests' keys differ there), the peer's endpoint and the
// listen port.
type fakeDevice struct {
	f      *fakeSys
	ifname string
	peer   netip.Addr
}

func (d *fakeDevice) Apply(c wg.Config) error {
	p := c.Peers[0]
	return d.f.record("tunnel %s wireguard: key %d peer %d endpoint %s listen %d", d.ifname, c.PrivateKey[0], p.PublicKey[0], p.Endpoint, c.ListenPort)
}

func (d *fakeDevice) Stats() ([]wg.PeerStats, error) { return nil, nil }

// Close records the close, and whether routes through the tunnel were
// still installed (the kernel would drop them with the interface, behind
// the engine's back).
func (d *fakeDevice) Close() error {
	d.f.mu.Lock()
	var via []netip.Prefix
	for p, hops := range d.f.routes {
		if slices.Contains(hops, d.peer) {
			via = append(via, p)
		}
	}
	d.f.mu.Unlock()
	if len(via) > 0 {
		return d.f.record("tunnel %s close with routes %v still through it", d.ifname, via)
	}
	return d.f.record("tunnel %s close", d.ifname)
}

type fakeOverlays struct{ f *fakeSys }

func (o fakeOverlays) openVXLAN(n Neighbor) error {
	v := n.VXLAN
	return o.f.record("vxlan %s open: vni %d %s -> %s:%d address %s mtu %d", n.VXLANInterface(), v.VNI, v.Local, v.Remote, v.Port, v.Address, v.MTU)
}

func (o fakeOverlays) closeVXLAN(n Neighbor) error {
	return o.f.record("vxlan %s close", n.VXLANInterface())
}

// fakeSpeaker records the session and prefix calls; it has no sessions
// up and no paths.
type fakeSpeaker struct {
	f         *fakeSys
	closeOnce sync.Once
	done      chan struct{} // closed by Close
}

func (s *fakeSpeaker) AddPeer(_ context.Context, pc bgp.PeerConfig) error {
	if err := s.f.record("bgp add peer %s as %d%s", pc.Address, pc.ASN, peerOpts(pc)); err != nil {
		return err
	}
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	s.f.sessions[pc.Address] = true
	return nil
}

func (s *fakeSpeaker) UpdatePeer(_ context.Context, pc bgp.PeerConfig) error {
	return s.f.record("bgp update peer %s as %d%s", pc.Address, pc.ASN, peerOpts(pc))
}

// peerOpts prints the session settings that the tests change.
func peerOpts(pc bgp.PeerConfig) string {
	var b strings.Builder
	if pc.Passive {
		b.WriteString(" passive")
	}
	if pc.Prepend > 0 {
		fmt.Fprintf(&b, " prepend %d", pc.Prepend)
	}
	if pc.ManualApproval {
		fmt.Fprintf(&b, " approved %v", pc.Approved)
	}
	return b.String()
}

func (s *fakeSpeaker) DeletePeer(_ context.Context, addr netip.Addr) error {
	if err := s.f.record("bgp delete peer %s", addr); err != nil {
		return err
	}
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	delete(s.f.sessions, addr)
	return nil
}

func (s *fakeSpeaker) Advertise(_ context.Context, p netip.Prefix, _ netip.Addr) error {
	return s.f.record("bgp advertise %s", p)
}

func (s *fakeSpeaker) Withdraw(_ context.Context, p netip.Prefix) error {
	return s.f.record("bgp withdraw %s", p)
}

// NextHops folds the learned paths of the configured sessions that keep
// accepts.
func (s *fakeSpeaker) NextHops(_ context.Context, keep func(bgp.Path) bool) (map[netip.Prefix][]netip.Addr, error) {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	var out []bgp.Path
	for _, p := range s.f.paths {
		if s.f.sessions[p.Peer] && keep(p) {
			out = append(out, p)
		}
	}
	return bgp.NextHops(out), nil
}

func (s *fakeSpeaker) Peers(context.Context) ([]bgp.PeerState, error) { return nil, nil }

func (s *fakeSpeaker) Established(context.Context) (map[netip.Addr]bool, error) {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	return maps.Clone(s.f.established), nil
}

// setEstablished marks the session to addr established or not.
func (f *fakeSys) setEstablished(addr netip.Addr, up bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if up {
		f.established[addr] = true
	} else {
		delete(f.established, addr)
	}
}

// fakeBFDs starts fake BFD sessions; each neighbour's local address is
// 192.0.2.254.
type fakeBFDs struct{ f *fakeSys }

func (b fakeBFDs) localAddress(netip.Addr) (netip.Addr, error) {
	return netip.MustParseAddr("192.0.2.254"), nil
}

func (b fakeBFDs) start(cfg bfd.Config) (bfdSession, error) {
	if err := b.f.record("bfd start %s local %s", cfg.Peer, cfg.Local); err != nil {
		return nil, err
	}
	s := &fakeBFD{f: b.f, peer: cfg.Peer, onChange: cfg.OnChange}
	b.f.mu.Lock()
	defer b.f.mu.Unlock()
	b.f.bfd[cfg.Peer] = s
	return s, nil
}

// fakeBFD is a BFD session whose state the test sets (setBFD).
type fakeBFD struct {
	f        *fakeSys
	peer     netip.Addr
	onChange func(bfd.Change)
	stats    bfd.Stats // guarded by f.mu
	closed   bool      // guarded by f.mu
}

func (s *fakeBFD) Peer() netip.Addr { return s.peer }

func (s *fakeBFD) Stats() bfd.Stats {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	return s.stats
}

func (s *fakeBFD) Close() error {
	s.f.mu.Lock()
	if s.closed {
		s.f.mu.Unlock()
		return nil
	}
	s.closed = true
	if s.f.bfd[s.peer] == s {
		delete(s.f.bfd, s.peer)
	}
	s.f.mu.Unlock()
	return s.f.record("bfd stop %s", s.peer)
}

// setBFD moves the running session to peer to state, as packets would;
// false when none runs.
func (f *fakeSys) setBFD(peer netip.Addr, state bfd.State) bool {
	f.mu.Lock()
	s := f.bfd[peer]
	if s != nil {
		s.stats.State = state
		s.stats.EverUp = s.stats.EverUp || state == bfd.Up
	}
	f.mu.Unlock()
	if s != nil && s.onChange != nil {
		s.onChange(bfd.Change{})
	}
	return s != nil
}

func (s *fakeSpeaker) Watch(ctx context.Context, _ func([]bgp.PathEvent)) error { return s.wait(ctx) }

func (s *fakeSpeaker) WatchSessions(ctx context.Context, _ func()) error { return s.wait(ctx) }

func (s *fakeSpeaker) wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-s.done:
		return bgp.ErrClosed
	}
}

func (s *fakeSpeaker) Close() error {
	s.closeOnce.Do(func() { close(s.done) })
	s.f.mu.Lock()
	clear(s.f.sessions)
	s.f.mu.Unlock()
	return s.f.record("bgp stop")
}

// fakeFIB keeps the routes it was last given; its syncs run from the
// engine's loop at times of their own, so they are not recorded as calls.
type fakeFIB struct{ f *fakeSys }

func (r fakeFIB) Sync(_ context.Context, desired map[netip.Prefix][]netip.Addr) error {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	if !maps.EqualFunc(r.f.routes, desired, slices.Equal) {
		r.f.routesVersion++
	}
	r.f.routes = maps.Clone(desired)
	return nil
}

func (r fakeFIB) Version() uint64 {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	return r.f.routesVersion
}

func (r fakeFIB) Routes() (map[netip.Prefix][]netip.Addr, error) {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	return maps.Clone(r.f.routes), nil
}

func (r fakeFIB) Invalidate() {}

func (r fakeFIB) Close() error { return r.f.record("fib close") }

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
