package model

import (
	"net/netip"
	"slices"
)

// NAT gateways of no subnet: a regional resource with elastic IPs that
// subnets of one network are associated with; it translates their
// outbound internet traffic (the realizer prefers it to an instance's
// own public address only where the provider does).
// Azure: https://learn.microsoft.com/en-us/azure/nat-gateway/nat-overview — a NAT gateway is associated with subnets of one virtual network and uses up to 16 public IP addresses
// GCP: https://cloud.google.com/nat/docs/overview — Cloud NAT serves chosen subnets of a network in a region

// ElasticIP returns one elastic IP of the account.
func (c *Cloud) ElasticIP(account, id string) (ElasticIP, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.eips.one(c, account, id)
}

// NATGateway returns one NAT gateway of the account.
func (c *Cloud) NATGateway(account, id string) (NATGateway, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.natgws.one(c, account, id)
}

// SetAddressClass sets an elastic IP's tier and whether its address is
// dynamic (ElasticIP.Tier, ElasticIP.Dynamic).
func (c *Cloud) SetAddressClass(account, id, tier string, dynamic bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, err := c.eipLocked(account, id)
	if err != nil {
		return err
	}
	e.Tier, e.Dynamic = tier, dynamic
	c.emitLocked(KindElasticIP, OpUpdate, id, account)
	return nil
}

// CreateSubnetNATAt makes a NAT gateway of no subnet at a place (region,
// scope, name) using the given elastic IPs (none is allowed: it then
// translates nothing).
func (c *Cloud) CreateSubnetNATAt(account string, at Place, allocationIDs []string, tags map[string]string) (NATGateway, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.limitsLocked(account); err != nil {
		return NATGateway{}, err
	}
	if err := c.checkNATAddressesLocked(account, "", at.Region, allocationIDs); err != nil {
		return NATGateway{}, err
	}
	id, err := c.newIDLocked(account, KindNATGateway, at)
	if err != nil {
		return NATGateway{}, err
	}
	g := &NATGateway{ID: id, Account: account, Region: at.Region, State: StateAvailable}
	c.natgws[id] = g
	c.registerAtLocked(KindNATGateway, id, account, at, tags)
	c.setNATAddressesLocked(g, allocationIDs)
	return g.copy(c), nil
}

// CreateNetworkNATAt makes a NAT gateway of a network and no subnet, with
// one elastic IP: a route target of the network's tables (OCI's NAT
// gateway, which belongs to its VCN).
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/NATgateway.htm — a NAT gateway belongs to a VCN, has a public IP and is the target of route rules
func (c *Cloud) CreateNetworkNATAt(account string, at Place, networkID, allocationID string, tags map[string]string) (NATGateway, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	lim, err := c.limitsLocked(account)
	if err != nil {
		return NATGateway{}, err
	}
	n, err := c.networkLocked(account, networkID)
	if err != nil {
		return NATGateway{}, err
	}
	if k := c.natgws.count(func(g *NATGateway) bool { return g.NetworkID == n.ID && g.SubnetID == "" && g.State != StateDeleted }); k >= lim.NATGatewaysPerZone {
		return NATGateway{}, quotaExceeded(KindNATGateway, "nat-gateways-per-network", lim.NATGatewaysPerZone, "in network "+n.ID)
	}
	at.Region = n.Region
	if err := c.checkNATAddressesLocked(account, "", at.Region, []string{allocationID}); err != nil {
		return NATGateway{}, err
	}
	id, err := c.newIDLocked(account, KindNATGateway, at)
	if err != nil {
		return NATGateway{}, err
	}
	g := &NATGateway{ID: id, Account: account, Region: n.Region, NetworkID: n.ID, State: StateAvailable}
	c.natgws[id] = g
	c.registerAtLocked(KindNATGateway, id, account, at, tags)
	c.setNATAddressesLocked(g, []string{allocationID})
	return g.copy(c), nil
}

// checkNATAddressesLocked checks that each elastic IP exists, is in the
// gateway's region and is used by nothing but the gateway natID.
func (c *Cloud) checkNATAddressesLocked(account, natID, region string, ids []string) error {
	for i, aid := range ids {
		e, err := c.eipLocked(account, aid)
		if err != nil {
			return err
		}
		if e.Region != region {
			return errf(CodeInvalidParameter, KindElasticIP, aid, "elastic IP %s is in region %s, not %s", aid, e.Region, region)
		}
		if e.Associate != "" && e.Associate != natID {
			return errf(CodeAlreadyAssociated, KindElasticIP, aid, "elastic IP %s is already associated with %s", aid, e.Associate)
		}
		if slices.Contains(ids[:i], aid) {
			return errf(CodeDuplicate, KindElasticIP, aid, "elastic IP %s is given twice", aid)
		}
	}
	return nil
}

