package model

import (
	"slices"
	"time"
)

// Transit gateway peering. A peering attachment joins two transit
// gateways, of the same or two accounts, in the same or two regions. The
// requester makes it on its gateway (the attachment's TransitGatewayID and
// Account); it waits in pendingAcceptance until the owner of the peer
// gateway accepts it (available) or rejects it (rejected). Both gateways
// then see the one attachment: each associates it with one of its own
// route tables and routes to it with static routes, as a peering
// attachment propagates nothing.
// AWS: https://docs.aws.amazon.com/vpc/latest/tgw/tgw-peering.html — peering attachments between transit gateways in the same or different Regions and accounts; static routes
// AWS: https://docs.aws.amazon.com/vpc/latest/tgw/tgw-peering-accept-reject.html — created in pendingAcceptance until accepted or rejected by the owner of the accepter transit gateway, from its Region

// The states of a peering attachment beside StateAvailable and StateDeleted.
const (
	StatePendingAcceptance State = "pendingAcceptance"
	StateRejected          State = "rejected"
)

// TransitGatewayPeer is the accepter side of a peering attachment.
type TransitGatewayPeer struct {
	TransitGatewayID string `json:",omitempty"`
	Account          string `json:",omitempty"`
	Region           string `json:",omitempty"`
	DynamicRouting   bool   `json:",omitempty"`
	// ExchangeRoutes: each gateway's tables may propagate the attachment,
	// learning the networks attached to the other gateway (an OCI remote
	// peering connection; AWS's peering attachments propagate nothing).
	ExchangeRoutes bool `json:",omitempty"`
	// CreatedAt is when the request was made.
	CreatedAt time.Time `json:",omitzero"`
}

// seenBy reports whether the account sees the attachment: its owner, or
// the accepter of a peering attachment.
func (a *TransitGatewayAttachment) seenBy(account string) bool {
	return a.Account == account || (a.Kind == AttachPeering && a.Peer.Account == account)
}

// on reports whether the attachment attaches the transit gateway: its
// own, or the peer gateway of a peering attachment.
func (a *TransitGatewayAttachment) on(tgwID string) bool {
	return a.TransitGatewayID == tgwID || (a.Kind == AttachPeering && a.Peer.TransitGatewayID == tgwID)
}

// errPeeringPropagation refuses the propagation of a peering attachment.
func errPeeringPropagation(attID string) error {
	// AWS: https://docs.aws.amazon.com/vpc/latest/tgw/tgw-peering.html — a peering attachment does not propagate routes: add static routes to it
	return errf(CodeIncorrectState, KindTransitGatewayAttachment, attID, "transit gateway peering attachment %s does not support route propagation", attID)
}

// TGWPeeringRequest is a request to peer a transit gateway of the account
// with a peer gateway.
type TGWPeeringRequest struct {
	TransitGatewayID     string
	PeerTransitGatewayID string
	PeerAccount          string // "" for the requester's account
	DynamicRouting       bool
	ExchangeRoutes       bool // TransitGatewayPeer.ExchangeRoutes
}

