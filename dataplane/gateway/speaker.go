package gateway

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/bgp"
)

// The BGP speaker's life (restart on a new ASN or router ID, teardown) and
// the FIB it feeds: syncLoop installs the speaker's best paths, less those
// through dead tunnels or neighbours, whenever something kicks it.

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
	sp, err := e.sys.newSpeaker(ctx, bgp.Config{ASN: want.ASN, RouterID: want.RouterID, ListenPort: e.bgpPort, Logger: e.log})
	if err != nil {
		return err
	}
	e.speaker.Store(&speakerRef{sp})
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
	for _, name := range slices.Sorted(maps.Keys(e.tunnels)) { // in a stable order
		t := e.tunnels[name]
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

// usablePaths returns the filter of the paths the FIB may get: it drops
// local ones (no peer or no next hop) and those whose next hop is a dead
// peer or neighbour (a tunnel down, a neighbour's BFD session down), so
// that an ECMP route shrinks to its live next hops and a route with
// none left goes, before BGP's hold timer notices.
func usablePaths(dead map[netip.Addr]bool) func(bgp.Path) bool {
	return func(p bgp.Path) bool {
		return p.Peer.IsValid() && p.NextHop.IsValid() && !p.NextHop.IsUnspecified() && !dead[p.NextHop]
	}
}

func (e *Engine) kickFIB() {
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

// syncLoop syncs the FIB on every kick and every resyncEvery. A sync's
// cost grows with the table (the speaker's best paths are read whole), so
// during an update storm (10,000 prefixes arriving in hundreds of BGP
// updates) a kick that comes within one sync's duration after the last
// sync ended waits out the rest of it, and the kicks that arrive meanwhile
// go into the same sync: the loop spends at most half its time syncing. A
// kick after a quiet spell (a tunnel going down) syncs at once.
func (e *Engine) syncLoop(ctx context.Context) {
	defer e.wg.Done()
	t := time.NewTicker(resyncEvery)
	defer t.Stop()
	var last string
	var quietUntil time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-e.kick:
			if wait := time.Until(quietUntil); wait > 0 {
				select {
				case <-ctx.Done():
					return
				case <-time.After(wait):
				}
			}
		case <-t.C:
			// The kernel drops routes on its own (those through a
			// tunnel whose interface goes), unannounced: a timed
			// sync reads the table back; one on a kick changes only
			// what differs from what the FIB installed.
			e.sys.fib.Invalidate()
		}
		select { // this sync covers the kicks so far
		case <-e.kick:
		default:
		}
		start := time.Now()
		err := e.syncFIB(ctx)
		quietUntil = time.Now().Add(time.Since(start))
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
// through dead tunnels. Syncs are serialised, reading the paths included,
// so that one that read the paths before a session went cannot install
// them after the sync that followed its removal.
func (e *Engine) syncFIB(ctx context.Context) error {
	e.fibMu.Lock()
	defer e.fibMu.Unlock()
	want := map[netip.Prefix][]netip.Addr{}
	if sp := e.speaker.Load(); sp != nil {
		nhs, err := sp.NextHops(ctx, usablePaths(e.deadHops()))
		if err != nil {
			if errors.Is(err, bgp.ErrClosed) {
				return nil // replaced meanwhile; the next kick syncs
			}
			return fmt.Errorf("fib sync: %w", err)
		}
		want = nhs
	}
	return e.sys.fib.Sync(ctx, want)
}
