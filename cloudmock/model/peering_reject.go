package model

import "time"

// The end of a peering request that is never accepted, and the options
// each side of an active peering sets.

// PeeringRequestLife is how long a peering request waits for its
// accepter before it expires.
// AWS: https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html#vpc-peering-lifecycle — pending-acceptance: the request expires after 7 days if not accepted (expired)
const PeeringRequestLife = 7 * 24 * time.Hour

// expired reports whether a pending request has passed PeeringRequestLife.
func (p *Peering) expired(now time.Time) bool {
	return p.State == PeeringPendingAcceptance && !p.RequestedAt.IsZero() && now.Sub(p.RequestedAt) > PeeringRequestLife
}

// RejectPeering rejects a pending request: only its accepter may
// (CodeIncorrectState for the requester, or a request no longer pending).
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RejectVpcPeeringConnection.html — the owner of the accepter VPC rejects a request in the pending-acceptance state; the requester deletes instead
// AWS: https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html#vpc-peering-lifecycle — rejected: the request is visible for 2 days
func (c *Cloud) RejectPeering(account, id string) (Peering, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.peerings[id]
	if !ok || (p.AccepterAccount != account && p.RequesterAccount != account) {
		return Peering{}, notFound(KindPeering, id)
	}
	if p.AccepterAccount != account || p.State != PeeringPendingAcceptance || p.expired(time.Now()) {
		return Peering{}, errf(CodeIncorrectState, KindPeering, id, "peering connection %s cannot be rejected by this account in state %s", id, p.copy(c).State)
	}
	p.State = PeeringRejected
	c.emitLocked(KindPeering, OpUpdate, id, p.RequesterAccount)
	return p.copy(c), nil
}
