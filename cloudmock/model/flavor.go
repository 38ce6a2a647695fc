package model

import (
	"maps"
	"slices"
)

// flavor is what sets one rule-set flavour apart; every hook may be nil.
type flavor struct {
	ruleIDs bool // its rules have IDs (minted as its ruleKind)
	// named: the set's name is the one its provider addresses it by
	// (Place.Name), unique per scope where the profile says so; AWS's
	// groups and ACLs have IDs, and a group's name is only unique per VPC.
	named bool
	// initial returns the rules a new set has.
	initial func(c *Cloud, s *RuleSet) []Rule
	// create checks a new set before it is made.
	create func(c *Cloud, lim Limits, n *Network, spec RuleSetSpec) error
	// fix puts a caller's rule into the flavour's form before it is checked.
	fix func(r Rule) Rule
	// check checks a rule before it is normalized.
	check func(s *RuleSet, r Rule) error
	// add checks a new rule against the set's rules (duplicates).
	add func(s *RuleSet, rules []Rule, r Rule) error
	// limit checks the set's rules after an add.
	limit func(s *RuleSet, lim Limits, rules []Rule) error
	// remove says whether the set may be deleted.
	remove func(c *Cloud, s *RuleSet) error
	// attaches lists what the flavour attaches to.
	attaches []AttachKind
	// exclusive: a subnet has at most one set of the flavour.
	exclusive bool
}

// flavors are the rule-set flavours by name.
var flavors = map[Flavor]flavor{
	FlavorSecurityGroup: securityGroup,
	FlavorNetworkACL:    networkACL,
	// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/network-security-groups-overview#security-rules — rules are processed in priority order, lower numbers first; processing stops at the first match; priorities are unique per direction
	// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/networksecuritygroups.htm — an NSG applies to the VNICs added to it
	FlavorNSG: {ruleIDs: true, named: true, exclusive: true,
		attaches: []AttachKind{OnInterface, OnSubnet}, add: uniquePriority},
	// GCP: https://cloud.google.com/firewall/docs/firewalls#priority_order_for_firewall_rules — lower priority numbers first; a deny wins over an allow of equal priority
	FlavorFirewall: {ruleIDs: true, named: true, attaches: []AttachKind{OnNetwork}},
	// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/securitylists.htm — allow-only rules, each stateful or stateless; a subnet has up to five lists
	FlavorSecurityList: {ruleIDs: true, named: true, attaches: []AttachKind{OnSubnet},
		fix: func(r Rule) Rule { r.Action, r.Priority = Allow, 0; return r }},
}

// uniquePriority refuses a rule whose priority another rule of its
// direction has, unless both have one name: then they are parts of one
// provider rule (an Azure rule with lists of ports or address prefixes,
// held as one model rule per port range and peer), matched as a union.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/network-security-groups-overview#augmented-security-rules — one rule may list several addresses, ranges and ports
func uniquePriority(s *RuleSet, rules []Rule, r Rule) error {
	for _, x := range rules {
		if x.Direction == r.Direction && x.Priority == r.Priority && (r.Name == "" || x.Name != r.Name) {
			return errf(CodeAlreadyExists, KindRule, s.ID, "rule set %s already has a %s rule with priority %d", s.ID, string(r.Direction), r.Priority)
		}
	}
	return nil
}

func sortedKeys[T any](m map[string]*T) []string { return slices.Sorted(maps.Keys(m)) }

