package realize

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// ruleIndex resolves the model's rule sets for one plan: which sets apply
// to an interface or a subnet, and the addresses a rule's peer stands for.
type ruleIndex struct {
	sets    map[string]model.RuleSet
	ordered []model.RuleSet              // by ID
	members map[string][]netip.Prefix    // rule set ID -> the addresses of the interfaces it applies to
	tagged  map[string][]netip.Prefix    // network ID + "\x00" + tag -> the addresses of its instances with the tag
	nets    map[string]model.Network     // by ID
	tagsOf  map[string]map[string]string // interface ID -> its instance's tags
	saOf    map[string][]string          // interface ID -> its instance's service accounts
	lists   map[string][]netip.Prefix    // prefix list ID -> its CIDRs
	vnetTag map[string][]netip.Prefix    // subnet ID -> the VirtualNetwork service tag there, where the model says
	closing map[string]bool              // network IDs whose public IPs are closed (model.Profile.PublicIPClosed)
}

// point is where a set's rules are enforced: an interface or a subnet's
// boundary, in a network and subnet; service tags are resolved there.
type point struct{ network, subnet string }

func newRuleIndex(s *snapshot, nets map[string]model.Network) *ruleIndex {
	ix := &ruleIndex{sets: map[string]model.RuleSet{}, members: map[string][]netip.Prefix{},
		tagged: map[string][]netip.Prefix{}, nets: nets, tagsOf: map[string]map[string]string{}, saOf: map[string][]string{}, lists: s.prefixLists,
		vnetTag: s.system.vnetTag, closing: s.system.closed}
	ix.ordered = slices.Clone(s.ruleSets)
	slices.SortFunc(ix.ordered, func(a, b model.RuleSet) int { return strings.Compare(a.ID, b.ID) })
	for _, rs := range ix.ordered {
		ix.sets[rs.ID] = rs
	}
	for id, rules := range s.system.netRules {
		ix.sets[impliedSet(id)] = model.RuleSet{ID: impliedSet(id), Flavor: model.FlavorFirewall, NetworkID: id, Rules: rules}
	}
	enis := slices.Clone(s.enis)
	slices.SortFunc(enis, func(a, b model.NetworkInterface) int { return strings.Compare(a.ID, b.ID) })
	for _, e := range enis {
		tags := networkTags(s.instances[e.InstanceID])
		ix.tagsOf[e.ID], ix.saOf[e.ID] = tags, s.instances[e.InstanceID].ServiceAccounts
		// A group stands for every private address of its members,
		// secondary ones included, and their IPv6 addresses.
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html#security-group-referencing — a referenced group stands for the private IP addresses of the network interfaces associated with it, IPv6 ones too
		for _, id := range ix.interfaceSets(e) {
			for _, a := range e.Addrs() {
				ix.members[id] = append(ix.members[id], netip.PrefixFrom(a, 32))
			}
			for _, a := range e.IPv6Addrs {
				ix.members[id] = append(ix.members[id], netip.PrefixFrom(a, 128))
			}
		}
		var keys []string
		for t := range tags {
			keys = append(keys, e.NetworkID+"\x00"+t)
		}
		for _, sa := range ix.saOf[e.ID] {
			keys = append(keys, e.NetworkID+"\x01"+sa)
		}
		for _, k := range keys {
			for _, a := range e.Addrs() {
				ix.tagged[k] = append(ix.tagged[k], netip.PrefixFrom(a, 32))
			}
		}
	}
	return ix
}

// impliedSet is the ID of the set that holds a network's implied rules
// (model.Profile.NetworkRules); no model set has such an ID.
func impliedSet(networkID string) string { return "implied\x00" + networkID }

// networkTags returns the tags an instance is selected by: its tags' keys
// and its network tags (GCP's), as keys.
func networkTags(i model.Instance) map[string]string {
	out := make(map[string]string, len(i.Tags)+len(i.NetworkTags))
	for k, v := range i.Tags {
		out[k] = v
	}
	for _, t := range i.NetworkTags {
		out[t] = ""
	}
	return out
}

// interfaceSets returns the IDs of the sets that filter an interface: those
// attached to it, in its order, then those attached to its network that
// select its instance's tags, then the network's firewall rules whose
// targets select it, then its network's implied rules; a disabled set
// filters nothing.
// GCP: https://cloud.google.com/firewall/docs/firewalls#rule_assignment — a rule applies to every instance of the network, or to those with a target tag or target service account
// GCP: https://cloud.google.com/firewall/docs/firewalls#enforcement_status — a disabled rule is not enforced
func (ix *ruleIndex) interfaceSets(e model.NetworkInterface) []string {
	ids := slices.Clone(e.SecurityGroupIDs)
	for _, rs := range ix.ordered {
		if rs.NetworkID != e.NetworkID || slices.Contains(ids, rs.ID) || rs.Disabled {
			continue
		}
		if rs.Flavor == model.FlavorFirewall && len(rs.Attachments) == 0 && ix.targets(rs.Targets, e.ID) {
			ids = append(ids, rs.ID)
			continue
		}
		for _, a := range rs.Attachments {
			if a.Kind == model.OnNetwork && a.TargetID == e.NetworkID && a.Selects(ix.tagsOf[e.ID]) {
				ids = append(ids, rs.ID)
				break
			}
		}
	}
	if _, ok := ix.sets[impliedSet(e.NetworkID)]; ok {
		ids = append(ids, impliedSet(e.NetworkID))
	}
	return ids
}

