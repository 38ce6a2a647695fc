// Package azure is the controller's Azure provider: it brings one
// subscription to a cloud.Desired through the official Azure SDK for Go
// (armresources, armnetwork, armcompute, with azidentity's credentials),
// so that the same code drives the lab's emulated Azure, given its
// endpoint, and real Azure, given the environment's credentials.
//
// A VPC is a virtual network in its resource group (cloud.VPC.Group) and
// region; each subnet has a route table of its own, keyed like it, whose
// user-defined routes are the static routes (Apply) and the learned ones
// (SyncRoutes: nextHopType VirtualAppliance to a gateway's NIC); a
// security group is a network security group; an instance is a virtual
// machine with one network interface (IP forwarding on where the source
// and destination check is off) and, with a public address, a Standard
// static public IP. The provider finds its objects again by their tags
// (cloud.TagKey and cloud.TagOwner) and touches only those that carry its
// owner; it keeps no state but a cache of instance addresses for
// SyncRoutes. It must not import cloudmock.
package azure

import (
	"context"
	"maps"
	"net/netip"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v6"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// Image is a virtual machine image as ARM names it in a VM's
// imageReference: publisher, offer, SKU and version
// (Azure: https://learn.microsoft.com/en-us/azure/virtual-machines/linux/cli-ps-findimage#terminology).
type Image struct{ Publisher, Offer, SKU, Version string }

// String renders the image as az's URN: "publisher:offer:sku:version".
func (i Image) String() string { return i.Publisher + ":" + i.Offer + ":" + i.SKU + ":" + i.Version }

// The lab's images by role: the lab's cloud runs VMs of the publisher
// mcnlab's offers (SKU lab) as its appliances, GatewayImage as mcnlab
// gateways, and a VM of any other marketplace image as a plain host. On
// real Azure, WithImages names the subscription's own.
var (
	GatewayImage  = Image{"mcnlab", "gateway", "lab", "latest"}
	WorkloadImage = Image{"Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "latest"}
	FirewallImage = Image{"mcnlab", "firewall", "lab", "latest"}
	EgressImage   = Image{"mcnlab", "egress-gateway", "lab", "latest"}
)

// DefaultImages maps the image roles to the lab's images.
func DefaultImages() map[cloud.ImageRole]Image {
	return map[cloud.ImageRole]Image{cloud.ImageGateway: GatewayImage, cloud.ImageWorkload: WorkloadImage,
		cloud.ImageFirewall: FirewallImage, cloud.ImageEgress: EgressImage}
}

// VMSizes maps the size classes to VM sizes
// (Azure: https://learn.microsoft.com/en-us/azure/virtual-machines/sizes/general-purpose/bv1-series).
var VMSizes = map[cloud.Size]string{cloud.SizeSmall: "Standard_B1s", cloud.SizeMedium: "Standard_B2s", cloud.SizeLarge: "Standard_B2ms"}

// Provider reconciles one Azure subscription for one owner. Plan, Apply,
// Observe and SyncRoutes are safe for concurrent use, but two Applies for
// the same owner at once race each other in the cloud: the caller runs one
// at a time.
type Provider struct {
	sub, owner, region string
	images             map[cloud.ImageRole]Image
	freq               time.Duration // how often a poller polls without Retry-After

	groups  *armresources.ResourceGroupsClient
	vnets   *armnetwork.VirtualNetworksClient
	subnets *armnetwork.SubnetsClient
	nsgs    *armnetwork.SecurityGroupsClient
	rules   *armnetwork.SecurityRulesClient
	tables  *armnetwork.RouteTablesClient
	routes  *armnetwork.RoutesClient
	pips    *armnetwork.PublicIPAddressesClient
	nics    *armnetwork.InterfacesClient
	vms     *armcompute.VirtualMachinesClient

	circuits *armnetwork.ExpressRouteCircuitsClient
	peerings *armnetwork.ExpressRouteCircuitPeeringsClient
	gateways *armnetwork.VirtualNetworkGatewaysClient
	conns    *armnetwork.VirtualNetworkGatewayConnectionsClient

	mu    sync.Mutex            // guards addrs
	addrs map[string]netip.Addr // instance key -> its NIC's private address, from the last Apply, Observe or refresh
}

var _ cloud.Provider = (*Provider)(nil)

// Option tunes a Provider.
type Option func(*Provider)

// WithImages maps image roles to images, over DefaultImages.
func WithImages(m map[cloud.ImageRole]Image) Option {
	return func(p *Provider) { maps.Copy(p.images, m) }
}

// WithPollFrequency sets how often long-running operations are polled
// when the service sends no Retry-After (the SDK's default is 30 s; ARM
// sends Retry-After, the lab's cloud 0).
func WithPollFrequency(d time.Duration) Option { return func(p *Provider) { p.freq = d } }

// New returns a Provider for subscription sub, home region region, acting
// for owner, whose clients use cred and opts (the caller points them at
// the lab's emulated ARM or leaves them for real Azure).
func New(sub, region, owner string, cred azcore.TokenCredential, opts *arm.ClientOptions, options ...Option) (*Provider, error) {
	nf, err := armnetwork.NewClientFactory(sub, cred, opts)
	if err != nil {
		return nil, err
	}
	res, err := armresources.NewClientFactory(sub, cred, opts)
	if err != nil {
		return nil, err
	}
	comp, err := armcompute.NewClientFactory(sub, cred, opts)
	if err != nil {
		return nil, err
	}
	p := &Provider{sub: sub, owner: owner, region: region, images: DefaultImages(), freq: 5 * time.Second,
		groups: res.NewResourceGroupsClient(), vnets: nf.NewVirtualNetworksClient(), subnets: nf.NewSubnetsClient(),
		nsgs: nf.NewSecurityGroupsClient(), rules: nf.NewSecurityRulesClient(), tables: nf.NewRouteTablesClient(),
		routes: nf.NewRoutesClient(), pips: nf.NewPublicIPAddressesClient(), nics: nf.NewInterfacesClient(),
		vms: comp.NewVirtualMachinesClient(), addrs: map[string]netip.Addr{},
		circuits: nf.NewExpressRouteCircuitsClient(), peerings: nf.NewExpressRouteCircuitPeeringsClient(),
		gateways: nf.NewVirtualNetworkGatewaysClient(), conns: nf.NewVirtualNetworkGatewayConnectionsClient()}
	for _, o := range options {
		o(p)
	}
	return p, nil
}

// Owner returns the owner tag value the provider acts for.
func (p *Provider) Owner() string { return p.owner }

// Capabilities says what the provider does: static public IPs, VNets in
// any region of the subscription, and VNet and subnet blocks of /8 to
// /29 (Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-networks-faq#how-small-and-how-large-can-virtual-networks-and-subnets-be),
// VMs with further NICs (made with the VM), and private lines as
// ExpressRoute circuits (expressroute.go).
func (p *Provider) Capabilities() cloud.Capabilities {
	return cloud.Capabilities{MultiRegion: true, StaticPublicAddresses: true, NetworkInterfaces: true, NetworkBits: [2]int{8, 29}, PrivateLines: true}
}

// Close releases nothing: the SDK's clients hold no connections that
// outlive a call beyond the shared HTTP client's idle pool.
func (p *Provider) Close() error { return nil }

// Plan returns the calls Apply would make now, in order, making none.
// Objects that do not exist yet are referred to by key in angle brackets.
func (p *Provider) Plan(ctx context.Context, d cloud.Desired) ([]cloud.Call, error) {
	return p.engine().PlanCalls(ctx, d)
}

// Apply makes the calls Plan lists, in order, and returns the inventory
// afterwards and the calls made. On an error it stops and returns what
// exists so far and the calls that succeeded; the error names the call
// and object that failed. With nothing to change it makes no calls.
func (p *Provider) Apply(ctx context.Context, d cloud.Desired) (cloud.Inventory, []cloud.Call, error) {
	return p.engine().ApplyOps(ctx, d)
}

// Observe returns the inventory of the objects the owner has in the
// subscription, whatever the desired state; it makes no changes.
func (p *Provider) Observe(ctx context.Context) (cloud.Inventory, error) {
	return p.engine().ObserveInventory(ctx)
}

// engine is Plan, Apply and Observe made of the provider's own steps.
func (p *Provider) engine() cloud.Engine[*world] {
	return cloud.Engine[*world]{Validate: p.validate, Observe: p.observe, Remember: p.remember, Inventory: (*world).inventory,
		Plan: func(d cloud.Desired, w *world) ([]cloud.Op, error) { return newPlanner(p, d, w).plan() }}
}

// remember caches the instances' addresses of w for SyncRoutes.
func (p *Provider) remember(w *world) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.addrs = map[string]netip.Addr{}
	for k, n := range w.nics {
		if k == n.Key && n.ip.IsValid() {
			p.addrs[k] = n.ip
		}
	}
}

// lro is a long-running operation begun (or the error of beginning it).
type lro[T any] struct {
	poller *runtime.Poller[T]
	err    error
}

// begun holds what a Begin method returned.
func begun[T any](poller *runtime.Poller[T], err error) lro[T] { return lro[T]{poller, err} }

// wait polls the operation until it is done, every freq where the
// service sends no Retry-After.
func (l lro[T]) wait(ctx context.Context, freq time.Duration) (T, error) {
	var zero T
	if l.err != nil {
		return zero, l.err
	}
	return l.poller.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: freq})
}
