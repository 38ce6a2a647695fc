package model

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Direction says whether a rule applies to traffic in or out.
type Direction string

// The directions of rules.
const (
	Ingress Direction = "ingress"
	Egress  Direction = "egress"
)

// Action is what a matching rule does with a packet.
type Action string

// The rule actions.
const (
	Allow Action = "allow"
	Deny  Action = "deny"
)

// Flavor is the provider's kind of rule set: it decides the defaults a new
// set gets, which rules it accepts, and what it attaches to. Every flavour
// is one RuleSet, compiled by one path in the realizer.
type Flavor string

// The rule-set flavours.
const (
	// FlavorSecurityGroup is an AWS security group: stateful, allow-only,
	// unordered, attached to interfaces.
	FlavorSecurityGroup Flavor = "security-group"
	// FlavorNetworkACL is an AWS network ACL: stateless, numbered allow and
	// deny rules, attached to subnets (each subnet to exactly one).
	FlavorNetworkACL Flavor = "network-acl"
	// FlavorNSG is an Azure network security group or an OCI network
	// security group: prioritized allow and deny rules, attached to
	// interfaces or subnets.
	FlavorNSG Flavor = "nsg"
	// FlavorFirewall is a set of GCP VPC firewall rules: prioritized allow
	// and deny rules, attached to a network and the instances with target tags.
	FlavorFirewall Flavor = "firewall"
	// FlavorSecurityList is an OCI security list: unordered allow rules,
	// each stateful or stateless, attached to subnets.
	FlavorSecurityList Flavor = "security-list"
)

// objectKind is the kind a rule set of flavour f has in errors, owner
// records and change events.
func (f Flavor) objectKind() Kind {
	switch f {
	case FlavorSecurityGroup:
		return KindSecurityGroup
	case FlavorNetworkACL:
		return KindNetworkACL
	case FlavorNSG:
		return KindNetworkSecurityGroup
	}
	return KindRuleSet
}

// ruleKind is the kind a rule of a set of flavour f has in errors.
func (f Flavor) ruleKind() Kind {
	switch f {
	case FlavorSecurityGroup:
		return KindSecurityRule
	case FlavorNetworkACL:
		return KindNetworkACLEntry
	}
	return KindRule
}

// Peer is the other end of a rule's traffic: its source (ingress) or
// destination (egress). Exactly one field is set.
type Peer struct {
	Prefix    netip.Prefix // an address block
	RuleSetID string       // the interfaces a rule set is attached to (a security-group reference)
	// Tag stands for the instances of the set's network that carry it
	// (GCP source and destination tags).
	Tag string
	// ServiceTag is a provider's named group of addresses (Azure's
	// VirtualNetwork, Internet, AzureLoadBalancer; OCI's service CIDR labels).
	ServiceTag string
	// PrefixListID stands for the CIDRs of a prefix list, as it is now.
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html — a rule's source or destination can be a prefix list ID
	PrefixListID string `json:",omitempty"`
	// ServiceAccount stands for the instances of the set's network that
	// run as it (GCP's source and destination service accounts).
	ServiceAccount string `json:",omitempty"`
}

// Rule is one rule of a rule set. Rules are evaluated in ascending Priority
// and the first match decides; a set whose rules all allow may leave every
// priority 0 (then order does not matter).
type Rule struct {
	ID          string // empty for flavours whose rules have no ID (network ACLs)
	Name        string `json:",omitempty"` // the name its provider addresses it by (Azure's securityRules); empty elsewhere
	Direction   Direction
	Priority    int
	Action      Action
	Stateless   bool   // return traffic needs its own rule
	Protocol    string // "-1" (all), "tcp", "udp", "icmp" or an IP protocol number
	FromPort    int    // TCP/UDP destination ports; -1 for all or when the protocol has none
	ToPort      int
	ICMPType    int // -1 for all
	ICMPCode    int // -1 for all
	Peer        Peer
	Description string
	// Local is the rule's own side where its provider's rule names one
	// (Azure's destination of an inbound rule, source of an outbound
	// one); the zero Peer is any address. The Azure front-end takes only
	// the VirtualNetwork tag there, which holds every NIC the rule
	// filters, so it matches as any does.
	Local Peer `json:",omitzero"`
}

