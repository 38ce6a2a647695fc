package model

import (
	"net/netip"
)

// IPv6-only (IPv6-native) subnets: a subnet of a network's IPv6 /56 with
// no IPv4 prefix at all. Its interfaces have no private IPv4 address
// (NetworkInterface.PrivateIP is the zero address) and at least one IPv6
// address; every new interface gets one, as the subnet always assigns
// IPv6 addresses on creation.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/configure-subnets.html#subnet-basics — IPv6-only subnets: resources in them get IPv6 addresses only
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSubnet.html — Ipv6Native: an IPv6-only subnet; Ipv6CidrBlock required, CidrBlock not given

// CreateIPv6NativeSubnetAt makes an IPv6-only subnet with a /64 of one of
// the network's IPv6 prefixes; it assigns IPv6 addresses on creation.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSubnet.html — Ipv6Native; AssignIpv6AddressOnCreation is true for an IPv6-only subnet
func (c *Cloud) CreateIPv6NativeSubnetAt(account, networkID string, at Place, v6 netip.Prefix, zone string, tags map[string]string) (Subnet, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, n, err := c.subnetNetworkLocked(account, networkID)
	if err != nil {
		return Subnet{}, err
	}
	if err := c.checkSubnetIPv6Locked(&Subnet{NetworkID: n.ID}, v6); err != nil {
		return Subnet{}, err
	}
	at.Region = n.Region
	s, err := c.addSubnetLocked(n, at, &Subnet{Zone: zone, IPv6Native: true, AssignIPv6: true}, tags)
	if err != nil {
		return Subnet{}, err
	}
	s.IPv6CIDR = IPv6Block{AssociationID: c.subIDLocked(account, KindSubnetCIDR), Prefix: v6}
	return s.copy(c), nil
}

// checkNativeInterface refuses IPv4 addresses for an interface of an
// IPv6-only subnet.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/subnet-ip-address-range.html — IPv6-only subnets have no IPv4 addresses
func checkNativeInterface(s *Subnet, spec InterfaceSpec) error {
	if s.IPv6Native && (spec.PrivateIP.IsValid() || len(spec.SecondaryIPs) > 0 || spec.SecondaryCount > 0) {
		return errf(CodeInvalidParameter, KindSubnet, s.ID, "The subnet '%s' is IPv6-only: a network interface in it cannot have a private IPv4 address.", s.ID)
	}
	return nil
}

// nativeIPv6Locked gives a new interface of an IPv6-only subnet its IPv6
// address.
func (c *Cloud) nativeIPv6Locked(e *NetworkInterface, s *Subnet) error {
	if !s.IPv6Native || len(e.IPv6Addrs) > 0 {
		return nil
	}
	got, err := c.pickIPv6Locked(s, 1, nil)
	e.IPv6Addrs = got
	return err
}

// primaryIPv6 makes an interface's first IPv6 address its primary IPv6
// address, when on; it needs one.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RunInstances.html — EnablePrimaryIpv6: the first IPv6 GUA address associated with the ENI becomes the primary IPv6 address
func primaryIPv6(e *NetworkInterface, on bool) error {
	if !on {
		return nil
	}
	if len(e.IPv6Addrs) == 0 {
		return errPrimaryIPv6()
	}
	e.PrimaryIPv6 = true
	return nil
}

func errPrimaryIPv6() *Error {
	return errf(CodeInvalidParameter, KindNetworkInterface, "", "A primary IPv6 address needs an IPv6 address: give Ipv6AddressCount or Ipv6Addresses, or launch into a subnet that assigns IPv6 addresses.")
}
