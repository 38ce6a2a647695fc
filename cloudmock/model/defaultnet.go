package model

import (
	"errors"
	"net/netip"
	"slices"
)

// DefaultNetworkSpec is the network an account of a profile has in each
// region from the start (AWS's default VPC): its prefix, one subnet of
// SubnetBits in each of the region's zones (Profile.Zones) that maps
// public addresses on launch, an internet gateway attached to it and a
// default route to that gateway in its main route table, besides the
// defaults every network of the profile has (its network ACL and
// security group).
type DefaultNetworkSpec struct {
	CIDR       netip.Prefix
	SubnetBits int
}

// defaultRoute is the route to the internet gateway that a default
// network's main route table has.
var defaultRoute = netip.MustParsePrefix("0.0.0.0/0")

// EnsureDefaultNetwork makes the account's default network in a region
// (a named one of its profile) the first time it is asked for that
// region; later calls, also after the network is deleted, do nothing (an
// account whose default VPC was deleted has none until it makes one
// again: CreateDefaultNetwork). A front-end calls it when an account
// first acts in a region, which stands in for the network the provider
// made when the account was opened: a lab that never looks at a region
// carries no objects for it. An account whose region is already at its
// network or internet gateway quota is left without one, as if it had
// deleted it. It is a no-op for a profile without default networks.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/default-vpc.html — each account has a default VPC in each Region
func (c *Cloud) EnsureDefaultNetwork(account, region string) error {
	c.mu.RLock()
	a, ok := c.accounts[account]
	done := !ok || region == "" || slices.Contains(a.DefaultNetworkRegions, region)
	if ok && !done {
		p, err := profileOf(a.Provider)
		done = err != nil || p.DefaultNetwork == nil || !p.hasRegion(region)
	}
	c.mu.RUnlock()
	if done {
		return nil
	}
	c.defaultMu.Lock()
	defer c.defaultMu.Unlock()
	c.mu.RLock()
	done = slices.Contains(c.accounts[account].DefaultNetworkRegions, region) || c.defaultNetworkLocked(account, region) != nil
	c.mu.RUnlock()
	if !done {
		if err := c.ensureRegionDHCPOptions(account, region); err != nil {
			return err
		}
		_, err := c.makeDefaultNetwork(account, region)
		var me *Error
		if err != nil && !(errors.As(err, &me) && (me.Code == CodeQuotaExceeded || me.Code == CodeLimitExceeded)) {
			return err
		}
	}
	c.markDefaultRegion(account, region)
	return nil
}

// CreateDefaultNetwork makes the account's default network in a region
// anew, after it was deleted; it fails with CodeAlreadyExists (kind
// KindNetwork, the existing network's ID) while one exists.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/work-with-default-vpc.html#create-default-vpc — you can create a default VPC if you deleted it; you cannot have more than one default VPC per Region
func (c *Cloud) CreateDefaultNetwork(account, region string) (Network, error) {
	c.defaultMu.Lock()
	defer c.defaultMu.Unlock()
	c.mu.RLock()
	p, err := c.profileLocked(account)
	var existing *Network
	if err == nil {
		existing = c.defaultNetworkLocked(account, region)
	}
	c.mu.RUnlock()
	switch {
	case err != nil:
		return Network{}, err
	case p.DefaultNetwork == nil:
		return Network{}, errf(CodeInvalidParameter, KindNetwork, region, "the accounts of provider %s have no default networks", p.Provider)
	case region == "" || !p.hasRegion(region):
		return Network{}, errf(CodeInvalidParameter, KindNetwork, region, "the region '%s' does not exist", region)
	case existing != nil:
		return Network{}, errf(CodeAlreadyExists, KindNetwork, existing.ID, "a default network already exists for account %s in region %s: %s", account, region, existing.ID)
	}
	if err := c.ensureRegionDHCPOptions(account, region); err != nil {
		return Network{}, err
	}
	n, err := c.makeDefaultNetwork(account, region)
	if err != nil {
		return Network{}, err
	}
	c.markDefaultRegion(account, region)
	return n, nil
}

// DefaultNetwork returns the account's default network in a region, if it
// has one.
func (c *Cloud) DefaultNetwork(account, region string) (Network, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	n := c.defaultNetworkLocked(account, region)
	if n == nil {
		return Network{}, false
	}
	return n.copy(c), true
}

