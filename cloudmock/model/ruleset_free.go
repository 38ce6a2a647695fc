package model

import "slices"

// Rule sets that belong to no network: an Azure NSG is a resource of a
// resource group and region, and is associated with subnets (and NICs) of
// any virtual network in its region.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/network-security-group-how-it-works — an NSG is associated with subnets or network interfaces in the same region

// CreateRuleSetAt makes a rule set of the spec's flavour that belongs to
// no network (spec.NetworkID must be empty), at a place: region, scope and
// name (at.Name, or spec.Name when empty).
func (c *Cloud) CreateRuleSetAt(account string, at Place, spec RuleSetSpec) (RuleSet, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	lim, err := c.limitsLocked(account)
	if err != nil {
		return RuleSet{}, err
	}
	fl, ok := flavors[spec.Flavor]
	if !ok || spec.NetworkID != "" {
		return RuleSet{}, errf(CodeInvalidParameter, KindRuleSet, string(spec.Flavor), "a rule set of flavour %q outside a network cannot be made here", string(spec.Flavor))
	}
	if at.Name == "" {
		at.Name = spec.Name
	}
	kind := spec.Flavor.objectKind()
	// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/azure-subscription-service-limits#azure-networking-limits — network security groups per region per subscription
	if n := c.ruleSets.count(func(s *RuleSet) bool { return s.Account == account && s.Region == at.Region }); n >= lim.SecurityGroupsPerRegion {
		return RuleSet{}, quotaExceeded(kind, "rule-sets-per-region", lim.SecurityGroupsPerRegion, "for account "+account+regionSuffix(at.Region))
	}
	id, err := c.newIDLocked(account, kind, at)
	if err != nil {
		return RuleSet{}, err
	}
	s := &RuleSet{ID: id, Flavor: spec.Flavor, Account: account, Region: at.Region, Name: at.Name, Description: spec.Description}
	if fl.initial != nil {
		s.Rules = fl.initial(c, s)
	}
	sortRules(s.Rules)
	c.ruleSets[s.ID] = s
	c.registerAtLocked(kind, s.ID, account, at, spec.Tags)
	return s.copy(c), nil
}

// ReplaceRules replaces all rules of a set, all or none, checking each as
// AddRules does, and returns them as stored. A rule keeps the ID of the
// old rule with its Name, if it has a name.
func (c *Cloud) ReplaceRules(account string, f Flavor, id string, rules []Rule) ([]Rule, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	lim, err := c.limitsLocked(account)
	if err != nil {
		return nil, err
	}
	s, err := c.ruleSetLocked(account, f, id)
	if err != nil {
		return nil, err
	}
	fl := flavors[s.Flavor]
	var next []Rule
	for _, r := range rules {
		r, err := c.prepareRuleLocked(s, r)
		if err != nil {
			return nil, err
		}
		if fl.add != nil {
			if err := fl.add(s, next, r); err != nil {
				return nil, err
			}
		}
		r.ID = ""
		if i := slices.IndexFunc(s.Rules, func(o Rule) bool {
			return r.Name != "" && o.Name == r.Name && !slices.ContainsFunc(next, func(n Rule) bool { return n.ID == o.ID })
		}); i >= 0 {
			r.ID = s.Rules[i].ID
		}
		if r.ID == "" && fl.ruleIDs {
			r.ID = c.subIDLocked(account, s.Flavor.ruleKind())
		}
		next = append(next, r)
	}
	if fl.limit != nil {
		if err := fl.limit(s, lim, next); err != nil {
			return nil, err
		}
	}
	sortRules(next)
	before := s.Rules
	s.Rules = next
	c.ruleOwnersLocked(s, before)
	c.emitLocked(s.Flavor.objectKind(), OpUpdate, s.ID, account)
	return slices.Clone(next), nil
}
