package model

import (
	"net/netip"
	"slices"
)

// CIDRBlock is one IPv4 prefix associated with a network.
type CIDRBlock struct {
	AssociationID string
	Prefix        netip.Prefix
}

// Network is an isolated virtual network (an AWS VPC, Azure VNet, GCP VPC or
// OCI VCN) with one or more IPv4 prefixes.
type Network struct {
	ID      string
	Meta    `json:"-"` // scope, name and handle (names.go)
	Account string
	Region  string      // the region it lives in (Regions)
	CIDRs   []CIDRBlock // the first is the primary prefix
	// IPv6CIDRs are the network's IPv6 prefixes (ipv6.go), none unless
	// one was asked for.
	IPv6CIDRs []IPv6Block `json:",omitempty"`
	// Defaults made with the network.
	MainRouteTableID       string
	DefaultNetworkACLID    string
	DefaultSecurityGroupID string
	// DefaultSecurityListID is its default security list (OCI's), or empty.
	DefaultSecurityListID string `json:",omitempty"`
	DNSSupport            bool
	DNSHostnames          bool
	// Default says that it is its account's default network in its
	// region (defaultnet.go).
	Default bool `json:",omitempty"`
	// DHCPOptionsID is the DHCP options set it uses (dhcp.go), or empty
	// for none.
	DHCPOptionsID string `json:",omitempty"`
	// AddressUsageMetrics: the network's address usage is published
	// (AWS's enableNetworkAddressUsageMetrics); off by default.
	AddressUsageMetrics bool `json:",omitempty"`
	Tags                map[string]string
}

// Contains reports whether one of the network's prefixes contains p.
func (n Network) Contains(p netip.Prefix) bool {
	for _, b := range n.CIDRs {
		if b.Prefix.Bits() <= p.Bits() && b.Prefix.Contains(p.Addr()) {
			return true
		}
	}
	return false
}

func (n *Network) ref() ref { return ref{KindNetwork, n.ID, n.Account} }

func (n *Network) copy(c *Cloud) Network {
	out := *n
	out.Meta = c.metaLocked(n.ID)
	out.CIDRs = slices.Clone(n.CIDRs)
	out.IPv6CIDRs = slices.Clone(n.IPv6CIDRs)
	out.Tags = c.tagsLocked(n.ID)
	return out
}

// checkIPv4Prefix checks that p is a canonical IPv4 prefix.
func checkIPv4Prefix(kind Kind, p netip.Prefix) error {
	if !p.IsValid() || !p.Addr().Is4() {
		return errf(CodeInvalidParameter, kind, p.String(), "value (%s) is not a valid IPv4 CIDR block", p)
	}
	if p.Masked() != p {
		return errf(CodeInvalidParameter, kind, p.String(), "value (%s) is not a valid CIDR block: host bits are set", p)
	}
	return nil
}

// CreateNetwork makes a network in the default region (CreateNetworkIn).
func (c *Cloud) CreateNetwork(account string, cidr netip.Prefix, tags map[string]string) (Network, error) {
	return c.CreateNetworkIn(account, "", cidr, tags)
}

// CreateNetworkIn makes a network in a region (CreateNetworkAt).
func (c *Cloud) CreateNetworkIn(account, region string, cidr netip.Prefix, tags map[string]string) (Network, error) {
	return c.CreateNetworkAt(account, Place{Region: region}, cidr, tags)
}

