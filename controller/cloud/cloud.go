// Package cloud holds the provider-neutral shape of what the controller
// wants in one cloud account (Desired, its VPCs in one or more regions), what it found there
// (Inventory), the API calls that close the gap (Call), and the Provider
// interface that each cloud's SDK-based client implements. It makes no
// calls itself.
//
// Every object carries a Key: a name stable across runs, unique in the
// lab, which the provider stores on the object (on AWS, the tags Name and
// mcnlab:key, with mcnlab:owner naming the lab) to find it again. A
// provider only ever touches objects carrying its owner tag.
//
// The types name no provider's terms: an instance's image is a role and
// its machine type a size class, route targets are the internet and
// private lines, and each provider maps them to its own. Validate and the
// keyed-diff helpers (diff.go) are shared by the providers; providers
// register their factory by name (Register) and are made from an account's
// Endpoint record (New).
package cloud

import (
	"context"
	"fmt"
	"net/netip"
)

// Desired is the whole desired state of one account; each VPC says its
// region.
type Desired struct {
	// Owner names the lab or deployment; objects are tagged with it.
	Owner          string
	VPCs           []VPC
	SecurityGroups []SecurityGroup
	Instances      []Instance
	// Routes are the static routes: to the internet or to private lines.
	// Routes to gateway instances (learned routes) are not here:
	// they are set with Provider.SyncRoutes and Apply leaves them alone.
	Routes            []Route
	VirtualInterfaces []VirtualInterface
}

// VPC is a virtual network.
type VPC struct {
	Key  string
	CIDR netip.Prefix
	// Region is where the VPC and everything in it (subnets, route
	// tables, gateways, instances, virtual interfaces) is made; "" is the
	// provider's own region. A Provider serving one region is given only
	// its region's VPCs.
	Region string
	// Group is the container the network and everything in it is made
	// in, where a provider has one (on Azure the resource group); ""
	// lets the provider choose.
	Group   string
	Subnets []Subnet
	// Internet gives the network a way to the internet (on AWS an
	// internet gateway), which routes with TargetInternet use.
	Internet bool
	// IngressRouting gives the network's internet gateway a route table
	// of its own (keyed IngressTableKey(Key)), which routes the traffic
	// entering through it; its routes to instances are set with
	// Provider.SyncRoutes under that key. Needs Internet.
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/gateway-route-tables.html — a gateway route table
	IngressRouting bool
	// PrivateLines gives the network a cloud end of private lines (on AWS
	// a virtual private gateway), which virtual interfaces land on and
	// routes with TargetPrivateLine use.
	PrivateLines bool
}

// IngressTableKey is the key of the route table of VPC vpc's internet
// gateway (VPC.IngressRouting).
func IngressTableKey(vpc string) string { return vpc + "/ingress" }

// Subnet is a subnet with a route table of its own, keyed like the subnet.
type Subnet struct {
	Key  string
	CIDR netip.Prefix
	// Zone is the availability zone; "" lets the provider choose.
	Zone string
	// OwnACL gives the subnet a network ACL of its own (on AWS, keyed
	// like the subnet) that allows all traffic, instead of the VPC's
	// default one, so that denies added there do not apply to it.
	OwnACL bool
}

// SecurityGroup is a security group of a VPC. Egress is left open.
type SecurityGroup struct {
	Key     string
	VPC     string // VPC key
	Ingress []Rule
}

// Protocol is the IP protocol a rule admits. The zero value is no
// protocol, which Validate refuses.
type Protocol uint8

// The protocols a rule may admit.
const (
	ProtocolAll Protocol = iota + 1 // every protocol, every port
	ProtocolTCP
	ProtocolUDP
	ProtocolICMP
)

var protocolNames = [...]string{"", "all", "tcp", "udp", "icmp"}

// String names the protocol: "all", "tcp", "udp" or "icmp".
func (p Protocol) String() string {
	if int(p) < len(protocolNames) && p != 0 {
		return protocolNames[p]
	}
	return fmt.Sprintf("protocol(%d)", uint8(p))
}

