package topologies

import "net/netip"

// FireNet: firewall instances attached to a transit, and what the
// transit's gateways steer through them. In YAML (see FORMAT.md):
//
//	transits:
//	  transit:
//	    vpc: transit-vpc
//	    subnet: gw
//	    asn: 65000
//	    firenet:
//	      firewalls: {fw1: {}, fw2: {address: 10.0.0.30}}
//	      inspect: [[prod, shared]]
//	      egress: false
//	      hash: 5-tuple
//	      rules: [{action: deny, protocol: tcp, port: 22}]
//	      default: allow
//
// The firewalls are instances in the transit's subnet (beside its
// gateways, which reach them on that subnet); each runs the stateful
// firewall engine (dataplane/firewall) with the rules, first match wins,
// then default.

// FireNet is a transit's firewall network.
type FireNet struct {
	// Firewalls in file order: the order the gateways balance over.
	Firewalls []*Firewall
	// Inspect are the domain pairs whose traffic (both ways) crosses a
	// firewall.
	Inspect []*DomainConnection
	// Egress steers traffic between the domains and the internet through
	// the firewalls too.
	Egress bool
	// Hash is HashFiveTuple (the default) or HashTwoTuple.
	Hash FireNetHash
	// Rules are the stateful engine's policy, first match wins; Default
	// is what no rule matches (FirewallAllow when unset).
	Rules   []*FirewallRule
	Default FirewallAction
	Pos     Pos
}

// FireNetHash is what the gateways' balancing hash covers.
type FireNetHash string

// The hash modes.
const (
	HashFiveTuple FireNetHash = "5-tuple" // addresses, protocol and ports
	HashTwoTuple  FireNetHash = "2-tuple" // addresses only
)

// FirewallEngine is what a firewall runs.
type FirewallEngine string

// The firewall engines.
const (
	// EngineStateful is the generic stateful firewall (nftables with
	// conntrack): 5-tuple rules.
	EngineStateful FirewallEngine = "stateful"
)

// Firewall is one firewall instance of a FireNet. Its name is also its
// instance's (unique among the lab's names).
type Firewall struct {
	Name   string
	Engine FirewallEngine // EngineStateful when unset
	// Address is its private address in the transit's subnet; invalid
	// (zero) means the cloud's choice.
	Address netip.Addr
	Pos     Pos
}

// FirewallAction is what a firewall rule does with a new flow.
type FirewallAction string

// The firewall actions.
const (
	FirewallAllow FirewallAction = "allow"
	FirewallDeny  FirewallAction = "deny"
)

// FirewallProtocol is a firewall rule's protocol.
type FirewallProtocol string

// The firewall rule protocols.
const (
	ProtoAny  FirewallProtocol = "any"
	ProtoTCP  FirewallProtocol = "tcp"
	ProtoUDP  FirewallProtocol = "udp"
	ProtoICMP FirewallProtocol = "icmp"
)

// FirewallRule matches new flows; every field set must hold.
type FirewallRule struct {
	Action   FirewallAction
	Protocol FirewallProtocol // ProtoAny when unset
	// Port is the destination port (tcp or udp); 0 means any.
	Port int
	// From and To are source and destination prefixes; invalid means
	// any.
	From, To netip.Prefix
	Pos      Pos
}

// firenetValues are the valid values of the firenet block's enumerations,
// in documentation order.
var (
	firenetHashes    = []string{string(HashFiveTuple), string(HashTwoTuple)}
	firewallEngines  = []string{string(EngineStateful)}
	firewallActions  = []string{string(FirewallAllow), string(FirewallDeny)}
	firewallProtocol = []string{string(ProtoAny), string(ProtoTCP), string(ProtoUDP), string(ProtoICMP)}
)

// applyDefaults fills the unset hash, default, engines and protocols.
func (f *FireNet) applyDefaults() {
	if f.Hash == "" {
		f.Hash = HashFiveTuple
	}
	if f.Default == "" {
		f.Default = FirewallAllow
	}
	for _, fw := range f.Firewalls {
		if fw != nil && fw.Engine == "" {
			fw.Engine = EngineStateful
		}
	}
	for _, r := range f.Rules {
		if r != nil && r.Protocol == "" {
			r.Protocol = ProtoAny
		}
	}
}