// same reports whether two rules match the same traffic the same way
// (IDs and descriptions aside).
func (r Rule) same(o Rule) bool {
	return r.Direction == o.Direction && r.Priority == o.Priority && r.Action == o.Action && r.Stateless == o.Stateless &&
		r.Protocol == o.Protocol && r.FromPort == o.FromPort && r.ToPort == o.ToPort &&
		r.ICMPType == o.ICMPType && r.ICMPCode == o.ICMPCode && r.Peer == o.Peer
}

// AttachKind says what a rule set is attached to.
type AttachKind string

// The attachment kinds.
const (
	// OnInterface: the set filters one network interface; these
	// attachments are kept, in order, on the interface (its
	// SecurityGroupIDs), not on the set.
	OnInterface AttachKind = "interface"
	// OnSubnet: the set filters what enters and leaves a subnet.
	OnSubnet AttachKind = "subnet"
	// OnNetwork: the set filters the interfaces of a network's
	// instances that carry one of Tags (every instance when Tags is empty).
	OnNetwork AttachKind = "network"
)

// Attachment is where a rule set applies.
type Attachment struct {
	ID       string
	Kind     AttachKind
	TargetID string   // the interface, subnet or network
	Tags     []string // OnNetwork: tag keys selecting instances
}

// Selects reports whether a network attachment applies to an instance with
// the given tags: it names no tag, or the instance carries one of them.
// GCP: https://cloud.google.com/firewall/docs/firewalls#rule_assignment — a rule applies to all instances of the network, or to those with a target tag
func (a Attachment) Selects(tags map[string]string) bool {
	if len(a.Tags) == 0 {
		return true
	}
	for _, t := range a.Tags {
		if _, ok := tags[t]; ok {
			return true
		}
	}
	return false
}

// RuleSet is one set of filtering rules of a network: a security group, a
// network ACL, an NSG, a network's firewall rules or a security list, as
// its Flavor says.
type RuleSet struct {
	ID          string
	Meta        `json:"-"` // scope, name and handle (names.go)
	Flavor      Flavor
	Account     string
	Region      string // the region it lives in (Regions)
	NetworkID   string
	Name        string
	Description string
	Default     bool   // the network's default set of its flavour; it cannot be deleted
	Rules       []Rule // ingress before egress, each in ascending priority (stable)
	// Attachments are the set's subnet and network attachments; interface
	// attachments are on the interfaces (OnInterface).
	Attachments []Attachment
	Tags        map[string]string
	// Implicit are the rules its account's profile gives every set of its
	// flavour below its own (Profile.ImplicitRules: Azure's default
	// security rules), evaluated after Rules; filled when read.
	Implicit []Rule `json:"-"`
	// Targets, when not empty, narrow the set to the instances of its
	// network that match them (GCP's target tags and service accounts);
	// an empty Targets applies to every instance of the network.
	// GCP: https://cloud.google.com/firewall/docs/firewalls#rule_assignment — a rule applies to all instances, or to those with a target tag or target service account
	Targets RuleTargets `json:",omitzero"`
	// Disabled sets are kept but not enforced (GCP's disabled rules).
	// GCP: https://cloud.google.com/firewall/docs/firewalls#enforcement_status — a disabled rule is not enforced
	Disabled bool `json:",omitempty"`
}

// RuleTargets select the instances a set applies to: those that carry one
// of Tags or run as one of ServiceAccounts.
type RuleTargets struct {
	Tags            []string `json:",omitempty"`
	ServiceAccounts []string `json:",omitempty"`
}

// IsZero reports whether the targets select every instance.
func (t RuleTargets) IsZero() bool { return len(t.Tags) == 0 && len(t.ServiceAccounts) == 0 }

