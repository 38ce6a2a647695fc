package model

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Direction says whether a rule applies to traffic in or out.
type Direction string

// The directions of security rules and ACL entries.
const (
	Ingress Direction = "ingress"
	Egress  Direction = "egress"
)

// SecurityRule is one allow rule of a security group. Groups are stateful:
// return traffic of an allowed flow is allowed whatever the other direction's
// rules say.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html — security groups are stateful and allow-only
type SecurityRule struct {
	ID          string
	Protocol    string // "-1" (all), "tcp", "udp", "icmp" or an IP protocol number
	FromPort    int    // -1 when the protocol has no ports
	ToPort      int
	Prefix      netip.Prefix // source (ingress) or destination (egress); invalid if GroupID is set
	GroupID     string       // the peer security group, if the rule refers to one
	Description string
}

// same reports whether two rules match the same traffic (descriptions and IDs aside).
func (r SecurityRule) same(o SecurityRule) bool {
	return r.Protocol == o.Protocol && r.FromPort == o.FromPort && r.ToPort == o.ToPort &&
		r.Prefix == o.Prefix && r.GroupID == o.GroupID
}

// SecurityGroup is a stateful, allow-only firewall attached to interfaces.
type SecurityGroup struct {
	ID          string
	Account     string
	Region      string // the region it lives in (Regions)
	NetworkID   string
	Name        string
	Description string
	Ingress     []SecurityRule
	Egress      []SecurityRule
	Tags        map[string]string
}

func (g *SecurityGroup) copy(c *Cloud) SecurityGroup {
	out := *g
	out.Ingress = slices.Clone(g.Ingress)
	out.Egress = slices.Clone(g.Egress)
	out.Tags = c.tagsLocked(g.ID)
	return out
}

var allIPv4 = netip.MustParsePrefix("0.0.0.0/0")

func (c *Cloud) newDefaultSecurityGroupLocked(n *Network) *SecurityGroup {
	g := &SecurityGroup{ID: newID("sg"), Account: n.Account, Region: n.Region, NetworkID: n.ID, Name: "default", Description: "default VPC security group"}
	g.Ingress = []SecurityRule{{ID: newID("sgr"), Protocol: "-1", FromPort: -1, ToPort: -1, GroupID: g.ID}}
	g.Egress = []SecurityRule{{ID: newID("sgr"), Protocol: "-1", FromPort: -1, ToPort: -1, Prefix: allIPv4}}
	c.groups[g.ID] = g
	c.registerLocked(KindSecurityGroup, g.ID, n.Account, n.Region, nil)
	return g
}

