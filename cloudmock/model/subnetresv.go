package model

import (
	"net/netip"
)

// Subnet CIDR reservations: ranges of a subnet's IPv4 or IPv6 addresses
// set aside so that the cloud never picks them for an interface; an
// interface may still be given one of them by name.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/subnet-cidr-reservation.html — a range of IPv4 or IPv6 addresses set aside so that Amazon can't assign them to your network interfaces; ranges in one VPC cannot overlap; it may hold addresses in use, which it does not take away

// KindSubnetCIDRReservation is a subnet CIDR reservation.
const KindSubnetCIDRReservation Kind = "subnet-cidr-reservation"

// The reservation types.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSubnetCidrReservation.html — ReservationType prefix | explicit
const (
	ReservationPrefix   = "prefix"   // for prefixes delegated to interfaces
	ReservationExplicit = "explicit" // for addresses the user assigns
)

// SubnetCIDRReservation is a range of a subnet's addresses that the cloud
// does not assign on its own.
type SubnetCIDRReservation struct {
	ID          string
	Meta        `json:"-"` // scope, name and handle (names.go)
	Account     string
	Region      string // its subnet's
	SubnetID    string
	NetworkID   string
	Prefix      netip.Prefix
	Type        string // ReservationPrefix or ReservationExplicit
	Description string `json:",omitempty"`
	Tags        map[string]string
}

func (r *SubnetCIDRReservation) ref() ref { return ref{KindSubnetCIDRReservation, r.ID, r.Account} }

func (r *SubnetCIDRReservation) copy(c *Cloud) SubnetCIDRReservation {
	out := *r
	out.Meta = c.metaLocked(r.ID)
	out.Tags = c.tagsLocked(r.ID)
	return out
}

// SubnetCIDRReservationSpec says what range to reserve.
type SubnetCIDRReservationSpec struct {
	SubnetID    string
	Prefix      netip.Prefix // canonical
	Type        string
	Description string
	Tags        map[string]string
	// Place names the reservation where its provider names it (GCP's
	// static internal addresses, in their region's scope).
	Place Place
	// Pick reserves the subnet's next free address (a /32) instead of
	// Prefix: one neither in use nor in another reservation.
	// GCP: https://cloud.google.com/compute/docs/ip-addresses/reserve-static-internal-ip-address#reservenewip — without an address, the next available address of the subnet is reserved
	Pick bool
}

// CreateSubnetCIDRReservation reserves a range of a subnet: inside its
// IPv4 prefix or its IPv6 one, overlapping no other reservation of its
// network.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSubnetCidrReservation.html — SubnetId, Cidr (IPv4 or IPv6), ReservationType, Description, TagSpecification.N
func (c *Cloud) CreateSubnetCIDRReservation(account string, spec SubnetCIDRReservationSpec) (SubnetCIDRReservation, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.subnetLocked(account, spec.SubnetID)
	if err != nil {
		return SubnetCIDRReservation{}, err
	}
	p := spec.Prefix
	if spec.Pick {
		a, err := c.allocateIPLocked(s)
		if err != nil {
			return SubnetCIDRReservation{}, err
		}
		p = netip.PrefixFrom(a, 32)
	}
	if spec.Type != ReservationPrefix && spec.Type != ReservationExplicit {
		return SubnetCIDRReservation{}, errf(CodeInvalidParameter, KindSubnetCIDRReservation, spec.Type,
			"Value (%s) for parameter reservationType is invalid. Valid values: prefix, explicit", spec.Type)
	}
	within := (s.Prefix.IsValid() && p.Addr().Is4() && p.Bits() >= s.Prefix.Bits() && s.Prefix.Contains(p.Addr())) ||
		(s.IPv6CIDR.Prefix.IsValid() && p.Addr().Is6() && p.Bits() >= s.IPv6CIDR.Prefix.Bits() && s.IPv6CIDR.Prefix.Contains(p.Addr()))
	if !p.IsValid() || !within {
		return SubnetCIDRReservation{}, errf(CodeInvalidParameter, KindSubnetCIDRReservation, p.String(),
			"The CIDR %s is not within the CIDR ranges of subnet %s", p, s.ID)
	}
	for _, o := range c.resvs {
		if o.NetworkID == s.NetworkID && o.Prefix.Overlaps(p) {
			return SubnetCIDRReservation{}, errf(CodeConflict, KindSubnetCIDRReservation, p.String(),
				"The CIDR %s overlaps with the subnet CIDR reservation %s (%s)", p, o.ID, o.Prefix)
		}
	}
	at := Place{Region: s.Region, Scope: spec.Place.Scope, Name: spec.Place.Name}
	prof, err := c.profileLocked(account)
	if err != nil {
		return SubnetCIDRReservation{}, err
	}
	if err := c.checkNameLocked(prof, account, KindSubnetCIDRReservation, at); err != nil {
		return SubnetCIDRReservation{}, err
	}
	id, err := c.newIDLocked(account, KindSubnetCIDRReservation, at)
	if err != nil {
		return SubnetCIDRReservation{}, err
	}
	r := &SubnetCIDRReservation{ID: id, Account: account, Region: s.Region, SubnetID: s.ID, NetworkID: s.NetworkID,
		Prefix: p, Type: spec.Type, Description: spec.Description}
	c.resvs[id] = r
	c.registerAtLocked(KindSubnetCIDRReservation, id, account, at, spec.Tags)
	return r.copy(c), nil
}

