package model

import (
	"net/netip"
	"slices"
	"time"
)

// instanceInterfacesLocked returns the interfaces attached to an instance,
// by device index.
func (c *Cloud) instanceInterfacesLocked(instanceID string) []*NetworkInterface {
	var out []*NetworkInterface
	for _, id := range sortedKeys(c.enis) {
		if e := c.enis[id]; e.InstanceID == instanceID && instanceID != "" {
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b *NetworkInterface) int { return a.Attachment.DeviceIndex - b.Attachment.DeviceIndex })
	return out
}

// InstanceInterfaces returns the interfaces attached to an instance of the
// account, by device index.
func (c *Cloud) InstanceInterfaces(account, instanceID string) ([]NetworkInterface, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if _, err := c.instanceLocked(account, instanceID); err != nil {
		return nil, err
	}
	var out []NetworkInterface
	for _, e := range c.instanceInterfacesLocked(instanceID) {
		out = append(out, e.copy(c))
	}
	return out, nil
}

// attachInterfaceLocked attaches an interface to an instance at a device index.
func (c *Cloud) attachInterfaceLocked(e *NetworkInterface, inst *Instance, index int, deleteOnTermination bool, now time.Time) {
	e.InstanceID = inst.ID
	e.Attachment = InterfaceAttachment{ID: c.subIDLocked(e.Account, KindInterfaceAttachment), DeviceIndex: index,
		DeleteOnTermination: deleteOnTermination, Time: now}
}

// AttachNetworkInterface attaches an unattached interface to a running or
// stopped instance in the same zone, at a device index that the instance
// has free, within its type's interface limit; it returns the
// attachment's ID.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AttachNetworkInterface.html — DeviceIndex, InstanceId, NetworkInterfaceId; the answer is the attachment ID
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-eni.html#attach_eni — you can attach a network interface to an instance in the same Availability Zone, when it is running or stopped
// AWS: https://github.com/hashicorp/terraform-provider-aws/issues/27513 — an interface attached elsewhere answers InvalidNetworkInterface.InUse "Interface: [eni-…] in use."
func (c *Cloud) AttachNetworkInterface(account, eniID, instanceID string, index int) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, err := c.enis.get(account, eniID)
	if err != nil {
		return "", err
	}
	inst, err := c.instanceLocked(account, instanceID)
	if err != nil {
		return "", err
	}
	if inst.State == InstanceTerminated {
		return "", errf(CodeIncorrectState, KindInstance, instanceID, "The instance '%s' is not in a state from which a network interface can be attached.", instanceID)
	}
	if e.InstanceID != "" {
		return "", errf(CodeAlreadyAssociated, KindNetworkInterface, eniID, "Interface: [%s] in use.", eniID)
	}
	if err := c.checkAttachLocked(e, inst, index, 1); err != nil {
		return "", err
	}
	c.attachInterfaceLocked(e, inst, index, false, time.Now().UTC().Truncate(time.Second))
	c.emitLocked(KindNetworkInterface, OpUpdate, e.ID, account)
	c.emitLocked(KindInstance, OpUpdate, inst.ID, account)
	return e.Attachment.ID, nil
}

// checkAttachLocked checks that an interface can join an instance at a
// device index: the index is free, the interface is in the instance's
// zone, and the instance's type allows adding more interfaces.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html — InvalidParameterValue: a taken device index (EC2 words it "Instance '…' already has an interface attached at device index '…'.")
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/AvailableIpPerENI.html — the maximum number of network interfaces per instance type
func (c *Cloud) checkAttachLocked(e *NetworkInterface, inst *Instance, index, more int) error {
	if index < 0 {
		return errf(CodeInvalidParameter, KindNetworkInterface, e.ID, "Invalid value '%d' for deviceIndex.", index)
	}
	attached := c.instanceInterfacesLocked(inst.ID)
	for _, x := range attached {
		if x.Attachment.DeviceIndex == index {
			return errf(CodeInvalidParameter, KindInstance, inst.ID, "Instance '%s' already has an interface attached at device index '%d'.", inst.ID, index)
		}
	}
	if s, ok := c.subnets[inst.SubnetID]; ok {
		if es := c.subnets[e.SubnetID]; es != nil && es.Zone != s.Zone {
			return errf(CodeInvalidParameter, KindNetworkInterface, e.ID,
				"Network interface '%s' is in a different availability zone (%s) than instance '%s' (%s).", e.ID, es.Zone, inst.ID, s.Zone)
		}
	}
	if lim, ok := InstanceTypeLimits(inst.Type); ok && len(attached)+more > lim.Interfaces {
		return errf(CodeLimitExceeded, KindInterfaceAttachment, inst.ID, "Interface count %d exceeds the limit for %s", len(attached)+more, inst.Type)
	}
	return nil
}

