package model

import (
	"net/netip"
	"slices"
)

// IPv6 in the model: a network gets /56s from the cloud's pool
// (AssociateNetworkIPv6), a subnet a /64 of one (AssociateSubnetIPv6), an
// interface addresses from its subnet's /64 (AssignIPv6). Every prefix the
// lab hands out is on the documentation range 2001:db8::/32 (RFC 3849), so
// that nothing the lab routes can ever be a real address:
//
//   - AmazonIPv6Pool, 2001:db8:1000::/40, holds the networks' /56s (65,536);
//   - the emulated internet's hosts and the links to it use other parts of
//     2001:db8::/32 (cloudmock/realize: 2001:db8:f000::/48 and
//     2001:db8:ff00::/40).

// AmazonIPv6Pool is the pool the model's "Amazon-provided" /56s come from.
var AmazonIPv6Pool = netip.MustParsePrefix("2001:db8:1000::/40")

// AmazonIPv6PoolName is the name AWS gives the pool of its own addresses.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Ipv6CidrBlock.html — ipv6Pool "Amazon" for an Amazon-provided block
const AmazonIPv6PoolName = "Amazon"

// IPv6Block is an IPv6 prefix associated with a network or a subnet.
type IPv6Block struct {
	AssociationID string
	Prefix        netip.Prefix
	Pool          string `json:",omitempty"` // the pool it came from (networks only): AmazonIPv6PoolName
	// BorderGroup is the network border group it is advertised from: its
	// network's region.
	BorderGroup string `json:",omitempty"`
}

// allIPv6 is every IPv6 address.
var allIPv6 = netip.MustParsePrefix("::/0")

// IPv6 limits.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — IPv6 CIDR blocks per VPC: 5
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html#subnet-sizing-ipv6 — a subnet's IPv6 CIDR block is a /64 (of the VPC's /56)
const (
	ipv6BlocksPerNetwork = 5
	ipv6NetworkBits      = 56
	ipv6SubnetBits       = 64
)

// prefixes returns the network's IPv4 and IPv6 prefixes.
func (n *Network) prefixes() []netip.Prefix {
	out := make([]netip.Prefix, 0, len(n.CIDRs)+len(n.IPv6CIDRs))
	for _, b := range n.CIDRs {
		out = append(out, b.Prefix)
	}
	for _, b := range n.IPv6CIDRs {
		out = append(out, b.Prefix)
	}
	return out
}

// HasIPv6 reports whether the network has an IPv6 prefix.
func (n Network) HasIPv6() bool { return len(n.IPv6CIDRs) > 0 }

// checkPrefix checks that p is a canonical IPv4 or IPv6 prefix.
func checkPrefix(kind Kind, p netip.Prefix) error {
	if p.IsValid() && p.Addr().Is6() && !p.Addr().Is4In6() {
		if p.Masked() != p {
			return errf(CodeInvalidParameter, kind, p.String(), "value (%s) is not a valid CIDR block: host bits are set", p)
		}
		return nil
	}
	return checkIPv4Prefix(kind, p)
}

// nextAmazonIPv6Locked returns the lowest /56 of AmazonIPv6Pool that no
// network of the cloud holds.
func (c *Cloud) nextAmazonIPv6Locked() (netip.Prefix, bool) {
	used := map[netip.Prefix]bool{}
	for _, n := range c.networks {
		for _, b := range n.IPv6CIDRs {
			used[b.Prefix] = true
		}
	}
	base := AmazonIPv6Pool.Addr().As16()
	for i := range 1 << (ipv6NetworkBits - AmazonIPv6Pool.Bits()) {
		a := base
		a[5], a[6] = byte(i>>8), byte(i)
		p := netip.PrefixFrom(netip.AddrFrom16(a), ipv6NetworkBits)
		if !used[p] {
			return p, true
		}
	}
	return netip.Prefix{}, false
}