// Valid reports whether p is one of the protocols above.
func (p Protocol) Valid() bool { return p >= ProtocolAll && p <= ProtocolICMP }

// Rule admits traffic from Source.
type Rule struct {
	Protocol Protocol
	// FromPort and ToPort bound TCP and UDP ports (ICMP: type and code,
	// -1 for all). Both are ignored with ProtocolAll.
	FromPort, ToPort int32
	Source           netip.Prefix
}

// ImageRole is what an instance runs; each provider maps a role to a
// machine image of its own (on AWS an AMI).
type ImageRole string

// The image roles.
const (
	ImageGateway  ImageRole = "gateway"  // an mcnlab gateway
	ImageWorkload ImageRole = "workload" // a plain host that answers probes
	ImageFirewall ImageRole = "firewall" // a FireNet firewall (the stateful engine)
	ImageEgress   ImageRole = "egress"   // an FQDN egress gateway (the FQDN filter and source NAT)
	ImageVPN      ImageRole = "vpn"      // a user VPN gateway (OpenVPN and the profiles' rules)
)

// Size is an instance's size class; each provider maps it to a machine
// type of its own (on AWS an instance type). "" is SizeSmall.
type Size string

// The size classes.
const (
	SizeSmall  Size = "small"
	SizeMedium Size = "medium"
	SizeLarge  Size = "large"
)

// Instance is a virtual machine with one interface.
type Instance struct {
	Key    string
	VPC    string // VPC key
	Subnet string // subnet key
	// PrivateIP is its address; invalid means the provider's choice.
	PrivateIP      netip.Addr
	Image          ImageRole
	Size           Size
	SecurityGroups []string
	// SourceDestCheck off lets the instance forward (gateways).
	SourceDestCheck bool
	// PublicIP gives it a static public address (on AWS an elastic IP),
	// kept across stops; Capabilities.StaticPublicAddresses says whether a
	// provider has them.
	PublicIP bool
	// Interfaces are its further network interfaces, at device indexes 1,
	// 2, ... in order (an appliance's egress interface).
	Interfaces []Interface
}

// Interface is a further network interface of an instance, in a subnet
// of the instance's VPC. Its key is InterfaceKey(instance, index).
type Interface struct {
	Subnet string // subnet key
	// PrivateIP is its address; invalid means the provider's choice.
	PrivateIP      netip.Addr
	SecurityGroups []string
	// PublicIP gives it a static public address of its own (an elastic
	// IP keyed like the interface).
	PublicIP bool
}

// InterfaceKey is the key of instance's interface at device index i (1
// for Interfaces[0]).
func InterfaceKey(instance string, i int) string { return fmt.Sprintf("%s/eth%d", instance, i) }

// TargetKind is what a static route points at.
type TargetKind string

// The static route targets.
const (
	TargetInternet    TargetKind = "internet"     // the VPC's way to the internet (VPC.Internet)
	TargetPrivateLine TargetKind = "private-line" // the VPC's end of private lines (VPC.PrivateLines)
)

// Route is a static route in a subnet's route table.
type Route struct {
	Subnet      string // subnet key (its route table)
	Destination netip.Prefix
	Target      TargetKind
}

// VirtualInterface is a private virtual interface on a private line (on
// AWS a Direct Connect private virtual interface), landing on the private
// line end of a VPC (VPC.PrivateLines).
type VirtualInterface struct {
	Key string
	// Connection names the private line (on AWS the Direct Connect
	// connection's name), provisioned outside the controller.
	Connection string
	VPC        string // VPC key whose private line end it lands on
	VLAN       int32
	ASN        uint32 // the customer side's AS
	// CloudAddress and CustomerAddress are the two ends' BGP addresses
	// on the line, with the prefix length (a /30 or /31; on GCP the
	// attachment's link-local /29).
	CloudAddress, CustomerAddress netip.Prefix
	// CloudASN is the AS of the cloud's edge router the line's BGP
	// session ends on where the provider makes one (GCP's Cloud Router);
	// 0 on AWS, whose gateway's AS is Amazon's.
	CloudASN uint32
}