// DetachNetworkInterface detaches an interface by its attachment's ID;
// the primary interface (device index 0) cannot be detached. The
// interface keeps its addresses and elastic IPs. force is the API's
// Force flag and makes no difference: every detach is immediate.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DetachNetworkInterface.html — AttachmentId, Force
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-eni.html#detach_eni — you cannot detach a primary network interface
func (c *Cloud) DetachNetworkInterface(account, attachmentID string, force bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.attachmentLocked(account, attachmentID)
	if e == nil {
		return notFound(KindInterfaceAttachment, attachmentID)
	}
	if e.Attachment.DeviceIndex == 0 {
		return errf(CodeCannotDelete, KindInterfaceAttachment, attachmentID, "The network interface at device index 0 and networkCard index 0 cannot be detached.")
	}
	inst := e.InstanceID
	e.InstanceID, e.Attachment = "", InterfaceAttachment{}
	c.emitLocked(KindNetworkInterface, OpUpdate, e.ID, account)
	c.emitLocked(KindInstance, OpUpdate, inst, account)
	return nil
}

// attachmentLocked returns the account's interface with the attachment,
// or nil.
func (c *Cloud) attachmentLocked(account, attachmentID string) *NetworkInterface {
	for _, e := range c.enis {
		if e.Account == account && e.InstanceID != "" && e.Attachment.ID == attachmentID && attachmentID != "" {
			return e
		}
	}
	return nil
}

// InterfaceChange is a change to an interface's attributes; nil fields
// are left as they are.
type InterfaceChange struct {
	Description      *string
	SecurityGroupIDs []string // nil: unchanged
	SourceDestCheck  *bool
	// DeleteOnTermination changes the attachment AttachmentID, which must
	// be the interface's.
	AttachmentID        string
	DeleteOnTermination *bool
}

// ModifyNetworkInterface changes an interface's description, security
// groups, source/destination check, or its attachment's delete on
// termination; all is checked before anything changes.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyNetworkInterfaceAttribute.html — Attachment, Description, SecurityGroupId.N, SourceDestCheck
func (c *Cloud) ModifyNetworkInterface(account, id string, ch InterfaceChange) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, err := c.enis.get(account, id)
	if err != nil {
		return err
	}
	var groups []string
	if ch.SecurityGroupIDs != nil {
		if len(ch.SecurityGroupIDs) == 0 {
			return errf(CodeInvalidParameter, KindNetworkInterface, id, "an interface needs at least one security group")
		}
		if groups, err = c.interfaceGroupsLocked(account, e.NetworkID, ch.SecurityGroupIDs); err != nil {
			return err
		}
	}
	if ch.DeleteOnTermination != nil && (e.InstanceID == "" || e.Attachment.ID != ch.AttachmentID) {
		return notFound(KindInterfaceAttachment, ch.AttachmentID)
	}
	if ch.Description != nil {
		e.Description = *ch.Description
	}
	if groups != nil {
		e.SecurityGroupIDs = groups
	}
	if ch.SourceDestCheck != nil {
		e.SourceDestCheck = *ch.SourceDestCheck
	}
	if ch.DeleteOnTermination != nil {
		e.Attachment.DeleteOnTermination = *ch.DeleteOnTermination
	}
	c.emitLocked(KindNetworkInterface, OpUpdate, e.ID, account)
	if e.InstanceID != "" {
		c.emitLocked(KindInstance, OpUpdate, e.InstanceID, account)
	}
	return nil
}

// AssignPrivateIPs gives an interface more private addresses: ips, and
// count more chosen from the free ones. An address another interface
// holds as a secondary one moves only with reassign; a primary address
// never moves. It returns the addresses assigned.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AssignPrivateIpAddresses.html — PrivateIpAddress.N or SecondaryPrivateIpAddressCount, AllowReassignment
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/AvailableIpPerENI.html — the maximum number of IPv4 addresses per interface, by instance type
func (c *Cloud) AssignPrivateIPs(account, id string, ips []netip.Addr, count int, reassign bool) ([]netip.Addr, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, err := c.enis.get(account, id)
	if err != nil {
		return nil, err
	}
	s := c.subnets[e.SubnetID]
	if s == nil {
		return nil, notFound(KindSubnet, e.SubnetID)
	}
	if count < 0 || (count == 0) == (len(ips) == 0) {
		return nil, errf(CodeInvalidParameter, KindNetworkInterface, id, "Either the PrivateIpAddress or the SecondaryPrivateIpAddressCount parameter must be specified, not both.")
	}
	if inst, ok := c.instances[e.InstanceID]; ok {
		if lim, ok := InstanceTypeLimits(inst.Type); ok && len(e.Addrs())+len(ips)+count > lim.AddressesPerInterface {
			return nil, errf(CodeLimitExceeded, KindNetworkInterface, id, "Number of private addresses will exceed limit.")
		}
	}
	moves, err := c.checkAssignLocked(e, s, ips, reassign)
	if err != nil {
		return nil, err
	}
	if count > c.freeAddrsLocked(s) {
		return nil, errf(CodeLimitExceeded, KindSubnet, s.ID, "there are not enough free addresses in subnet '%s' to satisfy the request", s.ID)
	}
	for _, from := range moves {
		from.SecondaryIPs = slices.DeleteFunc(from.SecondaryIPs, func(a netip.Addr) bool { return slices.Contains(ips, a) })
		c.disassociateLocked(from.ID, ips)
		c.emitLocked(KindNetworkInterface, OpUpdate, from.ID, account)
	}
	out := slices.Clone(ips)
	e.SecondaryIPs = append(e.SecondaryIPs, ips...)
	for range count {
		a, err := c.allocateIPLocked(s)
		if err != nil {
			return nil, err
		}
		e.SecondaryIPs = append(e.SecondaryIPs, a)
		out = append(out, a)
	}
	c.emitLocked(KindNetworkInterface, OpUpdate, e.ID, account)
	return out, nil
}

