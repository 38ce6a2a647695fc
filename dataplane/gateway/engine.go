package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/nftables"
	"github.com/vishvananda/netlink"

	"github.com/mcnlab/mcnlab/dataplane/bfd"
	"github.com/mcnlab/mcnlab/dataplane/bgp"
	"github.com/mcnlab/mcnlab/dataplane/fib"
)

// ErrInvalid marks a Config refused by Validate; nothing was changed.
var ErrInvalid = errors.New("invalid gateway configuration")

// ErrClosed is returned by calls on a closed Engine.
var ErrClosed = errors.New("gateway engine closed")

// resyncEvery is how often the FIB is re-synced without a BGP event, which
// retries routes that failed (a next hop whose tunnel was not up yet).
const resyncEvery = 2 * time.Second

// Options tune an Engine.
type Options struct {
	// Name, when set, is the gateway's name: a Config naming another
	// gateway is refused, so a controller cannot configure the wrong one.
	Name string
	// Logger receives the engine's log; nil discards it.
	Logger *slog.Logger
	// BGPPort is the TCP port the speaker listens on; 0 means 179.
	BGPPort int32
}

// Engine runs one gateway: tunnels, BGP speaker and FIB, in the calling
// process's network namespace. Its methods are safe for concurrent use;
// Apply calls are serialised.
type Engine struct {
	name    string
	log     *slog.Logger
	bgpPort int32
	nl      *netlink.Handle
	nft     nftPolicy
	fib     *fib.FIB
	speaker atomic.Pointer[bgp.Speaker] // nil until the first Apply
	kick    chan struct{}               // capacity 1: "sync the FIB"
	curName atomic.Pointer[string]      // cur.Name, readable during an Apply
	cancel  context.CancelFunc          // stops the goroutines below
	wg      sync.WaitGroup              // FIB sync loop and Watch loops

	lmu     sync.Mutex             // guards the two fields below
	probers map[netip.Addr]*prober // by the peer's inner address
	// restarted are peers (by inner address) whose prober saw them
	// restart and whose BGP session resetLoop has not reset yet: their
	// paths are stale.
	restarted map[netip.Addr]bool
	// bfd are the BFD sessions of plain neighbours, by the neighbour's
	// address, and bfdLocal their local addresses (bfd.go).
	bfd      map[netip.Addr]*bfd.Session
	bfdLocal map[netip.Addr]netip.Addr
	// bgpUp holds when each neighbour's BGP session was first seen
	// established (bfd.go); guarded by mu.
	bgpUp map[netip.Addr]time.Time
	// bfdTimer is set while a timer waits to start a BFD session.
	bfdTimer atomic.Bool
	reset    chan struct{} // capacity 1: "reset the restarted peers"
	boot     string        // this run's random ID (Boot)

	mu      sync.Mutex // guards the fields below; held for a whole Apply
	closed  bool
	applied bool // a speaker runs with cur's ASN and router ID
	cur     Config
	tunnels map[string]*tunnel // by peer name
}