// Inventory is what exists, by key, after Apply (or as observed).
type Inventory struct {
	VPCs        map[string]string // key -> VPC ID
	Subnets     map[string]string // key -> subnet ID
	RouteTables map[string]string // subnet key -> route table ID
	Groups      map[string]string // key -> security group ID
	Instances   map[string]InstanceInfo
}

// InstanceInfo is what the controller needs of a running instance.
type InstanceInfo struct {
	ID        string
	Interface string // its network interface's ID
	PrivateIP netip.Addr
	PublicIP  netip.Addr // elastic IP; invalid without one
	// MAC is its network interface's MAC address ("02:1a:…"), where the
	// provider reports one; "" otherwise.
	MAC string
	// Second is its interface at device index 1 (Instance.Interfaces[0]),
	// once attached; the zero InterfaceInfo without one. (A field, not a
	// list, so that InstanceInfo stays comparable.)
	Second InterfaceInfo
}

// InterfaceInfo is what the controller needs of an instance's further
// interface.
type InterfaceInfo struct {
	ID        string
	PrivateIP netip.Addr
	PublicIP  netip.Addr // its elastic IP; invalid without one
}

// Call is one cloud API call, as plan prints it.
type Call struct {
	// Service is the provider's API service and Action its API action,
	// in the provider's terms (on AWS "ec2" and "CreateVpc").
	Service, Action string
	// Object is the key of what it acts on; Detail the parameters that
	// matter, in the action's own terms ("CidrBlock=10.1.0.0/16").
	Object, Detail string
}

// String renders a call as plan prints it:
// "ec2 CreateVpc prod-vpc CidrBlock=10.1.0.0/16".
func (c Call) String() string {
	s := c.Service + " " + c.Action + " " + c.Object
	if c.Detail != "" {
		s += " " + c.Detail
	}
	return s
}

// Capabilities say what a provider can do; the controller and Validate
// branch on them instead of on a provider's name.
type Capabilities struct {
	// PrivateLines: VPC.PrivateLines, private-line routes and virtual
	// interfaces.
	PrivateLines bool
	// MultiRegion: one Provider serves VPCs of several regions
	// (VPC.Region); without it a VPC of another region is refused.
	MultiRegion bool
	// StaticPublicAddresses: Instance.PublicIP.
	StaticPublicAddresses bool
	// NetworkInterfaces: Instance.Interfaces (further interfaces).
	NetworkInterfaces bool
	// NetworkBits bounds the prefix length of a VPC's and a subnet's
	// CIDR: [shortest, longest]. The zero value allows /0 to /32.
	NetworkBits [2]int
}

// Provider reconciles one account through its cloud's SDK. Plan, Apply,
// Observe and SyncRoutes may be called concurrently, but two Applies for
// one owner race each other in the cloud: the caller runs one at a time.
type Provider interface {
	// Plan returns the calls Apply would make now, making none.
	Plan(ctx context.Context, d Desired) ([]Call, error)
	// Apply makes the calls that bring the account to d and returns what
	// exists afterwards and the calls it made (none when nothing differs).
	// Objects with the owner tag that d no longer holds are deleted.
	Apply(ctx context.Context, d Desired) (Inventory, []Call, error)
	// Observe returns what the owner has in the account now, whatever the
	// desired state; it is read-only.
	Observe(ctx context.Context) (Inventory, error)
	// SyncRoutes makes the learned routes of one subnet's route table
	// exactly want (destination -> instance key), leaving static and local
	// routes alone; it returns the calls it made.
	SyncRoutes(ctx context.Context, subnet string, want map[netip.Prefix]string) ([]Call, error)
	// Capabilities says what the provider can do; it makes no calls.
	Capabilities() Capabilities
	// Close releases the provider's connections; it is idempotent, and
	// the provider is not used after it.
	Close() error
}