// setNATAddressesLocked gives a gateway its elastic IPs, freeing those it
// no longer uses.
func (c *Cloud) setNATAddressesLocked(g *NATGateway, ids []string) {
	for _, old := range append([]string{g.AllocationID}, g.MoreAllocationIDs...) {
		if e, ok := c.eips[old]; ok && e.Associate == g.ID && !slices.Contains(ids, old) {
			e.Associate = ""
			c.emitLocked(KindElasticIP, OpUpdate, e.ID, g.Account)
		}
	}
	g.AllocationID, g.PublicIP, g.MoreAllocationIDs = "", netip.Addr{}, nil
	for i, aid := range ids {
		e := c.eips[aid]
		if e.Associate != g.ID {
			e.Associate = g.ID
			c.emitLocked(KindElasticIP, OpUpdate, e.ID, g.Account)
		}
		if i == 0 {
			g.AllocationID, g.PublicIP = aid, e.PublicIP
		} else {
			g.MoreAllocationIDs = append(g.MoreAllocationIDs, aid)
		}
	}
}

// SetNATAddresses replaces the elastic IPs of a NAT gateway of no subnet.
func (c *Cloud) SetNATAddresses(account, id string, allocationIDs []string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, err := c.subnetNATLocked(account, id)
	if err != nil {
		return err
	}
	if err := c.checkNATAddressesLocked(account, id, g.Region, allocationIDs); err != nil {
		return err
	}
	c.setNATAddressesLocked(g, allocationIDs)
	c.emitLocked(KindNATGateway, OpUpdate, id, account)
	return nil
}

func (c *Cloud) subnetNATLocked(account, id string) (*NATGateway, error) {
	g, ok := c.natgws[id]
	if !ok || g.Account != account || g.State == StateDeleted || g.SubnetID != "" {
		return nil, notFound(KindNATGateway, id)
	}
	return g, nil
}

// SetSubnetNAT makes the NAT gateway of no subnet natID serve a subnet
// (none when natID is empty), in place of the one that served it. The
// subnet must be in the gateway's region and in the network of the
// subnets it already serves.
// Azure: https://learn.microsoft.com/en-us/azure/nat-gateway/nat-gateway-resource — a subnet has at most one NAT gateway; a NAT gateway cannot span virtual networks
func (c *Cloud) SetSubnetNAT(account, subnetID, natID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.subnetLocked(account, subnetID)
	if err != nil {
		return err
	}
	var to *NATGateway
	if natID != "" {
		if to, err = c.subnetNATLocked(account, natID); err != nil {
			return err
		}
		if to.Region != s.Region {
			return errf(CodeInvalidParameter, KindNATGateway, natID, "NAT gateway %s and subnet %s are in different regions", natID, subnetID)
		}
		if to.NetworkID != "" && to.NetworkID != s.NetworkID {
			return errf(CodeInvalidParameter, KindNATGateway, natID, "NAT gateway %s serves another network than %s", natID, s.NetworkID)
		}
	}
	for _, g := range c.natgws {
		if g != to && slices.Contains(g.Serves, subnetID) {
			c.unserveLocked(g, subnetID)
		}
	}
	if to != nil && !slices.Contains(to.Serves, subnetID) {
		to.Serves, to.NetworkID = append(to.Serves, subnetID), s.NetworkID
		c.emitLocked(KindNATGateway, OpUpdate, to.ID, account)
	}
	return nil
}

// unserveLocked stops a gateway serving a subnet.
func (c *Cloud) unserveLocked(g *NATGateway, subnetID string) {
	g.Serves = slices.DeleteFunc(g.Serves, func(id string) bool { return id == subnetID })
	if len(g.Serves) == 0 {
		g.NetworkID = ""
	}
	c.emitLocked(KindNATGateway, OpUpdate, g.ID, g.Account)
}

// deleteSubnetNATLocked deletes a NAT gateway of no subnet that serves no
// subnet, freeing its elastic IPs.
// Azure: https://learn.microsoft.com/en-us/azure/nat-gateway/manage-nat-gateway#remove-a-nat-gateway-from-an-existing-subnet-and-delete-the-resource — remove the subnets before deleting the NAT gateway
func (c *Cloud) deleteSubnetNATLocked(g *NATGateway) error {
	if len(g.Serves) > 0 {
		return errf(CodeDependency, KindNATGateway, g.ID, "NAT gateway %s serves subnet %s", g.ID, g.Serves[0])
	}
	c.setNATAddressesLocked(g, nil)
	delete(c.natgws, g.ID)
	c.forgetLocked(KindNATGateway, g.ID, g.Account)
	return nil
}
