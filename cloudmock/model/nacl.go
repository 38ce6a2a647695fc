package model

import (
	"maps"
	"net/netip"
	"slices"
)

// DefaultDenyRuleNumber is the number of the catch-all deny entry every ACL
// ends with; users cannot add, replace or delete it.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html — the * rule (shown as 32767) denies what no numbered rule matched
const DefaultDenyRuleNumber = 32767

// ACLEntry is one numbered, stateless rule of a network ACL; entries are
// evaluated in ascending number order and the first match decides.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html — lowest numbered matching rule applies; NACLs are stateless
type ACLEntry struct {
	Number   int
	Egress   bool
	Protocol string // as for SecurityRule
	Allow    bool
	Prefix   netip.Prefix
	FromPort int // -1 when the protocol has no ports
	ToPort   int
	ICMPType int // -1 for all
	ICMPCode int // -1 for all
}

// ACLAssociation ties one subnet to an ACL.
type ACLAssociation struct {
	ID       string
	SubnetID string
}

// NetworkACL is a stateless, ordered list of allow and deny entries applied
// at subnet boundaries; every subnet has exactly one.
type NetworkACL struct {
	ID           string
	Account      string
	Region       string // the region it lives in (Regions)
	NetworkID    string
	Default      bool
	Entries      []ACLEntry // sorted: egress after ingress, then by number
	Associations []ACLAssociation
	Tags         map[string]string
}

func (a *NetworkACL) copy(c *Cloud) NetworkACL {
	out := *a
	out.Entries = slices.Clone(a.Entries)
	out.Associations = slices.Clone(a.Associations)
	out.Tags = c.tagsLocked(a.ID)
	return out
}

func sortEntries(es []ACLEntry) {
	slices.SortFunc(es, func(a, b ACLEntry) int {
		if a.Egress != b.Egress {
			if a.Egress {
				return 1
			}
			return -1
		}
		return a.Number - b.Number
	})
}

func (c *Cloud) newNetworkACLLocked(n *Network, isDefault bool) *NetworkACL {
	a := &NetworkACL{ID: newID("acl"), Account: n.Account, Region: n.Region, NetworkID: n.ID, Default: isDefault}
	for _, egress := range []bool{false, true} {
		if isDefault {
			// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/default-network-acl.html — rule 100 allows all traffic
			a.Entries = append(a.Entries, ACLEntry{Number: 100, Egress: egress, Protocol: "-1", Allow: true, Prefix: allIPv4, FromPort: -1, ToPort: -1, ICMPType: -1, ICMPCode: -1})
		}
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/custom-network-acl.html — a custom NACL denies everything until rules are added
		a.Entries = append(a.Entries, ACLEntry{Number: DefaultDenyRuleNumber, Egress: egress, Protocol: "-1", Allow: false, Prefix: allIPv4, FromPort: -1, ToPort: -1, ICMPType: -1, ICMPCode: -1})
	}
	sortEntries(a.Entries)
	c.acls[a.ID] = a
	c.registerLocked(KindNetworkACL, a.ID, n.Account, n.Region, nil)
	return a
}

// CreateNetworkACL makes a custom ACL that denies all traffic until entries are added.
func (c *Cloud) CreateNetworkACL(account, networkID string, tags map[string]string) (NetworkACL, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.networkLocked(account, networkID)
	if err != nil {
		return NetworkACL{}, err
	}
	a := c.newNetworkACLLocked(n, false)
	if len(tags) > 0 {
		c.tags[a.ID] = maps.Clone(tags)
	}
	return a.copy(c), nil
}

func (c *Cloud) aclLocked(account, id string) (*NetworkACL, error) {
	a, ok := c.acls[id]
	if !ok || a.Account != account {
		return nil, notFound(KindNetworkACL, id)
	}
	return a, nil
}

// NetworkACLs returns all ACLs of the account, sorted by ID.
func (c *Cloud) NetworkACLs(account string) []NetworkACL {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return sortedValues(c.acls, func(a *NetworkACL) bool { return a.Account == account },
		func(a *NetworkACL) NetworkACL { return a.copy(c) })
}

// NetworkACL returns one ACL of the account.
func (c *Cloud) NetworkACL(account, id string) (NetworkACL, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	a, err := c.aclLocked(account, id)
	if err != nil {
		return NetworkACL{}, err
	}
	return a.copy(c), nil
}

func (c *Cloud) checkEntry(e ACLEntry) (ACLEntry, error) {
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html — rule numbers 1 to 32766
	if e.Number < 1 || e.Number > 32766 {
		return e, errf(CodeInvalidParameter, KindNetworkACLEntry, "", "rule number %d is out of range 1-32766", e.Number)
	}
	p, err := NormalizeProtocol(e.Protocol)
	if err != nil {
		return e, err
	}
	e.Protocol = p
	if err := checkIPv4Prefix(KindNetworkACLEntry, e.Prefix); err != nil {
		return e, err
	}
	switch p {
	case "tcp", "udp":
		if e.FromPort < 0 || e.ToPort > 65535 || e.FromPort > e.ToPort {
			return e, errf(CodeInvalidParameter, KindNetworkACLEntry, "", "invalid port range %d-%d", e.FromPort, e.ToPort)
		}
	default:
		e.FromPort, e.ToPort = -1, -1
	}
	return e, nil
}

