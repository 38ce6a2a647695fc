package intent

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/topologies"
)

// routeOut looks dst up in the route table of e's subnet (es): a peer in
// the VPC goes by the local route, any other by a learned route to a
// gateway of e's spoke (cloud.TableState.Lookup: longest prefix). A
// missing route the platform withholds (a prefix pending approval,
// transits not peered) is blamed on the platform's step.
func (t *tracer) routeOut(e, peer *Endpoint, es cloud.EndState, dst netip.Addr) bool {
	table := es.Table.ID
	if table == "" {
		table = "route table of " + subnetNode(e, es)
	}
	withheld := func() bool {
		s, why := t.p.routeWhy(e, peer, t.v.Approved)
		if why == "" {
			return true
		}
		t.step(Step{Kind: StepRoute, Object: table, Rule: "no route to " + dst.String(), Action: ActionMissing, Detail: "withheld by the platform: " + why})
		tr := t.p.transitOf(e)
		if tr == "" {
			tr = t.p.transitOf(peer)
		}
		t.hop(cmp.Or(tr, e.Spoke), HopTransit)
		return t.block(s, "no route: "+why)
	}
	if e.VPC == peer.VPC {
		t.step(Step{Kind: StepRoute, Object: table, Rule: "local", Action: ActionForward, Detail: fmt.Sprintf("%s is in VPC %s", dst, e.VPC)})
		return true
	}
	if t.v.Intended {
		if !withheld() {
			return false
		}
		_, k := t.gatewayEnd(e.Spoke)
		t.step(Step{Kind: StepRoute, Object: table, Rule: peer.Prefix.String() + " -> " + k, Action: ActionForward, Detail: "learned from the transit"})
		return true
	}
	best := es.Table.Lookup(dst)
	if best == nil || best.Destination.Bits() == 0 && t.p.EgressGateway(t.v.Gateways[best.Target]) != nil {
		// Only the default route to the VPC's egress gateway holds dst:
		// the platform's reason for withholding the learned route comes
		// first.
		if !withheld() {
			return false
		}
		return t.block(Step{Kind: StepRoute, Object: table, Rule: "no route to " + dst.String(), Action: ActionMissing},
			fmt.Sprintf("no route: route table %s of %s's subnet has no route to %s", table, e.Name, dst))
	}
	rule := fmt.Sprintf("%s -> %s", best.Destination, best.Target)
	if k := t.v.Gateways[best.Target]; best.Kind == cloud.RouteInstance && k != "" {
		if g := t.p.Gateway(k); g != nil && g.Group == e.Spoke {
			t.step(Step{Kind: StepRoute, Object: table, Rule: rule, Action: ActionForward, Detail: "to spoke gateway " + k})
			return true
		}
	}
	what := fmt.Sprintf("sends %s to %s (%s), not to a gateway of spoke %s", dst, best.Target, best.Kind, e.Spoke)
	if best.Kind == cloud.RouteBlackhole {
		what = fmt.Sprintf("sends %s to %s, which is gone (blackhole)", dst, best.Target)
	}
	return t.block(Step{Kind: StepRoute, Object: table, Rule: rule, Action: ActionDeny, Detail: what},
		fmt.Sprintf("no route: route table %s of %s's subnet %s", table, e.Name, what))
}

// cross filters a packet leaving the subnet of from for the subnet of to
// through both subnets' network ACLs; within one subnet none applies
// (AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html).
func (t *tracer) cross(from, to cloud.EndState, pk packet) bool {
	if from.Subnet == to.Subnet {
		return true
	}
	return t.acl(from.ACL, false, pk) && t.acl(to.ACL, true, pk)
}

// acl applies one network ACL's inbound or outbound entries in rule
// number order; the first that matches decides, none denies.
func (t *tracer) acl(a *cloud.ACLState, inbound bool, pk packet) bool {
	if a == nil {
		return true
	}
	entries, dir, peer := a.Outbound, "outbound", pk.dst
	if inbound {
		entries, dir, peer = a.Inbound, "inbound", pk.src
	}
	entries = slices.Clone(entries)
	slices.SortFunc(entries, func(x, y cloud.ACLEntry) int { return cmp.Compare(x.Number, y.Number) })
	what := fmt.Sprintf("%s %s -> %s", pk.describe(), pk.src, pk.dst)
	for _, en := range entries {
		if !matches(en.Rule, peer, pk) {
			continue
		}
		word := map[bool]string{true: "from", false: "to"}[inbound]
		rule := fmt.Sprintf("%s rule %d: %s %s", dir, en.Number, map[bool]string{true: "allow", false: "deny"}[en.Allow], ruleText(en.Rule, word))
		if en.Allow {
			t.step(Step{Kind: StepFilter, Object: a.ID, Rule: rule, Action: ActionAllow})
			return true
		}
		return t.block(Step{Kind: StepFilter, Object: a.ID, Rule: rule, Action: ActionDeny, Detail: what},
			fmt.Sprintf("network ACL: %s %s denies %s", a.ID, rule, what))
	}
	return t.block(Step{Kind: StepFilter, Object: a.ID, Rule: dir + " rule *: deny all", Action: ActionDeny, Detail: what},
		fmt.Sprintf("network ACL: %s has no %s rule that allows %s (the final * rule denies it)", a.ID, dir, what))
}

