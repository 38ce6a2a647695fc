package gateway

import (
	"errors"
	"maps"
	"net/netip"
	"slices"

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

// syncBFDLocked starts a BFD session for every neighbour in cur that wants
// one and closes the sessions of the others. It is called with mu held at
// the end of every Apply and teardown; a session that cannot start (no
// route to the neighbour yet) is logged and tried at the next Apply.
func (e *Engine) syncBFDLocked() {
	want := map[netip.Addr]Neighbor{}
	if !e.closed {
		for _, n := range e.cur.Neighbors {
			if !n.NoBFD {
				want[n.Address] = n
			}
		}
	}
	e.lmu.Lock()
	var stale []*bfd.Session
	for addr, s := range e.bfd {
		if n, ok := want[addr]; !ok || (n.LocalAddress.IsValid() && n.LocalAddress != e.bfdLocal[addr]) {
			stale = append(stale, s)
			delete(e.bfd, addr)
			delete(e.bfdLocal, addr)
		}
	}
	e.lmu.Unlock()
	var errs []error
	for _, s := range stale {
		errs = append(errs, s.Close())
	}
	for _, addr := range slices.SortedFunc(maps.Keys(want), netip.Addr.Compare) {
		e.lmu.Lock()
		_, running := e.bfd[addr]
		e.lmu.Unlock()
		if running {
			continue
		}
		n := want[addr]
		local := n.LocalAddress
		if !local.IsValid() {
			var err error
			if local, err = bfd.LocalAddressFor(addr); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		s, err := bfd.New(bfd.Config{
			Local: local, Peer: addr,
			OnChange: func(bfd.Change) { e.kickFIB() },
			Logger:   e.log.With("neighbor", n.Name),
		})
		if err == nil {
			err = s.Start()
		}
		if err != nil {
			errs = append(errs, err, s.Close())
			continue
		}
		e.lmu.Lock()
		e.bfd[addr], e.bfdLocal[addr] = s, local
		e.lmu.Unlock()
	}
	if err := errors.Join(errs...); err != nil {
		e.log.Warn("bfd", "err", err)
	}
	e.kickFIB()
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
