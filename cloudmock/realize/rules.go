package realize

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"

	"github.com/mcnlab/mcnlab/dataplane/policy"
)

// ruleSpec is one rule of the rule sets that apply at an enforcement point
// (an interface, or a subnet's boundary), its peer resolved to prefixes.
// Whatever the flavour of its set, a rule compiles the same way: in
// priority order, first match decides; an allow accepts (a stateful one
// marks the connection so that its return traffic passes), a deny drops.
type ruleSpec struct {
	Prio       int
	Deny       bool
	Stateless  bool
	Proto      string
	From, To   int // TCP/UDP destination ports, -1 for all
	Type, Code int // ICMP, -1 for all
	Peers      []netip.Prefix
}

// A stateful layer passes the packets of the connections it admitted
// ("established", and related ones: ICMP errors about them); a stateless
// one judges every packet by its rules.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html — security groups are stateful: responses to allowed traffic flow regardless of rules
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-connection-tracking.html — tracked flows go on after the rule that admitted them is removed
var established = policy.Match{CtState: policy.CtEstablished | policy.CtRelated}

// statefulMark is the conntrack mark with which a layer that mixes
// stateful and stateless rules (an OCI security list may) tells the
// connections its stateful rules admitted, whose return passes, from those
// only stateless rules admitted, judged packet by packet. Only such layers
// mark: the mark is matched whole, and a gateway daemon's egress filter in
// the same namespace sets conntrack marks of its own.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/securityrules.htm#stateful — a stateless rule's response traffic needs a rule of its own
const statefulMark = 0x0100_0000

// markedEstablished is established for a mixed layer.
var markedEstablished = policy.Match{CtState: policy.CtEstablished | policy.CtRelated, CtMark: statefulMark}

// l4 is a rule's protocol, ports and ICMP type and code as a match.
func (x ruleSpec) l4() (policy.Match, error) {
	var m policy.Match
	switch x.Proto {
	case "-1", "all", "":
		return m, nil
	case "tcp":
		m.Proto = policy.ProtoTCP
	case "udp":
		m.Proto = policy.ProtoUDP
	case "icmp":
		m.Proto = policy.ProtoICMP
	case "58":
		m.Proto = policy.ProtoICMPv6
	default:
		n, err := strconv.Atoi(x.Proto)
		if err != nil || n < 1 || n > 255 {
			return m, fmt.Errorf("protocol %q is not a protocol number", x.Proto)
		}
		m.Proto = policy.Proto(n)
	}
	switch m.Proto {
	case policy.ProtoTCP, policy.ProtoUDP:
		if x.From >= 0 && !(x.From == 0 && x.To == 65535) {
			m.DstPort = policy.PortRange{From: uint16(x.From), To: uint16(x.To)}
		}
	case policy.ProtoICMP, policy.ProtoICMPv6:
		if x.Type >= 0 || x.Code >= 0 {
			m.ICMP = &policy.ICMP{Type: x.Type, Code: x.Code}
		}
	}
	return m, nil
}

