package cloud

import (
	"context"
	"net/netip"
)

// EndState is what a cloud says of one instance's place in its network,
// as FlightPath lays it out: the instance's security groups with their
// rules, its subnet's route table and its subnet's network ACL, read
// through the provider's API.
type EndState struct {
	// Instance is the instance's ID, Address its private address.
	Instance string
	Address  netip.Addr
	// Subnet is its subnet's ID and SubnetCIDR the subnet's range.
	Subnet     string
	SubnetCIDR netip.Prefix
	// Groups are its security groups (NSGs), in the order the cloud
	// lists them.
	Groups []GroupState
	// Table is its subnet's route table.
	Table TableState
	// ACL is its subnet's network ACL; nil where the cloud has none
	// (everything passes).
	ACL *ACLState
	// NSGs are the network security groups that filter its interface
	// (Azure: its subnet's and its own), where the cloud has them in place
	// of security groups; none means everything passes.
	NSGs []NSGState
}

// GroupState is a security group with its rules. A packet passes a
// stateful group when one rule of one of the instance's groups admits it
// (AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-group-rules.html).
type GroupState struct {
	ID, Name string
	Ingress  []RuleState
	Egress   []RuleState
}

// RuleState is one rule of a security group, with its identity (on AWS
// the security group rule ID, sgr-…). Rule.Source is the peer: the
// source of an ingress rule, the destination of an egress rule.
type RuleState struct {
	ID string
	Rule
}

// RouteKind is what a route of a route table points at.
type RouteKind string

// The route kinds FlightPath tells apart.
const (
	RouteLocal       RouteKind = "local"        // the network's own range
	RouteInstance    RouteKind = "instance"     // an instance or its interface (a gateway)
	RouteInternet    RouteKind = "internet"     // the network's way to the internet
	RoutePrivateLine RouteKind = "private-line" // the network's end of private lines
	RouteBlackhole   RouteKind = "blackhole"    // a route whose target is gone
	RouteOther       RouteKind = "other"        // anything else (peering, NAT, endpoints)
)

// TableState is a route table as read.
type TableState struct {
	ID     string
	Routes []RouteState
}

// RouteState is one route: its destination, what it points at (Kind),
// and the target's ID (an instance, interface or gateway ID).
type RouteState struct {
	Destination netip.Prefix
	Kind        RouteKind
	Target      string
	// Source says who made it where the cloud says so (Azure: "Default"
	// for a system route, "User" for a user-defined one).
	Source string
	// Inactive marks a route the cloud lists but does not use (Azure: a
	// system route a user-defined route of the same prefix overrides).
	Inactive bool
}

// ACLState is a network ACL: stateless, its entries evaluated in rule
// number order, the first match deciding
// (AWS: https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html).
type ACLState struct {
	ID       string
	Inbound  []ACLEntry
	Outbound []ACLEntry
}

// ACLEntry is one entry of a network ACL; Rule.Source is its CIDR (the
// source of an inbound entry, the destination of an outbound one).
type ACLEntry struct {
	Number int32
	Allow  bool
	Rule
}

// PathReader is a Provider that reads what FlightPath lays out for an
// instance.
type PathReader interface {
	// ReadEnd reads the instance of key (one of the owner's) with its
	// security groups, its subnet's route table and network ACL. An
	// instance it cannot find is an error naming the key.
	ReadEnd(ctx context.Context, key string) (EndState, error)
}

// Lookup returns the route a packet to dst takes: the longest prefix
// that holds it among the active routes, or nil
// (AWS: https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html;
// Azure: https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview#how-azure-selects-a-route).
func (t TableState) Lookup(dst netip.Addr) *RouteState {
	var best *RouteState
	for i, r := range t.Routes {
		if !r.Inactive && r.Destination.Contains(dst) && (best == nil || r.Destination.Bits() > best.Destination.Bits()) {
			best = &t.Routes[i]
		}
	}
	return best
}