// SetRuleSetTargets changes which instances a set applies to and whether
// it is enforced.
func (c *Cloud) SetRuleSetTargets(account string, f Flavor, id string, t RuleTargets, disabled bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.ruleSetLocked(account, f, id)
	if err != nil {
		return err
	}
	s.Targets = RuleTargets{Tags: slices.Clone(t.Tags), ServiceAccounts: slices.Clone(t.ServiceAccounts)}
	s.Disabled = disabled
	c.emitLocked(f.objectKind(), OpUpdate, id, account)
	return nil
}

// In returns the set's ingress rules, in order.
func (s RuleSet) In() []Rule { return s.dir(Ingress) }

// Out returns the set's egress rules, in order.
func (s RuleSet) Out() []Rule { return s.dir(Egress) }

func (s RuleSet) dir(d Direction) []Rule {
	var out []Rule
	for _, r := range s.Rules {
		if r.Direction == d {
			out = append(out, r)
		}
	}
	return out
}

func (s *RuleSet) copy(c *Cloud) RuleSet {
	out := *s
	out.Meta = c.metaLocked(s.ID)
	out.Rules = slices.Clone(s.Rules)
	out.Attachments = slices.Clone(s.Attachments)
	out.Targets = RuleTargets{Tags: slices.Clone(s.Targets.Tags), ServiceAccounts: slices.Clone(s.Targets.ServiceAccounts)}
	for i := range out.Attachments {
		out.Attachments[i].Tags = slices.Clone(s.Attachments[i].Tags)
	}
	out.Tags = c.tagsLocked(s.ID)
	if p, err := c.profileLocked(s.Account); err == nil {
		out.Implicit = slices.Clone(p.ImplicitRules[s.Flavor])
	}
	return out
}

// sortRules orders rules: ingress before egress, then by priority, keeping
// the order of equal ones.
func sortRules(rs []Rule) {
	slices.SortStableFunc(rs, func(a, b Rule) int {
		if a.Direction != b.Direction {
			if a.Direction == Ingress {
				return -1
			}
			return 1
		}
		return a.Priority - b.Priority
	})
}

// ruleSetLocked returns the account's set with the given ID; a set of
// another flavour than f (unless f is empty) is not found.
func (c *Cloud) ruleSetLocked(account string, f Flavor, id string) (*RuleSet, error) {
	s, ok := c.ruleSets[id]
	if !ok || s.Account != account || (f != "" && s.Flavor != f) {
		return nil, notFound(f.objectKind(), id)
	}
	return s, nil
}

// RuleSet returns one rule set of the account; f names the flavour the
// caller addresses (a set of another is not found), or is empty for any.
func (c *Cloud) RuleSet(account string, f Flavor, id string) (RuleSet, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	s, err := c.ruleSetLocked(account, f, id)
	if err != nil {
		return RuleSet{}, err
	}
	return s.copy(c), nil
}

// RuleSets returns the account's rule sets of flavour f (all when f is
// empty), sorted by ID.
func (c *Cloud) RuleSets(account string, f Flavor) []RuleSet {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return sortedValues(c.ruleSets, func(s *RuleSet) bool { return s.Account == account && (f == "" || s.Flavor == f) },
		func(s *RuleSet) RuleSet { return s.copy(c) })
}

// RuleSetSpec is what CreateRuleSet makes a set from.
type RuleSetSpec struct {
	Flavor      Flavor
	NetworkID   string
	Scope       string // its resource group, project or compartment; empty for AWS
	Name        string
	Description string
	Tags        map[string]string
	Targets     RuleTargets // the instances it applies to (RuleSet.Targets)
	Disabled    bool
}