// CreateTransitGatewayPeeringAttachmentAt requests a peering attachment at
// a place (its scope and name; it lives in the requester gateway's
// region). The peer gateway must exist in the peer account.
func (c *Cloud) CreateTransitGatewayPeeringAttachmentAt(account string, at Place, r TGWPeeringRequest, tags map[string]string) (TransitGatewayAttachment, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, err := c.tgwLocked(account, r.TransitGatewayID)
	if err != nil {
		return TransitGatewayAttachment{}, err
	}
	if r.PeerAccount == "" {
		r.PeerAccount = account
	}
	if _, err := c.limitsLocked(r.PeerAccount); err != nil {
		return TransitGatewayAttachment{}, err
	}
	pg, err := c.tgwLocked(r.PeerAccount, r.PeerTransitGatewayID)
	if err != nil {
		return TransitGatewayAttachment{}, err
	}
	if pg.ID == g.ID {
		return TransitGatewayAttachment{}, errf(CodeInvalidParameter, KindTransitGatewayAttachment, g.ID, "a transit gateway cannot peer with itself")
	}
	at.Region = g.Region
	id, err := c.newIDLocked(account, KindTransitGatewayAttachment, at)
	if err != nil {
		return TransitGatewayAttachment{}, err
	}
	a := &TransitGatewayAttachment{ID: id, Account: account, Region: g.Region, TransitGatewayID: g.ID, Kind: AttachPeering,
		State: StatePendingAcceptance, Peer: TransitGatewayPeer{TransitGatewayID: pg.ID, Account: r.PeerAccount, Region: pg.Region,
			DynamicRouting: r.DynamicRouting, ExchangeRoutes: r.ExchangeRoutes, CreatedAt: time.Now().UTC()}}
	// Not through attachLocked: a peering attachment takes no default
	// association or propagation until it is accepted.
	c.tgwAtts[a.ID] = a
	c.registerAtLocked(KindTransitGatewayAttachment, a.ID, account, at, tags)
	return a.copy(c), nil
}

// peeringLocked returns a peering attachment the account sees.
func (c *Cloud) peeringLocked(account, id string) (*TransitGatewayAttachment, error) {
	a, ok := c.tgwAtts[id]
	if !ok || a.Kind != AttachPeering || !a.seenBy(account) || a.State == StateDeleted {
		return nil, notFound(KindTransitGatewayAttachment, id)
	}
	return a, nil
}

// AcceptTransitGatewayPeeringAttachment makes a pending peering attachment
// available; only the peer gateway's account may.
func (c *Cloud) AcceptTransitGatewayPeeringAttachment(account, id string) (TransitGatewayAttachment, error) {
	return c.answerPeering(account, id, StateAvailable)
}

// RejectTransitGatewayPeeringAttachment rejects a pending peering
// attachment; only the peer gateway's account may.
func (c *Cloud) RejectTransitGatewayPeeringAttachment(account, id string) (TransitGatewayAttachment, error) {
	return c.answerPeering(account, id, StateRejected)
}

func (c *Cloud) answerPeering(account, id string, to State) (TransitGatewayAttachment, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, err := c.peeringLocked(account, id)
	if err != nil {
		return TransitGatewayAttachment{}, err
	}
	if a.Peer.Account != account || a.State != StatePendingAcceptance {
		return TransitGatewayAttachment{}, errf(CodeIncorrectState, KindTransitGatewayAttachment, id,
			"transit gateway attachment %s in state %s cannot be accepted or rejected by account %s", id, a.State, account)
	}
	a.State = to
	c.emitLocked(KindTransitGatewayAttachment, OpUpdate, id, a.Account)
	return a.copy(c), nil
}

// DeleteTransitGatewayPeeringAttachment deletes a peering attachment from
// either side, with its associations and the static routes to it on both
// gateways.
// AWS: https://docs.aws.amazon.com/vpc/latest/tgw/tgw-peering.html — either owner can delete the peering attachment
func (c *Cloud) DeleteTransitGatewayPeeringAttachment(account, id string) (TransitGatewayAttachment, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, err := c.peeringLocked(account, id)
	if err != nil {
		return TransitGatewayAttachment{}, err
	}
	out := a.copy(c)
	out.State = StateDeleted
	c.removeAttachmentLocked(a)
	return out, nil
}

// PeeringAttachmentRegions returns the regions where the account sees a
// peering attachment: the requester's region to the requester, the
// accepter's to the accepter (both for one account owning both gateways).
func (a TransitGatewayAttachment) PeeringAttachmentRegions(account string) []string {
	var out []string
	if a.Account == account {
		out = append(out, a.Region)
	}
	if a.Peer.Account == account && !slices.Contains(out, a.Peer.Region) {
		out = append(out, a.Peer.Region)
	}
	return out
}