// groupsOut applies a's security groups' egress rules to a packet for b
// (its NSGs where the cloud has those: nsgs).
// Without b's address (a workload whose address the cloud chooses) it
// answers for every address of b's subnet, as groupsIn does for a source.
func (t *tracer) groupsOut(a, b *Endpoint, es cloud.EndState, pk packet) bool {
	if len(es.NSGs) > 0 {
		return t.nsgs(a, es, pk, false)
	}
	if len(es.Groups) == 0 {
		return true
	}
	var part bool
	for _, g := range es.Groups {
		for _, r := range g.Egress {
			m, p := matchesPeer(r.Rule, pk.dst, b.Subnet, pk)
			part = part || p
			if m {
				t.step(Step{Kind: StepFilter, Object: g.ID, Rule: ruleID(r) + "egress " + strings.Replace(RuleText(r.Rule), " from ", " to ", 1), Action: ActionAllow})
				return true
			}
		}
	}
	to := pk.dst.String()
	if !pk.dst.IsValid() {
		to = b.Subnet.String()
	}
	reason := fmt.Sprintf("security group: %s of %s admits no outbound %s to %s", groupIDs(es), a.Name, pk.describe(), to)
	if !pk.dst.IsValid() && part {
		reason += fmt.Sprintf(", only part of %s's subnet, and %s has no fixed address: whether it is admitted depends on the address the cloud gives it; give %s an address", b.Name, b.Name, b.Name)
		t.path.Depends = true
	}
	return t.block(Step{Kind: StepFilter, Object: groupIDs(es), Rule: "no egress rule admits " + to, Action: ActionDeny}, reason)
}

// groupsIn applies b's security groups' ingress rules to a packet from a
// (its NSGs where the cloud has those: nsgs).
// Without a's address (a workload whose address the cloud chooses, not
// known yet) it answers for every address of a's subnet: admitted when a
// rule covers the whole subnet, blocked when none covers any of it, and
// Depends when part.
func (t *tracer) groupsIn(a, b *Endpoint, es cloud.EndState, pk packet) bool {
	if len(es.NSGs) > 0 {
		return t.nsgs(b, es, pk, true)
	}
	if len(es.Groups) == 0 {
		return true
	}
	var sources []string
	var part bool
	for _, g := range es.Groups {
		for _, r := range g.Ingress {
			s := r.Source.String()
			if r.Protocol != cloud.ProtocolAll {
				s += " (" + strings.TrimSuffix(RuleText(r.Rule), " from "+r.Source.String()) + ")"
			}
			if !slices.Contains(sources, s) {
				sources = append(sources, s)
			}
			m, p := matchesPeer(r.Rule, pk.src, a.Subnet, pk)
			part = part || p
			if m {
				t.step(Step{Kind: StepFilter, Object: g.ID, Rule: ruleID(r) + "ingress " + RuleText(r.Rule), Action: ActionAllow})
				return true
			}
		}
	}
	name, word := fmt.Sprintf("%s of %s", groupIDs(es), b.Name), "security group"
	if t.v.Intended {
		name, word = b.Name, t.p.groupWord(b.VPC)
	}
	reason := fmt.Sprintf("%s: %s admits only %s", word, name, strings.Join(sources, ", "))
	if len(sources) == 0 {
		reason = fmt.Sprintf("%s: %s admits nothing", word, name)
	}
	switch {
	case !pk.src.IsValid() && a.Subnet.IsValid() && part:
		reason += fmt.Sprintf(", part of %s's subnet %s, and %s has no fixed address: whether it is admitted depends on the address the cloud gives it; give %s an address", a.Name, a.Subnet, a.Name, a.Name)
		t.path.Depends = true
	case !pk.src.IsValid() && a.Subnet.IsValid():
		reason += fmt.Sprintf(", none of %s's subnet %s", a.Name, a.Subnet)
	case !t.v.Intended:
		reason += fmt.Sprintf(": no rule admits %s from %s", pk.describe(), pk.src)
	}
	from := pk.src.String()
	if !pk.src.IsValid() {
		from = a.Subnet.String()
	}
	return t.block(Step{Kind: StepFilter, Object: groupIDs(es), Rule: fmt.Sprintf("no ingress rule admits %s from %s", pk.describe(), from), Action: ActionDeny}, reason)
}