// AssociateNetworkIPv6 gives a network an Amazon-provided /56 from
// AmazonIPv6Pool, with a local route to it in each of its route tables,
// the default security group's rule allowing all outbound IPv6, and the
// default network ACL's rules 101 allowing all IPv6 in and out (where
// that direction's rules are still the ones it was made with).
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html#vpc-sizing-ipv6 — an Amazon-provided /56 from Amazon's pool
func (c *Cloud) AssociateNetworkIPv6(account, networkID string) (IPv6Block, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.networkLocked(account, networkID)
	if err != nil {
		return IPv6Block{}, err
	}
	if len(n.IPv6CIDRs) >= ipv6BlocksPerNetwork {
		return IPv6Block{}, errf(CodeLimitExceeded, KindNetworkCIDR, networkID,
			"This network '%s' has reached its maximum number of IPv6 CIDR blocks (%d)", networkID, ipv6BlocksPerNetwork)
	}
	p, ok := c.nextAmazonIPv6Locked()
	if !ok {
		return IPv6Block{}, errf(CodeLimitExceeded, KindNetworkCIDR, networkID, "the Amazon IPv6 pool has no free /56 left")
	}
	b := IPv6Block{AssociationID: c.subIDLocked(account, KindNetworkCIDR), Prefix: p, Pool: AmazonIPv6PoolName, BorderGroup: n.Region}
	first := len(n.IPv6CIDRs) == 0
	n.IPv6CIDRs = append(n.IPv6CIDRs, b)
	c.emitLocked(KindNetwork, OpUpdate, n.ID, account)
	for _, rt := range c.routeTables {
		if rt.NetworkID == n.ID {
			c.refreshLocalRoutesLocked(rt, n)
			c.emitLocked(KindRouteTable, OpUpdate, rt.ID, account)
		}
	}
	if first {
		c.addIPv6DefaultRulesLocked(n)
	}
	return b, nil
}

