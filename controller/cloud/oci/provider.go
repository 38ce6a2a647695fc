// Package oci is the controller's OCI provider: it brings one tenancy's
// compartment to a cloud.Desired through Oracle's Go SDK
// (github.com/oracle/oci-go-sdk/v65, its core and identity clients), so
// that the same code drives the lab's emulated Core Services, given its
// endpoint and API key, and real OCI, given an OCI config file.
//
// A VPC is a VCN with an internet gateway where it reaches the internet
// and a security list of the provider's own (keyed VPC/base) that allows
// all egress and no ingress, which every subnet of the VCN uses: what a
// security group admits is the ingress rules of a network security group
// (NSG) that the instance's VNIC is in, and a packet passes where either
// kind allows it. A subnet is a regional subnet with a route table of its
// own, keyed like the subnet: Apply owns its rules to gateways (the
// internet gateway), SyncRoutes its rules to private IPs (a gateway
// VNIC's primary private IP, the VNIC skipping the source/destination
// check). An instance is launched from the lab's images with one VNIC;
// its public address is a reserved public IP assigned to that VNIC's
// primary private IP.
//
// Every object carries the freeform tags mcnlab:owner and mcnlab:key, by
// which the provider finds its objects again and leaves others alone
// (display names need not be unique on OCI). It keeps no state but a
// cache of the gateways' private IP OCIDs and the subnets' route tables
// for SyncRoutes. It must not import cloudmock.
package oci

