package cloud

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// NSGState is a network security group as it filters one network
// interface: its rules, the default rules included, each with a priority
// and an access (allow or deny). Unlike a security group, the first rule
// by priority that matches decides, and a deny decides too
// (Azure: https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview#security-rules).
type NSGState struct {
	// ID is its resource ID, Name its name.
	ID, Name string
	// Level is where it is associated: NSGSubnet or NSGInterface.
	Level string
	// Rules are its rules and default rules, in any order.
	Rules []NSGRule
	// VirtualNetwork is what the VirtualNetwork service tag stands for at
	// the interface: the VNet's address space, peered VNets, the prefixes
	// of user-defined and gateway routes, and the host's virtual IP
	// (Azure: https://learn.microsoft.com/azure/virtual-network/service-tags-overview#available-service-tags).
	VirtualNetwork []netip.Prefix
}

// The levels an NSG is associated at.
const (
	NSGSubnet    = "subnet"
	NSGInterface = "network interface"
	// NSGNetwork: a GCP VPC network's firewall rules that apply to the
	// instance, read as one NSGState (their priorities, allow and deny
	// alike, decide as an NSG's do).
	NSGNetwork = "network"
)

// NSGRule is one security rule of an NSG. An address matches a side of
// the rule when Any is set, when one of Prefixes holds it, or when one of
// Tags stands for it.
type NSGRule struct {
	Name     string
	Priority int32
	Inbound  bool
	Allow    bool
	// Default marks the NSG's default rules (AllowVnetInBound, ...).
	Default  bool
	Protocol Protocol // ProtocolAll for "*"; zero for one not traced (matches nothing)
	// DstPorts and SrcPorts are the port ranges it admits; empty is any.
	DstPorts, SrcPorts [][2]int32
	Source, Dest       NSGAddresses
}

// NSGAddresses is one side of an NSG rule.
type NSGAddresses struct {
	Any      bool
	Prefixes []netip.Prefix
	// Tags are service tags: VirtualNetwork, Internet, AzureLoadBalancer.
	Tags []string
}

// AzureHostVIP is the Azure host's virtual IP, which the AzureLoadBalancer
// tag stands for (health probes) and the VirtualNetwork tag holds
// (Azure: https://learn.microsoft.com/azure/virtual-network/what-is-ip-address-168-63-129-16).
var AzureHostVIP = netip.MustParsePrefix("168.63.129.16/32")

// NSGPacket is what an NSG sees of a connection's first packet: its
// addresses, protocol and destination port; its source port is a
// client's ephemeral one.
type NSGPacket struct {
	Src, Dst netip.Addr
	Protocol Protocol
	Port     int32
}

// holds reports whether side a of a rule of g holds address x.
func (g NSGState) holds(a NSGAddresses, x netip.Addr) bool {
	if a.Any {
		return true
	}
	if slices.ContainsFunc(a.Prefixes, func(p netip.Prefix) bool { return p.Contains(x) }) {
		return true
	}
	inVNet := slices.ContainsFunc(g.VirtualNetwork, func(p netip.Prefix) bool { return p.Contains(x) })
	for _, t := range a.Tags {
		switch strings.ToLower(t) {
		case "virtualnetwork":
			if inVNet {
				return true
			}
		case "internet":
			// Azure: https://learn.microsoft.com/azure/virtual-network/service-tags-overview#available-service-tags — Internet: the address space outside the virtual network reachable by the public internet
			if !inVNet && !x.IsPrivate() {
				return true
			}
		case "azureloadbalancer":
			if AzureHostVIP.Contains(x) {
				return true
			}
		}
	}
	return false
}

// inRanges reports whether port is in one of rs (empty: any). A client's
// source port, unknown, matches only a range that holds all of Linux's
// ephemeral ports (32768-60999).
func inRanges(rs [][2]int32, port int32) bool {
	if len(rs) == 0 {
		return true
	}
	return slices.ContainsFunc(rs, func(r [2]int32) bool {
		if port < 0 {
			return r[0] <= 32768 && r[1] >= 60999
		}
		return r[0] <= port && port <= r[1]
	})
}