// CreateNetworkAt makes a network at a place (region, scope, name) with the
// given primary prefix together with its main route table and the default
// objects of the account's profile (a network ACL, a security group),
// which live in the same region and scope.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/configure-your-vpc.html — a VPC spans all the Availability Zones in its Region
func (c *Cloud) CreateNetworkAt(account string, at Place, cidr netip.Prefix, tags map[string]string) (Network, error) {
	region := at.Region
	c.mu.Lock()
	defer c.mu.Unlock()
	lim, err := c.limitsLocked(account)
	if err != nil {
		return Network{}, err
	}
	p, err := c.profileLocked(account)
	if err != nil {
		return Network{}, err
	}
	// GCP: https://cloud.google.com/vpc/docs/vpc#subnet-ranges — a VPC network has no range of its own; its subnets' ranges are its prefixes
	noPrefix := p.PrefixesFromSubnets && !cidr.IsValid()
	if err := checkIPv4Prefix(KindNetwork, cidr); err != nil && !noPrefix {
		return Network{}, err
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — VPCs per Region: 5 by default
	if n := c.networks.count(func(n *Network) bool { return n.Account == account && n.Region == region }); n >= lim.NetworksPerRegion {
		return Network{}, quotaExceeded(KindNetwork, "vpcs-per-region", lim.NetworksPerRegion, "for account "+account+regionSuffix(region))
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html — VPC CIDR /16 to /28
	if !noPrefix && (cidr.Bits() < lim.MinNetworkPrefixBits || cidr.Bits() > lim.MaxNetworkPrefixBits) {
		return Network{}, errf(CodeInvalidRange, KindNetwork, cidr.String(),
			"the CIDR '%s' is invalid: the netmask must be between /%d and /%d", cidr, lim.MinNetworkPrefixBits, lim.MaxNetworkPrefixBits)
	}
	id, err := c.newIDLocked(account, KindNetwork, at)
	if err != nil {
		return Network{}, err
	}
	n := &Network{
		ID: id, Account: account, Region: region,
		CIDRs: []CIDRBlock{{AssociationID: c.subIDLocked(account, KindNetworkCIDR), Prefix: cidr}},
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/AmazonDNS-concepts.html — enableDnsSupport defaults to true, enableDnsHostnames to false for non-default VPCs
		DNSSupport:    true,
		DHCPOptionsID: c.regionDHCPOptionsLocked(account, region),
	}
	if noPrefix {
		n.CIDRs = nil
	}
	c.networks[n.ID] = n
	c.registerAtLocked(KindNetwork, n.ID, account, at, tags)
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/RouteTables.html#RouteTables — every VPC has a main route table with the local route
	rt, err := c.newRouteTableLocked(n)
	if err != nil {
		delete(c.networks, n.ID)
		c.forgetLocked(KindNetwork, n.ID, account)
		return Network{}, err
	}
	rt.Associations = []RouteTableAssociation{{ID: c.subIDLocked(account, KindRouteTableAssociation), Main: true}}
	n.MainRouteTableID = rt.ID
	if err := c.newDefaultRuleSetsLocked(n, p.Network); err != nil {
		for _, id := range []string{n.DefaultNetworkACLID, n.DefaultSecurityGroupID, n.DefaultSecurityListID, rt.ID, n.ID} {
			if o, ok := c.owners[id]; ok && id != "" {
				if rs, ok := c.ruleSets[id]; ok {
					delete(c.ruleSets, id)
					c.ruleOwnersLocked(rs, rs.Rules)
				}
				delete(c.routeTables, id)
				delete(c.networks, id)
				c.forgetLocked(o.kind, id, account)
			}
		}
		return Network{}, err
	}
	if p.Network.DHCPOptions {
		n.DHCPOptionsID = c.newNetworkDHCPLocked(n, at.Scope)
	}
	return n.copy(c), nil
}

func (c *Cloud) networkLocked(account, id string) (*Network, error) {
	return c.networks.get(account, id)
}

// Network returns one network of the account.
func (c *Cloud) Network(account, id string) (Network, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.networks.one(c, account, id)
}

// Networks returns all networks of the account, sorted by ID.
func (c *Cloud) Networks(account string) []Network {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.networks.list(c, account)
}

// rfc1918 are the private ranges that restrict which secondary prefixes a
// network may add.
var rfc1918 = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
}

func rfc1918Range(p netip.Prefix) (netip.Prefix, bool) {
	for _, r := range rfc1918 {
		if r.Overlaps(p) {
			return r, true
		}
	}
	return netip.Prefix{}, false
}

// AddNetworkCIDR associates a secondary IPv4 prefix with a network.
func (c *Cloud) AddNetworkCIDR(account, networkID string, cidr netip.Prefix) (CIDRBlock, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	lim, err := c.limitsLocked(account)
	if err != nil {
		return CIDRBlock{}, err
	}
	n, err := c.networkLocked(account, networkID)
	if err != nil {
		return CIDRBlock{}, err
	}
	if err := checkIPv4Prefix(KindNetworkCIDR, cidr); err != nil {
		return CIDRBlock{}, err
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html — each CIDR /16 to /28
	if cidr.Bits() < lim.MinNetworkPrefixBits || cidr.Bits() > lim.MaxNetworkPrefixBits {
		return CIDRBlock{}, errf(CodeInvalidRange, KindNetworkCIDR, cidr.String(),
			"the CIDR '%s' is invalid: the netmask must be between /%d and /%d", cidr, lim.MinNetworkPrefixBits, lim.MaxNetworkPrefixBits)
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — 5 IPv4 CIDR blocks per VPC
	if len(n.CIDRs) >= lim.CIDRsPerNetwork {
		return CIDRBlock{}, errf(CodeLimitExceeded, KindNetworkCIDR, networkID,
			"the network '%s' already has the maximum number of IPv4 CIDR blocks (%d)", networkID, lim.CIDRsPerNetwork)
	}
	for _, b := range n.CIDRs {
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html — a secondary CIDR cannot overlap an existing one
		if b.Prefix.Overlaps(cidr) {
			return CIDRBlock{}, errf(CodeConflict, KindNetworkCIDR, cidr.String(),
				"the CIDR '%s' conflicts with the CIDR '%s' of network '%s'", cidr, b.Prefix, networkID)
		}
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html#add-cidr-block-restrictions — a VPC in one RFC 1918 range cannot add another RFC 1918 range
	primary := n.CIDRs[0].Prefix
	pr, pPriv := rfc1918Range(primary)
	nr, nPriv := rfc1918Range(cidr)
	// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-networks-faq#what-address-ranges-can-i-use-in-my-virtual-networks — any private (RFC 1918) or public range; the ranges of one VNet need not share one
	if p, err := c.profileLocked(account); err == nil && p.OneRFC1918Range && nPriv && (!pPriv || pr != nr) {
		return CIDRBlock{}, errf(CodeInvalidRange, KindNetworkCIDR, cidr.String(),
			"the CIDR '%s' is restricted: it cannot be added to a network whose primary CIDR is '%s'", cidr, primary)
	}
	b := CIDRBlock{AssociationID: c.subIDLocked(account, KindNetworkCIDR), Prefix: cidr}
	n.CIDRs = append(n.CIDRs, b)
	c.emitLocked(KindNetwork, OpUpdate, n.ID, account)
	for _, rt := range c.routeTables {
		if rt.NetworkID == n.ID {
			c.refreshLocalRoutesLocked(rt, n)
			c.emitLocked(KindRouteTable, OpUpdate, rt.ID, account)
		}
	}
	return b, nil
}

// SetNetworkDNS changes the network's DNS attributes; nil leaves one as is.
func (c *Cloud) SetNetworkDNS(account, networkID string, support, hostnames *bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.networkLocked(account, networkID)
	if err != nil {
		return err
	}
	s, h := n.DNSSupport, n.DNSHostnames
	if support != nil {
		s = *support
	}
	if hostnames != nil {
		h = *hostnames
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/AmazonDNS-concepts.html — DNS hostnames need DNS support
	if h && !s {
		return errf(CodeInvalidParameter, KindNetwork, networkID, "DNS hostnames cannot be enabled without DNS support")
	}
	n.DNSSupport, n.DNSHostnames = s, h
	c.emitLocked(KindNetwork, OpUpdate, n.ID, account)
	return nil
}

// SetNetworkAddressUsageMetrics turns the network's address usage metrics
// on or off.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/network-address-usage.html — Network Address Usage metrics are enabled per VPC, off by default
func (c *Cloud) SetNetworkAddressUsageMetrics(account, networkID string, on bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.networkLocked(account, networkID)
	if err != nil {
		return err
	}
	n.AddressUsageMetrics = on
	c.emitLocked(KindNetwork, OpUpdate, n.ID, account)
	return nil
}

// DeleteNetwork deletes a network and its default objects; it fails while
// anything else (subnets, gateways, extra tables, groups or ACLs) remains.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/delete-vpc.html — delete or detach dependencies first
func (c *Cloud) DeleteNetwork(account, id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.networkLocked(account, id)
	if err != nil {
		return err
	}
	dep := func(what, depID string) error {
		return errf(CodeDependency, KindNetwork, id, "the network '%s' has dependencies and cannot be deleted: %s %s", id, what, depID)
	}
	for _, s := range c.subnets {
		if s.NetworkID == id {
			return dep("subnet", s.ID)
		}
	}
	for _, g := range c.igws {
		if g.NetworkID == id {
			return dep("internet gateway", g.ID)
		}
	}
	for _, g := range c.natgws {
		if g.NetworkID == id && g.SubnetID == "" && g.State != StateDeleted {
			return dep("NAT gateway", g.ID)
		}
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/delete-vpc.html — delete the VPC's endpoints before the VPC
	for _, e := range c.endpoints.sorted() {
		if e.NetworkID == id {
			return dep("VPC endpoint", e.ID)
		}
	}
	for _, g := range c.eigws {
		if g.NetworkID == id {
			return dep("egress-only internet gateway", g.ID)
		}
	}
	for _, rt := range c.routeTables {
		if rt.NetworkID == id && rt.ID != n.MainRouteTableID {
			return dep("route table", rt.ID)
		}
	}
	for _, kind := range []Flavor{FlavorSecurityGroup, FlavorNetworkACL} {
		for _, rs := range c.ruleSets {
			if rs.Flavor == kind && rs.NetworkID == id && !rs.Default {
				return dep(ruleSetNoun[kind], rs.ID)
			}
		}
	}
	for _, rs := range c.ruleSets {
		if rs.NetworkID == id && !rs.Default {
			return dep("rule set", rs.ID)
		}
	}
	for _, a := range c.tgwAtts {
		if a.NetworkID == id && a.State != StateDeleted {
			return dep("transit gateway attachment", a.ID)
		}
	}
	for _, g := range c.vgws {
		if g.NetworkID == id {
			return dep("VPN gateway", g.ID)
		}
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html#vpc-peering-lifecycle — deleting a VPC deletes its peering connections
	for _, p := range c.peerings {
		if p.State != PeeringDeleted && (p.RequesterNetworkID == id || p.AccepterNetworkID == id) {
			p.State = PeeringDeleted
			c.emitLocked(KindPeering, OpUpdate, p.ID, p.RequesterAccount)
		}
	}
	delete(c.routeTables, n.MainRouteTableID)
	c.forgetLocked(KindRouteTable, n.MainRouteTableID, account)
	for _, rid := range sortedKeys(c.ruleSets) {
		if rs := c.ruleSets[rid]; rs.NetworkID == id {
			delete(c.ruleSets, rid)
			c.ruleOwnersLocked(rs, rs.Rules)
			c.forgetLocked(rs.Flavor.objectKind(), rid, account)
		}
	}
	c.deleteNetworkDHCPLocked(n)
	delete(c.networks, id)
	c.forgetLocked(KindNetwork, id, account)
	return nil
}

// ruleSetNoun names a rule set of each flavour in dependency errors.
var ruleSetNoun = map[Flavor]string{FlavorSecurityGroup: "security group", FlavorNetworkACL: "network ACL"}
