package gateway

import (
	"context"
	"errors"
	"maps"
	"net/netip"
	"slices"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/bfd"
)

// Neighbour liveness is real BFD (RFC 5880, single-hop per RFC 5881): a
// plain neighbour is a router of another make (FRR, BIRD, a cloud's
// router), so it gets the standard protocol rather than the tunnels'
// hellos. Every neighbour has a session with 100 ms intervals and a detect
// multiplier of 3 unless its NoBFD is set. The neighbour sees our death
// within 300 ms and drops our routes (FRR and BIRD tear the BGP session
// down when BFD goes from Up to Down); we drop the neighbour's next hops
// from the FIB as soon as our session goes from Up to Down. A neighbour
// that does not run BFD never brings the session Up, so its routes are
// never filtered: only a session that has been Up and is not now counts as
// dead. The BGP session itself is left to its hold timer.
//
// A neighbour's BFD session runs only while its BGP session is
// established, and starts bfdStartDelay after BGP came up: FRR's bgpd
// registers its BFD session again (with the interface and source it has
// just learned) when BGP becomes established, through zebra to bfdd, and
// takes the replaced session for BFD going down, resetting BGP, if BFD was
// already Up by then. A BFD session kept across a BGP reset would so reset
// BGP again at every attempt; it is closed when BGP goes down and started
// again once BGP is back, as at the first start. (BFD going down while BGP
// stays up is what BFD is for: that session is kept, and the neighbour
// counts as dead.)

// bfdStartDelay is how long a neighbour's BGP session must have been
// established before its BFD session starts: room for the neighbour's own
// BFD set-up on establishment (see above), short beside a BGP session's
// life.
const bfdStartDelay = time.Second

// syncBFDLocked starts a BFD session for every neighbour in cur that wants
// one and whose BGP session is established, and closes the sessions of the
// others. It is called with mu held at the end of every Apply and teardown,
// and by syncLoop at every FIB sync (BGP going down or up changes paths,
// which kicks it); a session that cannot start (no route to the neighbour
// yet) is logged and tried again then.
func (e *Engine) syncBFDLocked(ctx context.Context) {
	want := map[netip.Addr]Neighbor{}
	if !e.closed {
		for _, n := range e.cur.Neighbors {
			if !n.NoBFD {
				want[n.Address] = n
			}
		}
	}
	var established map[netip.Addr]bool
	known := false // whether established could be read
	if len(want) > 0 {
		established, known = e.establishedLocked(ctx)
	}
	now := time.Now()
	if known {
		for addr := range established {
			if _, ok := e.bgpUp[addr]; !ok {
				e.bgpUp[addr] = now
			}
		}
		for addr := range e.bgpUp {
			if !established[addr] {
				delete(e.bgpUp, addr)
			}
		}
	}
	e.lmu.Lock()
	var stale []bfdSession
	for addr, s := range e.bfd {
		if n, ok := want[addr]; !ok || (known && !established[addr]) || (n.LocalAddress.IsValid() && n.LocalAddress != e.bfdLocal[addr]) {
			stale = append(stale, s)
			delete(e.bfd, addr)
			delete(e.bfdLocal, addr)
		}
	}
	e.lmu.Unlock()
	var errs []error
	for _, s := range stale {
		e.log.Info("bfd session stopped", "peer", s.Peer(), "bgp_established", established[s.Peer()])
		errs = append(errs, s.Close())
	}
	changed := len(stale) > 0
	for _, addr := range slices.SortedFunc(maps.Keys(want), netip.Addr.Compare) {
		e.lmu.Lock()
		_, running := e.bfd[addr]
		e.lmu.Unlock()
		if running {
			continue
		}
		if !established[addr] {
			continue
		}
		if wait := bfdStartDelay - now.Sub(e.bgpUp[addr]); wait > 0 {
			// One timer at a time: the sync it kicks starts this
			// session and sets the next timer for any other.
			if e.bfdTimer.CompareAndSwap(false, true) {
				time.AfterFunc(wait, func() { e.bfdTimer.Store(false); e.kickFIB() })
			}
			continue
		}
		n := want[addr]
		local := n.LocalAddress
		if !local.IsValid() {
			var err error
			if local, err = e.sys.bfd.localAddress(addr); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		s, err := e.sys.bfd.start(bfd.Config{
			Local: local, Peer: addr,
			OnChange: func(bfd.Change) { e.kickFIB() },
			Logger:   e.log.With("neighbor", n.Name),
		})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		e.log.Info("bfd session started", "neighbor", n.Name, "peer", addr, "local", local)
		e.lmu.Lock()
		e.bfd[addr], e.bfdLocal[addr] = s, local
		e.lmu.Unlock()
		changed = true
	}
	if err := errors.Join(errs...); err != nil {
		e.log.Warn("bfd", "err", err)
	}
	if changed {
		e.kickFIB()
	}
}

// establishedLocked returns the addresses of the established BGP sessions,
// and false when there is no speaker or it does not answer.
func (e *Engine) establishedLocked(ctx context.Context) (map[netip.Addr]bool, bool) {
	sp := e.speaker.Load()
	if sp == nil {
		return nil, false
	}
	m, err := sp.Established(ctx)
	if err != nil {
		return nil, false
	}
	return m, true
}

// refreshBFD starts the BFD sessions that wait for their BGP session and
// closes those whose BGP session went down, unless an Apply is in progress
// (it syncs them when it ends).
func (e *Engine) refreshBFD(ctx context.Context) {
	if !e.mu.TryLock() {
		return
	}
	defer e.mu.Unlock()
	if !e.closed {
		e.syncBFDLocked(ctx)
	}
}

// deadNeighborsLocked adds to dead the neighbours whose BFD session has been
// Up and is not now; e.lmu is held.
func (e *Engine) deadNeighborsLocked(dead map[netip.Addr]bool) {
	for addr, s := range e.bfd {
		if st := s.Stats(); st.EverUp && st.State != bfd.Up {
			dead[addr] = true
		}
	}
}

// bfdStats returns the BFD state of each neighbour that runs a session.
func (e *Engine) bfdStats() map[netip.Addr]bfd.Stats {
	e.lmu.Lock()
	defer e.lmu.Unlock()
	m := make(map[netip.Addr]bfd.Stats, len(e.bfd))
	for addr, s := range e.bfd {
		m[addr] = s.Stats()
	}
	return m
}
