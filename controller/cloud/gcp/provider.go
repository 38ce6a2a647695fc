// Package gcp is the controller's GCP provider: it brings one project to
// a cloud.Desired through Google's Go client library for Compute Engine
// (google.golang.org/api/compute/v1), so that the same code drives the
// lab's emulated Compute Engine, given its endpoint and token, and real
// GCP, given the environment's application default credentials.
//
// A VPC is a custom-mode VPC network (global routing) whose subnets are
// made in the VPC's region. GCP has no route table per subnet: a subnet's
// routes are network routes scoped by a network tag that every instance
// of the subnet carries (the subnet's name), so its static routes (Apply)
// and learned ones (SyncRoutes: next hop instance, the gateway) apply to
// its instances only. A security group is a network tag too, its ingress
// rules firewall rules that target the tag (the network's implied rules
// deny other ingress and allow egress). An instance is a VM of the lab's
// images with one interface (canIpForward where the source and
// destination check is off) and, with a public address, a reserved
// regional external address as its one-to-one NAT.
//
// Names are unique per project, and networks, subnets, firewall rules and
// routes have no labels: the provider names each object by its owner and
// key (a readable part and a hash) and writes both in its description
// ("mcnlab:owner=OWNER mcnlab:key=KEY"), by which it finds its objects
// again and leaves others alone. It keeps no state but a cache of the
// instances' links for SyncRoutes. It must not import cloudmock.
package gcp

import (
	"context"
	"fmt"
	"maps"
	"net/netip"
	"sync"
	"time"

	compute "google.golang.org/api/compute/v1"
	"google.golang.org/api/googleapi"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// The lab's images by role, as an instance's boot disk names them: the
// lab's cloud runs VMs of the project mcnlab's images as its appliances
// and any other image as a plain host. On real GCP, WithImages names the
// project's own.
const (
	GatewayImage  = "projects/mcnlab/global/images/gateway"
	FirewallImage = "projects/mcnlab/global/images/firewall"
	EgressImage   = "projects/mcnlab/global/images/egress-gateway"
	WorkloadImage = "projects/debian-cloud/global/images/family/debian-12"
)

// DefaultImages maps the image roles to the lab's images.
func DefaultImages() map[cloud.ImageRole]string {
	return map[cloud.ImageRole]string{cloud.ImageGateway: GatewayImage, cloud.ImageWorkload: WorkloadImage,
		cloud.ImageFirewall: FirewallImage, cloud.ImageEgress: EgressImage}
}

// MachineTypes maps the size classes to machine types
// (GCP: https://cloud.google.com/compute/docs/general-purpose-machines#e2_machine_types).
var MachineTypes = map[cloud.Size]string{cloud.SizeSmall: "e2-small", cloud.SizeMedium: "e2-medium", cloud.SizeLarge: "e2-standard-2"}

// Provider reconciles one GCP project for one owner. Plan, Apply, Observe
// and SyncRoutes are safe for concurrent use, but two Applies for the same
// owner at once race each other in the cloud: the caller runs one at a
// time.
type Provider struct {
	project, owner, region string
	images                 map[cloud.ImageRole]string
	svc                    *compute.Service
	poll                   time.Duration // the least wait between two operation polls

	mu    sync.Mutex         // guards insts and nets
	insts map[string]instRef // instance key -> its link, from the last Apply, Observe or refresh
	nets  map[string]string  // subnet key -> its network's path, likewise
}

// instRef is what SyncRoutes needs of an instance: its link (the route's
// next hop) and address (for plans).
type instRef struct {
	link string
	ip   netip.Addr
}

var _ cloud.Provider = (*Provider)(nil)

// Option tunes a Provider.
type Option func(*Provider)

// WithImages maps image roles to images, over DefaultImages.
func WithImages(m map[cloud.ImageRole]string) Option {
	return func(p *Provider) { maps.Copy(p.images, m) }
}

// New returns a Provider for project, home region region, acting for
// owner, whose calls go through svc (the caller points it at the lab's
// emulated Compute Engine or leaves it for real GCP).
func New(project, region, owner string, svc *compute.Service, options ...Option) *Provider {
	p := &Provider{project: project, owner: owner, region: region, images: DefaultImages(), svc: svc,
		poll: 50 * time.Millisecond, insts: map[string]instRef{}, nets: map[string]string{}}
	for _, o := range options {
		o(p)
	}
	return p
}

// Owner returns the owner the provider acts for.
func (p *Provider) Owner() string { return p.owner }

// Capabilities says what the provider does: reserved external addresses,
// networks in any region of the project (a VPC network is global, its
// subnets regional), and subnet ranges of /8 to /29
// (GCP: https://cloud.google.com/vpc/docs/subnets#valid-ranges — a primary range is /4 to /29 in RFC 1918 space).
// Private lines are Interconnect VLAN attachments (interconnect.go). No
// further interfaces yet.
func (p *Provider) Capabilities() cloud.Capabilities {
	return cloud.Capabilities{MultiRegion: true, StaticPublicAddresses: true, NetworkBits: [2]int{8, 29}, PrivateLines: true}
}

// Close releases nothing: the library's service holds no connections
// beyond its HTTP client's idle pool.
func (p *Provider) Close() error { return nil }

// Plan returns the calls Apply would make now, in order, making none.
// Objects that do not exist yet are referred to by key in angle brackets.
func (p *Provider) Plan(ctx context.Context, d cloud.Desired) ([]cloud.Call, error) {
	return p.engine().PlanCalls(ctx, d)
}

// Apply makes the calls Plan lists, in order, each waited for until its
// operation is done, and returns the inventory afterwards and the calls
// made. On an error it stops and returns what exists so far and the
// calls that succeeded; the error names the call and object that failed.
// With nothing to change it makes no calls.
func (p *Provider) Apply(ctx context.Context, d cloud.Desired) (cloud.Inventory, []cloud.Call, error) {
	return p.engine().ApplyOps(ctx, d)
}

// Observe returns the inventory of the objects the owner has in the
// project, whatever the desired state; it makes no changes.
func (p *Provider) Observe(ctx context.Context) (cloud.Inventory, error) {
	return p.engine().ObserveInventory(ctx)
}

// engine is Plan, Apply and Observe made of the provider's own steps.
func (p *Provider) engine() cloud.Engine[*world] {
	return cloud.Engine[*world]{Validate: p.validate, Observe: p.observe, Remember: p.remember, Inventory: (*world).inventory,
		Plan: func(d cloud.Desired, w *world) ([]cloud.Op, error) { return newPlanner(p, d, w).plan() }}
}

// remember caches the instances' and subnets' links of w for SyncRoutes.
func (p *Provider) remember(w *world) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.insts, p.nets = map[string]instRef{}, map[string]string{}
	for k, i := range w.insts {
		if k == i.Key {
			p.insts[k] = instRef{link: i.link, ip: i.ip}
		}
	}
	for k, s := range w.subnets {
		if k == s.Key {
			p.nets[k] = s.network
		}
	}
}

