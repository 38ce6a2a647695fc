package controller

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/intent"
)

// Public Subnet Filtering gateways (intent/psf.go): the controller keeps
// the route table of each such VPC's internet gateway sending the
// protected subnets to the gateway (syncIngressRoutes), and the gateway's
// policy a deny rule for each address GuardDuty enforcement blocked in
// its VPC (pushPSF), pushed again to a gateway that restarted.

// syncIngressRoutes sets the routes of each PSF VPC's internet gateway
// route table.
func (c *Controller) syncIngressRoutes(ctx context.Context) error {
	var errs []error
	routes := c.plan.IngressRoutes()
	for _, g := range c.plan.PSFGateways() {
		key := cloud.IngressTableKey(g.VPC.Name)
		if err := c.syncTable(ctx, g.Account, key, routes[key]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// psfBlocked returns the addresses blocked at PSF gateway key, in the
// order they were blocked.
func (c *Controller) psfBlocked(key string) []netip.Addr {
	c.gd.mu.Lock()
	defer c.gd.mu.Unlock()
	var out []netip.Addr
	for _, b := range c.gd.blocks {
		if b.Gateway == key {
			out = append(out, b.Remote)
		}
	}
	return out
}

// pushPSF gives every PSF gateway whose policy differs from the one it is
// to hold (a fresh or restarted one holds allow-all) that policy.
func (c *Controller) pushPSF(ctx context.Context) error {
	var errs []error
	for _, g := range c.plan.PSFGateways() {
		if _, err := c.pushPSFGateway(ctx, g.Key); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// pushPSFGateway gives PSF gateway key its policy unless it holds it; it
// reports whether it pushed. No client (no instance yet) is no error:
// the next pass pushes.
func (c *Controller) pushPSFGateway(ctx context.Context, key string) (bool, error) {
	cl, ok := c.firewallClient(key)
	if !ok {
		return false, nil
	}
	c.gd.psf.Lock()
	defer c.gd.psf.Unlock()
	want := intent.PSFConfig(c.psfBlocked(key))
	have, err := cl.Config(ctx)
	if err != nil {
		return false, fmt.Errorf("public subnet filtering gateway %s: %w", key, err)
	}
	if samePolicy(have, want) {
		return false, nil
	}
	if _, err := cl.PutConfig(ctx, want); err != nil {
		return false, fmt.Errorf("configure public subnet filtering gateway %s: %w", key, err)
	}
	c.log.Printf("configured public subnet filtering gateway %s: %d blocked addresses", key, len(want.Rules))
	return true, nil
}

// psfOfSubnet returns the PSF gateway of the VPC that holds the subnet
// with cloud ID id, or nil.
func (c *Controller) psfOfSubnet(id string) *intent.PSFGateway {
	c.mu.Lock()
	key := ""
	for k, v := range c.inv.Subnets {
		if v == id {
			key = k
		}
	}
	c.mu.Unlock()
	if key == "" {
		return nil
	}
	return c.plan.PSFOf(key)
}

// blockAtPSF puts block b in place at its PSF gateway at once (the
// reconcile loop would within its interval) and logs the event.
func (c *Controller) blockAtPSF(ctx context.Context, b GuardDutyBlock) {
	if _, err := c.pushPSFGateway(ctx, b.Gateway); err != nil {
		c.warnOnce("psf block "+b.Gateway+b.Remote.String()+err.Error(), "account %s: block %s at public subnet filtering gateway %s: %v (retrying)",
			b.Account, b.Remote, b.Gateway, err)
		return
	}
	c.event("account %s: blocked %s (finding %s) at Public Subnet Filtering gateway %s: deny rule %s%s",
		b.Account, b.Remote, b.Finding, b.Gateway, intent.PSFRulePrefix, b.Remote)
}