// New starts an engine with nothing configured.
func New(opts Options) (*Engine, error) {
	nl, err := netlink.NewHandle()
	if err != nil {
		return nil, fmt.Errorf("gateway: netlink handle: %w", err)
	}
	nc, err := nftables.New()
	if err != nil {
		nl.Close()
		return nil, fmt.Errorf("gateway: nftables: %w", err)
	}
	nft := nftPolicy{conn: nc}
	if err := nft.start(); err != nil {
		nl.Close()
		return nil, fmt.Errorf("gateway: %w", err)
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var boot [8]byte
	rand.Read(boot[:]) // never fails (crypto/rand)
	e := &Engine{
		boot:      hex.EncodeToString(boot[:]),
		name:      opts.Name,
		log:       logger,
		bgpPort:   opts.BGPPort,
		nl:        nl,
		nft:       nft,
		fib:       fib.New(nl, fib.Options{}),
		kick:      make(chan struct{}, 1),
		cancel:    cancel,
		tunnels:   make(map[string]*tunnel),
		probers:   make(map[netip.Addr]*prober),
		restarted: make(map[netip.Addr]bool),
		bfd:       make(map[netip.Addr]*bfd.Session),
		bfdLocal:  make(map[netip.Addr]netip.Addr),
		bgpUp:     make(map[netip.Addr]time.Time),
		reset:     make(chan struct{}, 1),
	}
	e.wg.Add(2)
	go e.syncLoop(ctx)
	go e.resetLoop(ctx)
	return e, nil
}

// Boot identifies this run of the engine: drawn at random when it starts,
// so a restarted gateway answers a new one.
func (e *Engine) Boot() string { return e.boot }

// Name returns the gateway's name: Options.Name, else the applied Config's.
// Unlike Config and Status, it does not wait for an Apply in progress.
func (e *Engine) Name() string {
	if e.name != "" {
		return e.name
	}
	if n := e.curName.Load(); n != nil {
		return *n
	}
	return ""
}

// Config returns the configuration in place: what the last Apply achieved,
// which is the desired one unless Apply failed part-way. It waits for an
// Apply in progress.
func (e *Engine) Config() Config {
	e.mu.Lock()
	defer e.mu.Unlock()
	return cloneConfig(e.cur)
}

// Apply makes want the configuration in place, changing only the
// difference. An invalid want returns an error wrapping ErrInvalid and
// changes nothing. Otherwise each peer, neighbour and prefix is handled on
// its own: one that fails is left out (a failed peer is torn down whole),
// the others still apply, and the errors are returned joined; Config then
// shows what is in place, and applying again retries.
func (e *Engine) Apply(ctx context.Context, want Config) error {
	want = cloneConfig(want)
	if err := want.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if e.name != "" && want.Name != "" && want.Name != e.name {
		return fmt.Errorf("%w: config is for gateway %q, this is %q", ErrInvalid, want.Name, e.name)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return fmt.Errorf("gateway apply: %w", ErrClosed)
	}
	var cur *Config
	if e.applied {
		cur = &e.cur
	}
	p := diff(cur, &want)
	e.log.Info("apply", "config", want.String(), "plan", fmt.Sprintf("%+v", p))
	defer e.kickFIB()
	if p.Restart {
		if err := e.restartLocked(ctx, want); err != nil {
			return fmt.Errorf("gateway apply: %w", err)
		}
	}
	sp := e.speaker.Load()
	var errs []error
	fail := func(err error) {
		e.log.Error("apply", "err", err)
		errs = append(errs, err)
	}
	e.cur.Name = want.Name
	e.curName.Store(&want.Name)

	// Removals first: a removed session withdraws its routes before its
	// tunnel goes.
	for _, name := range p.RemovePeers {
		if err := e.removePeerLocked(ctx, name); err != nil {
			fail(err)
		}
	}
	for _, name := range p.RemoveNeighbors {
		if err := e.removeNeighborLocked(ctx, name); err != nil {
			fail(err)
		}
	}
	for _, pfx := range p.Withdraw {
		if err := sp.Withdraw(ctx, pfx); err != nil {
			fail(err)
			continue
		}
		e.cur.Prefixes = slices.DeleteFunc(e.cur.Prefixes, func(x netip.Prefix) bool { return x == pfx })
	}

	// Changes to every kept tunnel.
	e.cur.PrivateKey, e.cur.MTU = want.PrivateKey, want.MTU
	if p.Rekey || p.MTU {
		for _, cp := range slices.Clone(e.cur.Peers) {
			t := e.tunnels[cp.Name]
			var err error
			if p.Rekey {
				err = t.dev.Apply(wgConfig(want.PrivateKey, cp))
			}
			if err == nil && p.MTU {
				err = t.setMTU(e.nl, want.MTU)
			}
			if err != nil {
				fail(errors.Join(fmt.Errorf("peer %s: %w", cp.Name, err), e.removePeerLocked(ctx, cp.Name)))
			}
		}
	}
	wantPeer := func(name string) Peer {
		return want.Peers[slices.IndexFunc(want.Peers, func(x Peer) bool { return x.Name == name })]
	}
	for _, name := range p.TunnelPeers {
		np, t := wantPeer(name), e.tunnels[name]
		if t == nil {
			continue // torn down above
		}
		if err := t.dev.Apply(wgConfig(want.PrivateKey, np)); err != nil {
			fail(errors.Join(fmt.Errorf("update peer %s: %w", name, err), e.removePeerLocked(ctx, name)))
			continue
		}
		e.setPeerLocked(func(c *Peer) { c.PublicKey, c.Endpoint, c.ListenPort = np.PublicKey, np.Endpoint, np.ListenPort }, name)
	}
	for _, name := range p.BGPPeers {
		np := wantPeer(name)
		if e.tunnels[name] == nil {
			continue
		}
		if err := sp.UpdatePeer(ctx, peerBGP(np)); err != nil {
			fail(errors.Join(fmt.Errorf("update peer %s: %w", name, err), e.removePeerLocked(ctx, name)))
			continue
		}
		e.setPeerLocked(func(c *Peer) {
			c.ASN, c.Prepend, c.Import, c.Export = np.ASN, np.Prepend, np.Import, np.Export
			c.Approval, c.Approved = np.Approval, np.Approved
		}, name)
	}
	for _, name := range p.Overlays {
		nn := want.Neighbors[slices.IndexFunc(want.Neighbors, func(x Neighbor) bool { return x.Name == name })]
		if err := openVXLAN(e.nl, nn); err != nil {
			fail(errors.Join(fmt.Errorf("neighbor %s: %w", name, err), e.removeNeighborLocked(ctx, name)))
			continue
		}
		v := *nn.VXLAN
		e.cur.Neighbors[slices.IndexFunc(e.cur.Neighbors, func(n Neighbor) bool { return n.Name == name })].VXLAN = &v
		e.kickFIB() // the kernel dropped the routes through the old interface
	}
	for _, name := range p.UpdateNeighbors {
		nn := want.Neighbors[slices.IndexFunc(want.Neighbors, func(x Neighbor) bool { return x.Name == name })]
		if err := sp.UpdatePeer(ctx, neighborBGP(nn)); err != nil {
			fail(fmt.Errorf("update neighbor %s: %w", name, err))
			continue
		}
		i := slices.IndexFunc(e.cur.Neighbors, func(n Neighbor) bool { return n.Name == name })
		e.cur.Neighbors[i] = nn
	}

	// Additions.
	for _, name := range p.AddPeers {
		if err := e.addPeerLocked(ctx, wantPeer(name)); err != nil {
			fail(err)
		}
	}
	for _, name := range p.AddNeighbors {
		nn := want.Neighbors[slices.IndexFunc(want.Neighbors, func(x Neighbor) bool { return x.Name == name })]
		if err := e.addNeighborLocked(ctx, nn); err != nil {
			fail(err)
		}
	}
	for _, pfx := range p.Advertise {
		if err := sp.Advertise(ctx, pfx, unspecified(pfx)); err != nil {
			fail(err)
			continue
		}
		e.cur.Prefixes = append(e.cur.Prefixes, pfx)
	}
	if p.Segmentation {
		if err := e.nft.setSegmentation(want.Segmentation); err != nil {
			fail(err) // the old policy stays whole: one transaction
		} else {
			e.cur.Segmentation = cloneSegmentation(want.Segmentation)
		}
	}
	sortConfig(&e.cur)
	e.syncBFDLocked(ctx)
	if len(errs) > 0 {
		return fmt.Errorf("gateway apply: %w", errors.Join(errs...))
	}
	return nil
}

// unspecified is the next hop of a local prefix: GoBGP replaces it with the
// session's local address when it sends the route.
func unspecified(p netip.Prefix) netip.Addr {
	if p.Addr().Is4() {
		return netip.IPv4Unspecified()
	}
	return netip.IPv6Unspecified()
}

// restartLocked tears everything down and starts a speaker for want's ASN
// and router ID, with nothing configured on it yet. The segmentation
// policy, which BGP does not touch, stays.
func (e *Engine) restartLocked(ctx context.Context, want Config) error {
	seg := e.cur.Segmentation
	err := e.teardownLocked(ctx)
	e.applied = false
	if err != nil {
		return err
	}
	sp, err := bgp.New(ctx, bgp.Config{ASN: want.ASN, RouterID: want.RouterID, ListenPort: e.bgpPort, Logger: e.log})
	if err != nil {
		return err
	}
	e.speaker.Store(sp)
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		// Ends with ErrClosed when the speaker is replaced or closed.
		_ = sp.Watch(context.Background(), func([]bgp.PathEvent) { e.kickFIB() })
	}()
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		// A session coming up or going down starts or stops its BFD
		// session (bfd.go) at the next sync, not at the next tick.
		_ = sp.WatchSessions(context.Background(), e.kickFIB)
	}()
	e.applied = true
	e.cur = Config{Name: want.Name, ASN: want.ASN, RouterID: want.RouterID, PrivateKey: want.PrivateKey, MTU: want.MTU, Segmentation: seg}
	return nil
}