import (
	"context"
	"maps"
	"net/netip"
	"sync"
	"time"

	"github.com/oracle/oci-go-sdk/v65/core"
	"github.com/oracle/oci-go-sdk/v65/identity"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// The lab's images by role, as LaunchInstance's sourceDetails name them:
// the lab's cloud runs instances of these image OCIDs as its appliances
// and any other image as a plain host. On real OCI, WithImages names the
// tenancy's own.
const (
	GatewayImage  = "ocid1.image.oc1..mcnlabgateway"
	FirewallImage = "ocid1.image.oc1..mcnlabfirewall"
	EgressImage   = "ocid1.image.oc1..mcnlabegressgateway"
	WorkloadImage = "ocid1.image.oc1..oraclelinux9"
)

// DefaultImages maps the image roles to the lab's images.
func DefaultImages() map[cloud.ImageRole]string {
	return map[cloud.ImageRole]string{cloud.ImageGateway: GatewayImage, cloud.ImageWorkload: WorkloadImage,
		cloud.ImageFirewall: FirewallImage, cloud.ImageEgress: EgressImage}
}

// Shapes maps the size classes to instance shapes.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Compute/References/computeshapes.htm — VM.Standard2 shapes
var Shapes = map[cloud.Size]string{cloud.SizeSmall: "VM.Standard2.1", cloud.SizeMedium: "VM.Standard2.2", cloud.SizeLarge: "VM.Standard2.4"}

// Provider reconciles one compartment of a tenancy in one region for one
// owner. Plan, Apply, Observe and SyncRoutes are safe for concurrent use,
// but two Applies for the same owner at once race each other in the
// cloud: the caller runs one at a time.
type Provider struct {
	compartment, owner, region string
	comp                       compartmentOf // the compartment named by InCompartment
	images                     map[cloud.ImageRole]string
	vn                         core.VirtualNetworkClient
	cc                         core.ComputeClient
	id                         identity.IdentityClient
	poll                       time.Duration // the wait between two polls of a lifecycle state

	mu     sync.Mutex        // guards pips, tables, ad
	pips   map[string]string // instance key -> its primary private IP's OCID
	ips    map[string]netip.Addr
	tables map[string]string // subnet key -> its route table's OCID
	ad     string            // the availability domain instances launch in, once read
}

var _ cloud.Provider = (*Provider)(nil)

// Option tunes a Provider.
type Option func(*Provider)

// WithImages maps image roles to image OCIDs, over DefaultImages.
func WithImages(m map[cloud.ImageRole]string) Option {
	return func(p *Provider) { maps.Copy(p.images, m) }
}

// New returns a Provider for compartment (the tenancy's OCID for its root
// compartment) in region, acting for owner, whose calls go through the
// clients given (the caller points them at the lab's emulated Core
// Services or leaves them for real OCI).
func New(compartment, region, owner string, vn core.VirtualNetworkClient, cc core.ComputeClient, id identity.IdentityClient, options ...Option) *Provider {
	p := &Provider{compartment: compartment, owner: owner, region: region, images: DefaultImages(), vn: vn, cc: cc, id: id,
		poll: 20 * time.Millisecond, pips: map[string]string{}, ips: map[string]netip.Addr{}, tables: map[string]string{}}
	for _, o := range options {
		o(p)
	}
	return p
}

// Owner returns the owner the provider acts for.
func (p *Provider) Owner() string { return p.owner }

// Capabilities says what the provider does: reserved public IPs, and VCN
// and subnet CIDRs of /16 to /30.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/overview.htm — a VCN's CIDR is /16 to /30; a subnet's too
// Private lines are FastConnect virtual circuits (fastconnect.go). No
// further VNICs, one region per provider (a client speaks to one
// region's endpoint).
func (p *Provider) Capabilities() cloud.Capabilities {
	return cloud.Capabilities{StaticPublicAddresses: true, NetworkBits: [2]int{16, 30}, PrivateLines: true}
}

// Close releases nothing: the SDK's clients hold no connections beyond
// their HTTP client's idle pool.
func (p *Provider) Close() error { return nil }

// Plan returns the calls Apply would make now, in order, making none.
// Objects that do not exist yet are referred to by key in angle brackets.
// A compartment still to be made comes first (identity
// CreateCompartment), the calls after it planned for an empty one.
func (p *Provider) Plan(ctx context.Context, d cloud.Desired) ([]cloud.Call, error) {
	exists, err := p.useCompartment(ctx, false)
	if err != nil {
		return nil, err
	}
	calls, err := p.engine(exists).PlanCalls(ctx, d)
	if err == nil && !exists && holds(d) {
		calls = append([]cloud.Call{p.compartmentCall()}, calls...)
	}
	return calls, err
}

// holds reports whether d has anything to make in the compartment.
func holds(d cloud.Desired) bool {
	return len(d.VPCs) > 0 || len(d.Instances) > 0 || len(d.SecurityGroups) > 0
}

// Apply makes the calls Plan lists, in order, each waited for until its
// object is AVAILABLE (RUNNING, TERMINATED) as the SDK's waiters poll, and
// returns the inventory afterwards and the calls made. On an error it
// stops and returns what exists so far and the calls that succeeded; the
// error names the call and object that failed. With nothing to change it
// makes no calls.
// The named compartment is made first when d holds anything (and left
// when it holds nothing: nothing of the owner's can be in a compartment
// not yet made).
func (p *Provider) Apply(ctx context.Context, d cloud.Desired) (cloud.Inventory, []cloud.Call, error) {
	exists, created, err := p.resolveCompartment(ctx, holds(d))
	if err != nil {
		return cloud.Inventory{}, nil, err
	}
	inv, made, err := p.engine(exists).ApplyOps(ctx, d)
	if created {
		made = append([]cloud.Call{p.compartmentCall()}, made...)
	}
	return inv, made, err
}

// Observe returns the inventory of the objects the owner has in the
// compartment, whatever the desired state; it makes no changes.
func (p *Provider) Observe(ctx context.Context) (cloud.Inventory, error) {
	exists, err := p.useCompartment(ctx, false)
	if err != nil {
		return cloud.Inventory{}, err
	}
	return p.engine(exists).ObserveInventory(ctx)
}

// engine is Plan, Apply and Observe made of the provider's own steps; in
// a compartment that does not exist (yet) it observes nothing.
func (p *Provider) engine(exists bool) cloud.Engine[*world] {
	observe := p.observe
	if !exists {
		observe = func(context.Context) (*world, error) { return &world{}, nil }
	}
	return cloud.Engine[*world]{Validate: p.validate, Observe: observe, Remember: p.remember, Inventory: (*world).inventory,
		Plan: func(d cloud.Desired, w *world) ([]cloud.Op, error) { return newPlanner(p, d, w).plan() }}
}

// remember caches the instances' private IP OCIDs and the subnets' route
// tables of w for SyncRoutes.
func (p *Provider) remember(w *world) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pips, p.ips, p.tables = map[string]string{}, map[string]netip.Addr{}, map[string]string{}
	for k, i := range w.insts {
		if k == i.Key {
			p.pips[k], p.ips[k] = i.privateIPID, i.ip
		}
	}
	for k, s := range w.subnets {
		if k == s.Key {
			p.tables[k] = s.rt
		}
	}
}
