package controller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"

	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/dataplane/fwmgmt"
)

// firewallClient returns (and keeps) the client of firewall instance k;
// false while its instance is not known or no dialer is set.
func (c *Controller) firewallClient(k string) (*fwmgmt.Client, bool) {
	var dial func(string) (*fwmgmt.Client, error)
	if c.opts.Firewalls != nil {
		dial = c.opts.Firewalls.DialFirewall
	}
	return applianceClient(c, &c.fw, k, dial)
}

// pushFirewalls gives every firewall whose policy differs from its
// transit's (a fresh or restarted one holds allow-all) the transit's.
func (c *Controller) pushFirewalls(ctx context.Context) error {
	var errs []error
	c.mu.Lock()
	instances := c.inv.Instances
	c.mu.Unlock()
	for k, want := range c.plan.FirewallConfigs(instances) {
		cl, ok := c.firewallClient(k)
		if !ok {
			continue
		}
		have, err := cl.Config(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("firewall %s: %w", k, err))
			continue
		}
		if samePolicy(have, want) {
			continue
		}
		if _, err := cl.PutConfig(ctx, want); err != nil {
			errs = append(errs, fmt.Errorf("configure firewall %s: %w", k, err))
			continue
		}
		c.log.Printf("configured firewall %s: %d rules, default %s", k, len(want.Rules), want.Default)
	}
	return errors.Join(errs...)
}

// samePolicy compares two policies by their wire form.
func samePolicy[T any](a, b T) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// syncFireNetRoutes makes the route table of each FireNet transit's
// subnet send the inspected domains' prefixes to the transit's active
// gateway (the first of the pair while its tunnels are up): what a
// firewall passes goes to its subnet's router, and from there back to a
// gateway that routes it on.
func (c *Controller) syncFireNetRoutes(ctx context.Context) error {
	var errs []error
	routes := c.plan.FireNetRoutes()
	for _, tr := range c.plan.Topology.Cloud.Transits {
		key := intent.SubnetKey(tr.VPC, tr.Subnet)
		ps, ok := routes[key]
		if !ok {
			continue
		}
		gws := c.plan.GatewaysOf(tr.Name)
		c.mu.Lock()
		active := c.activeLocked(tr.Name, gws)
		c.mu.Unlock()
		want := map[netip.Prefix]string{}
		for _, p := range ps {
			want[p] = active.Key
		}
		if err := c.syncTable(ctx, gws[0].Account, key, want); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