// newDefaultRuleSetsLocked makes the default sets a new network gets from
// its account's profile: a network ACL, a security group.
func (c *Cloud) newDefaultRuleSetsLocked(n *Network, d NetworkDefaults) error {
	if d.NetworkACL {
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/default-network-acl.html — default NACL allows all traffic in and out (rule 100) before the * deny
		acl, err := c.newRuleSetLocked(n, RuleSetSpec{Flavor: FlavorNetworkACL, NetworkID: n.ID}, true)
		if err != nil {
			return err
		}
		n.DefaultNetworkACLID = acl.ID
	}
	if d.SecurityGroup {
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html — default group: inbound from itself, all outbound
		sg, err := c.newRuleSetLocked(n, RuleSetSpec{Flavor: FlavorSecurityGroup, NetworkID: n.ID, Name: "default", Description: "default VPC security group"}, true)
		if err != nil {
			return err
		}
		n.DefaultSecurityGroupID = sg.ID
	}
	if d.SecurityList {
		// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/securitylists.htm#Default — each VCN has a default security list with default stateful rules
		sl, err := c.newRuleSetLocked(n, RuleSetSpec{Flavor: FlavorSecurityList, NetworkID: n.ID, Scope: c.metaLocked(n.ID).Scope}, true)
		if err != nil {
			return err
		}
		for _, r := range ociDefaultRules(n.CIDRs[0].Prefix) {
			r.ID = c.subIDLocked(n.Account, KindRule)
			sl.Rules = append(sl.Rules, r)
		}
		sortRules(sl.Rules)
		c.ruleOwnersLocked(sl, nil)
		n.DefaultSecurityListID = sl.ID
	}
	return nil
}

// attachKind is the kind of the IDs of a flavour's attachments.
func (f Flavor) attachKind() Kind {
	if f == FlavorNetworkACL {
		return KindNetworkACLAssociation
	}
	return KindRuleSetAttachment
}

// DeleteRuleSet deletes a set that nothing uses; its flavour may forbid
// more (a default set, a referenced group).
func (c *Cloud) DeleteRuleSet(account string, f Flavor, id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.ruleSetLocked(account, f, id)
	if err != nil {
		return err
	}
	if rm := flavors[s.Flavor].remove; rm != nil {
		err = rm(c, s)
	} else {
		err = c.unusedLocked(s)
	}
	if err != nil {
		return err
	}
	delete(c.ruleSets, id)
	c.ruleOwnersLocked(s, s.Rules)
	c.forgetLocked(s.Flavor.objectKind(), id, account)
	return nil
}

// unusedLocked fails for a default set or one attached anywhere.
func (c *Cloud) unusedLocked(s *RuleSet) error {
	if s.Default {
		return errf(CodeCannotDelete, KindRuleSet, s.ID, "the default rule set '%s' cannot be deleted", s.ID)
	}
	if len(s.Attachments) > 0 {
		return errf(CodeDependency, KindRuleSet, s.ID, "rule set %s is attached to %s", s.ID, s.Attachments[0].TargetID)
	}
	return c.interfaceUsersLocked(s)
}

// AttachRuleSet attaches a set to an interface, a subnet or its network
// (with tags), as its flavour allows, and returns the attachment.
func (c *Cloud) AttachRuleSet(account string, f Flavor, id string, a Attachment) (Attachment, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.ruleSetLocked(account, f, id)
	if err != nil {
		return Attachment{}, err
	}
	fl := flavors[s.Flavor]
	if !slices.Contains(fl.attaches, a.Kind) {
		return Attachment{}, errf(CodeInvalidParameter, KindRuleSetAttachment, id, "a %s cannot be attached to a %s", string(s.Flavor), string(a.Kind))
	}
	wrongNet := func(what string) error {
		return errf(CodeInvalidParameter, KindRuleSetAttachment, id, "rule set %s and %s %s belong to different networks", id, what, a.TargetID)
	}
	a.ID, a.Tags = "", slices.Clone(a.Tags)
	switch a.Kind {
	case OnInterface:
		e, ok := c.enis[a.TargetID]
		if !ok || e.Account != account {
			return Attachment{}, notFound(KindNetworkInterface, a.TargetID)
		}
		if s.NetworkID == "" {
			if err := c.checkInterfaceSetLocked(s, e); err != nil {
				return Attachment{}, err
			}
		} else if e.NetworkID != s.NetworkID {
			return Attachment{}, wrongNet("interface")
		}
		if !slices.Contains(e.SecurityGroupIDs, id) {
			e.SecurityGroupIDs = append(e.SecurityGroupIDs, id)
			c.emitLocked(KindNetworkInterface, OpUpdate, e.ID, account)
		}
		return a, nil
	case OnSubnet:
		sub, err := c.subnetLocked(account, a.TargetID)
		if err != nil {
			return Attachment{}, err
		}
		// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/network-security-group-how-it-works — a set of no network (an NSG) serves subnets of its region
		if s.NetworkID == "" && sub.Region != s.Region {
			return Attachment{}, errf(CodeInvalidParameter, KindRuleSetAttachment, id, "rule set %s and subnet %s are in different regions", id, a.TargetID)
		}
		if s.NetworkID != "" && sub.NetworkID != s.NetworkID {
			return Attachment{}, wrongNet("subnet")
		}
		if holder := c.subnetHolderLocked(s.Flavor, a.TargetID); holder != nil && (fl.exclusive || holder == s) {
			return Attachment{}, errf(CodeAlreadyAssociated, KindRuleSetAttachment, a.TargetID, "subnet %s already has %s %s", a.TargetID, string(s.Flavor), holder.ID)
		}
		a.Tags = nil
	case OnNetwork:
		if a.TargetID != s.NetworkID {
			return Attachment{}, wrongNet("network")
		}
	}
	a.ID = c.subIDLocked(account, s.Flavor.attachKind())
	s.Attachments = append(s.Attachments, a)
	c.emitLocked(s.Flavor.objectKind(), OpUpdate, s.ID, account)
	return a, nil
}