// teardownLocked closes the speaker, every tunnel and every overlay.
func (e *Engine) teardownLocked(ctx context.Context) error {
	var errs []error
	if sp := e.speaker.Swap(nil); sp != nil {
		errs = append(errs, sp.Close())
	}
	for name, t := range e.tunnels {
		e.setProber(t.peer, nil)
		errs = append(errs, t.close())
		delete(e.tunnels, name)
	}
	errs = append(errs, e.closeOverlaysLocked())
	e.cur = Config{}
	e.syncBFDLocked(ctx)
	if err := e.syncFIB(ctx); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// closeOverlaysLocked removes the VXLAN interface of every neighbour in cur
// that has one.
func (e *Engine) closeOverlaysLocked() error {
	var errs []error
	for _, n := range e.cur.Neighbors {
		if n.VXLAN != nil {
			errs = append(errs, closeVXLAN(e.nl, n))
		}
	}
	return errors.Join(errs...)
}

// addNeighborLocked creates the neighbour's overlay, if it has one, then
// its session; on error it removes what it made.
func (e *Engine) addNeighborLocked(ctx context.Context, n Neighbor) error {
	if n.VXLAN != nil {
		if err := openVXLAN(e.nl, n); err != nil {
			return fmt.Errorf("add neighbor %s: %w", n.Name, err)
		}
	}
	if err := e.speaker.Load().AddPeer(ctx, neighborBGP(n)); err != nil {
		err = fmt.Errorf("add neighbor %s: %w", n.Name, err)
		if n.VXLAN != nil {
			err = errors.Join(err, closeVXLAN(e.nl, n))
		}
		return err
	}
	e.cur.Neighbors = append(e.cur.Neighbors, n)
	return nil
}

// removeNeighborLocked deletes the neighbour's session, then its overlay.
// A neighbour whose session cannot be deleted stays in cur; one whose
// overlay cannot be removed leaves it.
func (e *Engine) removeNeighborLocked(ctx context.Context, name string) error {
	i := slices.IndexFunc(e.cur.Neighbors, func(n Neighbor) bool { return n.Name == name })
	if i < 0 {
		return nil
	}
	n := e.cur.Neighbors[i]
	if err := e.speaker.Load().DeletePeer(ctx, n.Address); err != nil {
		return fmt.Errorf("remove neighbor %s: %w", name, err)
	}
	e.cur.Neighbors = slices.Delete(e.cur.Neighbors, i, i+1)
	if n.VXLAN == nil {
		return nil
	}
	// Take the routes through the overlay out of the FIB before it goes.
	if err := e.syncFIB(ctx); err != nil {
		e.log.Warn("fib sync", "err", err)
	}
	if err := closeVXLAN(e.nl, n); err != nil {
		return fmt.Errorf("remove neighbor %s: %w", name, err)
	}
	return nil
}

func (e *Engine) addPeerLocked(ctx context.Context, p Peer) error {
	hooks := proberHooks{
		Change:  func(bool) { e.kickFIB() },
		Restart: func() { e.peerRestarted(p.PeerAddress) },
	}
	t, err := openTunnel(e.nl, e.cur.PrivateKey, e.cur.MTU, p, hooks, e.log)
	if err != nil {
		return fmt.Errorf("add peer %s: %w", p.Name, err)
	}
	if err := e.speaker.Load().AddPeer(ctx, peerBGP(p)); err != nil {
		return errors.Join(fmt.Errorf("add peer %s: %w", p.Name, err), t.close())
	}
	e.tunnels[p.Name] = t
	e.setProber(t.peer, t.live)
	e.cur.Peers = append(e.cur.Peers, p)
	return nil
}

// removePeerLocked deletes the peer's session, then its tunnel. The peer
// leaves cur even when a step fails, since it is then broken anyway.
func (e *Engine) removePeerLocked(ctx context.Context, name string) error {
	i := slices.IndexFunc(e.cur.Peers, func(p Peer) bool { return p.Name == name })
	if i < 0 {
		return nil
	}
	p := e.cur.Peers[i]
	e.cur.Peers = slices.Delete(e.cur.Peers, i, i+1)
	var errs []error
	if sp := e.speaker.Load(); sp != nil {
		if err := sp.DeletePeer(ctx, p.PeerAddress); err != nil {
			errs = append(errs, err)
		}
	}
	// Take the dead next hop out of the FIB before its interface goes.
	if err := e.syncFIB(ctx); err != nil {
		e.log.Warn("fib sync", "err", err)
	}
	if t := e.tunnels[name]; t != nil {
		e.setProber(t.peer, nil)
		errs = append(errs, t.close())
		delete(e.tunnels, name)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("remove peer %s: %w", name, err)
	}
	return nil
}

func (e *Engine) setPeerLocked(set func(*Peer), name string) {
	i := slices.IndexFunc(e.cur.Peers, func(p Peer) bool { return p.Name == name })
	if i >= 0 {
		set(&e.cur.Peers[i])
	}
}

// setProber records (or, with nil, forgets) the liveness prober of the
// tunnel to the peer at inner address peer.
func (e *Engine) setProber(peer netip.Addr, p *prober) {
	e.lmu.Lock()
	defer e.lmu.Unlock()
	if p == nil {
		delete(e.probers, peer)
	} else {
		e.probers[peer] = p
	}
}

// deadHops returns the inner addresses of peers whose tunnel is down or
// whose paths are stale, and the addresses of neighbours whose BFD
// session went down.
func (e *Engine) deadHops() map[netip.Addr]bool {
	e.lmu.Lock()
	defer e.lmu.Unlock()
	dead := map[netip.Addr]bool{}
	for addr, p := range e.probers {
		if !p.Up() || e.restarted[addr] {
			dead[addr] = true
		}
	}
	e.deadNeighborsLocked(dead)
	return dead
}

// peerRestarted is a prober's Restart hook: the peer at inner address
// peer restarted, so the paths of our session with it are stale (their
// next hop has no routes any more) although BGP may not know yet. They
// leave the FIB at once, and resetLoop resets the session.
func (e *Engine) peerRestarted(peer netip.Addr) {
	e.lmu.Lock()
	e.restarted[peer] = true
	e.lmu.Unlock()
	e.kickFIB()
	select {
	case e.reset <- struct{}{}:
	default:
	}
}

// resetTimeout bounds one session reset.
const resetTimeout = 10 * time.Second

// resetLoop resets the BGP session of every restarted peer: deleting and
// adding it again drops its stale paths at once and starts a new session
// without waiting for the hold timer or GoBGP's idle hold time.
func (e *Engine) resetLoop(ctx context.Context) {
	defer e.wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case <-e.reset:
		}
		e.lmu.Lock()
		peers := slices.Collect(maps.Keys(e.restarted))
		e.lmu.Unlock()
		for _, peer := range peers {
			rctx, cancel := context.WithTimeout(ctx, resetTimeout)
			if err := e.resetPeer(rctx, peer); err != nil {
				e.log.Error("reset restarted peer", "peer", peer, "err", err)
			}
			cancel()
			e.lmu.Lock()
			delete(e.restarted, peer)
			e.lmu.Unlock()
			e.kickFIB()
		}
	}
}

