package controller

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"

	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/dataplane/egressmgmt"
	"github.com/mcnlab/mcnlab/topologies"
)

// egressClient returns (and keeps) the client of egress gateway k; false
// while its instance is not known or no dialer is set.
func (c *Controller) egressClient(k string) (*egressmgmt.Client, bool) {
	var dial func(string) (*egressmgmt.Client, error)
	if c.opts.Egress != nil {
		dial = c.opts.Egress.DialEgress
	}
	return applianceClient(c, &c.eg, k, dial)
}

// egressBaseKey is the store record of a base policy set at run time.
func egressBaseKey(gateway string) string { return "egress-base/" + gateway }

// egressBase is gateway g's base policy: the one set at run time
// (SetEgressBase), else the topology's.
func (c *Controller) egressBase(g intent.EgressGateway) topologies.EgressBase {
	var b string
	if ok, err := c.opts.Store.Get(egressBaseKey(g.Key), &b); err == nil && ok && b != "" {
		return topologies.EgressBase(b)
	}
	if g.Base == "" {
		return topologies.EgressAllowList
	}
	return g.Base
}

// egressConfig is the policy gateway g is to hold.
func (c *Controller) egressConfig(g intent.EgressGateway) egressmgmt.Config {
	cfg := g.EgressConfig()
	cfg.Base = string(c.egressBase(g))
	return cfg
}

// pushEgress gives every egress gateway whose policy differs from the one
// it is to hold (a fresh or restarted one holds BootConfig) that policy,
// and records whether one does not hold it yet (egressPending).
func (c *Controller) pushEgress(ctx context.Context) error {
	var errs []error
	var waiting []string
	defer func() {
		c.mu.Lock()
		c.egressPending, c.egressWaiting = len(waiting) > 0, waiting
		c.mu.Unlock()
	}()
	for _, g := range c.plan.EgressGateways() {
		cl, ok := c.egressClient(g.Key)
		if !ok {
			waiting = append(waiting, fmt.Sprintf("egress gateway %s: no instance yet", g.Key))
			continue
		}
		want := c.egressConfig(g)
		have, err := cl.Config(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("egress gateway %s: %w", g.Key, err))
			waiting = append(waiting, fmt.Sprintf("egress gateway %s: not answering: %v", g.Key, err))
			continue
		}
		if samePolicy(have, want) {
			continue
		}
		if _, err := cl.PutConfig(ctx, want); err != nil {
			errs = append(errs, fmt.Errorf("configure egress gateway %s: %w", g.Key, err))
			waiting = append(waiting, fmt.Sprintf("egress gateway %s: not configured: %v", g.Key, err))
			continue
		}
		c.log.Printf("configured egress gateway %s: base %s, %d tags", g.Key, want.Base, len(want.Tags))
	}
	return errors.Join(errs...)
}

// withEgress returns want with the default route to the egress gateway
// of subnet, if it has one (want itself otherwise).
func withEgress(want map[netip.Prefix]string, eg map[string]intent.EgressRoute, subnet string) map[netip.Prefix]string {
	r, ok := eg[subnet]
	if !ok {
		return want
	}
	w := maps.Clone(want)
	if w == nil {
		w = map[netip.Prefix]string{}
	}
	w[intent.DefaultRoute()] = r.Gateway
	return w
}

// syncEgressRoutes points the default route of each private subnet (and
// each subnet a PSF gateway protects) that no spoke's route sync covers
// (done) at its egress (or PSF) gateway.
func (c *Controller) syncEgressRoutes(ctx context.Context, done map[string]bool) error {
	var errs []error
	for subnet, r := range c.plan.GatewayDefaultRoutes() {
		if done[subnet] {
			continue
		}
		if err := c.syncTable(ctx, r.Account, subnet, withEgress(nil, map[string]intent.EgressRoute{subnet: r}, subnet)); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
