package model

import (
	"crypto/sha256"
	"maps"
	"net"
	"net/netip"
	"slices"
	"time"
)

// Network interfaces made, attached, detached and deleted on their own,
// and their secondary private addresses. An interface lives in one subnet;
// attached, it is one of an instance's interfaces at a device index (0 is
// the primary one, made with the instance). Every address an interface
// holds, primary or secondary, is taken from its subnet and is the
// interface's alone.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-eni.html — a network interface has a primary private IPv4 address, secondary ones, security groups, a source/destination check flag, a MAC address and a description; it can be attached to, detached from and attached again to instances in its Availability Zone

// InterfaceAttachment says where an interface is attached; it means
// something only while the interface's InstanceID is set.
type InterfaceAttachment struct {
	ID          string `json:",omitempty"`
	DeviceIndex int    `json:",omitempty"`
	// DeleteOnTermination deletes the interface with its instance; an
	// interface that was made by the launch has it, one attached later
	// has not, until it is changed.
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-eni.html#eni-basics — by default, network interfaces created with the instance are deleted on termination, those attached later are not
	DeleteOnTermination bool      `json:",omitempty"`
	Time                time.Time `json:",omitzero"`
}

// InterfaceSpec says what interface to make.
type InterfaceSpec struct {
	SubnetID  string
	PrivateIP netip.Addr // optional: the next free address
	// SecondaryIPs are further addresses to give it, and SecondaryCount
	// a number of further addresses chosen from the free ones.
	SecondaryIPs     []netip.Addr
	SecondaryCount   int
	SecurityGroupIDs []string // empty: the network's default group, if it has one
	// SourceDestCheck drops traffic not from or to the interface's own
	// addresses (AWS's default; Azure: enableIPForwarding false).
	SourceDestCheck bool
	Description     string
	Type            string // empty for an ordinary interface
	// Place gives it a scope and a name; its region is its subnet's.
	Place Place
	Tags  map[string]string
	// AddressName is NetworkInterface.AddressName (Azure's ipConfigurations[].name).
	AddressName string
	// PrimaryIPv6 is NetworkInterface.PrimaryIPv6.
	PrimaryIPv6 bool
}

// Addrs returns the interface's private addresses, the primary first.
func (e *NetworkInterface) Addrs() []netip.Addr {
	if !e.PrivateIP.IsValid() {
		return slices.Clone(e.SecondaryIPs) // an interface of an IPv6-only subnet
	}
	return append([]netip.Addr{e.PrivateIP}, e.SecondaryIPs...)
}

// interfaceCheck is a checked InterfaceSpec: its subnet and groups.
type interfaceCheck struct {
	spec   InterfaceSpec
	subnet *Subnet
	groups []string
}

// checkInterfaceLocked checks a spec against the model without changing
// anything: the subnet, the groups (the network's default when none are
// given), and the explicit addresses (in the subnet, not reserved, free,
// none twice).
func (c *Cloud) checkInterfaceLocked(account string, spec InterfaceSpec) (interfaceCheck, error) {
	s, err := c.subnetLocked(account, spec.SubnetID)
	if err != nil {
		return interfaceCheck{}, err
	}
	groups, err := c.interfaceGroupsLocked(account, s.NetworkID, spec.SecurityGroupIDs)
	if err != nil {
		return interfaceCheck{}, err
	}
	if spec.SecondaryCount < 0 {
		return interfaceCheck{}, errf(CodeInvalidParameter, KindNetworkInterface, "", "secondary private IP address count %d must not be negative", spec.SecondaryCount)
	}
	if err := checkNativeInterface(s, spec); err != nil {
		return interfaceCheck{}, err
	}
	seen := map[netip.Addr]bool{}
	explicit := slices.Clone(spec.SecondaryIPs)
	if spec.PrivateIP.IsValid() {
		explicit = append(explicit, spec.PrivateIP)
	}
	for _, ip := range explicit {
		if seen[ip] {
			return interfaceCheck{}, errf(CodeInvalidParameter, KindNetworkInterface, ip.String(), "the address %s is given more than once", ip)
		}
		seen[ip] = true
		if err := c.checkPrivateIPLocked(s, ip); err != nil {
			return interfaceCheck{}, err
		}
	}
	return interfaceCheck{spec: spec, subnet: s, groups: groups}, nil
}

// interfaceGroupsLocked checks security groups for an interface of a
// network: each is the account's and the network's. None given is the
// network's default group.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html — an interface gets the VPC's default group unless others are given
func (c *Cloud) interfaceGroupsLocked(account, networkID string, ids []string) ([]string, error) {
	groups := slices.Clone(ids)
	if len(groups) == 0 {
		if n, ok := c.networks[networkID]; ok && n.DefaultSecurityGroupID != "" {
			groups = []string{n.DefaultSecurityGroupID}
		}
	}
	for _, g := range groups {
		sg, err := c.ruleSetLocked(account, FlavorSecurityGroup, g)
		if err != nil {
			return nil, err
		}
		if sg.NetworkID != networkID {
			return nil, errf(CodeInvalidParameter, KindSecurityGroup, g, "security group %s and subnet belong to different networks", g)
		}
	}
	return groups, nil
}

// addresses is how many addresses the checked interface takes.
func (k interfaceCheck) addresses() int {
	if k.subnet.IPv6Native {
		return 0
	}
	return 1 + len(k.spec.SecondaryIPs) + k.spec.SecondaryCount
}