// resetPeer deletes and re-adds the session to the peer at inner address
// addr, if it is still configured. If that fails, the peer is torn down
// whole, as a failed Apply would (Config then lacks it; a PUT retries).
func (e *Engine) resetPeer(ctx context.Context, addr netip.Addr) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	i := slices.IndexFunc(e.cur.Peers, func(p Peer) bool { return p.PeerAddress == addr })
	sp := e.speaker.Load()
	if e.closed || i < 0 || sp == nil {
		return nil
	}
	p := e.cur.Peers[i]
	e.log.Info("reset session of restarted peer", "peer", p.Name)
	err := sp.DeletePeer(ctx, addr)
	if err == nil {
		err = sp.AddPeer(ctx, peerBGP(p))
	}
	if err != nil {
		return errors.Join(fmt.Errorf("reset peer %s: %w", p.Name, err), e.removePeerLocked(ctx, p.Name))
	}
	return nil
}

// usablePaths drops the paths the FIB must not get: local ones (no peer or
// no next hop) and those whose next hop is a dead peer or neighbour (a
// tunnel down, a neighbour's BFD session down),
// so that an ECMP route shrinks to its live next hops and a route with
// none left goes, before BGP's hold timer notices.
func usablePaths(paths []bgp.Path, dead map[netip.Addr]bool) []bgp.Path {
	return slices.DeleteFunc(paths, func(p bgp.Path) bool {
		return !p.Peer.IsValid() || !p.NextHop.IsValid() || p.NextHop.IsUnspecified() || dead[p.NextHop]
	})
}