// addIPv6DefaultRulesLocked adds the rules a network's rule sets get
// when it gains IPv6.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html — the default group's outbound ::/0 rule is added when the VPC is created with an IPv6 block or one is associated with it
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/default-network-acl.html — rule 101 allows all IPv6 in and out (unless that direction's default rules were changed), and a * rule denies the rest of IPv6
func (c *Cloud) addIPv6DefaultRulesLocked(n *Network) {
	if sg, ok := c.ruleSets[n.DefaultSecurityGroupID]; ok && n.DefaultSecurityGroupID != "" {
		if !slices.ContainsFunc(sg.Rules, func(r Rule) bool { return r.Direction == Egress && r.Peer.Prefix == allIPv6 && r.Protocol == "-1" }) {
			sg.Rules = append(sg.Rules, c.sgRuleLocked(sg, Egress, Peer{Prefix: allIPv6}))
			sortRules(sg.Rules)
			c.emitLocked(KindSecurityGroup, OpUpdate, sg.ID, n.Account)
		}
	}
	for _, id := range sortedKeys(c.ruleSets) {
		acl := c.ruleSets[id]
		if acl.Flavor != FlavorNetworkACL || acl.NetworkID != n.ID {
			continue
		}
		for _, d := range []Direction{Ingress, Egress} {
			if acl.Default && aclUntouched(acl, d) {
				acl.Rules = append(acl.Rules, aclRule6(d, 101, Allow))
			}
			if !slices.ContainsFunc(acl.Rules, func(r Rule) bool {
				return r.Direction == d && r.Priority == DefaultDenyRuleNumber && r.Peer.Prefix == allIPv6
			}) {
				acl.Rules = append(acl.Rules, aclRule6(d, DefaultDenyRuleNumber, Deny))
			}
		}
		sortRules(acl.Rules)
		c.emitLocked(KindNetworkACL, OpUpdate, acl.ID, n.Account)
	}
}

// aclUntouched reports whether a default ACL's rules of one direction are
// the ones it was made with: rule 100 allowing all IPv4, and the * rule.
func aclUntouched(acl *RuleSet, d Direction) bool {
	var have []Rule
	for _, r := range acl.Rules {
		if r.Direction == d {
			have = append(have, r)
		}
	}
	want := []Rule{aclRule(d, 100, Allow), aclRule(d, DefaultDenyRuleNumber, Deny)}
	return slices.EqualFunc(have, want, Rule.same)
}

// aclRule6 is aclRule for all IPv6.
func aclRule6(d Direction, n int, a Action) Rule {
	r := aclRule(d, n, a)
	r.Peer.Prefix = allIPv6
	return r
}

// DisassociateNetworkCIDR removes a secondary IPv4 or an IPv6 prefix from
// a network by its association ID, with its local routes, and returns the
// network's ID; a prefix that a subnet still uses stays.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DisassociateVpcCidrBlock.html — the primary IPv4 block cannot be disassociated; an IPv6 block only once no subnet uses it
func (c *Cloud) DisassociateNetworkCIDR(account, assocID string) (Network, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range sortedKeys(c.networks) {
		n := c.networks[id]
		if n.Account != account {
			continue
		}
		var p netip.Prefix
		if i := slices.IndexFunc(n.CIDRs, func(b CIDRBlock) bool { return b.AssociationID == assocID }); i == 0 {
			return Network{}, errf(CodeIncorrectState, KindNetworkCIDR, assocID,
				"The vpc CIDR block with association ID %s may not be disassociated. It is the primary IPv4 CIDR block of the VPC", assocID)
		} else if i > 0 {
			p = n.CIDRs[i].Prefix
		}
		j := slices.IndexFunc(n.IPv6CIDRs, func(b IPv6Block) bool { return b.AssociationID == assocID })
		if j >= 0 {
			p = n.IPv6CIDRs[j].Prefix
		}
		if !p.IsValid() {
			continue
		}
		for _, sid := range sortedKeys(c.subnets) {
			s := c.subnets[sid]
			if s.NetworkID == n.ID && (p.Overlaps(s.Prefix) || (s.IPv6CIDR.Prefix.IsValid() && p.Overlaps(s.IPv6CIDR.Prefix))) {
				return Network{}, errf(CodeDependency, KindNetworkCIDR, assocID,
					"The vpc CIDR block with association ID %s may not be disassociated: it is in use by subnet %s", assocID, s.ID)
			}
		}
		n.CIDRs = slices.DeleteFunc(n.CIDRs, func(b CIDRBlock) bool { return b.AssociationID == assocID })
		n.IPv6CIDRs = slices.DeleteFunc(n.IPv6CIDRs, func(b IPv6Block) bool { return b.AssociationID == assocID })
		c.emitLocked(KindNetwork, OpUpdate, n.ID, account)
		for _, rt := range c.routeTables {
			if rt.NetworkID == n.ID {
				rt.Routes = slices.DeleteFunc(rt.Routes, func(r Route) bool { return r.Origin == OriginTable && r.Destination == p })
				c.emitLocked(KindRouteTable, OpUpdate, rt.ID, account)
			}
		}
		out := n.copy(c)
		if j >= 0 {
			out.IPv6CIDRs = []IPv6Block{{AssociationID: assocID, Prefix: p, Pool: AmazonIPv6PoolName, BorderGroup: n.Region}}
		} else {
			out.CIDRs = []CIDRBlock{{AssociationID: assocID, Prefix: p}}
		}
		return out, nil
	}
	return Network{}, notFound(KindNetworkCIDR, assocID)
}

// AssociateSubnetIPv6 gives a subnet a /64 of one of its network's IPv6
// prefixes.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html#subnet-sizing-ipv6 — a /64 from the VPC's IPv6 block; subnet blocks do not overlap
func (c *Cloud) AssociateSubnetIPv6(account, subnetID string, p netip.Prefix) (IPv6Block, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.subnetLocked(account, subnetID)
	if err != nil {
		return IPv6Block{}, err
	}
	if err := c.checkSubnetIPv6Locked(s, p); err != nil {
		return IPv6Block{}, err
	}
	s.IPv6CIDR = IPv6Block{AssociationID: c.subIDLocked(account, KindSubnetCIDR), Prefix: p}
	c.emitLocked(KindSubnet, OpUpdate, s.ID, account)
	return s.IPv6CIDR, nil
}

func (c *Cloud) checkSubnetIPv6Locked(s *Subnet, p netip.Prefix) error {
	if !p.IsValid() || !p.Addr().Is6() || p.Addr().Is4In6() {
		return errf(CodeInvalidParameter, KindSubnetCIDR, p.String(), "The IPv6 CIDR '%s' is invalid.", p)
	}
	if p.Masked() != p {
		return errf(CodeInvalidParameter, KindSubnetCIDR, p.String(), "value (%s) is not a valid CIDR block: host bits are set", p)
	}
	if s.IPv6CIDR.Prefix.IsValid() {
		return errf(CodeAlreadyAssociated, KindSubnetCIDR, s.ID, "The subnet '%s' already has an IPv6 CIDR block associated: %s", s.ID, s.IPv6CIDR.Prefix)
	}
	n := c.networks[s.NetworkID]
	if p.Bits() != ipv6SubnetBits || !slices.ContainsFunc(n.IPv6CIDRs, func(b IPv6Block) bool { return b.Prefix.Contains(p.Addr()) }) {
		return errf(CodeInvalidRange, KindSubnet, p.String(), "The IPv6 CIDR '%s' is invalid: it must be a /64 within an IPv6 CIDR of network '%s'.", p, n.ID)
	}
	for _, o := range c.subnets {
		if o.NetworkID == s.NetworkID && o.IPv6CIDR.Prefix.IsValid() && o.IPv6CIDR.Prefix.Overlaps(p) {
			return errf(CodeConflict, KindSubnet, p.String(), "The IPv6 CIDR '%s' conflicts with another subnet", p)
		}
	}
	return nil
}

// DisassociateSubnetIPv6 removes a subnet's IPv6 prefix by its
// association ID, once no interface of the subnet has an IPv6 address,
// and returns the subnet as it was.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DisassociateSubnetCidrBlock.html — unassign the subnet's IPv6 addresses from interfaces first
func (c *Cloud) DisassociateSubnetIPv6(account, assocID string) (Subnet, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range sortedKeys(c.subnets) {
		s := c.subnets[id]
		if s.Account != account || s.IPv6CIDR.AssociationID != assocID {
			continue
		}
		for _, e := range c.enis {
			if e.SubnetID == s.ID && len(e.IPv6Addrs) > 0 {
				return Subnet{}, errf(CodeDependency, KindSubnetCIDR, assocID,
					"The subnet CIDR block with association ID %s may not be disassociated: network interface %s has IPv6 addresses from it", assocID, e.ID)
			}
		}
		out := s.copy(c)
		s.IPv6CIDR, s.AssignIPv6 = IPv6Block{}, false
		c.emitLocked(KindSubnet, OpUpdate, s.ID, account)
		return out, nil
	}
	return Subnet{}, notFound(KindSubnetCIDR, assocID)
}

// SetSubnetAssignIPv6 sets whether new interfaces in the subnet get an
// IPv6 address; the subnet needs an IPv6 prefix for it.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifySubnetAttribute.html — AssignIpv6AddressOnCreation
func (c *Cloud) SetSubnetAssignIPv6(account, id string, on bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.subnetLocked(account, id)
	if err != nil {
		return err
	}
	if on && !s.IPv6CIDR.Prefix.IsValid() {
		return errf(CodeInvalidParameter, KindSubnet, id, "Invalid value 'true' for assignIpv6AddressOnCreation. Cannot set assignIpv6AddressOnCreation to true unless the subnet (%s) has an IPv6 CIDR block associated with it.", id)
	}
	s.AssignIPv6 = on
	c.emitLocked(KindSubnet, OpUpdate, id, account)
	return nil
}

// ipv6UsedLocked returns the IPv6 addresses that interfaces of the subnet hold.
func (c *Cloud) ipv6UsedLocked(s *Subnet) map[netip.Addr]bool {
	used := map[netip.Addr]bool{}
	for _, e := range c.enis {
		if e.SubnetID == s.ID {
			for _, a := range e.IPv6Addrs {
				used[a] = true
			}
		}
	}
	return used
}

// ipv6Reserved reports whether AWS keeps an address of a subnet's IPv6
// prefix: its first four and its last.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html#subnet-sizing-ipv6 — the first four and the last IPv6 address of each subnet CIDR block are reserved
func ipv6Reserved(p netip.Prefix, a netip.Addr) bool {
	b := a.As16()
	low := b[8]|b[9]|b[10]|b[11]|b[12]|b[13]|b[14] == 0 && b[15] < 4
	high := b[8]&b[9]&b[10]&b[11]&b[12]&b[13]&b[14]&b[15] == 0xff
	return p.Contains(a) && (low || high)
}

// pickIPv6Locked checks the requested addresses and adds count more, the
// lowest free ones, from the subnet's IPv6 prefix.
func (c *Cloud) pickIPv6Locked(s *Subnet, count int, want []netip.Addr) ([]netip.Addr, error) {
	if count == 0 && len(want) == 0 {
		return nil, nil
	}
	p := s.IPv6CIDR.Prefix
	if !p.IsValid() {
		return nil, errf(CodeInvalidParameter, KindSubnet, s.ID, "The subnet '%s' has no IPv6 CIDR block: it cannot give interfaces IPv6 addresses", s.ID)
	}
	if count < 0 {
		return nil, errf(CodeInvalidParameter, KindNetworkInterface, "", "IPv6 address count %d must not be negative", count)
	}
	used := c.ipv6UsedLocked(s)
	var out []netip.Addr
	for _, a := range want {
		if !a.Is6() || !p.Contains(a) || ipv6Reserved(p, a) {
			return nil, errf(CodeInvalidParameter, KindNetworkInterface, a.String(), "Address %s is not in the range of subnet %s's IPv6 CIDR %s or is reserved", a, s.ID, p)
		}
		if used[a] {
			return nil, errf(CodeConflict, KindNetworkInterface, a.String(), "Address %s is in use.", a)
		}
		used[a] = true
		out = append(out, a)
	}
	// The interface addresses are handed out from base+4 upwards, past
	// the subnet's CIDR reservations (subnetresv.go); at most a few
	// thousand can be asked for, so the walk is short unless a reservation
	// is in the way, which it then skips whole.
	held := c.reservedRangesLocked(s.ID)
	for a := p.Addr(); len(out) < len(want)+count; a = a.Next() {
		if !p.Contains(a) {
			return nil, errf(CodeLimitExceeded, KindSubnet, s.ID, "the subnet '%s' has no free IPv6 addresses", s.ID)
		}
		if r := rangeOf(held, a); r.IsValid() {
			a = lastAddr(r)
			continue
		}
		if !used[a] && !ipv6Reserved(p, a) {
			used[a] = true
			out = append(out, a)
		}
	}
	return out, nil
}

// AssignIPv6 gives an interface the requested IPv6 addresses and count
// more from its subnet's prefix, and returns those it gained.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AssignIpv6Addresses.html — specific addresses or a number of them, from the subnet's IPv6 CIDR block
func (c *Cloud) AssignIPv6(account, eniID string, count int, want []netip.Addr) ([]netip.Addr, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, err := c.enis.get(account, eniID)
	if err != nil {
		return nil, err
	}
	got, err := c.pickIPv6Locked(c.subnets[e.SubnetID], count, want)
	if err != nil {
		return nil, err
	}
	e.IPv6Addrs = append(e.IPv6Addrs, got...)
	c.emitInterfaceLocked(e)
	return got, nil
}

// UnassignIPv6 takes IPv6 addresses from an interface, all or none.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_UnassignIpv6Addresses.html — unassigns the given IPv6 addresses
func (c *Cloud) UnassignIPv6(account, eniID string, addrs []netip.Addr) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, err := c.enis.get(account, eniID)
	if err != nil {
		return err
	}
	for _, a := range addrs {
		if !slices.Contains(e.IPv6Addrs, a) {
			return errf(CodeNotFound, KindNetworkInterface, a.String(), "The specified IPv6 address %s is not assigned to network interface %s", a, eniID)
		}
	}
	e.IPv6Addrs = slices.DeleteFunc(e.IPv6Addrs, func(a netip.Addr) bool { return slices.Contains(addrs, a) })
	c.emitInterfaceLocked(e)
	return nil
}