// matchesPeer is matches for a peer that may have no address yet (a
// workload whose address the cloud chooses): the rule then matches when
// it covers the peer's whole subnet, and part reports that it covers some
// of it.
func matchesPeer(r cloud.Rule, peer netip.Addr, subnet netip.Prefix, pk packet) (match, part bool) {
	if peer.IsValid() || !subnet.IsValid() {
		return matches(r, peer, pk), false
	}
	part = r.Source.Overlaps(subnet) && matches(r, r.Source.Addr(), pk)
	return r.Source.Bits() <= subnet.Bits() && matches(r, subnet.Addr(), pk), part
}

// matches reports whether a security group rule or ACL entry matches a
// packet whose peer (the source inbound, the destination outbound) is
// peer.
func matches(r cloud.Rule, peer netip.Addr, pk packet) bool {
	if !peer.IsValid() || !r.Source.Contains(peer) {
		return false
	}
	switch {
	case r.Protocol == cloud.ProtocolAll:
		return true
	case r.Protocol != pk.proto:
		return false
	case r.Protocol == cloud.ProtocolICMP:
		return r.FromPort == -1 || r.FromPort == pk.icmp
	case pk.port == ephemeral:
		return r.FromPort <= 32768 && r.ToPort >= 60999
	}
	return r.FromPort <= pk.port && pk.port <= r.ToPort
}

// describe names a packet's protocol and port: "icmp echo", "tcp/5432",
// "tcp reply".
func (pk packet) describe() string {
	switch {
	case pk.proto == cloud.ProtocolICMP && pk.icmp == 8:
		return "icmp echo"
	case pk.proto == cloud.ProtocolICMP:
		return "icmp echo reply"
	case pk.port == ephemeral:
		return pk.proto.String() + " reply"
	}
	return fmt.Sprintf("%s/%d", pk.proto, pk.port)
}

// RuleText renders a rule: "all from 10.1.0.0/16", "tcp 5432 from …",
// "tcp 1024-65535 from …", "icmp from …".
func RuleText(r cloud.Rule) string { return ruleText(r, "from") }

// ruleText is RuleText with the word before the peer: "from" for
// inbound rules, "to" for a network ACL's outbound entries, whose CIDR
// is the destination.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html — an outbound rule's CIDR range is the destination
func ruleText(r cloud.Rule, word string) string {
	from := " " + word + " " + r.Source.String()
	switch {
	case r.Protocol == cloud.ProtocolAll:
		return "all" + from
	case r.Protocol == cloud.ProtocolICMP && r.FromPort == -1:
		return "icmp" + from
	case r.Protocol == cloud.ProtocolICMP:
		return fmt.Sprintf("icmp type %d%s", r.FromPort, from)
	case r.FromPort == r.ToPort:
		return fmt.Sprintf("%s %d%s", r.Protocol, r.FromPort, from)
	}
	return fmt.Sprintf("%s %d-%d%s", r.Protocol, r.FromPort, r.ToPort, from)
}

// ruleID prefixes a rule's text with its identity, where it has one.
func ruleID(r cloud.RuleState) string {
	if r.ID == "" {
		return ""
	}
	return r.ID + ": "
}

// groupIDs names an end's security groups.
func groupIDs(es cloud.EndState) string {
	ids := make([]string, len(es.Groups))
	for i, g := range es.Groups {
		ids[i] = g.ID
		if g.Name != "" && g.Name != g.ID && !strings.Contains(g.ID, "/") {
			ids[i] += " (" + g.Name + ")"
		}
	}
	return strings.Join(ids, ", ")
}

// groupWord is what the cloud of VPC vpc calls the rules a workload's
// allow list becomes, as simulate's reasons name them: AWS's security
// group, Azure's network security group on the NIC, GCP's firewall rules
// targeting the instance's network tag, OCI's network security group on
// the VNIC.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/networksecuritygroups.htm — an NSG's rules apply to the VNICs in it
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/network-security-groups-overview — an NSG filters a NIC's traffic
// GCP: https://cloud.google.com/firewall/docs/firewalls — VPC firewall rules apply to instances by target tag
func (p *Plan) groupWord(vpc string) string {
	for _, v := range p.Topology.Cloud.VPCs {
		if v.Name != vpc {
			continue
		}
		for _, a := range p.Topology.Cloud.Accounts {
			if a.Name != v.Account {
				continue
			}
			switch a.Provider {
			case topologies.ProviderAzure:
				return "network security group"
			case topologies.ProviderGCP:
				return "firewall rules"
			case topologies.ProviderOCI:
				return "network security group"
			}
		}
	}
	return "security group"
}