// DefaultSubnet returns the default subnet of a zone of the account's
// default network in a region, or with zone empty that of the region's
// first zone that has one.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-launch-parameters.html — without a subnet, an instance goes into a default subnet
func (c *Cloud) DefaultSubnet(account, region, zone string) (Subnet, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	n := c.defaultNetworkLocked(account, region)
	if n == nil {
		return Subnet{}, false
	}
	var best *Subnet
	for _, s := range c.subnets {
		if s.NetworkID != n.ID || !s.DefaultForZone || (zone != "" && s.Zone != zone) {
			continue
		}
		if best == nil || s.Zone < best.Zone {
			best = s
		}
	}
	if best == nil {
		return Subnet{}, false
	}
	return best.copy(c), true
}

func (c *Cloud) defaultNetworkLocked(account, region string) *Network {
	for _, n := range c.networks {
		if n.Default && n.Account == account && n.Region == region {
			return n
		}
	}
	return nil
}

func (c *Cloud) markDefaultRegion(account, region string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if a, ok := c.accounts[account]; ok && !slices.Contains(a.DefaultNetworkRegions, region) {
		a.DefaultNetworkRegions = append(slices.Clone(a.DefaultNetworkRegions), region)
		c.emitLocked(KindAccount, OpUpdate, account, account)
	}
}

// makeDefaultNetwork builds a default network with the model's own
// operations, each as a user's call would make it, and removes what it
// made if one fails. The caller holds defaultMu.
func (c *Cloud) makeDefaultNetwork(account, region string) (Network, error) {
	c.mu.RLock()
	p, err := c.profileLocked(account)
	c.mu.RUnlock()
	if err != nil {
		return Network{}, err
	}
	spec := p.DefaultNetwork
	var undo []func()
	fail := func(err error) (Network, error) {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
		return Network{}, err
	}
	n, err := c.CreateNetworkIn(account, region, spec.CIDR, nil)
	if err != nil {
		return fail(err)
	}
	undo = append(undo, func() { _ = c.DeleteNetwork(account, n.ID) })
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/AmazonDNS-concepts.html#vpc-dns-support — a default VPC has DNS hostnames enabled
	on := true
	if err := c.SetNetworkDNS(account, n.ID, &on, &on); err != nil {
		return fail(err)
	}
	g, err := c.CreateInternetGatewayAt(account, Place{Region: region}, nil)
	if err != nil {
		return fail(err)
	}
	undo = append(undo, func() { _ = c.DeleteInternetGateway(account, g.ID) })
	if err := c.AttachInternetGateway(account, g.ID, n.ID); err != nil {
		return fail(err)
	}
	undo = append(undo, func() { _ = c.DetachInternetGateway(account, g.ID, n.ID) })
	if err := c.CreateRoute(account, n.MainRouteTableID, defaultRoute, Target{Kind: TargetInternetGateway, ID: g.ID}); err != nil {
		return fail(err)
	}
	var zones []string
	if p.Zones != nil {
		zones = p.Zones(region)
	}
	base := spec.CIDR.Addr()
	for _, z := range zones {
		sp := netip.PrefixFrom(base, spec.SubnetBits)
		s, err := c.CreateSubnet(account, n.ID, sp, z, nil)
		if err != nil {
			return fail(err)
		}
		undo = append(undo, func() { _ = c.DeleteSubnet(account, s.ID) })
		base = nextPrefixAddr(sp)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	nn := c.networks[n.ID]
	if nn == nil {
		return Network{}, notFound(KindNetwork, n.ID) // deleted meanwhile
	}
	nn.Default = true
	c.emitLocked(KindNetwork, OpUpdate, n.ID, account)
	for _, s := range c.subnets {
		if s.NetworkID == n.ID {
			// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/default-subnet.html — a default subnet's instances get public IPv4 addresses
			s.DefaultForZone, s.MapPublicIP = true, true
			c.emitLocked(KindSubnet, OpUpdate, s.ID, account)
		}
	}
	return nn.copy(c), nil
}

// nextPrefixAddr is the first address after the prefix.
func nextPrefixAddr(p netip.Prefix) netip.Addr {
	return lastAddr(p).Next()
}
