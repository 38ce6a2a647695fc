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
//	      egress: true
//	      egress-subnet: public
//	      egress-domains: [prod]
//	      hash: 5-tuple
//	      engine: l7
//	      rules:
//	        - {action: deny, protocol: tcp, port: 22}
//	        - {action: deny, protocol: http, host: www.example.com, path: /admin*}
//	        - {action: deny, protocol: tls, sni: blocked.example.net}
//	      default: allow
//
// The firewalls are instances in the transit's subnet (beside its
// gateways, which reach them on that subnet); each runs the stateful
// firewall engine (dataplane/firewall) with the rules of protocols any,
// tcp, udp and icmp, first match wins, then default. A firewall whose
// engine is l7 also runs squid (dataplane/l7proxy): new tcp/80 and tcp/443
// flows the stateful rules allow go to it, and it applies the http rules
// to each HTTP request (Host, path) and the tls rules to each TLS
// connection (SNI), first match wins, and passes what none matches.
// With egress, each firewall also has an egress interface (its second
// network interface, eth1) with an elastic IP in the transit VPC's public
// subnet egress-subnet: the transit gateways steer the egress domains'
// internet-bound flows to the firewalls (by the same hash), and each
// firewall sends what it passes out of that interface with its source
// translated to its own address; the replies come back to it.

// FireNet is a transit's firewall network.
type FireNet struct {
	// Firewalls in file order: the order the gateways balance over.
	Firewalls []*Firewall
	// Inspect are the domain pairs whose traffic (both ways) crosses a
	// firewall.
	Inspect []*DomainConnection
	// Egress steers the egress domains' internet-bound traffic through
	// the firewalls too, which send it out of their egress interfaces in
	// EgressSubnet (a subnet of the transit's VPC) with source NAT.
	Egress       bool
	EgressSubnet string
	// EgressDomains are the domains whose internet egress crosses the
	// firewalls; empty means every domain of an inspected pair.
	EgressDomains []string
	// Hash is HashFiveTuple (the default) or HashTwoTuple.
	Hash FireNetHash
	// Engine is the firewalls' engine where a firewall names none
	// (EngineStateful when unset).
	Engine FirewallEngine
	// Rules are the policy, first match wins: the stateful engine's
	// (protocols any, tcp, udp, icmp) and the l7 engine's (http, tls),
	// each engine taking its own in order. Default is what no stateful
	// rule matches (FirewallAllow when unset).
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
	// EngineL7 is the stateful engine plus squid, which inspects HTTP
	// requests (tcp/80) and TLS server names (tcp/443): the http and tls
	// rules.
	EngineL7 FirewallEngine = "l7"
)

// Firewall is one firewall instance of a FireNet. Its name is also its
// instance's (unique among the lab's names).
type Firewall struct {
	Name   string
	Engine FirewallEngine // the firenet's engine when unset
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
	// ProtoHTTP and ProtoTLS are the l7 engine's: HTTP requests on tcp/80
	// and TLS connections on tcp/443.
	ProtoHTTP FirewallProtocol = "http"
	ProtoTLS  FirewallProtocol = "tls"
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
	// Host and Path (http) match a request's Host header and its path
	// and query ("/admin*": '*' is any characters); SNI (tls) the server
	// name of a TLS ClientHello. A name is lower-case, or "*.example.com"
	// for the name and every name below it. Empty: any.
	Host, Path, SNI string
	Pos             Pos
}

// IsL7 says whether r is a rule of the l7 engine (http or tls).
func (r *FirewallRule) IsL7() bool { return r.Protocol == ProtoHTTP || r.Protocol == ProtoTLS }

// EngineOf is the engine firewall fw runs: its own, else the firenet's.
func (f *FireNet) EngineOf(fw *Firewall) FirewallEngine {
	if fw.Engine != "" {
		return fw.Engine
	}
	if f.Engine != "" {
		return f.Engine
	}
	return EngineStateful
}

// Inspects says whether domain is one of an inspected pair.
func (f *FireNet) Inspects(domain string) bool {
	for _, p := range f.Inspect {
		if p != nil && (p.A == domain || p.B == domain) {
			return true
		}
	}
	return false
}

// EgressFrom are the domains whose internet egress crosses the
// firewalls: none without Egress, else EgressDomains, or every domain of
// an inspected pair (in file order) when that is empty.
func (f *FireNet) EgressFrom() []string {
	if f == nil || !f.Egress {
		return nil
	}
	if len(f.EgressDomains) > 0 {
		return f.EgressDomains
	}
	var out []string
	for _, p := range f.Inspect {
		if p == nil {
			continue
		}
		for _, d := range []string{p.A, p.B} {
			if !contains(out, d) {
				out = append(out, d)
			}
		}
	}
	return out
}

// firenetValues are the valid values of the firenet block's enumerations,
// in documentation order.
var (
	firenetHashes    = []string{string(HashFiveTuple), string(HashTwoTuple)}
	firewallEngines  = []string{string(EngineStateful), string(EngineL7)}
	firewallActions  = []string{string(FirewallAllow), string(FirewallDeny)}
	firewallProtocol = []string{string(ProtoAny), string(ProtoTCP), string(ProtoUDP), string(ProtoICMP), string(ProtoHTTP), string(ProtoTLS)}
)

// applyDefaults fills the unset hash, default, engine and protocols
// (a firewall's engine stays unset: the firenet's applies, EngineOf).
func (f *FireNet) applyDefaults() {
	if f.Hash == "" {
		f.Hash = HashFiveTuple
	}
	if f.Default == "" {
		f.Default = FirewallAllow
	}
	if f.Engine == "" {
		f.Engine = EngineStateful
	}
	for _, r := range f.Rules {
		if r != nil && r.Protocol == "" {
			r.Protocol = ProtoAny
		}
	}
}