// CreateRuleSet makes a rule set of the spec's flavour in a network, with
// the rules a new set of that flavour has (flavor.go).
func (c *Cloud) CreateRuleSet(account string, spec RuleSetSpec) (RuleSet, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	lim, err := c.limitsLocked(account)
	if err != nil {
		return RuleSet{}, err
	}
	n, err := c.networkLocked(account, spec.NetworkID)
	if err != nil {
		return RuleSet{}, err
	}
	fl, ok := flavors[spec.Flavor]
	if !ok {
		return RuleSet{}, errf(CodeInvalidParameter, KindRuleSet, string(spec.Flavor), "unknown rule set flavour %q", string(spec.Flavor))
	}
	if fl.create != nil {
		if err := fl.create(c, lim, n, spec); err != nil {
			return RuleSet{}, err
		}
	}
	s, err := c.newRuleSetLocked(n, spec, false)
	if err != nil {
		return RuleSet{}, err
	}
	return s.copy(c), nil
}

// newRuleSetLocked makes, stores and registers a set with its flavour's
// initial rules, its ID minted by the account's profile.
func (c *Cloud) newRuleSetLocked(n *Network, spec RuleSetSpec, isDefault bool) (*RuleSet, error) {
	fl := flavors[spec.Flavor]
	at := Place{Region: n.Region, Scope: spec.Scope}
	if fl.named {
		at.Name = spec.Name
	}
	id, err := c.newIDLocked(n.Account, spec.Flavor.objectKind(), at)
	if err != nil {
		return nil, err
	}
	s := &RuleSet{ID: id, Flavor: spec.Flavor, Account: n.Account, Region: n.Region,
		NetworkID: n.ID, Name: spec.Name, Description: spec.Description, Default: isDefault,
		Targets: RuleTargets{Tags: slices.Clone(spec.Targets.Tags), ServiceAccounts: slices.Clone(spec.Targets.ServiceAccounts)}, Disabled: spec.Disabled}
	if fl.initial != nil {
		s.Rules = fl.initial(c, s)
	}
	sortRules(s.Rules)
	c.ruleSets[s.ID] = s
	c.registerAtLocked(spec.Flavor.objectKind(), s.ID, n.Account, at, spec.Tags)
	c.ruleOwnersLocked(s, nil)
	return s, nil
}

// ProtoICMPv6 is ICMPv6 in the model's form of protocols: its number.
const ProtoICMPv6 = "58"

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
	case "icmpv6", "58":
		// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html — icmpv6 is protocol 58; with 58 the ports are the ICMPv6 type and code
		return ProtoICMPv6, nil
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 0 || n > 255 {
		return "", errf(CodeInvalidParameter, KindSecurityRule, p, "invalid IP protocol %q", p)
	}
	return strconv.Itoa(n), nil
}

// normalizeRuleLocked checks a rule of set s and puts it into canonical
// form: ports only for TCP and UDP, ICMP type and code only for ICMP, one
// peer that exists.
func (c *Cloud) normalizeRuleLocked(s *RuleSet, r Rule) (Rule, error) {
	kind := s.Flavor.ruleKind()
	p, err := NormalizeProtocol(r.Protocol)
	if err != nil {
		return r, err
	}
	r.Protocol = p
	if r.Direction != Ingress && r.Direction != Egress {
		return r, errf(CodeInvalidParameter, kind, s.ID, "invalid rule direction %q", string(r.Direction))
	}
	if r.Action != Allow && r.Action != Deny {
		return r, errf(CodeInvalidParameter, kind, s.ID, "invalid rule action %q", string(r.Action))
	}
	switch p {
	case "tcp", "udp":
		if r.FromPort < 0 || r.ToPort > 65535 || r.FromPort > r.ToPort {
			return r, errf(CodeInvalidParameter, kind, s.ID, "invalid port range %d-%d", r.FromPort, r.ToPort)
		}
		r.ICMPType, r.ICMPCode = -1, -1
	case "icmp", ProtoICMPv6:
		if r.ICMPType < -1 || r.ICMPType > 255 || r.ICMPCode < -1 || r.ICMPCode > 255 {
			return r, errf(CodeInvalidParameter, kind, s.ID, "invalid ICMP type/code %d/%d", r.ICMPType, r.ICMPCode)
		}
		r.FromPort, r.ToPort = -1, -1
	case "-1":
		r.FromPort, r.ToPort, r.ICMPType, r.ICMPCode = -1, -1, -1, -1
	default:
		r.ICMPType, r.ICMPCode = -1, -1
	}
	return r, c.checkPeerLocked(s, kind, r.Peer)
}

