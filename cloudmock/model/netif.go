package model

import (
	"net/netip"
	"slices"
)

// Network interfaces of their own: made in a subnet without an instance
// (an Azure NIC is a resource that a VM later references; EC2's
// CreateNetworkInterface makes one too), re-addressed and deleted.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-network-network-interface — a network interface is a resource of its own, in one subnet of one virtual network
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-eni.html — an ENI created in a subnet, attached later

// CreateNetworkInterfaceAt makes an interface with no instance in a
// subnet, at a place (scope and name; its region is the subnet's), with
// the given or the next free private address (CreateNetworkInterface,
// eni.go).
func (c *Cloud) CreateNetworkInterfaceAt(account string, at Place, spec InterfaceSpec) (NetworkInterface, error) {
	spec.Place = at
	return c.CreateNetworkInterface(account, spec)
}

// interfaceAddrLocked checks a requested address in a subnet, or picks
// the next free one when ip is invalid.
func (c *Cloud) interfaceAddrLocked(s *Subnet, ip netip.Addr) (netip.Addr, error) {
	if !ip.IsValid() {
		return c.allocateIPLocked(s)
	}
	return ip, c.checkPrivateIPLocked(s, ip)
}

// MoveNetworkInterface gives an interface another subnet of its network
// and another private address (the given one, StaticIP, or the new
// subnet's next free one when ip is invalid); an interface keeps its
// address when the subnet and the address are its own.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-network-network-interface-addresses#change-ip-address-settings — a NIC's private address and subnet (within its virtual network) can change
func (c *Cloud) MoveNetworkInterface(account, id, subnetID string, ip netip.Addr) (NetworkInterface, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, err := c.enis.get(account, id)
	if err != nil {
		return NetworkInterface{}, err
	}
	s, err := c.subnetLocked(account, subnetID)
	if err != nil {
		return NetworkInterface{}, err
	}
	if s.NetworkID != e.NetworkID {
		return NetworkInterface{}, errf(CodeInvalidParameter, KindNetworkInterface, id, "subnet %s is not in the network %s of interface %s", s.ID, e.NetworkID, id)
	}
	if s.ID == e.SubnetID && (!ip.IsValid() || ip == e.PrivateIP) {
		if e.StaticIP != ip.IsValid() {
			e.StaticIP = ip.IsValid()
			c.emitLocked(KindNetworkInterface, OpUpdate, id, account)
		}
		return e.copy(c), nil
	}
	old := e.PrivateIP
	e.PrivateIP = netip.Addr{} // free its address for the check
	got, err := c.interfaceAddrLocked(s, ip)
	if err != nil {
		e.PrivateIP = old
		return NetworkInterface{}, err
	}
	e.SubnetID, e.PrivateIP, e.StaticIP = s.ID, got, ip.IsValid()
	if i, ok := c.instances[e.InstanceID]; ok && i.NetworkInterfaceID == e.ID {
		i.SubnetID, i.PrivateIP = s.ID, got
		c.emitLocked(KindInstance, OpUpdate, i.ID, account)
	}
	c.emitLocked(KindNetworkInterface, OpUpdate, id, account)
	return e.copy(c), nil
}

// SetInterfaceRuleSets makes the interface's rule sets of one flavour
// those given (none when ids is empty), each checked as AttachRuleSet
// checks it; sets of other flavours stay.
func (c *Cloud) SetInterfaceRuleSets(account, id string, f Flavor, ids []string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, err := c.enis.get(account, id)
	if err != nil {
		return err
	}
	for _, sid := range ids {
		s, err := c.ruleSetLocked(account, f, sid)
		if err != nil {
			return err
		}
		if err := c.checkInterfaceSetLocked(s, e); err != nil {
			return err
		}
	}
	keep := slices.DeleteFunc(slices.Clone(e.SecurityGroupIDs), func(sid string) bool {
		s, ok := c.ruleSets[sid]
		return ok && s.Flavor == f
	})
	e.SecurityGroupIDs = append(keep, ids...)
	c.emitLocked(KindNetworkInterface, OpUpdate, id, account)
	return nil
}

// checkInterfaceSetLocked checks that a rule set may filter an interface:
// its flavour attaches to interfaces, and it is of the interface's network
// or, a set of no network (an NSG), of its region.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/network-security-group-how-it-works — an NSG is associated with NICs of its region
func (c *Cloud) checkInterfaceSetLocked(s *RuleSet, e *NetworkInterface) error {
	if !slices.Contains(flavors[s.Flavor].attaches, OnInterface) {
		return errf(CodeInvalidParameter, KindRuleSetAttachment, s.ID, "a %s cannot be attached to an interface", string(s.Flavor))
	}
	if s.NetworkID == "" && s.Region != e.Region {
		return errf(CodeInvalidParameter, KindRuleSetAttachment, s.ID, "rule set %s and interface %s are in different regions", s.ID, e.ID)
	}
	if s.NetworkID != "" && s.NetworkID != e.NetworkID {
		return errf(CodeInvalidParameter, KindRuleSetAttachment, s.ID, "rule set %s and interface %s belong to different networks", s.ID, e.ID)
	}
	return nil
}

// DeleteNetworkInterface deletes an interface that no instance uses; the
// elastic IPs associated with it are disassociated.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-network-network-interface#delete-a-network-interface — a NIC attached to a VM cannot be deleted; its public IP is dissociated
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteNetworkInterface.html — you must detach the network interface before you can delete it
// AWS: https://github.com/aws/amazon-vpc-cni-k8s/issues/1399 — EC2 answers InvalidParameterValue "Network interface 'eni-…' is currently in use." to deleting an attached interface
func (c *Cloud) DeleteNetworkInterface(account, id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, err := c.enis.get(account, id)
	if err != nil {
		return err
	}
	if i, ok := c.instances[e.InstanceID]; ok && i.State != InstanceTerminated {
		return errf(CodeDependency, KindNetworkInterface, id, "Network interface '%s' is currently in use.", id)
	}
	// AWS: https://github.com/gruntwork-io/cloud-nuke/issues/431 — deleting an interface endpoint's interface answers InvalidParameterValue "Network interface 'eni-…' is currently in use."; deleting the endpoint deletes it
	if e.RequesterManaged() {
		return errf(CodeInvalidParameter, KindNetworkInterface, id, "Network interface '%s' is currently in use.", id)
	}
	c.deleteInterfaceLocked(e)
	return nil
}

// SetInterfaceAddressName renames an interface's address configuration
// (NetworkInterface.AddressName).
func (c *Cloud) SetInterfaceAddressName(account, id, name string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, err := c.enis.get(account, id)
	if err != nil {
		return err
	}
	e.AddressName = name
	c.emitLocked(KindNetworkInterface, OpUpdate, id, account)
	return nil
}
