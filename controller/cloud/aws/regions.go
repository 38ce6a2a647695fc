package aws

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"sync"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// Regional reconciles one AWS account in several regions for one owner: a
// Provider per region, each given the part of the desired state whose VPCs
// (cloud.VPC.Region, "" being the home region cfg.Region) are in its
// region, with the VPCs' subnets, route tables, gateways, security groups,
// instances, elastic IPs and virtual interfaces. VPCs and what they hold are
// regional resources, and an SDK client signs for and calls one region
// (AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-regions-availability-zones.html
// — "resources are tied to the Region"; https://docs.aws.amazon.com/sdk-for-go/v2/developer-guide/configure-gosdk.html#specifying-the-aws-region).
//
// Plan and Apply go through the regions in order (the home region first,
// then by name); every region it has seen, in a desired state, at New or
// found holding the owner's objects (discover), is reconciled on each
// Apply, so that a region that no longer holds a VPC is emptied of the
// owner's objects, also by a Regional made after the region left the
// topology. It is safe for concurrent use as Provider is.
type Regional struct {
	cfg   sdkaws.Config
	owner string
	opts  []Option

	mu         sync.Mutex
	regions    map[string]*Provider
	subnets    map[string]string // subnet key -> region, from the desired states seen
	lookIn     []string          // regions to look in for the owner's objects (LookIn)
	discovered bool              // discover has looked
}

var _ cloud.Provider = (*Regional)(nil)

// NewRegional returns a Regional for the account of cfg, whose home region
// is cfg.Region, acting for owner; known is the desired state as far as
// it is known up front (its VPCs' regions are observed and its subnets'
// route tables synced before any Apply), or the zero Desired.
func NewRegional(cfg sdkaws.Config, owner string, known cloud.Desired, opts ...Option) *Regional {
	r := &Regional{cfg: cfg, owner: owner, opts: opts, regions: map[string]*Provider{}, subnets: map[string]string{}}
	r.learn(known)
	return r
}

// Owner returns the owner tag value it acts for.
func (r *Regional) Owner() string { return r.owner }

// region returns the region a VPC's Region field names.
func (r *Regional) region(v string) string {
	if v == "" {
		return r.cfg.Region
	}
	return v
}

// provider returns region's Provider, making it on first use.
func (r *Regional) providerLocked(region string) *Provider {
	p := r.regions[region]
	if p == nil {
		cfg := r.cfg.Copy()
		cfg.Region = region
		p = New(cfg, r.owner, r.opts...)
		r.regions[region] = p
	}
	return p
}

// learn records the regions and subnets of d.
func (r *Regional) learn(d cloud.Desired) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.providerLocked(r.cfg.Region)
	for _, v := range d.VPCs {
		reg := r.region(v.Region)
		r.providerLocked(reg)
		for _, s := range v.Subnets {
			r.subnets[s.Key] = reg
		}
	}
}

// order returns the regions seen, the home region first, then by name.
func (r *Regional) order() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := slices.Sorted(maps.Keys(r.regions))
	if i := slices.Index(out, r.cfg.Region); i > 0 {
		out = append(append([]string{r.cfg.Region}, out[:i]...), out[i+1:]...)
	}
	return out
}

// split returns each region's part of d; an object whose VPC or subnet d
// does not hold goes to the home region, whose Provider reports it.
func (r *Regional) split(d cloud.Desired) map[string]cloud.Desired {
	vpcRegion := map[string]string{}
	subnetRegion := map[string]string{}
	for _, v := range d.VPCs {
		vpcRegion[v.Key] = r.region(v.Region)
		for _, s := range v.Subnets {
			subnetRegion[s.Key] = r.region(v.Region)
		}
	}
	of := func(m map[string]string, k string) string {
		if reg, ok := m[k]; ok {
			return reg
		}
		return r.cfg.Region
	}
	out := map[string]cloud.Desired{}
	put := func(reg string, f func(*cloud.Desired)) {
		p := out[reg]
		f(&p)
		out[reg] = p
	}
	for _, v := range d.VPCs {
		put(r.region(v.Region), func(p *cloud.Desired) { p.VPCs = append(p.VPCs, v) })
	}
	for _, g := range d.SecurityGroups {
		put(of(vpcRegion, g.VPC), func(p *cloud.Desired) { p.SecurityGroups = append(p.SecurityGroups, g) })
	}
	for _, i := range d.Instances {
		put(of(vpcRegion, i.VPC), func(p *cloud.Desired) { p.Instances = append(p.Instances, i) })
	}
	for _, rt := range d.Routes {
		put(of(subnetRegion, rt.Subnet), func(p *cloud.Desired) { p.Routes = append(p.Routes, rt) })
	}
	for _, x := range d.VirtualInterfaces {
		put(of(vpcRegion, x.VPC), func(p *cloud.Desired) { p.VirtualInterfaces = append(p.VirtualInterfaces, x) })
	}
	return out
}