func (c *Cloud) checkPeerLocked(s *RuleSet, kind Kind, p Peer) error {
	set := 0
	for _, b := range []bool{p.Prefix.IsValid(), p.RuleSetID != "", p.Tag != "", p.ServiceTag != "", p.PrefixListID != "", p.ServiceAccount != ""} {
		if b {
			set++
		}
	}
	if set == 0 {
		return checkPrefix(kind, p.Prefix)
	}
	if set != 1 {
		return errf(CodeInvalidParameter, kind, s.ID, "a rule needs exactly one peer: a prefix, a rule set, a tag, a service tag, a prefix list or a service account")
	}
	if p.PrefixListID != "" {
		if _, err := c.checkPrefixListRefLocked(s.Account, s.Region, p.PrefixListID); err != nil {
			return err
		}
	}
	if p.RuleSetID != "" {
		if o, ok := c.ruleSets[p.RuleSetID]; !ok || o.Flavor != s.Flavor {
			return notFound(s.Flavor.objectKind(), p.RuleSetID)
		}
	}
	if p.Prefix.IsValid() {
		return checkPrefix(kind, p.Prefix)
	}
	return nil
}

// AddRules adds rules to a set, all or none, and returns them as stored
// (with their IDs). The set's flavour decides what it accepts.
func (c *Cloud) AddRules(account string, f Flavor, id string, rules []Rule) ([]Rule, error) {
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
	next := slices.Clone(s.Rules)
	var added []Rule
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
		if fl.ruleIDs {
			r.ID = c.subIDLocked(account, s.Flavor.ruleKind())
		}
		next = append(next, r)
		added = append(added, r)
	}
	if fl.limit != nil {
		if err := fl.limit(s, lim, next); err != nil {
			return nil, err
		}
	}
	if s.Flavor == FlavorSecurityGroup && c.ruleWeightLocked(account, next) > lim.RulesPerGroupDirection {
		return nil, errf(CodeLimitExceeded, KindSecurityRule, s.ID, "the maximum number of rules (%d) has been reached for security group %s, counting each prefix list as its maximum entries", lim.RulesPerGroupDirection, s.ID)
	}
	sortRules(next)
	before := s.Rules
	s.Rules = next
	c.ruleOwnersLocked(s, before)
	c.emitLocked(s.Flavor.objectKind(), OpUpdate, s.ID, account)
	return added, nil
}

// RuleRemoval says which rules of a set RemoveRules removes: those
// with the given IDs (of Direction), and those that match Rules in the
// traffic they match (each of its own direction).
type RuleRemoval struct {
	Direction Direction
	IDs       []string
	Rules     []Rule
	// Strict removes nothing and fails with CodeNotFound (KindRule) when
	// one of Rules matches no rule; otherwise those are returned unknown.
	Strict bool
}

