package aws

import (
	"github.com/mcnlab/mcnlab/cloudmock/model"
)

func init() {
	register("CreateVpcPeeringConnection", createVpcPeeringConnection)
	register("AcceptVpcPeeringConnection", acceptVpcPeeringConnection)
	register("DescribeVpcPeeringConnections", describeVpcPeeringConnections)
}

type xmlPeerVpc struct {
	VpcID     string `xml:"vpcId"`
	OwnerID   string `xml:"ownerId"`
	CIDRBlock string `xml:"cidrBlock,omitempty"`
	Region    string `xml:"region"`
	// Options are the side's peering options (peering_options.go).
	Options *xmlPeeringOptions `xml:"peeringOptions,omitempty"`
}

type xmlPeeringStatus struct {
	Code    string `xml:"code"`
	Message string `xml:"message"`
}

type xmlPeering struct {
	ID        string           `xml:"vpcPeeringConnectionId"`
	Requester xmlPeerVpc       `xml:"requesterVpcInfo"`
	Accepter  xmlPeerVpc       `xml:"accepterVpcInfo"`
	Status    xmlPeeringStatus `xml:"status"`
	Tags      []xmlTag         `xml:"tagSet>item"`
}

// peeringMessages are EC2's status messages for peering states.
// AWS: https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html#vpc-peering-lifecycle — peering lifecycle
var peeringMessages = map[model.PeeringState]string{
	model.PeeringPendingAcceptance: "Pending Acceptance by ",
	model.PeeringActive:            "Active",
	model.PeeringDeleted:           "Deleted",
	model.PeeringRejected:          "Rejected by ",
	model.PeeringExpired:           "Expired",
}

func (h *Handler) toXMLPeering(p model.Peering) xmlPeering {
	info := func(account, id, region string) xmlPeerVpc {
		x := xmlPeerVpc{VpcID: id, OwnerID: account, Region: h.regionOf(region)}
		if n, err := h.cloud.Network(account, id); err == nil {
			x.CIDRBlock = n.CIDRs[0].Prefix.String()
		}
		return x
	}
	msg := peeringMessages[p.State]
	if p.State == model.PeeringPendingAcceptance || p.State == model.PeeringRejected {
		msg += p.AccepterAccount
	}
	x := xmlPeering{ID: p.ID, Requester: info(p.RequesterAccount, p.RequesterNetworkID, p.RequesterRegion),
		Accepter: info(p.AccepterAccount, p.AccepterNetworkID, p.AccepterRegion),
		Status:   xmlPeeringStatus{Code: string(p.State), Message: msg}, Tags: tagSet(p.Tags)}
	if p.State == model.PeeringActive {
		x.Requester.Options, x.Accepter.Options = peeringOptions(p.RequesterSide), peeringOptions(p.AccepterSide)
	}
	return x
}

type peeringResp struct {
	meta
	Peering xmlPeering `xml:"vpcPeeringConnection"`
}

// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcPeeringConnection.html — VpcId, PeerVpcId, PeerOwnerId
func createVpcPeeringConnection(h *Handler, c *call) (response, error) {
	vpc, err := c.form.required("VpcId")
	if err != nil {
		return nil, err
	}
	peer, err := c.form.required("PeerVpcId")
	if err != nil {
		return nil, err
	}
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcPeeringConnection.html — PeerRegion: the accepter VPC's Region if not the Region of the request (the default)
	peerRegion := c.form.str("PeerRegion")
	if peerRegion == "" {
		peerRegion = c.region
	}
	if !regionName.MatchString(peerRegion) {
		return nil, errInvalid("Value (%s) for parameter peerRegion is invalid.", peerRegion)
	}
	peerOwner := c.form.str("PeerOwnerId")
	if peerOwner == "" {
		peerOwner = c.account
	}
	if regions, ok := h.cloud.ObjectRegions(peerOwner, peer); ok && h.regionOf(regions[0]) != peerRegion {
		return nil, &apiError{Code: "InvalidVpcID.NotFound", Message: "The vpc ID '" + clip(peer) + "' does not exist in region " + peerRegion, Status: 400}
	}
	tags, err := c.form.tagSpecs("vpc-peering-connection")
	if err != nil {
		return nil, err
	}
	p, err := h.cloud.RequestPeering(c.account, vpc, c.form.str("PeerOwnerId"), peer, tags)
	if err != nil {
		return nil, err
	}
	return &peeringResp{Peering: h.toXMLPeering(p)}, nil
}

func acceptVpcPeeringConnection(h *Handler, c *call) (response, error) {
	id, err := c.form.required("VpcPeeringConnectionId")
	if err != nil {
		return nil, err
	}
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AcceptVpcPeeringConnection.html — an inter-Region request is accepted in the Region of the accepter VPC
	for _, p := range h.cloud.Peerings(c.account) {
		if p.ID == id && h.regionOf(p.AccepterRegion) != c.region {
			return nil, &apiError{Code: "OperationNotPermitted", Message: "The VPC peering connection " + clip(id) + " must be accepted in region " + h.regionOf(p.AccepterRegion), Status: 400}
		}
	}
	p, err := h.cloud.AcceptPeering(c.account, id)
	if err != nil {
		return nil, err
	}
	return &peeringResp{Peering: h.toXMLPeering(p)}, nil
}

type describePeeringsResp struct {
	meta
	Peerings  []xmlPeering `xml:"vpcPeeringConnectionSet>item"`
	NextToken string       `xml:"nextToken,omitempty"`
}

func describeVpcPeeringConnections(h *Handler, c *call) (response, error) {
	page, next, err := selectObjects(c.form, "VpcPeeringConnectionId", regional(h, c, h.cloud.Peerings(c.account), func(o model.Peering) string { return o.ID }), func(p model.Peering) string { return p.ID },
		func(p model.Peering) fields {
			return withTags(p.Tags, func(name string) ([]string, bool) {
				switch name {
				case "vpc-peering-connection-id":
					return one(p.ID), true
				case "status-code":
					return one(string(p.State)), true
				case "requester-vpc-info.vpc-id":
					return one(p.RequesterNetworkID), true
				case "accepter-vpc-info.vpc-id":
					return one(p.AccepterNetworkID), true
				case "requester-vpc-info.owner-id":
					return one(p.RequesterAccount), true
				case "accepter-vpc-info.owner-id":
					return one(p.AccepterAccount), true
				}
				return h.peeringField(p, name)
			})
		})
	if err != nil {
		return nil, err
	}
	return &describePeeringsResp{Peerings: convertAll(page, h.toXMLPeering), NextToken: next}, nil
}