// subnetHolderLocked returns the set of flavour f attached to a subnet, or nil.
func (c *Cloud) subnetHolderLocked(f Flavor, subnetID string) *RuleSet {
	for _, id := range sortedKeys(c.ruleSets) {
		s := c.ruleSets[id]
		if s.Flavor == f && slices.ContainsFunc(s.Attachments, func(a Attachment) bool { return a.Kind == OnSubnet && a.TargetID == subnetID }) {
			return s
		}
	}
	return nil
}

// findAttachmentLocked returns the set holding an attachment and its index.
func (c *Cloud) findAttachmentLocked(account, attachID string) (*RuleSet, int) {
	for _, s := range c.ruleSets {
		if s.Account != account {
			continue
		}
		if i := slices.IndexFunc(s.Attachments, func(a Attachment) bool { return a.ID == attachID }); i >= 0 {
			return s, i
		}
	}
	return nil, -1
}

// DetachRuleSet removes a subnet or network attachment; a set of a
// flavour that every subnet must have (network ACLs) is moved with
// ReplaceRuleSetAttachment instead.
func (c *Cloud) DetachRuleSet(account, attachID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, i := c.findAttachmentLocked(account, attachID)
	if s == nil {
		return notFound(KindRuleSetAttachment, attachID)
	}
	if s.Flavor == FlavorNetworkACL {
		return errf(CodeInvalidParameter, KindNetworkACLAssociation, attachID, "a subnet's network ACL association cannot be removed, only replaced")
	}
	s.Attachments = slices.Delete(s.Attachments, i, i+1)
	c.emitLocked(s.Flavor.objectKind(), OpUpdate, s.ID, account)
	return nil
}

// ReplaceRuleSetAttachment moves a subnet attachment to another set of the
// same flavour and network, and returns the new attachment's ID.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/network-acls.html — each subnet is associated with exactly one network ACL
func (c *Cloud) ReplaceRuleSetAttachment(account string, f Flavor, attachID, id string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	to, err := c.ruleSetLocked(account, f, id)
	if err != nil {
		return "", err
	}
	from, i := c.findAttachmentLocked(account, attachID)
	if from == nil || from.Flavor != to.Flavor {
		kind := KindRuleSetAttachment
		if to.Flavor == FlavorNetworkACL {
			kind = KindNetworkACLAssociation
		}
		return "", notFound(kind, attachID)
	}
	if from.NetworkID != to.NetworkID {
		return "", errf(CodeInvalidParameter, to.Flavor.objectKind(), id, "network ACL %s belongs to a different network", id)
	}
	a := from.Attachments[i]
	from.Attachments = append(from.Attachments[:i:i], from.Attachments[i+1:]...)
	a.ID = c.subIDLocked(account, to.Flavor.attachKind())
	to.Attachments = append(to.Attachments, a)
	c.emitLocked(from.Flavor.objectKind(), OpUpdate, from.ID, account)
	c.emitLocked(to.Flavor.objectKind(), OpUpdate, to.ID, account)
	return a.ID, nil
}
