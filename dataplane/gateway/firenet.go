package gateway

import (
	"fmt"

	"github.com/mcnlab/mcnlab/dataplane/firenet"
)

// The engine's FireNet component: a firenet.Steerer (its own nftables
// table, the firewalls' policy routing and health checks) started by the
// first Config that has a FireNet, reconfigured in place by the next ones,
// and closed when a Config drops it or the engine closes.

// applyFireNetLocked starts, changes or stops the steerer as the plan
// says; on failure the previous FireNet stays as it was.
func (e *Engine) applyFireNetLocked(a *applying) {
	if !a.plan.FireNet {
		return
	}
	want := a.want.FireNet
	switch {
	case want == nil:
		if err := e.closeFireNetLocked(); err != nil {
			a.fail(err)
		}
	case e.firenet == nil:
		s, err := firenet.Start(want.Clone(), e.sys.firenet)
		if err != nil {
			a.fail(fmt.Errorf("start firenet: %w", err))
			return
		}
		e.firenet = s
	default:
		if err := e.firenet.Apply(want.Clone()); err != nil {
			a.fail(fmt.Errorf("apply firenet: %w", err))
			return
		}
	}
	e.cur.FireNet = cloneFireNet(want)
}

// closeFireNetLocked stops the steerer and removes what it installed.
func (e *Engine) closeFireNetLocked() error {
	if e.firenet == nil {
		return nil
	}
	err := e.firenet.Close()
	e.firenet, e.cur.FireNet = nil, nil
	if err != nil {
		return fmt.Errorf("close firenet: %w", err)
	}
	return nil
}

func fireNetEqual(a, b *firenet.Config) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func cloneFireNet(c *firenet.Config) *firenet.Config {
	if c == nil {
		return nil
	}
	x := c.Clone()
	return &x
}
