package model

import (
	"net/netip"
	"slices"
)

// AssociateAddress associates an unassociated elastic IP with a running
// instance's primary interface, or with an interface; the internet gateway
// of the interface's network then maps the two addresses one to one.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AssociateAddress.html — an address already in use is not moved unless reassociation is allowed
func (c *Cloud) AssociateAddress(account, allocationID, targetID string) error {
	return c.AssociateAddressTo(account, allocationID, targetID, netip.Addr{})
}

// AssociateAddressTo is AssociateAddress to one of the interface's private
// addresses, private (the primary one when invalid).
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AssociateAddress.html — PrivateIpAddress: the primary or secondary private IP address to associate with the Elastic IP address
func (c *Cloud) AssociateAddressTo(account, allocationID, targetID string, private netip.Addr) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, err := c.eipLocked(account, allocationID)
	if err != nil {
		return err
	}
	if e.Associate != "" {
		return errf(CodeAlreadyAssociated, KindElasticIP, allocationID, "elastic IP %s is already associated with %s", allocationID, e.Associate)
	}
	eniID := targetID
	if i, ok := c.instances[targetID]; ok && i.Account == account {
		if i.State != InstanceRunning {
			return errf(CodeIncorrectState, KindInstance, targetID, "the instance '%s' is not in a state from which it can be associated", targetID)
		}
		if err := c.soleInterfaceLocked(i); err != nil {
			return err
		}
		eniID = i.NetworkInterfaceID
	}
	ni, ok := c.enis[eniID]
	if !ok || ni.Account != account {
		return notFound(KindNetworkInterface, targetID)
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-eips.html — an Elastic IP address is an IPv4 address: an interface with no private IPv4 address (an IPv6-only subnet's) cannot have one
	if !ni.PrivateIP.IsValid() {
		return errf(CodeInvalidParameter, KindNetworkInterface, ni.ID, "The network interface %s has no private IPv4 address to associate an Elastic IP address with.", ni.ID)
	}
	if private.IsValid() && !slices.Contains(ni.Addrs(), private) {
		return errf(CodeInvalidParameter, KindNetworkInterface, ni.ID, "The private IP address %s is not assigned to network interface %s.", private, ni.ID)
	}
	if private == ni.PrivateIP {
		private = netip.Addr{}
	}
	e.Associate, e.PrivateIP = ni.ID, private
	c.emitLocked(KindElasticIP, OpUpdate, e.ID, account)
	c.refreshPublicIPLocked(ni) // its public address is released
	return nil
}

// DisassociateAddress removes an elastic IP's association with an interface.
func (c *Cloud) DisassociateAddress(account, allocationID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, err := c.eipLocked(account, allocationID)
	if err != nil {
		return err
	}
	if _, isENI := c.enis[e.Associate]; e.Associate == "" || !isENI {
		return errf(CodeNotAssociated, KindElasticIP, allocationID, "elastic IP %s is not associated with an interface", allocationID)
	}
	ni := c.enis[e.Associate]
	e.Associate, e.PrivateIP = "", netip.Addr{}
	c.emitLocked(KindElasticIP, OpUpdate, e.ID, account)
	c.refreshPublicIPLocked(ni) // a new public address, if it had one
	return nil
}