// each runs f for every region seen (d's included, and those discover
// finds), in order, with its Provider and part of d; with more than one
// region an error names its region.
func (r *Regional) each(ctx context.Context, d cloud.Desired, f func(p *Provider, part cloud.Desired) error) error {
	r.learn(d)
	if err := r.discover(ctx); err != nil {
		return err
	}
	parts := r.split(d)
	regions := r.order()
	for _, reg := range regions {
		r.mu.Lock()
		p := r.regions[reg]
		r.mu.Unlock()
		part := parts[reg]
		part.Owner = d.Owner
		if err := f(p, part); err != nil {
			if len(regions) > 1 {
				return fmt.Errorf("region %s: %w", reg, err)
			}
			return err
		}
	}
	return nil
}

// Plan returns the calls Apply would make now, region by region.
func (r *Regional) Plan(ctx context.Context, d cloud.Desired) ([]cloud.Call, error) {
	var out []cloud.Call
	err := r.each(ctx, d, func(p *Provider, part cloud.Desired) error {
		calls, err := p.Plan(ctx, part)
		out = append(out, calls...)
		return err
	})
	return out, err
}

// Apply brings every region to its part of d and returns the inventory of
// all regions and the calls made; it stops at the first region that fails.
func (r *Regional) Apply(ctx context.Context, d cloud.Desired) (cloud.Inventory, []cloud.Call, error) {
	inv := cloud.NewInventory()
	var made []cloud.Call
	err := r.each(ctx, d, func(p *Provider, part cloud.Desired) error {
		i, calls, err := p.Apply(ctx, part)
		inv.Merge(i)
		made = append(made, calls...)
		return err
	})
	return inv, made, err
}

// Observe returns the inventory of the owner's objects in every region
// seen.
func (r *Regional) Observe(ctx context.Context) (cloud.Inventory, error) {
	inv := cloud.NewInventory()
	if err := r.discover(ctx); err != nil {
		return inv, err
	}
	for _, reg := range r.order() {
		r.mu.Lock()
		p := r.regions[reg]
		r.mu.Unlock()
		i, err := p.Observe(ctx)
		if err != nil {
			return inv, fmt.Errorf("region %s: %w", reg, err)
		}
		inv.Merge(i)
	}
	return inv, nil
}

// SyncRoutes syncs a subnet's route table in the subnet's region (the
// home region for a subnet of no desired state seen): a route's target
// instance is in the route table's VPC, so in its region.
func (r *Regional) SyncRoutes(ctx context.Context, subnet string, want map[netip.Prefix]string) ([]cloud.Call, error) {
	r.mu.Lock()
	reg, ok := r.subnets[subnet]
	if !ok {
		reg = r.cfg.Region
	}
	p := r.providerLocked(reg)
	r.mu.Unlock()
	return p.SyncRoutes(ctx, subnet, want)
}

// Capabilities are a Provider's, serving several regions.
func (r *Regional) Capabilities() cloud.Capabilities {
	r.mu.Lock()
	p := r.providerLocked(r.cfg.Region)
	r.mu.Unlock()
	c := p.Capabilities()
	c.MultiRegion = true
	return c
}

// Close closes every region's Provider.
func (r *Regional) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var errs []error
	for _, p := range r.regions {
		errs = append(errs, p.Close())
	}
	return errors.Join(errs...)
}

// Regions returns the regions seen, the home region first.
func (r *Regional) Regions() []string { return r.order() }
