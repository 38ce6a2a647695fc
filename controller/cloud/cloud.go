// Package cloud holds the provider-neutral shape of what the controller
// wants in one cloud account and region (Desired), what it found there
// (Inventory), the API calls that close the gap (Call), and the Provider
// interface that each cloud's SDK-based client implements. It makes no
// calls itself.
//
// Every object carries a Key: a name stable across runs, unique in the
// lab, which the provider stores on the object (on AWS, the tags Name and
// mcnlab:key, with mcnlab:owner naming the lab) to find it again. A
// provider only ever touches objects carrying its owner tag.
package cloud

import (
	"context"
	"net/netip"
)

// Desired is the whole desired state of one account and region.
type Desired struct {
	// Owner names the lab or deployment; objects are tagged with it.
	Owner          string
	VPCs           []VPC
	SecurityGroups []SecurityGroup
	Instances      []Instance
	// Routes are the static routes: to an internet gateway or a VPN
	// gateway. Routes to gateway instances (learned routes) are not here:
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
	Region  string
	Subnets []Subnet
	// InternetGateway attaches an internet gateway.
	InternetGateway bool
	// VPNGateway attaches a virtual private gateway (the cloud end of
	// private lines).
	VPNGateway bool
}

// Subnet is a subnet with a route table of its own, keyed like the subnet.
type Subnet struct {
	Key  string
	CIDR netip.Prefix
	// Zone is the availability zone; "" lets the provider choose
	// (region + "a").
	Zone string
}

// SecurityGroup is a security group of a VPC. Egress is left open.
type SecurityGroup struct {
	Key     string
	VPC     string // VPC key
	Ingress []Rule
}

// Rule admits traffic from Source.
type Rule struct {
	// Protocol is "-1" (all), "tcp", "udp" or "icmp".
	Protocol string
	// FromPort and ToPort bound tcp/udp ports (ICMP: type and code; -1
	// for all). Both 0 with protocol -1.
	FromPort, ToPort int32
	Source           netip.Prefix
}

// Instance is a virtual machine with one interface.
type Instance struct {
	Key    string
	VPC    string // VPC key
	Subnet string // subnet key
	// PrivateIP is its address; invalid means the provider's choice.
	PrivateIP      netip.Addr
	Image          string // AMI ID
	Type           string // instance type; "" means t3.micro
	SecurityGroups []string
	// SourceDestCheck off lets the instance forward (gateways).
	SourceDestCheck bool
	// ElasticIP gives it an elastic (public) address.
	ElasticIP bool
}

// TargetKind is what a static route points at.
type TargetKind string

// The static route targets.
const (
	TargetInternet TargetKind = "igw" // the VPC's internet gateway
	TargetVPN      TargetKind = "vgw" // the VPC's virtual private gateway
)

// Route is a static route in a subnet's route table.
type Route struct {
	Subnet      string // subnet key (its route table)
	Destination netip.Prefix
	Target      TargetKind
}

// VirtualInterface is a private virtual interface on a private line
// (AWS Direct Connect), landing on the VPN gateway of a VPC.
type VirtualInterface struct {
	Key string
	// Connection names the private line (the Direct Connect connection's
	// name), provisioned outside the controller.
	Connection string
	VPC        string // VPC key whose VPN gateway it lands on
	VLAN       int32
	ASN        uint32 // the customer side's AS
	// AmazonAddress and CustomerAddress are the two ends' addresses on
	// the line, with the /30.
	AmazonAddress, CustomerAddress netip.Prefix
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
	ENI       string // its network interface ID
	PrivateIP netip.Addr
	PublicIP  netip.Addr // elastic IP; invalid without one
}

// Call is one cloud API call, as plan prints it.
type Call struct {
	Service string // "ec2", "directconnect"
	Action  string // the API action, such as CreateVpc
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

// Provider reconciles one account and region through its cloud's SDK.
type Provider interface {
	// Plan returns the calls Apply would make now, making none.
	Plan(ctx context.Context, d Desired) ([]Call, error)
	// Apply makes the calls that bring the account to d and returns what
	// exists afterwards and the calls it made (none when nothing differs).
	// Objects with the owner tag that d no longer holds are deleted.
	Apply(ctx context.Context, d Desired) (Inventory, []Call, error)
	// SyncRoutes makes the learned routes of one subnet's route table
	// exactly want (destination -> instance key), leaving static and local
	// routes alone; it returns the calls it made.
	SyncRoutes(ctx context.Context, subnet string, want map[netip.Prefix]string) ([]Call, error)
}