// opCall is a call of the library that answers an operation.
type opCall interface {
	Do(...googleapi.CallOption) (*compute.Operation, error)
}

// run makes a call and waits for its operation, with the world lock of
// the op it belongs to released (cloud.Unlocked), so that Apply's other
// ops run meanwhile.
func (p *Provider) run(ctx context.Context, c opCall) error {
	var err error
	cloud.Unlocked(ctx, func() {
		op, cerr := c.Do()
		err = p.wait(ctx, op, cerr)
	})
	return err
}

// get makes a read call with the op's world lock released.
func get[T any](ctx context.Context, do func(...googleapi.CallOption) (T, error)) (T, error) {
	var v T
	var err error
	cloud.Unlocked(ctx, func() { v, err = do() })
	return v, err
}

// wait waits until a Compute Engine operation is done (operations.wait
// of its scope, which answers when it is done or after a while) and
// returns its error, if it failed.
// GCP: https://cloud.google.com/compute/docs/api/how-tos/api-requests-responses#handling_api_responses — poll or wait on the operation; its error field holds a failure
func (p *Provider) wait(ctx context.Context, op *compute.Operation, err error) error {
	if err != nil {
		return err
	}
	for op.Status != "DONE" {
		var werr error
		switch {
		case op.Zone != "":
			op, werr = p.svc.ZoneOperations.Wait(p.project, nameOf(op.Zone), op.Name).Context(ctx).Do()
		case op.Region != "":
			op, werr = p.svc.RegionOperations.Wait(p.project, nameOf(op.Region), op.Name).Context(ctx).Do()
		default:
			op, werr = p.svc.GlobalOperations.Wait(p.project, op.Name).Context(ctx).Do()
		}
		if werr != nil {
			return fmt.Errorf("wait for operation: %w", werr)
		}
		if op.Status != "DONE" {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(p.poll):
			}
		}
	}
	if op.Error != nil && len(op.Error.Errors) > 0 {
		e := op.Error.Errors[0]
		return fmt.Errorf("operation %s failed: %s: %s", op.Name, e.Code, e.Message)
	}
	return nil
}