// Matches reports whether rule r of g matches pk in r's direction.
func (g NSGState) Matches(r NSGRule, pk NSGPacket) bool {
	switch {
	case r.Protocol == 0, r.Protocol != ProtocolAll && r.Protocol != pk.Protocol:
		return false
	case !g.holds(r.Source, pk.Src) || !g.holds(r.Dest, pk.Dst):
		return false
	case pk.Protocol == ProtocolICMP || r.Protocol == ProtocolAll && len(r.DstPorts) == 0:
		return true
	}
	return inRanges(r.DstPorts, pk.Port) && inRanges(r.SrcPorts, -1)
}

// Ordered returns g's rules of one direction in the order Azure
// evaluates them: by priority, lowest first (the default rules, 65000 and
// above, last), a deny before an allow of the same priority (GCP).
func (g NSGState) Ordered(inbound bool) []NSGRule {
	var out []NSGRule
	for _, r := range g.Rules {
		if r.Inbound == inbound {
			out = append(out, r)
		}
	}
	// Among rules of one priority a deny comes first: Azure allows one
	// rule per priority and direction; GCP lets a deny win a tie.
	// GCP: https://cloud.google.com/firewall/docs/firewalls#priority_order_for_firewall_rules — a deny rule takes precedence over an allow rule of the same priority
	slices.SortStableFunc(out, func(a, b NSGRule) int {
		if c := cmp.Compare(a.Priority, b.Priority); c != 0 {
			return c
		}
		return cmp.Compare(boolRank(a.Allow), boolRank(b.Allow))
	})
	return out
}

// boolRank orders false before true.
func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Decide returns the rule that decides pk in one direction: the first
// that matches by priority; ok is false when none does (Azure's default
// rules always end in a deny of everything, so an NSG read with them has
// one).
// Azure: https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview#security-rules — rules are processed in priority order, lower numbers first; once traffic matches a rule, processing stops
func (g NSGState) Decide(inbound bool, pk NSGPacket) (NSGRule, bool) {
	for _, r := range g.Ordered(inbound) {
		if g.Matches(r, pk) {
			return r, true
		}
	}
	return NSGRule{}, false
}

// NSGOrder returns the NSGs of a network interface in the order Azure
// applies them to traffic of one direction: inbound the subnet's, then
// the interface's; outbound the interface's, then the subnet's; a GCP
// network's firewall rules (NSGNetwork) last. A packet passes when each
// of them allows it.
// Azure: https://learn.microsoft.com/azure/virtual-network/network-security-group-how-it-works — inbound: the subnet's NSG first, then the NIC's; outbound: the NIC's NSG first, then the subnet's
func NSGOrder(ns []NSGState, inbound bool) []NSGState {
	first, second := NSGSubnet, NSGInterface
	if !inbound {
		first, second = second, first
	}
	var out []NSGState
	for _, lvl := range []string{first, second, NSGNetwork} {
		for _, g := range ns {
			if g.Level == lvl {
				out = append(out, g)
			}
		}
	}
	return out
}

// String renders a rule: "deny-other-inbound (4096): deny all from any to
// any", "AllowVnetInBound (65000, default): allow all from VirtualNetwork
// to VirtualNetwork", "allow-in-100 (100): allow tcp 5432 from
// 10.1.0.0/16 to any".
func (r NSGRule) String() string {
	access := "deny"
	if r.Allow {
		access = "allow"
	}
	prio := fmt.Sprint(r.Priority)
	if r.Default {
		prio += ", default"
	}
	what := "all"
	if r.Protocol != ProtocolAll {
		what = r.Protocol.String()
		if r.Protocol == 0 {
			what = "other"
		}
	}
	if len(r.DstPorts) > 0 && r.Protocol != ProtocolICMP {
		var ps []string
		for _, p := range r.DstPorts {
			if p[0] == p[1] {
				ps = append(ps, fmt.Sprint(p[0]))
			} else {
				ps = append(ps, fmt.Sprintf("%d-%d", p[0], p[1]))
			}
		}
		what += " " + strings.Join(ps, ",")
	}
	return fmt.Sprintf("%s (%s): %s %s from %s to %s", r.Name, prio, access, what, r.Source, r.Dest)
}

// String renders one side of a rule: "any", "10.1.0.0/16",
// "VirtualNetwork".
func (a NSGAddresses) String() string {
	if a.Any {
		return "any"
	}
	var s []string
	for _, p := range a.Prefixes {
		s = append(s, p.String())
	}
	s = append(s, a.Tags...)
	if len(s) == 0 {
		return "nothing"
	}
	return strings.Join(s, ",")
}
