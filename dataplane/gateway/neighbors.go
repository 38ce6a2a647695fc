package gateway

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// The neighbours component: a plain BGP neighbour, over a link or over a
// VXLAN overlay (vxlan.go, made through sys.overlays), with its BFD
// session (bfd.go).

// closeOverlaysLocked removes the VXLAN interface of every neighbour in cur
// that has one.
func (e *Engine) closeOverlaysLocked() error {
	var errs []error
	for _, n := range e.cur.Neighbors {
		if n.VXLAN != nil {
			errs = append(errs, e.sys.overlays.closeVXLAN(n))
		}
	}
	return errors.Join(errs...)
}

// addNeighborLocked creates the neighbour's overlay, if it has one, then
// its session; on error it removes what it made.
func (e *Engine) addNeighborLocked(ctx context.Context, n Neighbor) error {
	if n.VXLAN != nil {
		if err := e.sys.overlays.openVXLAN(n); err != nil {
			return fmt.Errorf("add neighbor %s: %w", n.Name, err)
		}
	}
	if err := e.speaker.Load().AddPeer(ctx, neighborBGP(n)); err != nil {
		err = fmt.Errorf("add neighbor %s: %w", n.Name, err)
		if n.VXLAN != nil {
			err = errors.Join(err, e.sys.overlays.closeVXLAN(n))
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
	if err := e.sys.overlays.closeVXLAN(n); err != nil {
		return fmt.Errorf("remove neighbor %s: %w", name, err)
	}
	return nil
}

// removeNeighborsLocked removes the neighbours the plan removes.
func (e *Engine) removeNeighborsLocked(a *applying) {
	for _, name := range a.plan.RemoveNeighbors {
		if err := e.removeNeighborLocked(a.ctx, name); err != nil {
			a.fail(err)
		}
	}
}

// addNeighborsLocked adds the neighbours the plan adds.
func (e *Engine) addNeighborsLocked(a *applying) {
	for _, name := range a.plan.AddNeighbors {
		if err := e.addNeighborLocked(a.ctx, a.neighbor(name)); err != nil {
			a.fail(err)
		}
	}
}

// changeNeighborsLocked re-creates the overlays that changed under their
// kept sessions, and updates the sessions' policies.
func (e *Engine) changeNeighborsLocked(a *applying) {
	for _, name := range a.plan.Overlays {
		nn := a.neighbor(name)
		if err := e.sys.overlays.openVXLAN(nn); err != nil {
			a.fail(errors.Join(fmt.Errorf("neighbor %s: %w", name, err), e.removeNeighborLocked(a.ctx, name)))
			continue
		}
		v := *nn.VXLAN
		e.cur.Neighbors[slices.IndexFunc(e.cur.Neighbors, func(n Neighbor) bool { return n.Name == name })].VXLAN = &v
		e.kickFIB() // the kernel dropped the routes through the old interface
	}
	for _, name := range a.plan.UpdateNeighbors {
		nn := a.neighbor(name)
		if err := a.sp.UpdatePeer(a.ctx, neighborBGP(nn)); err != nil {
			a.fail(fmt.Errorf("update neighbor %s: %w", name, err))
			continue
		}
		i := slices.IndexFunc(e.cur.Neighbors, func(n Neighbor) bool { return n.Name == name })
		e.cur.Neighbors[i] = nn
	}
}
