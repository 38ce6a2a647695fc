// Package aws is the controller's AWS provider: it brings one account and
// region to a cloud.Desired through the official SDK (EC2 and Direct
// Connect), so that the same code drives the lab's emulated cloud, given
// its endpoint, and real AWS, given the default credential chain.
//
// The provider finds its objects again by their tags (Name and mcnlab:key
// holding the key, mcnlab:owner naming the lab) and touches only objects
// that carry its owner tag; Direct Connect virtual interfaces, which it
// does not tag, count as its own when they land on one of its VPN
// gateways. It keeps no state of its own except a cache of instance
// interfaces for SyncRoutes. It must not import cloudmock.
package aws

import (
	"context"
	"maps"
	"sync"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/directconnect"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// The AMIs of the image roles by default: the lab's cloud runs instances
// of GatewayImage as mcnlab gateways. On real AWS, WithImages names the
// account's own AMIs.
const (
	GatewayImage  = "ami-mcnlab-gateway"
	WorkloadImage = "ami-mcnlab-workload"
	FirewallImage = "ami-mcnlab-firewall"
	EgressImage   = "ami-mcnlab-egress"
	VPNImage      = "ami-mcnlab-vpn"
)

// DefaultImages maps the image roles to the lab's AMIs.
func DefaultImages() map[cloud.ImageRole]string {
	return map[cloud.ImageRole]string{cloud.ImageGateway: GatewayImage, cloud.ImageWorkload: WorkloadImage, cloud.ImageFirewall: FirewallImage, cloud.ImageEgress: EgressImage, cloud.ImageVPN: VPNImage}
}

// InstanceTypes maps the size classes to instance types
// (AWS: https://aws.amazon.com/ec2/instance-types/t3/).
var InstanceTypes = map[cloud.Size]string{cloud.SizeSmall: "t3.micro", cloud.SizeMedium: "t3.medium", cloud.SizeLarge: "t3.large"}

// DefaultInstanceType is the instance type of SizeSmall, the size of an
// Instance that names none.
const DefaultInstanceType = "t3.micro"

// Provider reconciles one AWS account and region for one owner. Plan,
// Apply, Observe and SyncRoutes are safe for concurrent use, but two
// Applies for the same owner at once race each other in the cloud: the
// caller runs one at a time.
type Provider struct {
	ec2      *ec2.Client
	dx       *directconnect.Client
	owner    string
	region   string
	pageSize int32
	noDX     bool
	images   map[cloud.ImageRole]string

	mu        sync.Mutex             // guards instances
	instances map[string]instanceRef // instance key -> IDs, from the last Apply, Observe or refresh
}

// instanceRef is what SyncRoutes needs of an instance.
type instanceRef struct{ id, eni string }

var _ cloud.Provider = (*Provider)(nil)

// Option tunes a Provider.
type Option func(*Provider)

// WithPageSize sets MaxResults on paginated Describe calls; 0 (the
// default) lets the API choose. The EC2 API accepts 5 to 1000 (100 for
// route tables).
func WithPageSize(n int32) Option { return func(p *Provider) { p.pageSize = n } }

// WithoutDirectConnect keeps the provider off the Direct Connect API: it
// neither reads nor makes virtual interfaces, and a desired state with
// virtual interfaces is an error. It is for endpoints that serve EC2 only.
func WithoutDirectConnect() Option { return func(p *Provider) { p.noDX = true } }

// WithImages maps image roles to AMI IDs, over DefaultImages.
func WithImages(m map[cloud.ImageRole]string) Option {
	return func(p *Provider) { maps.Copy(p.images, m) }
}

// New returns a Provider for the account and region of cfg, acting for
// owner. The caller builds cfg: with BaseEndpoint and static credentials
// for the lab's emulated cloud, or from the default chain for real AWS.
func New(cfg sdkaws.Config, owner string, opts ...Option) *Provider {
	p := &Provider{
		ec2: ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.APIOptions = append(o.APIOptions, unlockedCalls) }),
		dx: directconnect.NewFromConfig(cfg, func(o *directconnect.Options) {
			o.APIOptions = append(o.APIOptions, unlockedCalls)
		}),
		owner:     owner,
		region:    cfg.Region,
		instances: map[string]instanceRef{},
		images:    DefaultImages(),
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Owner returns the owner tag value the provider acts for.
func (p *Provider) Owner() string { return p.owner }

// Capabilities says what the provider does: private lines (Direct Connect)
// unless WithoutDirectConnect, elastic IPs, one region, and VPC and subnet
// blocks of /16 to /28
// (AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html).
func (p *Provider) Capabilities() cloud.Capabilities {
	return cloud.Capabilities{PrivateLines: !p.noDX, StaticPublicAddresses: true, NetworkInterfaces: true, NetworkBits: [2]int{16, 28}}
}

// Close releases nothing: the SDK's clients hold no connections that
// outlive a call beyond the shared HTTP client's idle pool.
func (p *Provider) Close() error { return nil }

// imageID is the AMI of an image role.
func (p *Provider) imageID(r cloud.ImageRole) string { return p.images[r] }

// instanceType is the instance type of a size class.
func (p *Provider) instanceType(s cloud.Size) string {
	if t, ok := InstanceTypes[s]; ok {
		return t
	}
	return DefaultInstanceType
}

// Plan returns the calls Apply would make now, in order, making none. Objects
// that do not exist yet are referred to by key in angle brackets.
func (p *Provider) Plan(ctx context.Context, d cloud.Desired) ([]cloud.Call, error) {
	ops, _, err := p.diff(ctx, d)
	if err != nil {
		return nil, err
	}
	return cloud.Calls(ops), nil
}

// Apply makes the calls Plan lists, in order, and returns the inventory
// afterwards and the calls made. On an error it stops and returns what
// exists so far and the calls that succeeded; the error names the call
// and object that failed. Apply is idempotent: with nothing to change it
// makes no calls.
func (p *Provider) Apply(ctx context.Context, d cloud.Desired) (cloud.Inventory, []cloud.Call, error) {
	ops, w, err := p.diff(ctx, d)
	if err != nil {
		return cloud.Inventory{}, nil, err
	}
	made, err := cloud.RunOps(ctx, ops)
	p.remember(w, true)
	return w.inventory(), made, err
}

// Observe returns the inventory of the objects the owner has in the
// account, whatever the desired state; it makes no changes.
func (p *Provider) Observe(ctx context.Context) (cloud.Inventory, error) {
	w, err := p.observeEC2(ctx)
	if err != nil {
		return cloud.Inventory{}, err
	}
	p.remember(w, true)
	return w.inventory(), nil
}

// diff validates d, observes the account and returns the operations that
// bring it to d, with the world they act on.
func (p *Provider) diff(ctx context.Context, d cloud.Desired) ([]cloud.Op, *world, error) {
	if err := p.validate(d); err != nil {
		return nil, nil, err
	}
	w, err := p.observeEC2(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := p.observeDX(ctx, w, d); err != nil {
		return nil, nil, err
	}
	ops, err := newPlanner(p, d, w).plan()
	if err != nil {
		return nil, nil, err
	}
	return ops, w, nil
}

// remember caches the instances of w for SyncRoutes; all replaces the
// cache, otherwise w's instances are merged in.
func (p *Provider) remember(w *world, all bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rememberLocked(w, all)
}

func (p *Provider) rememberLocked(w *world, all bool) {
	if all {
		p.instances = map[string]instanceRef{}
	}
	for k, i := range w.instances {
		if k == i.key {
			p.instances[k] = instanceRef{id: i.id, eni: i.eni}
		}
	}
}