// CreateSecurityGroup makes a group with no inbound rules and one rule that
// allows all outbound traffic; names are unique per network.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/creating-security-groups.html — a new group allows all outbound traffic and no inbound traffic
func (c *Cloud) CreateSecurityGroup(account, networkID, name, description string, tags map[string]string) (SecurityGroup, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	lim, err := c.limitsLocked(account)
	if err != nil {
		return SecurityGroup{}, err
	}
	nw, err := c.networkLocked(account, networkID)
	if err != nil {
		return SecurityGroup{}, err
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — VPC security groups per Region: 2,500 by default, default groups included
	if n := countLocked(c.groups, func(g *SecurityGroup) bool { return g.Account == account && g.Region == nw.Region }); n >= lim.SecurityGroupsPerRegion {
		return SecurityGroup{}, quotaExceeded(KindSecurityGroup, "security-groups-per-region", lim.SecurityGroupsPerRegion, "for account "+account+regionSuffix(nw.Region))
	}
	if name == "" || strings.HasPrefix(strings.ToLower(name), "sg-") {
		return SecurityGroup{}, errf(CodeInvalidParameter, KindSecurityGroup, name, "group name %q is invalid: it must not be empty or start with sg-", name)
	}
	for _, g := range c.groups {
		if g.NetworkID == networkID && g.Name == name {
			return SecurityGroup{}, errf(CodeDuplicate, KindSecurityGroup, name, "the security group '%s' already exists for network '%s'", name, networkID)
		}
	}
	g := &SecurityGroup{ID: newID("sg"), Account: account, Region: nw.Region, NetworkID: networkID, Name: name, Description: description}
	g.Egress = []SecurityRule{{ID: newID("sgr"), Protocol: "-1", FromPort: -1, ToPort: -1, Prefix: allIPv4}}
	c.groups[g.ID] = g
	c.registerLocked(KindSecurityGroup, g.ID, account, g.Region, tags)
	return g.copy(c), nil
}

func (c *Cloud) groupLocked(account, id string) (*SecurityGroup, error) {
	g, ok := c.groups[id]
	if !ok || g.Account != account {
		return nil, notFound(KindSecurityGroup, id)
	}
	return g, nil
}

// SecurityGroup returns one group of the account.
func (c *Cloud) SecurityGroup(account, id string) (SecurityGroup, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	g, err := c.groupLocked(account, id)
	if err != nil {
		return SecurityGroup{}, err
	}
	return g.copy(c), nil
}

// SecurityGroups returns all groups of the account, sorted by ID.
func (c *Cloud) SecurityGroups(account string) []SecurityGroup {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return sortedValues(c.groups, func(g *SecurityGroup) bool { return g.Account == account },
		func(g *SecurityGroup) SecurityGroup { return g.copy(c) })
}

// NormalizeProtocol maps protocol names and numbers to the model's form:
// "-1", "tcp", "udp", "icmp" or a decimal protocol number.
func NormalizeProtocol(p string) (string, error) {
	switch strings.ToLower(p) {
	case "-1", "all":
		return "-1", nil
	case "tcp", "6":
		return "tcp", nil
	case "udp", "17":
		return "udp", nil
	case "icmp", "1":
		return "icmp", nil
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 0 || n > 255 {
		return "", errf(CodeInvalidParameter, KindSecurityRule, p, "invalid IP protocol %q", p)
	}
	return strconv.Itoa(n), nil
}

// normalizeRuleLocked checks a rule and puts it into canonical form.
func (c *Cloud) normalizeRuleLocked(g *SecurityGroup, r SecurityRule) (SecurityRule, error) {
	p, err := NormalizeProtocol(r.Protocol)
	if err != nil {
		return r, err
	}
	r.Protocol = p
	switch p {
	case "-1":
		r.FromPort, r.ToPort = -1, -1
	case "tcp", "udp":
		if r.FromPort < 0 || r.ToPort > 65535 || r.FromPort > r.ToPort {
			return r, errf(CodeInvalidParameter, KindSecurityRule, g.ID, "invalid port range %d-%d", r.FromPort, r.ToPort)
		}
	case "icmp":
		if r.FromPort < -1 || r.FromPort > 255 || r.ToPort < -1 || r.ToPort > 255 {
			return r, errf(CodeInvalidParameter, KindSecurityRule, g.ID, "invalid ICMP type/code %d/%d", r.FromPort, r.ToPort)
		}
	}
	if r.GroupID != "" {
		if _, ok := c.groups[r.GroupID]; !ok {
			return r, notFound(KindSecurityGroup, r.GroupID)
		}
		r.Prefix = netip.Prefix{}
	} else if err := checkIPv4Prefix(KindSecurityRule, r.Prefix); err != nil {
		return r, err
	}
	return r, nil
}

// AddSecurityRules adds rules to one direction of a group, all or none.
func (c *Cloud) AddSecurityRules(account, groupID string, dir Direction, rules []SecurityRule) ([]SecurityRule, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	lim, err := c.limitsLocked(account)
	if err != nil {
		return nil, err
	}
	g, err := c.groupLocked(account, groupID)
	if err != nil {
		return nil, err
	}
	list := &g.Ingress
	if dir == Egress {
		list = &g.Egress
	}
	next := slices.Clone(*list)
	var added []SecurityRule
	for _, r := range rules {
		r, err := c.normalizeRuleLocked(g, r)
		if err != nil {
			return nil, err
		}
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html — a rule identical to an existing one is a duplicate
		if slices.ContainsFunc(next, r.same) {
			return nil, errf(CodeDuplicate, KindSecurityRule, groupID, "the specified rule (protocol %s, ports %d-%d, peer %s%s) already exists", r.Protocol, r.FromPort, r.ToPort, r.Prefix, r.GroupID)
		}
		r.ID = newID("sgr")
		next = append(next, r)
		added = append(added, r)
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — 60 inbound and 60 outbound rules per security group
	if len(next) > lim.RulesPerGroupDirection {
		return nil, errf(CodeLimitExceeded, KindSecurityRule, groupID, "the maximum number of %s rules (%d) has been reached for security group %s", dir, lim.RulesPerGroupDirection, groupID)
	}
	*list = next
	c.emitLocked(KindSecurityGroup, OpUpdate, g.ID, account)
	return added, nil
}

// RemoveSecurityRules removes the matching rules from one direction of a
// group and returns those removed and those that matched nothing.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RevokeSecurityGroupIngress.html — rules that do not exist are returned, not an error
func (c *Cloud) RemoveSecurityRules(account, groupID string, dir Direction, rules []SecurityRule) (removed, unknown []SecurityRule, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, err := c.groupLocked(account, groupID)
	if err != nil {
		return nil, nil, err
	}
	list := &g.Ingress
	if dir == Egress {
		list = &g.Egress
	}
	for _, r := range rules {
		n, err := c.normalizeRuleLocked(g, r)
		if err != nil {
			return nil, nil, err
		}
		i := slices.IndexFunc(*list, n.same)
		if i < 0 {
			unknown = append(unknown, n)
			continue
		}
		removed = append(removed, (*list)[i])
		*list = append((*list)[:i:i], (*list)[i+1:]...)
	}
	if len(removed) > 0 {
		c.emitLocked(KindSecurityGroup, OpUpdate, g.ID, account)
	}
	return removed, unknown, nil
}

// DeleteSecurityGroup deletes a group that no interface uses and no other
// group refers to; a network's default group cannot be deleted.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html — you can't delete a default security group
func (c *Cloud) DeleteSecurityGroup(account, groupID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, err := c.groupLocked(account, groupID)
	if err != nil {
		return err
	}
	if c.networks[g.NetworkID] != nil && c.networks[g.NetworkID].DefaultSecurityGroupID == groupID {
		return errf(CodeCannotDelete, KindSecurityGroup, groupID, "the default security group '%s' cannot be deleted", groupID)
	}
	for _, e := range c.enis {
		if slices.Contains(e.SecurityGroupIDs, groupID) {
			return errf(CodeDependency, KindSecurityGroup, groupID, "resource %s has a dependent object: network interface %s", groupID, e.ID)
		}
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/deleting-security-groups.html — a group referenced by another group's rules cannot be deleted
	for _, o := range c.groups {
		if o.ID == groupID {
			continue
		}
		for _, r := range slices.Concat(o.Ingress, o.Egress) {
			if r.GroupID == groupID {
				return errf(CodeDependency, KindSecurityGroup, groupID, "resource %s has a dependent object: security group %s", groupID, o.ID)
			}
		}
	}
	delete(c.groups, groupID)
	c.forgetLocked(KindSecurityGroup, groupID, account)
	return nil
}