func (e *Engine) kickFIB() {
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

func (e *Engine) syncLoop(ctx context.Context) {
	defer e.wg.Done()
	t := time.NewTicker(resyncEvery)
	defer t.Stop()
	var last string
	for {
		select {
		case <-ctx.Done():
			return
		case <-e.kick:
		case <-t.C:
		}
		err := e.syncFIB(ctx)
		e.refreshBFD(ctx)
		// Log a failure once until it changes: the ticker retries it.
		if msg := fmt.Sprint(err); err != nil && msg != last {
			e.log.Warn("fib sync", "err", err)
			last = msg
		} else if err == nil {
			last = ""
		}
	}
}

// syncFIB makes the kernel routes equal the speaker's best paths learned
// from sessions (local prefixes are connected routes already), less those
// through dead tunnels.
func (e *Engine) syncFIB(ctx context.Context) error {
	want := map[netip.Prefix][]netip.Addr{}
	if sp := e.speaker.Load(); sp != nil {
		paths, err := sp.BestPaths(ctx)
		if err != nil {
			if errors.Is(err, bgp.ErrClosed) {
				return nil // replaced meanwhile; the next kick syncs
			}
			return fmt.Errorf("fib sync: %w", err)
		}
		want = bgp.NextHops(usablePaths(paths, e.deadHops()))
	}
	return e.fib.Sync(ctx, want)
}

// Close stops the speaker (its peers see the sessions close and withdraw at
// once), removes every tunnel and the routes it installed, and waits for its
// goroutines. It is idempotent.
func (e *Engine) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	e.cancel() // syncLoop and resetLoop; resetPeer sees closed
	var errs []error
	if sp := e.speaker.Swap(nil); sp != nil {
		errs = append(errs, sp.Close())
	}
	for name, t := range e.tunnels {
		e.setProber(t.peer, nil)
		errs = append(errs, t.close())
		delete(e.tunnels, name)
	}
	e.syncBFDLocked(context.Background()) // closed: closes every session
	errs = append(errs, e.closeOverlaysLocked())
	e.mu.Unlock()
	e.wg.Wait()
	errs = append(errs, e.fib.Close(), e.nft.close())
	e.nl.Close()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close gateway: %w", err)
	}
	return nil
}