// AddNetworkACLEntry adds a numbered entry; the number must be free in its direction.
func (c *Cloud) AddNetworkACLEntry(account, aclID string, e ACLEntry) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	lim, err := c.limitsLocked(account)
	if err != nil {
		return err
	}
	a, err := c.aclLocked(account, aclID)
	if err != nil {
		return err
	}
	if e, err = c.checkEntry(e); err != nil {
		return err
	}
	count := 0
	for _, x := range a.Entries {
		if x.Egress == e.Egress && x.Number == e.Number {
			return errf(CodeAlreadyExists, KindNetworkACLEntry, aclID, "the network ACL entry identified by %d already exists", e.Number)
		}
		if x.Egress == e.Egress && x.Number != DefaultDenyRuleNumber {
			count++
		}
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — 20 inbound and 20 outbound rules per network ACL
	if count >= lim.ACLEntriesPerDirection {
		return errf(CodeLimitExceeded, KindNetworkACLEntry, aclID, "the maximum number of entries (%d) has been reached for network ACL %s", lim.ACLEntriesPerDirection, aclID)
	}
	a.Entries = append(a.Entries, e)
	sortEntries(a.Entries)
	c.emitLocked(KindNetworkACL, OpUpdate, a.ID, account)
	return nil
}

// ReplaceNetworkACLEntry replaces the entry with the same number and direction.
func (c *Cloud) ReplaceNetworkACLEntry(account, aclID string, e ACLEntry) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, err := c.aclLocked(account, aclID)
	if err != nil {
		return err
	}
	if e, err = c.checkEntry(e); err != nil {
		return err
	}
	i := slices.IndexFunc(a.Entries, func(x ACLEntry) bool { return x.Egress == e.Egress && x.Number == e.Number })
	if i < 0 {
		return errf(CodeNotFound, KindNetworkACLEntry, aclID, "no %s entry with rule number %d in network ACL %s", dirName(e.Egress), e.Number, aclID)
	}
	a.Entries[i] = e
	c.emitLocked(KindNetworkACL, OpUpdate, a.ID, account)
	return nil
}

func dirName(egress bool) string {
	if egress {
		return "egress"
	}
	return "ingress"
}

// DeleteNetworkACLEntry deletes a numbered entry.
func (c *Cloud) DeleteNetworkACLEntry(account, aclID string, number int, egress bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, err := c.aclLocked(account, aclID)
	if err != nil {
		return err
	}
	if number == DefaultDenyRuleNumber {
		return errf(CodeInvalidParameter, KindNetworkACLEntry, aclID, "the default rule %d cannot be deleted", number)
	}
	i := slices.IndexFunc(a.Entries, func(x ACLEntry) bool { return x.Egress == egress && x.Number == number })
	if i < 0 {
		return errf(CodeNotFound, KindNetworkACLEntry, aclID, "no %s entry with rule number %d in network ACL %s", dirName(egress), number, aclID)
	}
	a.Entries = append(a.Entries[:i:i], a.Entries[i+1:]...)
	c.emitLocked(KindNetworkACL, OpUpdate, a.ID, account)
	return nil
}

// ReplaceNetworkACLAssociation moves a subnet's ACL association to another
// ACL of the same network and returns the new association ID.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/network-acls.html — each subnet is associated with exactly one network ACL
func (c *Cloud) ReplaceNetworkACLAssociation(account, assocID, aclID string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	to, err := c.aclLocked(account, aclID)
	if err != nil {
		return "", err
	}
	for _, from := range c.acls {
		if from.Account != account {
			continue
		}
		for i, as := range from.Associations {
			if as.ID != assocID {
				continue
			}
			if from.NetworkID != to.NetworkID {
				return "", errf(CodeInvalidParameter, KindNetworkACL, aclID, "network ACL %s belongs to a different network", aclID)
			}
			from.Associations = append(from.Associations[:i:i], from.Associations[i+1:]...)
			n := ACLAssociation{ID: newID("aclassoc"), SubnetID: as.SubnetID}
			to.Associations = append(to.Associations, n)
			c.emitLocked(KindNetworkACL, OpUpdate, from.ID, account)
			c.emitLocked(KindNetworkACL, OpUpdate, to.ID, account)
			return n.ID, nil
		}
	}
	return "", notFound(KindNetworkACLAssociation, assocID)
}

// DeleteNetworkACL deletes a custom ACL with no subnets associated.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/delete-network-acl.html — the default ACL can't be deleted; disassociate subnets first
func (c *Cloud) DeleteNetworkACL(account, aclID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, err := c.aclLocked(account, aclID)
	if err != nil {
		return err
	}
	if a.Default {
		return errf(CodeCannotDelete, KindNetworkACL, aclID, "cannot delete default network ACL %s", aclID)
	}
	if len(a.Associations) > 0 {
		return errf(CodeDependency, KindNetworkACL, aclID, "the networkAcl '%s' has dependencies and cannot be deleted", aclID)
	}
	delete(c.acls, aclID)
	c.forgetLocked(KindNetworkACL, aclID, account)
	return nil
}