// SubnetCIDRReservations returns the account's reservations of one
// subnet, sorted by ID.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetSubnetCidrReservations.html — the reservations of SubnetId
func (c *Cloud) SubnetCIDRReservations(account, subnetID string) ([]SubnetCIDRReservation, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if _, err := c.subnetLocked(account, subnetID); err != nil {
		return nil, err
	}
	return c.resvs.listWhere(c, func(r *SubnetCIDRReservation) bool { return r.Account == account && r.SubnetID == subnetID }), nil
}

// DeleteSubnetCIDRReservation removes a reservation and returns it; the
// addresses in use in its range stay with their interfaces.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/subnet-cidr-reservation.html — when you remove a reservation, the IP addresses that are assigned to resources are not changed
func (c *Cloud) DeleteSubnetCIDRReservation(account, id string) (SubnetCIDRReservation, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, err := c.resvs.get(account, id)
	if err != nil {
		return SubnetCIDRReservation{}, err
	}
	out := r.copy(c)
	c.deleteReservationLocked(r)
	return out, nil
}

func (c *Cloud) deleteReservationLocked(r *SubnetCIDRReservation) {
	delete(c.resvs, r.ID)
	c.forgetLocked(KindSubnetCIDRReservation, r.ID, r.Account)
}

// deleteSubnetReservationsLocked removes a deleted subnet's reservations.
func (c *Cloud) deleteSubnetReservationsLocked(subnetID string) {
	for _, id := range sortedKeys(c.resvs) {
		if r := c.resvs[id]; r.SubnetID == subnetID {
			c.deleteReservationLocked(r)
		}
	}
}

// reservedRangesLocked returns the reserved ranges of a subnet, which the
// cloud skips when it picks addresses (allocateIPLocked, pickIPv6Locked).
// Prefix reservations are kept for prefix delegation, which picks single
// addresses from none of them either.
func (c *Cloud) reservedRangesLocked(subnetID string) []netip.Prefix {
	var out []netip.Prefix
	for _, r := range c.resvs {
		if r.SubnetID == subnetID {
			out = append(out, r.Prefix)
		}
	}
	return out
}

// rangeOf returns the prefix of ranges that holds a, or the zero prefix.
func rangeOf(ranges []netip.Prefix, a netip.Addr) netip.Prefix {
	for _, p := range ranges {
		if p.Contains(a) {
			return p
		}
	}
	return netip.Prefix{}
}
