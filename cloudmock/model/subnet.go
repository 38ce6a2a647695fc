package model

import (
	"net/netip"
	"slices"
)

// Subnet is a range of a network's addresses in one zone.
type Subnet struct {
	ID          string
	Meta        `json:"-"` // scope, name and handle (names.go)
	Account     string
	Region      string // the region it lives in (Regions)
	NetworkID   string
	Prefix      netip.Prefix
	Zone        string
	MapPublicIP bool
	// IPv6CIDR is the subnet's IPv6 prefix (a /64 of its network's), or
	// the zero block; AssignIPv6 gives each new interface an IPv6 address
	// from it (ipv6.go).
	IPv6CIDR   IPv6Block `json:",omitzero"`
	AssignIPv6 bool      `json:",omitempty"`
	// IPv6Native says that the subnet has no IPv4 prefix (Prefix is the
	// zero prefix): its interfaces have IPv6 addresses only (ipv6native.go).
	IPv6Native bool `json:",omitempty"`
	// DefaultForZone says that it is the default subnet of its zone in
	// its account's default network (defaultnet.go).
	DefaultForZone bool `json:",omitempty"`
	AvailableIPs   int  // addresses neither reserved nor in use
	Tags           map[string]string
}

func (s *Subnet) ref() ref { return ref{KindSubnet, s.ID, s.Account} }

func (s *Subnet) copy(c *Cloud) Subnet {
	out := *s
	out.Meta = c.metaLocked(s.ID)
	out.Tags = c.tagsLocked(s.ID)
	out.AvailableIPs = c.freeAddrsLocked(s)
	return out
}

func subnetSize(p netip.Prefix) int { return 1 << (32 - p.Bits()) }

// CreateSubnet makes a subnet inside one of the network's prefixes and
// associates it with the network's default ACL, if it has one.
func (c *Cloud) CreateSubnet(account, networkID string, cidr netip.Prefix, zone string, tags map[string]string) (Subnet, error) {
	return c.CreateSubnetAt(account, networkID, Place{}, cidr, zone, tags)
}

