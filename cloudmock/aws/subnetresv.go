package aws

import (
	"net/netip"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// Subnet CIDR reservations: ranges of a subnet that EC2 does not assign
// to interfaces on its own (model/subnetresv.go).
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/subnet-cidr-reservation.html

func init() {
	register("CreateSubnetCidrReservation", createSubnetCidrReservation)
	register("GetSubnetCidrReservations", getSubnetCidrReservations)
	register("DeleteSubnetCidrReservation", deleteSubnetCidrReservation)
	notFoundByPrefix = append(notFoundByPrefix, struct{ prefix, code string }{"scr-", "InvalidSubnetCidrReservationID.NotFound"})
}

// xmlSubnetCIDRReservation is a SubnetCidrReservation.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_SubnetCidrReservation.html — subnetCidrReservationId, subnetId, cidr, reservationType, ownerId, description, tagSet
type xmlSubnetCIDRReservation struct {
	ID          string   `xml:"subnetCidrReservationId"`
	SubnetID    string   `xml:"subnetId"`
	CIDR        string   `xml:"cidr"`
	Type        string   `xml:"reservationType"`
	OwnerID     string   `xml:"ownerId"`
	Description string   `xml:"description,omitempty"`
	Tags        []xmlTag `xml:"tagSet>item"`
}

func toXMLSubnetCIDRReservation(r model.SubnetCIDRReservation) xmlSubnetCIDRReservation {
	return xmlSubnetCIDRReservation{ID: r.ID, SubnetID: r.SubnetID, CIDR: r.Prefix.String(), Type: r.Type,
		OwnerID: r.Account, Description: r.Description, Tags: tagSet(r.Tags)}
}

// subnetCIDRReservationFields are GetSubnetCidrReservations' filters.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetSubnetCidrReservations.html — reservationType, subnet-id, tag:<key>, tag-key
func subnetCIDRReservationFields(r model.SubnetCIDRReservation) fields {
	return withTags(r.Tags, func(name string) ([]string, bool) {
		switch name {
		case "reservationType":
			return one(r.Type), true
		case "subnet-id":
			return one(r.SubnetID), true
		case "owner-id":
			return one(r.Account), true
		}
		return nil, false
	})
}

type createSubnetCIDRReservationResp struct {
	meta
	Reservation xmlSubnetCIDRReservation `xml:"subnetCidrReservation"`
}

// createSubnetCidrReservation reserves a range of a subnet; the Cidr,
// IPv4 or IPv6, is stored canonical (host bits cleared).
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSubnetCidrReservation.html — SubnetId, Cidr, ReservationType, Description, TagSpecification.N; answers subnetCidrReservation
func createSubnetCidrReservation(h *Handler, c *call) (response, error) {
	subnet, err := c.form.required("SubnetId")
	if err != nil {
		return nil, err
	}
	v, err := c.form.required("Cidr")
	if err != nil {
		return nil, err
	}
	p, perr := netip.ParsePrefix(v)
	if perr != nil || p.Addr().Is4In6() {
		return nil, errInvalid("Value (%s) for parameter cidr is invalid. This is not a valid CIDR block.", v)
	}
	typ, err := c.form.required("ReservationType")
	if err != nil {
		return nil, err
	}
	tags, err := c.form.tagSpecs("subnet-cidr-reservation")
	if err != nil {
		return nil, err
	}
	r, err := h.cloud.CreateSubnetCIDRReservation(c.account, model.SubnetCIDRReservationSpec{SubnetID: subnet, Prefix: p.Masked(),
		Type: typ, Description: c.form.str("Description"), Tags: tags})
	if err != nil {
		return nil, err
	}
	return &createSubnetCIDRReservationResp{Reservation: toXMLSubnetCIDRReservation(r)}, nil
}

// xmlReservationSet is a list that is present when it is empty.
type xmlReservationSet struct {
	Items []xmlSubnetCIDRReservation `xml:"item"`
}

type getSubnetCIDRReservationsResp struct {
	meta
	IPv4      xmlReservationSet `xml:"subnetIpv4CidrReservationSet"`
	IPv6      xmlReservationSet `xml:"subnetIpv6CidrReservationSet"`
	NextToken string            `xml:"nextToken,omitempty"`
}

// getSubnetCidrReservations answers the reservations of a subnet, IPv4
// and IPv6 apart; both sets are present, empty or not.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetSubnetCidrReservations.html — SubnetId, Filter.N, MaxResults, NextToken; answers subnetIpv4CidrReservationSet, subnetIpv6CidrReservationSet
func getSubnetCidrReservations(h *Handler, c *call) (response, error) {
	subnet, err := c.form.required("SubnetId")
	if err != nil {
		return nil, err
	}
	all, err := h.cloud.SubnetCIDRReservations(c.account, subnet)
	if err != nil {
		return nil, err
	}
	page, next, err := selectObjects(c.form, "", all, func(r model.SubnetCIDRReservation) string { return r.ID }, subnetCIDRReservationFields)
	if err != nil {
		return nil, err
	}
	out := &getSubnetCIDRReservationsResp{NextToken: next}
	for _, r := range page {
		set := &out.IPv6
		if r.Prefix.Addr().Is4() {
			set = &out.IPv4
		}
		set.Items = append(set.Items, toXMLSubnetCIDRReservation(r))
	}
	return out, nil
}

type deleteSubnetCIDRReservationResp struct {
	meta
	Deleted xmlSubnetCIDRReservation `xml:"deletedSubnetCidrReservation"`
}

// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteSubnetCidrReservation.html — SubnetCidrReservationId; answers deletedSubnetCidrReservation
func deleteSubnetCidrReservation(h *Handler, c *call) (response, error) {
	id, err := c.form.required("SubnetCidrReservationId")
	if err != nil {
		return nil, err
	}
	r, err := h.cloud.DeleteSubnetCIDRReservation(c.account, id)
	if err != nil {
		return nil, err
	}
	return &deleteSubnetCIDRReservationResp{Deleted: toXMLSubnetCIDRReservation(r)}, nil
}
