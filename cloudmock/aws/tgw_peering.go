package aws

import (
	"time"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// Transit gateway peering attachments.

func init() {
	crossRegionParams["CreateTransitGatewayPeeringAttachment"] = "PeerTransitGatewayId"
	register("CreateTransitGatewayPeeringAttachment", createTGWPeering)
	register("AcceptTransitGatewayPeeringAttachment", answerTGWPeering((*model.Cloud).AcceptTransitGatewayPeeringAttachment, "pending"))
	register("RejectTransitGatewayPeeringAttachment", answerTGWPeering((*model.Cloud).RejectTransitGatewayPeeringAttachment, "rejecting"))
	register("DeleteTransitGatewayPeeringAttachment", answerTGWPeering((*model.Cloud).DeleteTransitGatewayPeeringAttachment, "deleting"))
	register("DescribeTransitGatewayPeeringAttachments", describeTGWPeerings)
}

type xmlPeeringTgwInfo struct {
	TransitGatewayID string `xml:"transitGatewayId"`
	OwnerID          string `xml:"ownerId"`
	Region           string `xml:"region"`
}

type xmlTGWPeeringOptions struct {
	DynamicRouting string `xml:"dynamicRouting"`
}

// xmlTGWPeering is a TransitGatewayPeeringAttachment.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_TransitGatewayPeeringAttachment.html — transitGatewayAttachmentId, requesterTgwInfo, accepterTgwInfo, options, status, state, creationTime, tagSet
type xmlTGWPeering struct {
	ID           string               `xml:"transitGatewayAttachmentId"`
	Requester    xmlPeeringTgwInfo    `xml:"requesterTgwInfo"`
	Accepter     xmlPeeringTgwInfo    `xml:"accepterTgwInfo"`
	Options      xmlTGWPeeringOptions `xml:"options"`
	Status       xmlPeeringStatus     `xml:"status"`
	State        string               `xml:"state"`
	CreationTime string               `xml:"creationTime"`
	Tags         []xmlTag             `xml:"tagSet>item"`
}

// toXMLTGWPeering shows a peering attachment, in state (its own when
// empty).
func (h *Handler) toXMLTGWPeering(a model.TransitGatewayAttachment, state string) xmlTGWPeering {
	if state == "" {
		state = string(a.State)
	}
	msg := ""
	switch state {
	case string(model.StatePendingAcceptance):
		msg = "Pending Acceptance by " + a.Peer.Account
	case string(model.StateAvailable):
		msg = "Available"
	}
	return xmlTGWPeering{ID: a.ID,
		Requester: xmlPeeringTgwInfo{TransitGatewayID: a.TransitGatewayID, OwnerID: a.Account, Region: h.regionOf(a.Region)},
		Accepter:  xmlPeeringTgwInfo{TransitGatewayID: a.Peer.TransitGatewayID, OwnerID: a.Peer.Account, Region: h.regionOf(a.Peer.Region)},
		Options:   xmlTGWPeeringOptions{DynamicRouting: enable(a.Peer.DynamicRouting)},
		Status:    xmlPeeringStatus{Code: state, Message: msg}, State: state,
		CreationTime: a.Peer.CreatedAt.Format(time.RFC3339), Tags: tagSet(a.Tags)}
}

type tgwPeeringResp struct {
	meta
	Attachment xmlTGWPeering `xml:"transitGatewayPeeringAttachment"`
}

// createTGWPeering requests a peering attachment; the peer gateway must be
// in PeerRegion.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateTransitGatewayPeeringAttachment.html — TransitGatewayId, PeerTransitGatewayId, PeerAccountId, PeerRegion (all required), Options.DynamicRouting, TagSpecification.N
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_TransitGatewayPeeringAttachment.html — states initiatingRequest, pendingAcceptance, pending, available, rejecting, rejected, deleting, deleted
func createTGWPeering(h *Handler, c *call) (response, error) {
	var args [4]string
	for i, k := range []string{"TransitGatewayId", "PeerTransitGatewayId", "PeerAccountId", "PeerRegion"} {
		v, err := c.form.required(k)
		if err != nil {
			return nil, err
		}
		args[i] = v
	}
	tgw, peer, peerAccount, peerRegion := args[0], args[1], args[2], args[3]
	if !regionName.MatchString(peerRegion) {
		return nil, errInvalid("Value (%s) for parameter peerRegion is invalid.", clip(peerRegion))
	}
	if regions, ok := h.cloud.ObjectRegions(peerAccount, peer); ok && h.regionOf(regions[0]) != peerRegion {
		return nil, &apiError{Code: "InvalidTransitGatewayID.NotFound", Message: "Transit Gateway " + clip(peer) + " was deleted or does not exist in region " + peerRegion, Status: 400}
	}
	dynamic, err := enableOpt(c.form, "Options.DynamicRouting")
	if err != nil {
		return nil, err
	}
	tags, err := c.form.tagSpecs("transit-gateway-attachment")
	if err != nil {
		return nil, err
	}
	a, err := h.cloud.CreateTransitGatewayPeeringAttachmentAt(c.account, model.Place{Region: c.region}, model.TGWPeeringRequest{
		TransitGatewayID: tgw, PeerTransitGatewayID: peer, PeerAccount: peerAccount, DynamicRouting: dynamic != nil && *dynamic}, tags)
	if err != nil {
		return nil, err
	}
	return &tgwPeeringResp{Attachment: h.toXMLTGWPeering(a, "initiatingRequest")}, nil
}

// answerTGWPeering builds Accept, Reject and Delete: each answers the
// attachment in the state it passes through (the next Describe shows where
// it ends). Accept and Reject are the accepter's, in its gateway's region.
// AWS: https://docs.aws.amazon.com/vpc/latest/tgw/tgw-peering-accept-reject.html — accept or reject from the Region that the accepter transit gateway is located in
func answerTGWPeering(change func(*model.Cloud, string, string) (model.TransitGatewayAttachment, error), state string) action {
	return func(h *Handler, c *call) (response, error) {
		id, err := c.form.required("TransitGatewayAttachmentId")
		if err != nil {
			return nil, err
		}
		if state != "deleting" {
			for _, a := range h.cloud.TransitGatewayAttachments(c.account) {
				if a.ID == id && a.Kind == model.AttachPeering && a.Peer.Account == c.account && h.regionOf(a.Peer.Region) != c.region && a.State == model.StatePendingAcceptance {
					return nil, &apiError{Code: "IncorrectState", Message: "Transit Gateway Attachment " + clip(id) + " must be accepted or rejected in region " + h.regionOf(a.Peer.Region), Status: 400}
				}
			}
		}
		a, err := change(h.cloud, c.account, id)
		if err != nil {
			return nil, err
		}
		return &tgwPeeringResp{Attachment: h.toXMLTGWPeering(a, state)}, nil
	}
}

type describeTGWPeeringsResp struct {
	meta
	Attachments []xmlTGWPeering `xml:"transitGatewayPeeringAttachments>item"`
	NextToken   string          `xml:"nextToken,omitempty"`
}

// describeTGWPeerings lists the peering attachments the account sees in
// the call's region: local-owner-id is the caller's side, remote-owner-id
// the other side's owner.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeTransitGatewayPeeringAttachments.html — filters transit-gateway-attachment-id, local-owner-id, remote-owner-id, state, tag:<key>, tag-key, transit-gateway-id
func describeTGWPeerings(h *Handler, c *call) (response, error) {
	var all []model.TransitGatewayAttachment
	for _, a := range regional(h, c, h.cloud.TransitGatewayAttachments(c.account), func(a model.TransitGatewayAttachment) string { return a.ID }) {
		if a.Kind == model.AttachPeering {
			all = append(all, a)
		}
	}
	page, next, err := selectObjects(c.form, "TransitGatewayAttachmentIds", all, func(a model.TransitGatewayAttachment) string { return a.ID },
		func(a model.TransitGatewayAttachment) fields {
			local, remote := a.Account, a.Peer.Account
			if h.accepterView(c, a) {
				local, remote = remote, local
			}
			return withTags(a.Tags, func(name string) ([]string, bool) {
				switch name {
				case "transit-gateway-attachment-id":
					return one(a.ID), true
				case "local-owner-id":
					return one(local), true
				case "remote-owner-id":
					return one(remote), true
				case "state":
					return one(string(a.State)), true
				case "transit-gateway-id":
					return []string{a.TransitGatewayID, a.Peer.TransitGatewayID}, true
				}
				return nil, false
			})
		})
	if err != nil {
		return nil, err
	}
	return &describeTGWPeeringsResp{Attachments: convertAll(page, func(a model.TransitGatewayAttachment) xmlTGWPeering { return h.toXMLTGWPeering(a, "") }),
		NextToken: next}, nil
}

// accepterView reports whether the call sees a peering attachment from its
// accepter side: the accepter's account, in the accepter's region where
// one account owns both gateways.
func (h *Handler) accepterView(c *call, a model.TransitGatewayAttachment) bool {
	if a.Kind != model.AttachPeering || a.Peer.Account != c.account {
		return false
	}
	return a.Account != c.account || (h.regionOf(a.Peer.Region) == c.region && h.regionOf(a.Region) != c.region)
}

// enableOpt reads an enable|disable parameter: nil when absent.
func enableOpt(f form, k string) (*bool, error) {
	switch v := f.str(k); v {
	case "":
		return nil, nil
	case "enable", "disable":
		b := v == "enable"
		return &b, nil
	default:
		return nil, errInvalid("Value (%s) for parameter %s is invalid. Valid values are enable, disable.", clip(v), k)
	}
}