// RemoveRules removes rules from a set, and returns those removed and
// those of rm.Rules that matched nothing. An ID that is not one of the
// set's rules of rm.Direction fails (CodeNotFound, KindSecurityRule)
// before anything changes.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RevokeSecurityGroupIngress.html — rules by ID or by their properties; in a default VPC the rules that do not exist are returned, in another VPC they fail the call with InvalidPermission.NotFound and no rule is revoked
func (c *Cloud) RemoveRules(account string, f Flavor, id string, rm RuleRemoval) (removed, unknown []Rule, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.ruleSetLocked(account, f, id)
	if err != nil {
		return nil, nil, err
	}
	next := slices.Clone(s.Rules)
	for _, rid := range rm.IDs {
		i := ruleByIDLocked(&RuleSet{Rules: next}, rid)
		if i < 0 || next[i].Direction != rm.Direction {
			return nil, nil, notFound(KindSecurityRule, rid)
		}
		removed = append(removed, next[i])
		next = append(next[:i:i], next[i+1:]...)
	}
	for _, r := range rm.Rules {
		n, err := c.prepareRuleLocked(s, r)
		if err != nil {
			return nil, nil, err
		}
		i := slices.IndexFunc(next, n.same)
		if i < 0 {
			if rm.Strict {
				return nil, nil, errf(CodeNotFound, KindRule, s.ID, "the specified rule does not exist in rule set %s", s.ID)
			}
			unknown = append(unknown, n)
			continue
		}
		removed = append(removed, next[i])
		next = append(next[:i:i], next[i+1:]...)
	}
	if len(removed) > 0 {
		s.Rules = next
		c.ruleOwnersLocked(s, removed)
		c.emitLocked(s.Flavor.objectKind(), OpUpdate, s.ID, account)
	}
	return removed, unknown, nil
}

// prepareRuleLocked puts a rule into its set's flavour's form, checks
// what the flavour checks, and normalizes it.
func (c *Cloud) prepareRuleLocked(s *RuleSet, r Rule) (Rule, error) {
	fl := flavors[s.Flavor]
	if fl.fix != nil {
		r = fl.fix(r)
	}
	if fl.check != nil {
		if err := fl.check(s, r); err != nil {
			return r, err
		}
	}
	return c.normalizeRuleLocked(s, r)
}

// numberedLocked finds the rule of a numbered set with the given direction
// and priority.
func (c *Cloud) numberedLocked(s *RuleSet, dir Direction, prio int) (int, error) {
	i := slices.IndexFunc(s.Rules, func(x Rule) bool { return x.Direction == dir && x.Priority == prio })
	if i < 0 && s.Flavor == FlavorNetworkACL {
		return -1, errf(CodeNotFound, KindNetworkACLEntry, s.ID, "no %s entry with rule number %d in network ACL %s", string(dir), prio, s.ID)
	}
	if i < 0 {
		return -1, errf(CodeNotFound, KindRule, s.ID, "no %s rule with priority %d in rule set %s", string(dir), prio, s.ID)
	}
	return i, nil
}

// ReplaceRule replaces the rule with the same direction and priority in a
// set whose rules are numbered.
func (c *Cloud) ReplaceRule(account string, f Flavor, id string, r Rule) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.ruleSetLocked(account, f, id)
	if err != nil {
		return err
	}
	if r, err = c.prepareRuleLocked(s, r); err != nil {
		return err
	}
	i, err := c.numberedLocked(s, r.Direction, r.Priority)
	if err != nil {
		return err
	}
	r.ID = s.Rules[i].ID
	s.Rules[i] = r
	c.emitLocked(s.Flavor.objectKind(), OpUpdate, s.ID, account)
	return nil
}

// DeleteRule deletes the rule with the given direction and priority from a
// set whose rules are numbered.
func (c *Cloud) DeleteRule(account string, f Flavor, id string, dir Direction, prio int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.ruleSetLocked(account, f, id)
	if err != nil {
		return err
	}
	if s.Flavor == FlavorNetworkACL && prio == DefaultDenyRuleNumber {
		return errf(CodeInvalidParameter, KindNetworkACLEntry, id, "the default rule %d cannot be deleted", prio)
	}
	i, err := c.numberedLocked(s, dir, prio)
	if err != nil {
		return err
	}
	gone := s.Rules[i]
	s.Rules = append(s.Rules[:i:i], s.Rules[i+1:]...)
	c.ruleOwnersLocked(s, []Rule{gone})
	c.emitLocked(s.Flavor.objectKind(), OpUpdate, s.ID, account)
	return nil
}

func (s *RuleSet) ref() ref { return ref{kind: s.Flavor.objectKind(), id: s.ID, account: s.Account} }