// compileRules turns rules (in priority order) into policy rules matching
// the peer as source (ingress) or destination (egress): an allow ends in
// allow (with mark, a stateful one marks its connection first), a deny
// drops.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/network-security-groups-overview#security-rules — processing stops at the first rule that matches, so a deny of higher priority wins over a lower allow
// GCP: https://cloud.google.com/firewall/docs/firewalls#priority_order_for_firewall_rules — the highest-priority (lowest number) applicable rule decides
// A rule whose peer stands for many prefixes (a service tag) matches a
// set of them, added to sets and named after chain.
func compileRules(rules []ruleSpec, egress, mark bool, allow policy.Verdict, chain string, sets *[]policy.Set) ([]policy.Rule, error) {
	var out []policy.Rule
	for i, x := range rules {
		m, err := x.l4()
		if err != nil {
			return nil, err
		}
		peers, set := x.Peers, ""
		if len(peers) > maxPeerRules {
			set = fmt.Sprintf("%s-%d", chain, i)
			fam := policy.FamilyIPv4
			if peers[0].Addr().Is6() {
				fam = policy.FamilyIPv6
			}
			*sets = append(*sets, policy.Set{Name: set, Family: fam, Prefixes: disjoint(peers)})
			peers = peers[:1]
		}
		for _, p := range peers {
			r := policy.Rule{Match: m, Verdict: allow}
			switch {
			case set != "" && egress:
				r.DstSet = set
			case set != "":
				r.SrcSet = set
			case egress:
				r.Dst = p
			default:
				r.Src = p
			}
			switch {
			case x.Deny:
				r.Verdict = policy.Drop
			case mark && !x.Stateless:
				r.SetCtMark = statefulMark
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// maxPeerRules is how many prefixes a rule's peer may stand for before
// the rule matches a set of them instead of one rule each.
const maxPeerRules = 8

// disjoint returns the prefixes that no other of ps holds, sorted: the
// elements of an interval set, which must not overlap.
func disjoint(ps []netip.Prefix) []netip.Prefix {
	var out []netip.Prefix
	for i, p := range ps {
		inner := slices.ContainsFunc(ps, func(o netip.Prefix) bool {
			return o != p && o.Bits() <= p.Bits() && o.Contains(p.Addr())
		}) || slices.Contains(ps[:i], p)
		if !inner {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b netip.Prefix) int { return a.Addr().Compare(b.Addr()) })
	return out
}

// layers are the rule sets that apply at one point in one direction, one
// layer per flavour: a packet passes the point when every layer allows it
// (an AWS security group and network ACL, an Azure NIC's and subnet's
// NSGs, are separate checks), while the sets of one flavour make one
// priority-ordered list.
type layers []layer

// layer is the rules of one flavour's sets in one direction, in priority
// order. Stateful and Stateless say whether the sets have stateful and
// stateless allow rules, in either direction: a layer with stateful ones
// passes the packets of the connections they admitted.
type layer struct {
	Stateful, Stateless bool
	Rules               []ruleSpec
}

// mixed reports whether the layer needs statefulMark.
func (l layer) mixed() bool { return l.Stateful && l.Stateless }

// layerChains compiles the layers of one point and direction into regular
// chains of table t (whose sets it adds to): name checks every layer in
// turn (a single layer is name itself); a layer's chain returns what it
// allows and drops the rest. A layer with stateful rules first returns the
// packets of the connections they admitted. In an IPv4 table, what a layer
// drops is counted by flow in the table's flow set rejectedSet, which the
// flow source reads (flows.go) for the flow logs' REJECT records.
func layerChains(name string, ls layers, egress bool, t *policy.Table) ([]policy.Chain, error) {
	sets := &t.Sets
	drop := policy.Rule{Verdict: policy.Drop}
	if t.Family == policy.FamilyIPv4 && len(ls) > 0 {
		if !slices.ContainsFunc(t.Sets, func(s policy.Set) bool { return s.Name == rejectedSet }) {
			t.Sets = append(t.Sets, policy.Set{Name: rejectedSet, Family: policy.FamilyIPv4, Track: true})
		}
		drop.Track = rejectedSet
	}
	var out []policy.Chain
	top := policy.Chain{Name: name}
	for i, l := range ls {
		ch := policy.Chain{Name: name}
		if len(ls) > 1 {
			ch.Name = fmt.Sprintf("%s-%d", name, i)
			top.Rules = append(top.Rules, policy.Rule{Verdict: policy.Jump(ch.Name)})
		}
		switch {
		case l.mixed():
			ch.Rules = append(ch.Rules, policy.Rule{Match: markedEstablished, Verdict: policy.Return})
		case l.Stateful:
			ch.Rules = append(ch.Rules, policy.Rule{Match: established, Verdict: policy.Return})
		}
		rs, err := compileRules(l.Rules, egress, l.mixed(), policy.Return, ch.Name, sets)
		if err != nil {
			return nil, err
		}
		ch.Rules = append(append(ch.Rules, rs...), drop)
		for i := range ch.Rules { // the sets' deny rules count what they drop too
			if ch.Rules[i].Verdict == policy.Drop {
				ch.Rules[i].Track = drop.Track
			}
		}
		out = append(out, ch)
	}
	if len(ls) > 1 {
		out = append([]policy.Chain{top}, out...)
	}
	return out, nil
}

// rejectedSet is the flow set of a namespace's table that counts what its
// rule sets dropped (layerChains).
const rejectedSet = "rejected"

func baseChain(name string, hook policy.Hook, pol policy.ChainPolicy) policy.Chain {
	return policy.Chain{Name: name, Hook: hook, Type: policy.TypeFilter, Priority: policy.PriorityFilter, Policy: pol}
}

func accepting(m policy.Match) policy.Rule { return policy.Rule{Match: m, Verdict: policy.Accept} }

// passes appends to ch a check of the point's layers (name) and, when
// there is any, then to decides; with none, the chain's policy does.
func passes(ch *policy.Chain, name string, ls layers, then policy.Verdict) {
	if len(ls) == 0 {
		return
	}
	ch.Rules = append(ch.Rules, policy.Rule{Verdict: policy.Jump(name)}, policy.Rule{Verdict: then})
}

// hostRuleset builds an instance's tables: the rule sets of its interface
// and its source/destination check; or a NAT gateway's masquerade.
func hostRuleset(s hostSpec) (*ruleset, error) {
	if s.Masquerade {
		t := policy.Table{Family: policy.FamilyIPv4, Name: tableName}
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html#nat-gateway-basics — the NAT gateway replaces the source address with its own private address (the internet gateway then maps it to the elastic IP)
		post := policy.Chain{Name: "postrouting", Hook: policy.HookPostrouting, Type: policy.TypeNAT, Priority: policy.PrioritySrcNAT,
			Rules: []policy.Rule{{Match: policy.Match{OIF: hostIf, Src: netip.PrefixFrom(s.Addr, 32), NotSrc: true}, NAT: &policy.NAT{Kind: policy.Masquerade}}}}
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html — external services cannot initiate a connection through a NAT gateway
		in := baseChain("input", policy.HookInput, policy.PolicyDrop)
		in.Rules = []policy.Rule{accepting(policy.Match{CtState: policy.CtEstablished | policy.CtRelated}), accepting(policy.Match{IIF: "lo"})}
		t.Chains = []policy.Chain{post, in}
		return &ruleset{tables: []policy.Table{noIPv6(), t}}, nil
	}
	if len(s.NICs) > 0 {
		return multiHostRuleset(s)
	}
	t, err := hostFilter(s, false)
	if err != nil {
		return nil, err
	}
	v6 := noIPv6()
	if len(s.Addrs6) > 0 {
		if v6, err = hostFilter(s, true); err != nil {
			return nil, err
		}
	}
	return &ruleset{tables: []policy.Table{v6, t}}, nil
}

// hostFilter builds an instance's filter table of one family: the rule
// sets of its interface (their rules of that family) and its
// source/destination check.
func hostFilter(s hostSpec, v6 bool) (policy.Table, error) {
	t := policy.Table{Family: policy.FamilyIPv4, Name: tableName}
	ingress, egress := s.Ingress.family(v6), s.Egress.family(v6)
	if v6 {
		t.Family = policy.FamilyIPv6
	}
	ins, err := layerChains("ingress", ingress, false, &t)
	if err != nil {
		return t, fmt.Errorf("ingress rule: %w", err)
	}
	outs, err := layerChains("egress", egress, true, &t)
	if err != nil {
		return t, fmt.Errorf("egress rule: %w", err)
	}
	// A rule set of an interface filters what passes the interface (eth0)
	// only: what a gateway instance receives or sends inside a tunnel it
	// terminates was checked as tunnel packets on eth0.
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html — security groups are associated with network interfaces
	in := baseChain("input", policy.HookInput, policy.PolicyDrop)
	in.Rules = []policy.Rule{accepting(policy.Match{IIF: "lo"}), accepting(policy.Match{IIF: hostIf, NotIIF: true})}
	out := baseChain("output", policy.HookOutput, policy.PolicyDrop)
	out.Rules = []policy.Rule{accepting(policy.Match{OIF: "lo"}), accepting(policy.Match{OIF: hostIf, NotOIF: true})}
	if v6 {
		in.Rules, out.Rules = append(in.Rules, neighbourDiscovery(true)...), append(out.Rules, neighbourDiscovery(false)...)
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html — security groups do not filter traffic to or from the Amazon DNS server (Route 53 Resolver)
	for _, a := range s.Resolvers {
		if v6 {
			break
		}
		dns := netip.PrefixFrom(a, 32)
		for _, proto := range []policy.Proto{policy.ProtoUDP, policy.ProtoTCP} {
			out.Rules = append(out.Rules, accepting(policy.Match{OIF: hostIf, Dst: dns, Proto: proto, DstPort: policy.Port(53)}))
			in.Rules = append(in.Rules, accepting(policy.Match{IIF: hostIf, Src: dns, Proto: proto, SrcPort: policy.Port(53),
				CtState: policy.CtEstablished | policy.CtRelated}))
		}
	}
	passes(&in, "ingress", ingress, policy.Accept)
	passes(&out, "egress", egress, policy.Accept)
	// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/network-security-group-how-it-works — with no NSG on the subnet or the NIC, all traffic is allowed
	if s.Open {
		in.Rules = append(in.Rules, accepting(policy.Match{}))
		out.Rules = append(out.Rules, accepting(policy.Match{}))
	}
	fwd := baseChain("forward", policy.HookForward, policy.PolicyDrop)
	t.Chains = append(append(t.Chains, ins...), outs...)
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/VPC_NAT_Instance.html#EIP_Disable_SrcDestCheck — with the source/destination check on, an instance drops traffic not addressed to or from itself
	if !s.SrcDstCheck {
		// Forwarded traffic enters and leaves the interface: a new flow
		// passes when the inbound and the outbound rules both allow it.
		// Entering from a tunnel, not through eth0, only the outbound rules
		// apply; leaving into a tunnel, only the inbound ones.
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html — security groups control the traffic allowed to reach and leave the resources they are associated with
		fwdOut := policy.Chain{Name: "forward-out", Rules: []policy.Rule{accepting(policy.Match{OIF: hostIf, NotOIF: true})}}
		passes(&fwdOut, "egress", egress, policy.Accept)
		if s.Open {
			fwdOut.Rules = append(fwdOut.Rules, accepting(policy.Match{}))
		}
		fwd.Rules = []policy.Rule{{Match: policy.Match{IIF: hostIf, NotIIF: true}, Verdict: policy.Goto(fwdOut.Name)}}
		if len(ingress) > 0 {
			fwd.Rules = append(fwd.Rules, policy.Rule{Verdict: policy.Jump("ingress")})
		}
		fwd.Rules = append(fwd.Rules, policy.Rule{Verdict: policy.Goto(fwdOut.Name)})
		t.Chains = append(t.Chains, fwdOut)
	}
	t.Chains = append(t.Chains, in, out, fwd)
	return t, nil
}

// linkLocal4 is IPv4's link-local range (RFC 3927).
var linkLocal4 = netip.MustParsePrefix("169.254.0.0/16")

// routerRuleset builds a VPC router's table: the rule sets attached to each
// subnet, and the internet gateway's one-to-one address mapping.
func routerRuleset(s routerSpec) (*ruleset, error) {
	t := policy.Table{Family: policy.FamilyIPv4, Name: tableName}
	fwd := baseChain("forward", policy.HookForward, policy.PolicyAccept)
	closedRules(&fwd, s.NAT)
	segChains := forwardedChains(&fwd, s.Forwarded)
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html — a network ACL controls traffic entering and leaving a subnet, not traffic within it
	for _, sg := range s.Segs {
		fwd.Rules = append(fwd.Rules, accepting(policy.Match{IIF: sg.Bridge, OIF: sg.Bridge}))
	}
	for _, sg := range s.Segs {
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html — rules are evaluated in rule-number order, the first match decides; ACLs are stateless, so return traffic needs its own rule
		inName, outName := "in-"+sg.Bridge, "out-"+sg.Bridge
		ins, err := layerChains(inName, sg.Ingress.family(false), false, &t)
		if err != nil {
			return nil, fmt.Errorf("subnet %s ingress rule: %w", sg.Bridge, err)
		}
		outs, err := layerChains(outName, sg.Egress.family(false), true, &t)
		if err != nil {
			return nil, fmt.Errorf("subnet %s egress rule: %w", sg.Bridge, err)
		}
		segChains = append(append(segChains, ins...), outs...)
		if len(sg.Egress) > 0 {
			fwd.Rules = append(fwd.Rules, policy.Rule{Match: policy.Match{IIF: sg.Bridge}, Verdict: policy.Jump(outName)})
		}
		if len(sg.Ingress) > 0 {
			fwd.Rules = append(fwd.Rules, policy.Rule{Match: policy.Match{OIF: sg.Bridge}, Verdict: policy.Jump(inName)})
		}
	}
	if s.IGW || len(s.Endpoints) > 0 {
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html — the internet gateway performs one-to-one NAT between an instance's private address and its public or elastic IP; without one, it does not pass the instance's traffic
		pre := policy.Chain{Name: "prerouting", Hook: policy.HookPrerouting, Type: policy.TypeNAT, Priority: policy.PriorityDstNAT}
		post := policy.Chain{Name: "postrouting", Hook: policy.HookPostrouting, Type: policy.TypeNAT, Priority: policy.PrioritySrcNAT}
		// Nothing to a link-local address leaves for the internet: such
		// a packet (to a private line's end before the Cloud Router has
		// learned it) would otherwise leave a NAT binding in conntrack
		// that its flow keeps once the line's route is there.
		// RFC 3927 section 2.7: a router MUST NOT forward a packet with an IPv4 link-local source or destination address
		fwd.Rules = append(fwd.Rules, policy.Rule{Match: policy.Match{OIF: igwIf, Dst: linkLocal4}, Verdict: policy.Drop})
		subnetNATRules(&post, &fwd, s.SubnetNAT, false)
		// A gateway endpoint's services are reached from any address of
		// the VPC, public IP or not (endpoints.go).
		// AWS: https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html — instances in a subnet with the endpoint's route reach the service without public IP addresses
		for _, dst := range s.Endpoints {
			post.Rules = append(post.Rules, policy.Rule{Match: policy.Match{OIF: igwIf, Dst: dst}, NAT: &policy.NAT{Kind: policy.Masquerade}})
			fwd.Rules = append(fwd.Rules, accepting(policy.Match{OIF: igwIf, Dst: dst}))
		}
		for _, m := range s.NAT {
			pre.Rules = append(pre.Rules, policy.Rule{Match: policy.Match{IIF: igwIf, Dst: netip.PrefixFrom(m.Public, 32)}, NAT: &policy.NAT{Kind: policy.DNAT, Addr: m.Private}})
			post.Rules = append(post.Rules, policy.Rule{Match: policy.Match{OIF: igwIf, Src: netip.PrefixFrom(m.Private, 32)}, NAT: &policy.NAT{Kind: policy.SNAT, Addr: m.Public}})
			fwd.Rules = append(fwd.Rules, accepting(policy.Match{OIF: igwIf, Src: netip.PrefixFrom(m.Private, 32)}))
		}
		subnetNATRules(&post, &fwd, s.SubnetNAT, true)
		fwd.Rules = append(fwd.Rules, policy.Rule{Match: policy.Match{OIF: igwIf}, Verdict: policy.Drop})
		segChains = append(segChains, pre, post)
	}
	t.Chains = append(append([]policy.Chain{fwd}, segChains...), senderChain(s.Senders)...)
	tables := []policy.Table{t}
	if s.V6 {
		t6, err := router6Table(s)
		if err != nil {
			return nil, err
		}
		tables = append(tables, t6)
	}
	return &ruleset{tables: tables}, nil
}

// noIPv6 is an instance's IPv6 table: the emulated VPCs are IPv4 only, so
// an instance takes no IPv6 traffic (its link-local address would
// otherwise bypass its rule sets).
func noIPv6() policy.Table {
	in := baseChain("input", policy.HookInput, policy.PolicyDrop)
	in.Rules = []policy.Rule{accepting(policy.Match{IIF: "lo"})}
	out := baseChain("output", policy.HookOutput, policy.PolicyDrop)
	out.Rules = []policy.Rule{accepting(policy.Match{OIF: "lo"})}
	return policy.Table{Family: policy.FamilyIPv6, Name: tableName,
		Chains: []policy.Chain{in, out, baseChain("forward", policy.HookForward, policy.PolicyDrop)}}
}