// usedAddrsLocked returns the addresses of a subnet that interfaces and
// NAT gateways hold.
func (c *Cloud) usedAddrsLocked(subnetID string) map[netip.Addr]bool {
	used := map[netip.Addr]bool{}
	for _, e := range c.enis {
		if e.SubnetID == subnetID {
			for _, a := range e.Addrs() {
				used[a] = true
			}
		}
	}
	for _, g := range c.natgws {
		if g.SubnetID == subnetID && g.State != StateDeleted {
			used[g.PrivateIP] = true
		}
	}
	return used
}

// freeAddrsLocked is how many addresses of a subnet are free.
func (c *Cloud) freeAddrsLocked(s *Subnet) int {
	if s.IPv6Native {
		return 0 // no IPv4 addresses at all
	}
	return subnetSize(s.Prefix) - c.reservedLocked(s.Account) - len(c.usedAddrsLocked(s.ID))
}

// checkFreeLocked fails when the subnets have fewer free addresses than
// need says (by subnet ID).
func (c *Cloud) checkFreeLocked(need map[string]int) error {
	for _, id := range slices.Sorted(maps.Keys(need)) {
		if s := c.subnets[id]; c.freeAddrsLocked(s) < need[id] {
			return errf(CodeLimitExceeded, KindSubnet, id, "there are not enough free addresses in subnet '%s' to satisfy the request", id)
		}
	}
	return nil
}

// addInterfaceLocked makes a checked interface, unattached, taking its
// addresses; the caller has checked that enough are free.
func (c *Cloud) addInterfaceLocked(account string, k interfaceCheck) (*NetworkInterface, error) {
	s := k.subnet
	ip := k.spec.PrivateIP
	if !ip.IsValid() && !s.IPv6Native {
		var err error
		if ip, err = c.allocateIPLocked(s); err != nil {
			return nil, err
		}
	}
	at := Place{Region: s.Region, Scope: k.spec.Place.Scope, Name: k.spec.Place.Name}
	id, err := c.newIDLocked(account, KindNetworkInterface, at)
	if err != nil {
		return nil, err
	}
	e := &NetworkInterface{ID: id, Account: account, Region: s.Region, NetworkID: s.NetworkID, SubnetID: s.ID, PrivateIP: ip,
		SecondaryIPs: slices.Clone(k.spec.SecondaryIPs), SecurityGroupIDs: slices.Clone(k.groups), SourceDestCheck: k.spec.SourceDestCheck,
		Description: k.spec.Description, Type: k.spec.Type, AddressName: k.spec.AddressName, StaticIP: k.spec.PrivateIP.IsValid()}
	c.enis[id] = e
	for range k.spec.SecondaryCount {
		a, err := c.allocateIPLocked(s)
		if err != nil {
			delete(c.enis, id)
			return nil, err
		}
		e.SecondaryIPs = append(e.SecondaryIPs, a)
	}
	c.registerAtLocked(KindNetworkInterface, id, account, at, k.spec.Tags)
	return e, nil
}

// CreateNetworkInterface makes an unattached interface in a subnet.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateNetworkInterface.html — SubnetId, PrivateIpAddress, PrivateIpAddresses, SecondaryPrivateIpAddressCount, SecurityGroupId.N, Description, InterfaceType
func (c *Cloud) CreateNetworkInterface(account string, spec InterfaceSpec) (NetworkInterface, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, err := c.checkInterfaceLocked(account, spec)
	if err != nil {
		return NetworkInterface{}, err
	}
	if err := c.checkFreeLocked(map[string]int{k.subnet.ID: k.addresses()}); err != nil {
		return NetworkInterface{}, err
	}
	e, err := c.addInterfaceLocked(account, k)
	if err != nil {
		return NetworkInterface{}, err
	}
	if err := c.nativeIPv6Locked(e, k.subnet); err != nil {
		c.deleteInterfaceLocked(e)
		return NetworkInterface{}, err
	}
	if err := primaryIPv6(e, spec.PrimaryIPv6); err != nil {
		c.deleteInterfaceLocked(e)
		return NetworkInterface{}, err
	}
	return e.copy(c), nil
}

// NetworkInterface returns one interface of the account.
func (c *Cloud) NetworkInterface(account, id string) (NetworkInterface, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.enis.one(c, account, id)
}

// deleteInterfaceLocked removes an interface, freeing its addresses and
// disassociating its elastic IPs.
func (c *Cloud) deleteInterfaceLocked(e *NetworkInterface) {
	c.disassociateLocked(e.ID, nil)
	delete(c.enis, e.ID)
	c.forgetLocked(KindNetworkInterface, e.ID, e.Account)
}

// disassociateLocked disassociates the elastic IPs associated with an
// interface: all of them, or those mapped to one of addrs.
func (c *Cloud) disassociateLocked(eniID string, addrs []netip.Addr) {
	for _, id := range sortedKeys(c.eips) {
		eip := c.eips[id]
		if eip.Associate != eniID || eniID == "" {
			continue
		}
		if addrs != nil && !slices.Contains(addrs, eip.PrivateIP) {
			continue
		}
		eip.Associate, eip.PrivateIP = "", netip.Addr{}
		c.emitLocked(KindElasticIP, OpUpdate, eip.ID, eip.Account)
	}
}

// MACAddress is the MAC address of the interface with the given ID (or of
// a NAT gateway's): the same for its whole life, as an elastic network
// interface's is, locally administered and unicast (02 in the first
// byte). The realizer gives the interface in the lab this address.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-eni.html — a network interface has a MAC address, one of its attributes, which follow it
func MACAddress(id string) net.HardwareAddr {
	h := sha256.Sum256([]byte(id))
	return net.HardwareAddr{0x02, h[0], h[1], h[2], h[3], h[4]}
}