// CreateSubnetAt is CreateSubnet with a scope and a name (at.Region is
// ignored: a subnet is in its network's region).
func (c *Cloud) CreateSubnetAt(account, networkID string, at Place, cidr netip.Prefix, zone string, tags map[string]string) (Subnet, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	lim, n, err := c.subnetNetworkLocked(account, networkID)
	if err != nil {
		return Subnet{}, err
	}
	if err := checkIPv4Prefix(KindSubnet, cidr); err != nil {
		return Subnet{}, err
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html — subnet CIDR /16 to /28
	if cidr.Bits() < lim.MinSubnetPrefixBits || cidr.Bits() > lim.MaxSubnetPrefixBits {
		return Subnet{}, errf(CodeInvalidRange, KindSubnet, cidr.String(),
			"the CIDR '%s' is invalid: the netmask must be between /%d and /%d", cidr, lim.MinSubnetPrefixBits, lim.MaxSubnetPrefixBits)
	}
	p, err := c.profileLocked(account)
	if err != nil {
		return Subnet{}, err
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html — a subnet's CIDR is a subset of a VPC CIDR
	if !p.PrefixesFromSubnets && !n.Contains(cidr) {
		return Subnet{}, errf(CodeInvalidRange, KindSubnet, cidr.String(), "the CIDR '%s' is invalid: it is not within the CIDRs of network '%s'", cidr, networkID)
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html — subnet CIDRs in a VPC cannot overlap
	for _, s := range c.subnets {
		if s.NetworkID == networkID && s.Prefix.Overlaps(cidr) {
			return Subnet{}, errf(CodeConflict, KindSubnet, cidr.String(), "the CIDR '%s' conflicts with another subnet", cidr)
		}
	}
	// GCP: https://cloud.google.com/vpc/docs/subnets — a subnet is a regional resource of a global network
	if !p.GlobalNetworks {
		at.Region = n.Region
	} else if at.Region == "" {
		return Subnet{}, errf(CodeInvalidParameter, KindSubnet, cidr.String(), "a subnet of global network '%s' needs a region", networkID)
	}
	s, err := c.addSubnetLocked(n, at, &Subnet{Prefix: cidr, Zone: zone}, tags)
	if err != nil {
		return Subnet{}, err
	}
	if p.PrefixesFromSubnets {
		c.addSubnetPrefixLocked(n, cidr)
	}
	return s.copy(c), nil
}

// subnetNetworkLocked returns the account's limits and the network a new
// subnet is for, once it has room for one more.
func (c *Cloud) subnetNetworkLocked(account, networkID string) (Limits, *Network, error) {
	lim, err := c.limitsLocked(account)
	if err != nil {
		return Limits{}, nil, err
	}
	n, err := c.networkLocked(account, networkID)
	if err != nil {
		return Limits{}, nil, err
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — Subnets per VPC: 200 by default
	if k := c.subnets.count(func(s *Subnet) bool { return s.NetworkID == n.ID }); k >= lim.SubnetsPerNetwork {
		return Limits{}, nil, quotaExceeded(KindSubnet, "subnets-per-vpc", lim.SubnetsPerNetwork, "in network "+n.ID)
	}
	return lim, n, nil
}

// addSubnetLocked gives a checked subnet of network n its ID and puts it
// in the model, associated with the network's default ACL.
func (c *Cloud) addSubnetLocked(n *Network, at Place, s *Subnet, tags map[string]string) (*Subnet, error) {
	id, err := c.newIDLocked(n.Account, KindSubnet, at)
	if err != nil {
		return nil, err
	}
	s.ID, s.Account, s.Region, s.NetworkID = id, n.Account, at.Region, n.ID
	c.subnets[s.ID] = s
	c.registerAtLocked(KindSubnet, s.ID, n.Account, at, tags)
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html — a new subnet is associated with the default network ACL
	if acl, ok := c.ruleSets[n.DefaultNetworkACLID]; ok {
		acl.Attachments = append(acl.Attachments, Attachment{ID: c.subIDLocked(n.Account, KindNetworkACLAssociation), Kind: OnSubnet, TargetID: s.ID})
		c.emitLocked(KindNetworkACL, OpUpdate, acl.ID, n.Account)
	}
	return s, nil
}

func (c *Cloud) subnetLocked(account, id string) (*Subnet, error) {
	return c.subnets.get(account, id)
}

// Subnet returns one subnet of the account.
func (c *Cloud) Subnet(account, id string) (Subnet, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.subnets.one(c, account, id)
}

// Subnets returns all subnets of the account, sorted by ID.
func (c *Cloud) Subnets(account string) []Subnet {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.subnets.list(c, account)
}

// SetSubnetMapPublicIP sets whether instances launched in the subnet get a public address.
func (c *Cloud) SetSubnetMapPublicIP(account, id string, on bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.subnetLocked(account, id)
	if err != nil {
		return err
	}
	s.MapPublicIP = on
	c.emitLocked(KindSubnet, OpUpdate, id, account)
	return nil
}

// DeleteSubnet deletes a subnet that has no interfaces or NAT gateways left,
// removing its route table and ACL associations.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/subnet-deleting.html — terminate instances in the subnet first
func (c *Cloud) DeleteSubnet(account, id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.subnetLocked(account, id)
	if err != nil {
		return err
	}
	for _, e := range c.enis {
		if e.SubnetID == id {
			return errf(CodeDependency, KindSubnet, id, "the subnet '%s' has dependencies and cannot be deleted: network interface %s", id, e.ID)
		}
	}
	for _, g := range c.natgws {
		if g.SubnetID == id && g.State != StateDeleted {
			return errf(CodeDependency, KindSubnet, id, "the subnet '%s' has dependencies and cannot be deleted: NAT gateway %s", id, g.ID)
		}
	}
	for _, g := range c.natgws {
		if slices.Contains(g.Serves, id) {
			c.unserveLocked(g, id)
		}
	}
	for _, rt := range c.routeTables {
		for i, a := range rt.Associations {
			if a.SubnetID == id {
				rt.Associations = append(rt.Associations[:i:i], rt.Associations[i+1:]...)
				c.emitLocked(KindRouteTable, OpUpdate, rt.ID, account)
				break
			}
		}
	}
	for _, rs := range c.ruleSets {
		n := len(rs.Attachments)
		rs.Attachments = slices.DeleteFunc(rs.Attachments, func(a Attachment) bool { return a.Kind == OnSubnet && a.TargetID == id })
		if len(rs.Attachments) != n {
			c.emitLocked(rs.Flavor.objectKind(), OpUpdate, rs.ID, account)
		}
	}
	c.deleteSubnetReservationsLocked(id)
	delete(c.subnets, s.ID)
	c.forgetLocked(KindSubnet, id, account)
	if p, err := c.profileLocked(account); err == nil && p.PrefixesFromSubnets {
		if n, err := c.networkLocked(account, s.NetworkID); err == nil {
			c.removeSubnetPrefixLocked(n, s.Prefix)
		}
	}
	return nil
}

// addSubnetPrefixLocked makes a new subnet's range one of its network's
// prefixes, for a profile whose networks have none of their own, and
// gives the network's tables its local route.
// GCP: https://cloud.google.com/vpc/docs/routes#subnet-routes — each subnet's primary range is a subnet route of the network
func (c *Cloud) addSubnetPrefixLocked(n *Network, p netip.Prefix) {
	n.CIDRs = append(n.CIDRs, CIDRBlock{AssociationID: c.subIDLocked(n.Account, KindNetworkCIDR), Prefix: p})
	c.refreshNetworkTablesLocked(n)
}

// removeSubnetPrefixLocked drops a deleted subnet's range from its
// network's prefixes (addSubnetPrefixLocked).
func (c *Cloud) removeSubnetPrefixLocked(n *Network, p netip.Prefix) {
	n.CIDRs = slices.DeleteFunc(n.CIDRs, func(b CIDRBlock) bool { return b.Prefix == p })
	c.refreshNetworkTablesLocked(n)
}

// refreshNetworkTablesLocked redoes the local routes of a network's tables
// after its prefixes changed.
func (c *Cloud) refreshNetworkTablesLocked(n *Network) {
	c.emitLocked(KindNetwork, OpUpdate, n.ID, n.Account)
	for _, rt := range c.routeTables {
		if rt.NetworkID == n.ID {
			c.refreshLocalRoutesLocked(rt, n)
			c.emitLocked(KindRouteTable, OpUpdate, rt.ID, n.Account)
		}
	}
}

// allocateIPLocked returns the lowest free address of the subnet, skipping
// the ones its profile reserves (reservedAddr) and its CIDR reservations'
// (subnetresv.go).
func (c *Cloud) allocateIPLocked(s *Subnet) (netip.Addr, error) {
	used := c.usedAddrsLocked(s.ID)
	held := c.reservedRangesLocked(s.ID)
	for a := s.Prefix.Addr(); s.Prefix.Contains(a); a = a.Next() {
		if !used[a] && !c.reservedAddrLocked(s, a) && !rangeOf(held, a).IsValid() {
			return a, nil
		}
	}
	return netip.Addr{}, errf(CodeLimitExceeded, KindSubnet, s.ID, "the subnet '%s' has no free addresses", s.ID)
}

// reservedAddrLocked reports whether the subnet's profile keeps the address
// for the cloud: one of its ReservedLow first or ReservedHigh last.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html — first four and last address of each subnet are reserved
func (c *Cloud) reservedAddrLocked(s *Subnet, a netip.Addr) bool {
	p, err := c.profileLocked(s.Account)
	if err != nil {
		return false
	}
	low, high := s.Prefix.Masked().Addr(), lastAddr(s.Prefix)
	for range p.ReservedLow {
		if a == low {
			return true
		}
		low = low.Next()
	}
	for range p.ReservedHigh {
		if a == high {
			return true
		}
		high = high.Prev()
	}
	return false
}

// checkPrivateIPLocked checks that a requested address is usable in the subnet.
func (c *Cloud) checkPrivateIPLocked(s *Subnet, ip netip.Addr) error {
	if !s.Prefix.Contains(ip) {
		return errf(CodeInvalidParameter, KindSubnet, s.ID, "address %s does not fall within the subnet's address range", ip)
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html — reserved addresses cannot be assigned
	if c.reservedAddrLocked(s, ip) {
		return errf(CodeInvalidParameter, KindSubnet, s.ID, "address %s is reserved in subnet %s", ip, s.ID)
	}
	if c.usedAddrsLocked(s.ID)[ip] {
		return errf(CodeConflict, KindNetworkInterface, ip.String(), "address %s is in use", ip)
	}
	return nil
}

// lastAddr is the last address of an IPv4 or IPv6 prefix.
func lastAddr(p netip.Prefix) netip.Addr {
	m := p.Masked()
	b := m.Addr().As16()
	bits := p.Bits()
	if m.Addr().Is4() {
		bits += 96
	}
	for i := bits; i < 128; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	a := netip.AddrFrom16(b)
	if m.Addr().Is4() {
		return a.Unmap()
	}
	return a
}