// checkAssignLocked checks explicit addresses for an interface and
// returns the interfaces they would move from.
func (c *Cloud) checkAssignLocked(e *NetworkInterface, s *Subnet, ips []netip.Addr, reassign bool) ([]*NetworkInterface, error) {
	var moves []*NetworkInterface
	seen := map[netip.Addr]bool{}
	for _, ip := range ips {
		if seen[ip] || slices.Contains(e.Addrs(), ip) {
			return nil, errf(CodeConflict, KindNetworkInterface, ip.String(), "Address %s is already assigned to %s.", ip, e.ID)
		}
		seen[ip] = true
		if !s.Prefix.Contains(ip) {
			return nil, errf(CodeInvalidParameter, KindSubnet, s.ID, "Address %s does not fall within the subnet's address range", ip)
		}
		if c.reservedAddrLocked(s, ip) {
			return nil, errf(CodeInvalidParameter, KindSubnet, s.ID, "Address %s is in subnet's reserved address range", ip)
		}
		holder := c.holderLocked(s.ID, ip)
		switch {
		case holder == nil:
		case !reassign || holder.PrivateIP == ip:
			return nil, errf(CodeConflict, KindNetworkInterface, ip.String(), "Address %s is in use.", ip)
		default:
			if !slices.Contains(moves, holder) {
				moves = append(moves, holder)
			}
		}
		for _, g := range c.natgws {
			if g.SubnetID == s.ID && g.State != StateDeleted && g.PrivateIP == ip {
				return nil, errf(CodeConflict, KindNetworkInterface, ip.String(), "Address %s is in use.", ip)
			}
		}
	}
	return moves, nil
}

// holderLocked returns the interface of a subnet that holds an address.
func (c *Cloud) holderLocked(subnetID string, ip netip.Addr) *NetworkInterface {
	for _, e := range c.enis {
		if e.SubnetID == subnetID && slices.Contains(e.Addrs(), ip) {
			return e
		}
	}
	return nil
}

// UnassignPrivateIPs takes secondary addresses from an interface; the
// elastic IPs mapped to them are disassociated. Every address must be one
// of its secondary ones.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_UnassignPrivateIpAddresses.html — PrivateIpAddress.N: the secondary private IP addresses to unassign
func (c *Cloud) UnassignPrivateIPs(account, id string, ips []netip.Addr) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, err := c.enis.get(account, id)
	if err != nil {
		return err
	}
	for _, ip := range ips {
		if !slices.Contains(e.SecondaryIPs, ip) {
			return errf(CodeInvalidParameter, KindNetworkInterface, id, "Some of the specified addresses are not assigned to interface %s", id)
		}
	}
	e.SecondaryIPs = slices.DeleteFunc(e.SecondaryIPs, func(a netip.Addr) bool { return slices.Contains(ips, a) })
	c.disassociateLocked(e.ID, ips)
	c.emitLocked(KindNetworkInterface, OpUpdate, e.ID, account)
	return nil
}

// soleInterfaceLocked fails when an instance has more than one interface
// attached: an instance then no longer stands for one interface.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AssociateAddress.html — if the instance has more than one network interface, you must specify a network interface ID
func (c *Cloud) soleInterfaceLocked(inst *Instance) error {
	if len(c.instanceInterfacesLocked(inst.ID)) > 1 {
		return errf(CodeAmbiguous, KindInstance, inst.ID,
			"There are multiple interfaces attached to instance '%s'. Please specify an interface ID for the operation instead.", inst.ID)
	}
	return nil
}
