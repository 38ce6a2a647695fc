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
	lists   map[string][]netip.Prefix    // prefix list ID -> its CIDRs
}

func newRuleIndex(s *snapshot, nets map[string]model.Network) *ruleIndex {
	ix := &ruleIndex{sets: map[string]model.RuleSet{}, members: map[string][]netip.Prefix{},
		tagged: map[string][]netip.Prefix{}, nets: nets, tagsOf: map[string]map[string]string{}, lists: s.prefixLists}
	ix.ordered = slices.Clone(s.ruleSets)
	slices.SortFunc(ix.ordered, func(a, b model.RuleSet) int { return strings.Compare(a.ID, b.ID) })
	for _, rs := range ix.ordered {
		ix.sets[rs.ID] = rs
	}
	enis := slices.Clone(s.enis)
	slices.SortFunc(enis, func(a, b model.NetworkInterface) int { return strings.Compare(a.ID, b.ID) })
	for _, e := range enis {
		tags := s.instances[e.InstanceID].Tags
		ix.tagsOf[e.ID] = tags
		addr := netip.PrefixFrom(e.PrivateIP, 32)
		for _, id := range ix.interfaceSets(e) {
			ix.members[id] = append(ix.members[id], addr)
		}
		for t := range tags {
			k := e.NetworkID + "\x00" + t
			ix.tagged[k] = append(ix.tagged[k], addr)
		}
	}
	return ix
}

// interfaceSets returns the IDs of the sets that filter an interface: those
// attached to it, in its order, then those attached to its network that
// select its instance's tags.
// GCP: https://cloud.google.com/firewall/docs/firewalls#rule_assignment — a rule applies to every instance of the network, or to those with a target tag
func (ix *ruleIndex) interfaceSets(e model.NetworkInterface) []string {
	ids := slices.Clone(e.SecurityGroupIDs)
	for _, rs := range ix.ordered {
		if rs.NetworkID != e.NetworkID || slices.Contains(ids, rs.ID) {
			continue
		}
		for _, a := range rs.Attachments {
			if a.Kind == model.OnNetwork && a.TargetID == e.NetworkID && a.Selects(ix.tagsOf[e.ID]) {
				ids = append(ids, rs.ID)
				break
			}
		}
	}
	return ids
}

// forInterface returns the ingress and egress layers that filter an
// interface, from all its sets.
func (ix *ruleIndex) forInterface(e model.NetworkInterface) (in, out layers) {
	return ix.merge(ix.interfaceSets(e))
}

// forSubnet returns the layers of the sets attached to a subnet, and
// whether any is.
func (ix *ruleIndex) forSubnet(subnetID string) (in, out layers, ok bool) {
	var ids []string
	for _, rs := range ix.ordered {
		if slices.ContainsFunc(rs.Attachments, func(a model.Attachment) bool { return a.Kind == model.OnSubnet && a.TargetID == subnetID }) {
			ids = append(ids, rs.ID)
		}
	}
	in, out = ix.merge(ids)
	return in, out, len(ids) > 0
}

// flavorOrder is the order in which the layers of one point are checked.
var flavorOrder = []model.Flavor{model.FlavorNetworkACL, model.FlavorSecurityList, model.FlavorNSG, model.FlavorFirewall, model.FlavorSecurityGroup}

// merge makes one layer per flavour of the given sets (in flavorOrder),
// each direction's rules in ascending priority, keeping the sets' order
// among equal priorities: sets whose rules all allow at priority 0
// (security groups, security lists) then add up, and prioritized sets
// (GCP firewall rules) interleave.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html — with several security groups, the rules of all are aggregated
func (ix *ruleIndex) merge(ids []string) (in, out layers) {
	for _, f := range flavorOrder {
		var li, lo layer
		found := false
		for _, id := range ids {
			rs, ok := ix.sets[id]
			if !ok || rs.Flavor != f {
				continue // deleted meanwhile (its event brings another pass), or another layer
			}
			found = true
			for _, r := range rs.Rules {
				if r.Action == model.Allow {
					li.Stateful, lo.Stateful = li.Stateful || !r.Stateless, lo.Stateful || !r.Stateless
					li.Stateless, lo.Stateless = li.Stateless || r.Stateless, lo.Stateless || r.Stateless
				}
				x := ruleSpec{Prio: r.Priority, Deny: r.Action == model.Deny, Stateless: r.Stateless, Proto: r.Protocol,
					From: r.FromPort, To: r.ToPort, Type: r.ICMPType, Code: r.ICMPCode, Peers: ix.peers(rs, r.Peer)}
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

// peers returns the prefixes a rule's peer stands for.
func (ix *ruleIndex) peers(rs model.RuleSet, p model.Peer) []netip.Prefix {
	switch {
	case p.Prefix.IsValid():
		return []netip.Prefix{p.Prefix}
	case p.RuleSetID != "":
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html#security-group-referencing — a referenced group stands for the private addresses of its members' interfaces
		return slices.Clone(ix.members[p.RuleSetID])
	case p.Tag != "":
		// GCP: https://cloud.google.com/firewall/docs/firewalls#sources_for_rules — a source tag stands for the primary internal addresses of the instances with the tag
		return slices.Clone(ix.tagged[rs.NetworkID+"\x00"+p.Tag])
	case p.ServiceTag != "":
		return serviceTag(p.ServiceTag, ix.nets[rs.NetworkID])
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