// emitInterfaceLocked reports a change of an interface, and of its
// instance.
func (c *Cloud) emitInterfaceLocked(e *NetworkInterface) {
	c.emitLocked(KindNetworkInterface, OpUpdate, e.ID, e.Account)
	if e.InstanceID != "" {
		c.emitLocked(KindInstance, OpUpdate, e.InstanceID, e.Account)
	}
}

// launchIPv6Locked checks a launch's IPv6 request against its subnet and
// returns how many addresses each interface gets besides IPv6Addrs.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RunInstances.html — Ipv6AddressCount or Ipv6Addresses, not both; the subnet's AssignIpv6AddressOnCreation gives one otherwise
func (c *Cloud) launchIPv6Locked(s *Subnet, spec LaunchSpec) (int, error) {
	count := spec.IPv6Count
	if count > 0 && len(spec.IPv6Addrs) > 0 {
		return 0, errf(CodeInvalidParameter, KindInstance, "", "Only one of Ipv6AddressCount and Ipv6Addresses can be given")
	}
	if len(spec.IPv6Addrs) > 0 && spec.Count != 1 {
		return 0, errf(CodeInvalidParameter, KindInstance, "", "IPv6 addresses can be given only for one instance")
	}
	if count == 0 && len(spec.IPv6Addrs) == 0 && s.AssignIPv6 {
		count = 1
	}
	if (count > 0 || len(spec.IPv6Addrs) > 0) && !s.IPv6CIDR.Prefix.IsValid() {
		return 0, errf(CodeInvalidParameter, KindSubnet, s.ID, "The subnet '%s' has no IPv6 CIDR block: it cannot give interfaces IPv6 addresses", s.ID)
	}
	_, err := c.pickIPv6Locked(s, count*spec.Count, spec.IPv6Addrs)
	return count, err
}
