package model

// Network ACLs are rule sets of FlavorNetworkACL: stateless, numbered allow
// and deny rules (the rule number is the priority) attached to subnets; every
// subnet is attached to exactly one.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html — lowest numbered matching rule applies; NACLs are stateless

// DefaultDenyRuleNumber is the number of the catch-all deny rule every ACL
// ends with; users cannot add, replace or delete it.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html — the * rule (shown as 32767) denies what no numbered rule matched
const DefaultDenyRuleNumber = 32767

// networkACL is the flavour of AWS network ACLs.
var networkACL = flavor{
	initial: func(c *Cloud, s *RuleSet) []Rule {
		var out []Rule
		for _, d := range []Direction{Ingress, Egress} {
			if s.Default {
				// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/default-network-acl.html — rule 100 allows all traffic
				out = append(out, aclRule(d, 100, Allow))
			}
			// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/custom-network-acl.html — a custom NACL denies everything until rules are added
			out = append(out, aclRule(d, DefaultDenyRuleNumber, Deny))
			if n, ok := c.networks[s.NetworkID]; ok && n.HasIPv6() {
				// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/custom-network-acl.html — in a VPC with IPv6, a * rule denies all IPv6 too
				out = append(out, aclRule6(d, DefaultDenyRuleNumber, Deny))
			}
		}
		return out
	},
	fix: func(r Rule) Rule {
		r.Stateless = true
		if p, _ := NormalizeProtocol(r.Protocol); p != "tcp" && p != "udp" {
			r.FromPort, r.ToPort = -1, -1
		}
		return r
	},
	check: func(s *RuleSet, r Rule) error {
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html — rule numbers 1 to 32766
		if r.Priority < 1 || r.Priority > 32766 {
			return errf(CodeInvalidParameter, KindNetworkACLEntry, "", "rule number %d is out of range 1-32766", r.Priority)
		}
		if _, err := NormalizeProtocol(r.Protocol); err != nil {
			return err
		}
		return checkPrefix(KindNetworkACLEntry, r.Peer.Prefix)
	},
	add: func(s *RuleSet, rules []Rule, r Rule) error {
		for _, x := range rules {
			if x.Direction == r.Direction && x.Priority == r.Priority {
				return errf(CodeAlreadyExists, KindNetworkACLEntry, s.ID, "the network ACL entry identified by %d already exists", r.Priority)
			}
		}
		return nil
	},
	limit: func(s *RuleSet, lim Limits, rules []Rule) error {
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — 20 inbound and 20 outbound rules per network ACL
		for _, d := range []Direction{Ingress, Egress} {
			n := 0
			for _, x := range rules {
				if x.Direction == d && x.Priority != DefaultDenyRuleNumber {
					n++
				}
			}
			if n > lim.ACLEntriesPerDirection {
				return errf(CodeLimitExceeded, KindNetworkACLEntry, s.ID, "the maximum number of entries (%d) has been reached for network ACL %s", lim.ACLEntriesPerDirection, s.ID)
			}
		}
		return nil
	},
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/delete-network-acl.html — the default ACL can't be deleted; disassociate subnets first
	remove: func(c *Cloud, a *RuleSet) error {
		if a.Default {
			return errf(CodeCannotDelete, KindNetworkACL, a.ID, "cannot delete default network ACL %s", a.ID)
		}
		if len(a.Attachments) > 0 {
			return errf(CodeDependency, KindNetworkACL, a.ID, "the networkAcl '%s' has dependencies and cannot be deleted", a.ID)
		}
		return nil
	},
	attaches:  []AttachKind{OnSubnet},
	exclusive: true,
}

func aclRule(d Direction, n int, a Action) Rule {
	return Rule{Direction: d, Priority: n, Action: a, Stateless: true, Protocol: "-1", Peer: Peer{Prefix: allIPv4},
		FromPort: -1, ToPort: -1, ICMPType: -1, ICMPCode: -1}
}
