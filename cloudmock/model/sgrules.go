package model

import (
	"maps"
	"slices"
)

// Security group rules as objects of their own: each has an ID (sgr-...)
// and an owner record, so that it can be tagged, listed and changed by
// its ID.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html — each rule has a security group rule ID; rules can be tagged

// GroupRule is one rule of a security group, with its group and tags.
type GroupRule struct {
	Rule
	GroupID   string
	Account   string
	Region    string
	NetworkID string
	Tags      map[string]string
}

// ruleOwnersLocked keeps the owner records of a security group's rules in
// step with its rules after a change: the rules of before that are gone
// are forgotten, the new ones registered. Other flavours' rules have none.
func (c *Cloud) ruleOwnersLocked(s *RuleSet, before []Rule) {
	if s.Flavor != FlavorSecurityGroup {
		return
	}
	now := map[string]bool{}
	if _, live := c.ruleSets[s.ID]; live {
		for _, r := range s.Rules {
			now[r.ID] = true
		}
	}
	// The records change without events of their own: the group's update
	// event tells what changed.
	for _, r := range before {
		if o, ok := c.owners[r.ID]; ok && r.ID != "" && !now[r.ID] && o.kind == KindSecurityRule {
			c.unindexLocked(r.ID, o)
			delete(c.owners, r.ID)
			delete(c.tags, r.ID)
		}
	}
	for id := range now {
		if _, ok := c.owners[id]; !ok && id != "" {
			o := owner{kind: KindSecurityRule, account: s.Account, region: s.Region, handle: c.hash(id)}
			c.owners[id] = o
			c.indexLocked(id, o)
		}
	}
}

// SecurityGroupRules returns every rule of the account's security groups,
// sorted by rule ID.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSecurityGroupRules.html — the rules of all your security groups
func (c *Cloud) SecurityGroupRules(account string) []GroupRule {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []GroupRule
	for _, s := range c.ruleSets {
		if s.Account != account || s.Flavor != FlavorSecurityGroup {
			continue
		}
		for _, r := range s.Rules {
			out = append(out, GroupRule{Rule: r, GroupID: s.ID, Account: account, Region: s.Region, NetworkID: s.NetworkID, Tags: c.tagsLocked(r.ID)})
		}
	}
	slices.SortFunc(out, func(a, b GroupRule) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return out
}

// ruleByIDLocked finds a rule of a group by its ID.
func ruleByIDLocked(s *RuleSet, id string) int {
	return slices.IndexFunc(s.Rules, func(r Rule) bool { return r.ID == id })
}

// ModifySecurityGroupRule replaces what the group's rule r.ID matches
// with r, keeping its ID and direction, all or none; a rule that would
// match the same traffic as another of the group's rules is CodeDuplicate.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifySecurityGroupRules.html — modifies the rules of a security group, named by their IDs
func (c *Cloud) ModifySecurityGroupRule(account, groupID string, rules []Rule) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.ruleSetLocked(account, FlavorSecurityGroup, groupID)
	if err != nil {
		return err
	}
	next := slices.Clone(s.Rules)
	for _, r := range rules {
		i := ruleByIDLocked(&RuleSet{Rules: next}, r.ID)
		if i < 0 {
			return notFound(KindSecurityRule, r.ID)
		}
		r.Direction = next[i].Direction
		n, err := c.prepareRuleLocked(s, r)
		if err != nil {
			return err
		}
		n.ID = next[i].ID
		for j, o := range next {
			if j != i && o.same(n) {
				return errf(CodeDuplicate, KindSecurityRule, groupID, "the specified rule already exists in security group %s", groupID)
			}
		}
		next[i] = n
	}
	sortRules(next)
	s.Rules = next
	c.emitLocked(KindSecurityGroup, OpUpdate, s.ID, account)
	return nil
}

// SetSecurityGroupRuleDescriptions sets the descriptions of a group's
// rules of one direction: those named by ID (byID) and those that match
// the traffic of the rules given (byMatch, each with its description),
// all or none. A rule named or matched that the group does not have is
// CodeNotFound.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_UpdateSecurityGroupRuleDescriptionsIngress.html — IpPermissions or SecurityGroupRuleDescriptions; the rule must exist
func (c *Cloud) SetSecurityGroupRuleDescriptions(account, groupID string, dir Direction, byID map[string]string, byMatch []Rule) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.ruleSetLocked(account, FlavorSecurityGroup, groupID)
	if err != nil {
		return err
	}
	next := slices.Clone(s.Rules)
	for _, id := range slices.Sorted(maps.Keys(byID)) {
		i := slices.IndexFunc(next, func(r Rule) bool { return r.ID == id && r.Direction == dir })
		if i < 0 {
			return notFound(KindSecurityRule, id)
		}
		next[i].Description = byID[id]
	}
	for _, r := range byMatch {
		r.Direction = dir
		n, err := c.prepareRuleLocked(s, r)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(next, n.same)
		if i < 0 {
			return errf(CodeNotFound, KindRule, groupID, "the specified rule does not exist in this security group")
		}
		next[i].Description = r.Description
	}
	s.Rules = next
	c.emitLocked(KindSecurityGroup, OpUpdate, s.ID, account)
	return nil
}
