package model

import (
	"net/netip"
	"slices"
	"strings"
)

// Security groups are rule sets of FlavorSecurityGroup: stateful, allow-only
// and unordered (every rule has priority 0), attached to interfaces. Return
// traffic of an allowed flow is allowed whatever the other direction's rules
// say.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html — security groups are stateful and allow-only

var allIPv4 = netip.MustParsePrefix("0.0.0.0/0")

// securityGroup is the flavour of AWS security groups.
var securityGroup = flavor{
	ruleIDs: true,
	initial: func(c *Cloud, s *RuleSet) []Rule {
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/creating-security-groups.html — a new group allows all outbound traffic and no inbound traffic
		out := []Rule{c.sgRuleLocked(s, Egress, Peer{Prefix: allIPv4})}
		if s.Default {
			// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html — default group: inbound from itself, all outbound
			out = append([]Rule{c.sgRuleLocked(s, Ingress, Peer{RuleSetID: s.ID})}, out...)
		}
		return out
	},
	create: sgCreate,
	fix: func(r Rule) Rule {
		r.Action, r.Stateless, r.Priority = Allow, false, 0
		return r
	},
	add: func(s *RuleSet, rules []Rule, r Rule) error {
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html — a rule identical to an existing one is a duplicate
		if slices.ContainsFunc(rules, r.same) {
			from, to := r.FromPort, r.ToPort
			if r.Protocol == "icmp" {
				from, to = r.ICMPType, r.ICMPCode
			}
			return errf(CodeDuplicate, KindSecurityRule, s.ID, "the specified rule (protocol %s, ports %d-%d, peer %s%s) already exists", r.Protocol, from, to, r.Peer.Prefix, r.Peer.RuleSetID)
		}
		return nil
	},
	limit: func(s *RuleSet, lim Limits, rules []Rule) error {
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — 60 inbound and 60 outbound rules per security group
		for _, d := range []Direction{Ingress, Egress} {
			n := 0
			for _, r := range rules {
				if r.Direction == d {
					n++
				}
			}
			if n > lim.RulesPerGroupDirection {
				return errf(CodeLimitExceeded, KindSecurityRule, s.ID, "the maximum number of %s rules (%d) has been reached for security group %s", string(d), lim.RulesPerGroupDirection, s.ID)
			}
		}
		return nil
	},
	remove:   sgDeletable,
	attaches: []AttachKind{OnInterface},
}

func (c *Cloud) sgRuleLocked(s *RuleSet, d Direction, p Peer) Rule {
	return Rule{ID: c.subIDLocked(s.Account, KindSecurityRule), Direction: d, Action: Allow, Protocol: "-1", FromPort: -1, ToPort: -1, ICMPType: -1, ICMPCode: -1, Peer: p}
}

// sgCreate checks a new group: the quota, its name, unique per network.
func sgCreate(c *Cloud, lim Limits, n *Network, spec RuleSetSpec) error {
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — VPC security groups per Region: 2,500 by default, default groups included
	if k := countLocked(c.ruleSets, func(g *RuleSet) bool {
		return g.Flavor == FlavorSecurityGroup && g.Account == n.Account && g.Region == n.Region
	}); k >= lim.SecurityGroupsPerRegion {
		return quotaExceeded(KindSecurityGroup, "security-groups-per-region", lim.SecurityGroupsPerRegion, "for account "+n.Account+regionSuffix(n.Region))
	}
	name := spec.Name
	if name == "" || strings.HasPrefix(strings.ToLower(name), "sg-") {
		return errf(CodeInvalidParameter, KindSecurityGroup, name, "group name %q is invalid: it must not be empty or start with sg-", name)
	}
	for _, g := range c.ruleSets {
		if g.Flavor == FlavorSecurityGroup && g.NetworkID == n.ID && g.Name == name {
			return errf(CodeDuplicate, KindSecurityGroup, name, "the security group '%s' already exists for network '%s'", name, n.ID)
		}
	}
	return nil
}

// sgDeletable says whether a group may be deleted: not a network's default
// group, used by no interface, referred to by no other group.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html — you can't delete a default security group
func sgDeletable(c *Cloud, g *RuleSet) error {
	if g.Default {
		return errf(CodeCannotDelete, KindSecurityGroup, g.ID, "the default security group '%s' cannot be deleted", g.ID)
	}
	if err := c.interfaceUsersLocked(g); err != nil {
		return err
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/deleting-security-groups.html — a group referenced by another group's rules cannot be deleted
	for _, id := range sortedKeys(c.ruleSets) {
		o := c.ruleSets[id]
		if o.ID == g.ID {
			continue
		}
		for _, r := range o.Rules {
			if r.Peer.RuleSetID == g.ID {
				return errf(CodeDependency, KindSecurityGroup, g.ID, "resource %s has a dependent object: security group %s", g.ID, o.ID)
			}
		}
	}
	return nil
}

// interfaceUsersLocked fails if an interface has the set attached.
func (c *Cloud) interfaceUsersLocked(s *RuleSet) error {
	for _, id := range sortedKeys(c.enis) {
		if e := c.enis[id]; slices.Contains(e.SecurityGroupIDs, s.ID) {
			return errf(CodeDependency, s.Flavor.objectKind(), s.ID, "resource %s has a dependent object: network interface %s", s.ID, e.ID)
		}
	}
	return nil
}