// TunnelStatus is one tunnel's counters, for Status.
type TunnelStatus struct {
	Peer, Interface string
	Up              bool
	Endpoint        netip.AddrPort
	RxBytes         uint64
	TxBytes         uint64
	LastHandshake   time.Time
	// Liveness is the tunnel's prober; Up is its Up.
	Liveness LivenessStats
}

// SessionStatus is one BGP session, named after its peer or neighbour.
type SessionStatus struct {
	Name string
	bgp.PeerState
	// BFD is the neighbour's BFD session; nil for tunnel peers and for
	// neighbours without one.
	BFD *bfd.Stats
}

// Status is a snapshot of tunnels, sessions, installed routes and
// segmentation drops.
type Status struct {
	Name     string
	Tunnels  []TunnelStatus
	Sessions []SessionStatus
	Routes   map[netip.Prefix][]netip.Addr
	// Segmentation has one entry per denied ordered pair of domains, in
	// name order; nil without a segmentation policy.
	Segmentation []DomainDrops
}

// Status reports every tunnel, session and FIB route. It waits for an Apply
// in progress.
func (e *Engine) Status(ctx context.Context) (Status, error) {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return Status{}, fmt.Errorf("gateway status: %w", ErrClosed)
	}
	st := Status{Name: e.name}
	if st.Name == "" {
		st.Name = e.cur.Name
	}
	names := map[netip.Addr]string{}
	var errs []error
	for _, p := range e.cur.Peers {
		names[p.PeerAddress] = p.Name
		t := e.tunnels[p.Name]
		ts := TunnelStatus{Peer: p.Name, Interface: t.ifname}
		stats, err := t.dev.Stats()
		if err != nil {
			errs = append(errs, err)
		} else if len(stats) > 0 {
			s := stats[0]
			ts.Endpoint, ts.RxBytes, ts.TxBytes, ts.LastHandshake = s.Endpoint, s.RxBytes, s.TxBytes, s.LastHandshake
		}
		if t.live != nil {
			ts.Liveness = t.live.Stats()
			ts.Up = ts.Liveness.Up
		}
		st.Tunnels = append(st.Tunnels, ts)
	}
	for _, n := range e.cur.Neighbors {
		names[n.Address] = n.Name
	}
	if e.cur.Segmentation != nil {
		drops, err := e.nft.drops(e.cur.Segmentation)
		if err != nil {
			errs = append(errs, err)
		}
		st.Segmentation = drops
	}
	sp := e.speaker.Load()
	e.mu.Unlock()
	bfds := e.bfdStats()
	if sp != nil {
		peers, err := sp.Peers(ctx)
		if err != nil {
			errs = append(errs, err)
		}
		for _, ps := range peers {
			ss := SessionStatus{Name: names[ps.Address], PeerState: ps}
			if b, ok := bfds[ps.Address]; ok {
				ss.BFD = &b
			}
			st.Sessions = append(st.Sessions, ss)
		}
	}
	routes, err := e.fib.Routes()
	if err != nil {
		errs = append(errs, err)
	}
	st.Routes = routes
	if err := errors.Join(errs...); err != nil {
		return st, fmt.Errorf("gateway status: %w", err)
	}
	return st, nil
}

func sortConfig(c *Config) {
	slices.SortFunc(c.Peers, func(a, b Peer) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(c.Neighbors, func(a, b Neighbor) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(c.Prefixes, comparePrefix)
}

func cloneConfig(c Config) Config {
	c.Prefixes = slices.Clone(c.Prefixes)
	c.Peers = slices.Clone(c.Peers)
	for i := range c.Peers {
		c.Peers[i].Import = slices.Clone(c.Peers[i].Import)
		c.Peers[i].Export = slices.Clone(c.Peers[i].Export)
		c.Peers[i].Approved = slices.Clone(c.Peers[i].Approved)
	}
	c.Neighbors = slices.Clone(c.Neighbors)
	for i := range c.Neighbors {
		n := &c.Neighbors[i]
		n.Import, n.Export, n.Approved = slices.Clone(n.Import), slices.Clone(n.Export), slices.Clone(n.Approved)
		if n.VXLAN != nil {
			v := *n.VXLAN
			n.VXLAN = &v
		}
	}
	c.Segmentation = cloneSegmentation(c.Segmentation)
	return c
}