// targets reports whether a firewall rule's targets select the
// interface's instance: no targets select every instance, else one of
// its network tags or its service account.
// GCP: https://cloud.google.com/firewall/docs/firewalls#rule_assignment — target tags or target service accounts narrow a rule to matching instances
func (ix *ruleIndex) targets(t model.RuleTargets, eni string) bool {
	if t.IsZero() {
		return true
	}
	for _, tag := range t.Tags {
		if _, ok := ix.tagsOf[eni][tag]; ok {
			return true
		}
	}
	return slices.ContainsFunc(t.ServiceAccounts, func(sa string) bool { return slices.Contains(ix.saOf[eni], sa) })
}

// forInterface returns the ingress and egress layers that filter an
// interface, from all its sets, and from the sets of its subnet that are
// enforced at each interface (atInterface): those are a layer of their
// own, checked before the interface's own sets inbound and after them
// outbound.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/network-security-group-how-it-works — inbound, the subnet's NSG is processed first, then the NIC's; outbound, the NIC's first, then the subnet's; a subnet's NSG also filters traffic between the VMs of the subnet
// The security lists of an OCI subnet join the NSGs of the interface in
// one layer: a packet passes when any of them allows it.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/securityrules.htm#comparison — with both security lists and NSGs, a packet is allowed if any rule in any of the lists or groups that apply to the VNIC allows it (the union)
func (ix *ruleIndex) forInterface(e model.NetworkInterface) (in, out layers) {
	pt := point{network: e.NetworkID, subnet: e.SubnetID}
	var lists []string
	sub := slices.DeleteFunc(ix.subnetSets(e.SubnetID, true), func(id string) bool {
		if ix.sets[id].Flavor == model.FlavorSecurityList {
			lists = append(lists, id)
			return true
		}
		return false
	})
	in, out = ix.merge(append(lists, ix.interfaceSets(e)...), pt)
	sin, sout := ix.merge(sub, pt)
	return append(sin, in...), append(out, sout...)
}

// unfiltered reports whether no rule set applies to the interface: none
// attached to it, to its network for it, or to its subnet for each of its
// interfaces (a set deleted meanwhile still counts).
func (ix *ruleIndex) unfiltered(e model.NetworkInterface) bool {
	return len(ix.interfaceSets(e)) == 0 && len(ix.subnetSets(e.SubnetID, true)) == 0
}

// closed reports whether a public IP of the interface takes no new
// connection from the internet: its provider closes public IPs
// (model.Profile.PublicIPClosed) and no rule set filters the interface,
// none that could admit it.
func (ix *ruleIndex) closed(e model.NetworkInterface) bool {
	if !ix.closing[e.NetworkID] {
		return false
	}
	return ix.unfiltered(e)
}

// forSubnet returns the layers of the sets attached to a subnet that are
// enforced at its boundary, and whether there is any.
func (ix *ruleIndex) forSubnet(subnetID string) (in, out layers, ok bool) {
	ids := ix.subnetSets(subnetID, false)
	var network string
	for _, id := range ids {
		network = ix.sets[id].NetworkID
	}
	in, out = ix.merge(ids, point{network: network, subnet: subnetID})
	return in, out, len(ids) > 0
}

// subnetSets returns the IDs of the sets attached to a subnet that are
// enforced at each of its interfaces (atInterface) or at its boundary.
func (ix *ruleIndex) subnetSets(subnetID string, atInterface bool) []string {
	var ids []string
	for _, rs := range ix.ordered {
		if enforcedAtInterfaces(rs.Flavor) == atInterface &&
			slices.ContainsFunc(rs.Attachments, func(a model.Attachment) bool { return a.Kind == model.OnSubnet && a.TargetID == subnetID }) {
			ids = append(ids, rs.ID)
		}
	}
	return ids
}

// enforcedAtInterfaces reports whether a flavour's sets attached to a
// subnet filter at each interface of the subnet (so traffic within the
// subnet too), not at its boundary.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/network-security-group-how-it-works#intra-subnet-traffic — an NSG associated to a subnet affects traffic between the VMs of that subnet
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html — a network ACL controls traffic at the subnet level, not within it
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/securitylists.htm — a security list's rules apply to every VNIC in the subnet, traffic within the subnet included
func enforcedAtInterfaces(f model.Flavor) bool {
	return f == model.FlavorNSG || f == model.FlavorSecurityList
}

// layerFlavor is the flavour whose layer a set's rules join: an OCI
// security list's join the NSGs' (forInterface).
func layerFlavor(f model.Flavor) model.Flavor {
	if f == model.FlavorSecurityList {
		return model.FlavorNSG
	}
	return f
}

