package aws

import (
	"slices"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// DescribeTransitGatewayAttachments (every kind of attachment) and
// DisableTransitGatewayRouteTablePropagation.

func init() {
	register("DescribeTransitGatewayAttachments", describeTGWAttachments)
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DisableTransitGatewayRouteTablePropagation.html — TransitGatewayRouteTableId, TransitGatewayAttachmentId; answers the propagation, disabled
	register("DisableTransitGatewayRouteTablePropagation", tgwRTLink((*model.Cloud).DisableTransitGatewayRouteTablePropagation, "disabled", asPropagation))
}

type xmlTGWAttachmentAssoc struct {
	RouteTableID string `xml:"transitGatewayRouteTableId"`
	State        string `xml:"state"`
}

type xmlTGWAttachment struct {
	ID              string                 `xml:"transitGatewayAttachmentId"`
	TransitGateway  string                 `xml:"transitGatewayId"`
	TGWOwnerID      string                 `xml:"transitGatewayOwnerId"`
	ResourceOwnerID string                 `xml:"resourceOwnerId"`
	ResourceType    string                 `xml:"resourceType"`
	ResourceID      string                 `xml:"resourceId"`
	State           string                 `xml:"state"`
	Association     *xmlTGWAttachmentAssoc `xml:"association,omitempty"`
	Tags            []xmlTag               `xml:"tagSet>item"`
}

// toXMLTGWAttachment shows an attachment with its resource and the table
// it is associated with.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_TransitGatewayAttachment.html — transitGatewayAttachmentId, transitGatewayId, transitGatewayOwnerId, resourceOwnerId, resourceType, resourceId, state, association, tagSet
func (h *Handler) toXMLTGWAttachment(c *call, a model.TransitGatewayAttachment, rts []model.TransitGatewayRouteTable) xmlTGWAttachment {
	x := xmlTGWAttachment{ID: a.ID, TransitGateway: a.TransitGatewayID, TGWOwnerID: a.Account, ResourceOwnerID: a.Account,
		ResourceType: "vpc", ResourceID: a.NetworkID, State: string(a.State), Tags: tagSet(a.Tags)}
	switch a.Kind {
	case model.AttachVPN:
		x.ResourceType, x.ResourceID = "vpn", a.VPNConnectionID
	case model.AttachPeering:
		// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_TransitGatewayAttachment.html — resourceType peering: the resource is the peer transit gateway
		x.ResourceType, x.ResourceID, x.ResourceOwnerID = "peering", a.Peer.TransitGatewayID, a.Peer.Account
		if h.accepterView(c, a) {
			x.TransitGateway, x.TGWOwnerID = a.Peer.TransitGatewayID, a.Peer.Account
			x.ResourceID, x.ResourceOwnerID = a.TransitGatewayID, a.Account
		}
	}
	for _, rt := range rts {
		if rt.TransitGatewayID == x.TransitGateway && slices.Contains(rt.Associations, a.ID) {
			x.Association = &xmlTGWAttachmentAssoc{RouteTableID: rt.ID, State: "associated"}
		}
	}
	return x
}

// tgwAttachmentFields are DescribeTransitGatewayAttachments' filters.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeTransitGatewayAttachments.html — association.state, association.transit-gateway-route-table-id, resource-id, resource-owner-id, resource-type, state, transit-gateway-attachment-id, transit-gateway-id, transit-gateway-owner-id, tag:<key>, tag-key
func tgwAttachmentFields(x xmlTGWAttachment, tags map[string]string) fields {
	return withTags(tags, func(name string) ([]string, bool) {
		switch name {
		case "association.state":
			if x.Association != nil {
				return one(x.Association.State), true
			}
			return nil, true
		case "association.transit-gateway-route-table-id":
			if x.Association != nil {
				return one(x.Association.RouteTableID), true
			}
			return nil, true
		case "resource-id":
			return one(x.ResourceID), true
		case "resource-owner-id":
			return one(x.ResourceOwnerID), true
		case "resource-type":
			return one(x.ResourceType), true
		case "state":
			return one(x.State), true
		case "transit-gateway-attachment-id":
			return one(x.ID), true
		case "transit-gateway-id":
			return one(x.TransitGateway), true
		case "transit-gateway-owner-id":
			return one(x.TGWOwnerID), true
		}
		return nil, false
	})
}

type describeTGWAttachmentsResp struct {
	meta
	Attachments []xmlTGWAttachment `xml:"transitGatewayAttachments>item"`
	NextToken   string             `xml:"nextToken,omitempty"`
}

// describeTGWAttachments lists the account's attachments of every kind in
// the call's region.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeTransitGatewayAttachments.html — TransitGatewayAttachmentIds.N, Filter.N, MaxResults, NextToken
func describeTGWAttachments(h *Handler, c *call) (response, error) {
	rts := h.cloud.TransitGatewayRouteTables(c.account)
	type att struct {
		x    xmlTGWAttachment
		tags map[string]string
	}
	var all []att
	for _, a := range regional(h, c, h.cloud.TransitGatewayAttachments(c.account), func(a model.TransitGatewayAttachment) string { return a.ID }) {
		all = append(all, att{h.toXMLTGWAttachment(c, a, rts), a.Tags})
	}
	page, next, err := selectObjects(c.form, "TransitGatewayAttachmentIds", all, func(a att) string { return a.x.ID },
		func(a att) fields { return tgwAttachmentFields(a.x, a.tags) })
	if err != nil {
		return nil, err
	}
	return &describeTGWAttachmentsResp{Attachments: convertAll(page, func(a att) xmlTGWAttachment { return a.x }), NextToken: next}, nil
}
