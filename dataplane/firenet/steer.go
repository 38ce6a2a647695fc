package firenet

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/google/nftables"
	"github.com/vishvananda/netlink"
	vnetns "github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/dataplane/policy"
)

// Deps are the side effects a Steerer uses.
type Deps struct {
	NFT    policy.Conn
	Routes Routes
	Probe  ProberFunc
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Steerer runs a gateway's FireNet: the steering table, the firewalls'
// policy routing and their health checks.
type Steerer struct {
	deps    Deps
	release func() // what StartIn opened; nil otherwise

	mu      sync.Mutex // guards the fields below
	cfg     Config
	fws     []*fwState
	lastErr error // of the last table update from a health change
	closed  bool

	wg sync.WaitGroup // the probe loops
}

// fwState is one firewall's health, owned by its probe loop.
type fwState struct {
	fw     Firewall
	routes []Route // one per family
	prober Prober
	stop   chan struct{}

	// guarded by Steerer.mu:
	healthy     bool
	fails, oks  int
	since       time.Time
	transitions int
	lastProbe   time.Time
	lastRTT     time.Duration
	lastErr     string
}

// Start validates cfg, installs each firewall's routing and the steering
// table (every firewall taken as healthy until Health.Fall probes miss),
// and starts probing. On error nothing is left installed. Close it.
func Start(cfg Config, deps Deps) (*Steerer, error) {
	if deps.Now == nil {
		deps.Now = time.Now
	}
	s := &Steerer{deps: deps}
	if err := s.Apply(cfg); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// StartIn starts a Steerer in the gateway's network namespace open as
// nsFd: nftables and netlink connections and probe sockets into it. The
// caller may close nsFd once StartIn returns.
func StartIn(nsFd int, cfg Config) (*Steerer, error) {
	fd, err := unix.FcntlInt(uintptr(nsFd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("firenet: duplicate namespace fd: %w", err)
	}
	ns := vnetns.NsHandle(fd)
	nft, err := nftables.New(nftables.WithNetNSFd(fd))
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("firenet: nftables in namespace: %w", err)
	}
	nl, err := netlink.NewHandleAt(ns)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("firenet: netlink in namespace: %w", err)
	}
	s, err := Start(cfg, Deps{NFT: nft, Routes: kernelRoutes{nl: nl, ns: ns}, Probe: ICMPProber(ns)})
	if err != nil {
		nl.Close()
		unix.Close(fd)
		return nil, err
	}
	s.release = func() { nl.Close(); unix.Close(fd) }
	return s, nil
}

// Apply makes cfg the running configuration: firewalls that keep their
// name, address and link keep their health and prober; the others' routes
// and probers go, new ones come (taken as healthy). The table is replaced
// in one transaction.
func (s *Steerer) Apply(cfg Config) error {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("firenet: steerer closed")
	}
	var next []*fwState
	for i, f := range cfg.Firewalls {
		r := cfg.routes(i)
		j := slices.IndexFunc(s.fws, func(st *fwState) bool { return st.fw == f && slices.Equal(st.routes, r) })
		if j >= 0 && s.cfg.Health == cfg.Health {
			next = append(next, s.fws[j])
			continue
		}
		st := &fwState{fw: f, routes: r, healthy: true, since: s.deps.Now()}
		if j >= 0 {
			st.healthy, st.since, st.transitions = s.fws[j].healthy, s.fws[j].since, s.fws[j].transitions
		}
		next = append(next, st)
	}
	// Routes first (new and changed), so the table never marks towards
	// a missing one; then the table; then the old routes and probers go.
	var made []*fwState
	undo := func() {
		for _, st := range made {
			for _, r := range st.routes {
				s.deps.Routes.Del(r)
			}
		}
	}
	for _, st := range next {
		if st.prober != nil {
			continue
		}
		made = append(made, st)
		for _, r := range st.routes {
			if err := s.deps.Routes.Set(r); err != nil {
				undo()
				return err
			}
		}
	}
	old := s.cfg
	s.cfg = cfg
	if err := s.applyTableLocked(next); err != nil {
		s.cfg = old
		undo()
		return err
	}
	var errs []error
	for _, st := range s.fws {
		if slices.Contains(next, st) {
			continue
		}
		s.stopLocked(st)
		for _, r := range st.routes {
			if !slices.ContainsFunc(next, func(n *fwState) bool { return slices.ContainsFunc(n.routes, r.sameSlot) }) {
				errs = append(errs, s.deps.Routes.Del(r))
			}
		}
	}
	s.fws = next
	for _, st := range made {
		if err := s.startLocked(st); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// applyTableLocked replaces the table for fws' health.
func (s *Steerer) applyTableLocked(fws []*fwState) error {
	var healthy []int
	for i, st := range fws {
		if st.healthy {
			healthy = append(healthy, i)
		}
	}
	if err := policy.Apply(s.deps.NFT, steerTable(s.cfg, healthy)); err != nil {
		return fmt.Errorf("firenet: %w", err)
	}
	return nil
}

// startLocked opens st's prober and starts its loop.
func (s *Steerer) startLocked(st *fwState) error {
	p, err := s.deps.Probe(st.fw)
	if err != nil {
		return err
	}
	st.prober, st.stop = p, make(chan struct{})
	s.wg.Add(1)
	go s.probeLoop(st, p, st.stop, s.cfg.Health)
	return nil
}

// stopLocked stops st's loop; the loop closes the prober.
func (s *Steerer) stopLocked(st *fwState) {
	if st.stop != nil {
		close(st.stop)
		st.stop = nil
	}
}

// probeLoop probes st every interval until stop closes, then closes p.
func (s *Steerer) probeLoop(st *fwState, p Prober, stop <-chan struct{}, h Health) {
	defer s.wg.Done()
	defer p.Close()
	tick := time.NewTicker(h.Interval)
	defer tick.Stop()
	for seq := 1; ; seq++ {
		start := s.deps.Now()
		err := p.Probe(st.fw.Addr, seq, h.Interval)
		select {
		case <-stop:
			return
		default:
		}
		s.record(st, h, start, err)
		select {
		case <-stop:
			return
		case <-tick.C:
		}
	}
}

// record notes a probe's outcome; a change of health replaces the table.
func (s *Steerer) record(st *fwState, h Health, start time.Time, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || !slices.Contains(s.fws, st) {
		return
	}
	now := s.deps.Now()
	st.lastProbe = now
	if err != nil {
		st.fails, st.oks, st.lastErr = st.fails+1, 0, err.Error()
	} else {
		st.fails, st.oks, st.lastErr, st.lastRTT = 0, st.oks+1, "", now.Sub(start)
	}
	switch {
	case st.healthy && st.fails >= h.Fall:
		st.healthy = false
	case !st.healthy && st.oks >= h.Rise:
		st.healthy = true
	default:
		return
	}
	st.since, st.transitions = now, st.transitions+1
	s.lastErr = s.applyTableLocked(s.fws)
}

// Close stops the probes, then removes the table and the routes; it is
// idempotent.
func (s *Steerer) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for _, st := range s.fws {
		s.stopLocked(st)
	}
	s.mu.Unlock()
	// The loops take the lock to record; wait without holding it.
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	if len(s.fws) > 0 {
		if err := policy.Delete(s.deps.NFT, policy.Table{Name: TableName}); err != nil {
			errs = append(errs, fmt.Errorf("firenet: %w", err))
		}
	}
	for _, st := range s.fws {
		for _, r := range st.routes {
			errs = append(errs, s.deps.Routes.Del(r))
		}
	}
	if s.release != nil {
		s.release()
	}
	return errors.Join(errs...)
}