// flavorOrder is the order in which the layers of one point are checked.
var flavorOrder = []model.Flavor{model.FlavorNetworkACL, model.FlavorNSG, model.FlavorFirewall, model.FlavorSecurityGroup}

// merge makes one layer per flavour of the given sets (in flavorOrder),
// each direction's rules in ascending priority, keeping the sets' order
// among equal priorities: sets whose rules all allow at priority 0
// (security groups, security lists) then add up, and prioritized sets
// (GCP firewall rules) interleave.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html — with several security groups, the rules of all are aggregated
func (ix *ruleIndex) merge(ids []string, pt point) (in, out layers) {
	for _, f := range flavorOrder {
		var li, lo layer
		found := false
		for _, id := range ids {
			rs, ok := ix.sets[id]
			if !ok || layerFlavor(rs.Flavor) != f {
				continue // deleted meanwhile (its event brings another pass), or another layer
			}
			found = true
			for _, r := range append(slices.Clone(rs.Rules), rs.Implicit...) {
				if r.Action == model.Allow {
					li.Stateful, lo.Stateful = li.Stateful || !r.Stateless, lo.Stateful || !r.Stateless
					li.Stateless, lo.Stateless = li.Stateless || r.Stateless, lo.Stateless || r.Stateless
				}
				x := ruleSpec{Prio: r.Priority, Deny: r.Action == model.Deny, Stateless: r.Stateless, Proto: r.Protocol,
					From: r.FromPort, To: r.ToPort, Type: r.ICMPType, Code: r.ICMPCode, Peers: ix.peers(rs, r.Peer, pt)}
				if len(x.Peers) == 0 {
					continue // a peer that stands for no address matches nothing
				}
				if r.Direction == model.Egress {
					lo.Rules = append(lo.Rules, x)
				} else {
					li.Rules = append(li.Rules, x)
				}
			}
		}
		if !found {
			continue
		}
		slices.SortStableFunc(li.Rules, byPriority)
		slices.SortStableFunc(lo.Rules, byPriority)
		in, out = append(in, li), append(out, lo)
	}
	return in, out
}

// byPriority orders rules by priority, a deny before an allow of the same
// priority, and keeps the order of the rest.
// GCP: https://cloud.google.com/firewall/docs/firewalls#priority_order_for_firewall_rules — a deny rule takes precedence over an allow rule of the same priority
func byPriority(a, b ruleSpec) int {
	if a.Prio != b.Prio {
		return a.Prio - b.Prio
	}
	switch {
	case a.Deny && !b.Deny:
		return -1
	case b.Deny && !a.Deny:
		return 1
	}
	return 0
}

// peers returns the prefixes a rule's peer stands for at point pt.
func (ix *ruleIndex) peers(rs model.RuleSet, p model.Peer, pt point) []netip.Prefix {
	switch {
	case p.Prefix.IsValid():
		return []netip.Prefix{p.Prefix}
	case p.RuleSetID != "":
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html#security-group-referencing — a referenced group stands for the private addresses of its members' interfaces
		return slices.Clone(ix.members[p.RuleSetID])
	case p.Tag != "":
		// GCP: https://cloud.google.com/firewall/docs/firewalls#sources_for_rules — a source tag stands for the primary internal addresses of the instances with the tag
		return slices.Clone(ix.tagged[rs.NetworkID+"\x00"+p.Tag])
	case p.ServiceAccount != "":
		// GCP: https://cloud.google.com/firewall/docs/firewalls#sources_for_rules — a source service account stands for the primary internal addresses of the instances that run as it
		return slices.Clone(ix.tagged[rs.NetworkID+"\x01"+p.ServiceAccount])
	case p.ServiceTag != "":
		network := rs.NetworkID
		if network == "" {
			network = pt.network // a set of no network (an Azure NSG) serves its point's network
		}
		if tag, ok := ix.vnetTag[pt.subnet]; ok {
			switch p.ServiceTag {
			case "VirtualNetwork":
				return slices.Clone(tag)
			case "Internet":
				return outside(tag)
			}
		}
		return serviceTag(p.ServiceTag, ix.nets[network])
	case p.PrefixListID != "":
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/managed-prefix-lists.html — a rule that references a prefix list matches its CIDRs
		return slices.Clone(ix.lists[p.PrefixListID])
	}
	return nil
}

// serviceTag returns the prefixes of a provider service tag, as seen from
// network n; a tag the lab does not know stands for nothing.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/service-tags-overview#available-service-tags — VirtualNetwork (the network's address space), Internet (the address space outside it), AzureLoadBalancer (168.63.129.16)
func serviceTag(tag string, n model.Network) []netip.Prefix {
	switch tag {
	case "VirtualNetwork":
		var out []netip.Prefix
		for _, b := range n.CIDRs {
			out = append(out, b.Prefix)
		}
		return out
	case "Internet":
		return []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
	case "AzureLoadBalancer":
		return []netip.Prefix{netip.MustParsePrefix("168.63.129.16/32")}
	}
	return nil
}
