package model

// PeeringState is the state of a peering connection.
type PeeringState string

// The peering states.
const (
	PeeringPendingAcceptance PeeringState = "pending-acceptance"
	PeeringActive            PeeringState = "active"
	PeeringDeleted           PeeringState = "deleted"
)

// Peering connects two networks, possibly of two accounts. It is not
// transitive: traffic is never routed through a peered network to a third.
// AWS: https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html — peering is not transitive and CIDRs must not overlap
type Peering struct {
	ID                 string
	Meta               `json:"-"` // scope, name and handle (names.go)
	RequesterAccount   string
	RequesterNetworkID string
	RequesterRegion    string // the requester network's region
	AccepterAccount    string
	AccepterNetworkID  string
	AccepterRegion     string // the accepter network's region: another for an inter-Region peering
	State              PeeringState
	Tags               map[string]string
}

func (p *Peering) ref() ref { return ref{KindPeering, p.ID, p.RequesterAccount} }

func (p *Peering) copy(c *Cloud) Peering {
	out := *p
	out.Meta = c.metaLocked(p.ID)
	out.Tags = c.tagsLocked(p.ID)
	return out
}

// RequestPeering asks to peer a network of the account with another
// network, of the same or another account, in the same or another region
// (an inter-Region peering, seen in both regions).
// AWS: https://docs.aws.amazon.com/vpc/latest/peering/what-is-vpc-peering.html — a peering connection between VPCs in the same or different Regions
func (c *Cloud) RequestPeering(account, networkID, peerAccount, peerNetworkID string, tags map[string]string) (Peering, error) {
	return c.RequestPeeringAt(account, Place{}, networkID, peerAccount, peerNetworkID, tags)
}

// RequestPeeringAt is RequestPeering with a scope and a name (at.Region is
// ignored: a peering is in its requester network's region).
func (c *Cloud) RequestPeeringAt(account string, at Place, networkID, peerAccount, peerNetworkID string, tags map[string]string) (Peering, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.networkLocked(account, networkID)
	if err != nil {
		return Peering{}, err
	}
	if peerAccount == "" {
		peerAccount = account
	}
	pn, err := c.networkLocked(peerAccount, peerNetworkID)
	if err != nil {
		return Peering{}, err
	}
	if pn.ID == n.ID {
		return Peering{}, errf(CodeInvalidParameter, KindPeering, networkID, "a network cannot peer with itself")
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html#vpc-peering-limitations — overlapping CIDRs cannot be peered
	for _, a := range n.CIDRs {
		for _, b := range pn.CIDRs {
			if a.Prefix.Overlaps(b.Prefix) {
				return Peering{}, errf(CodeConflict, KindPeering, networkID, "networks %s and %s have overlapping CIDRs %s and %s", n.ID, pn.ID, a.Prefix, b.Prefix)
			}
		}
	}
	at.Region = n.Region
	id, err := c.newIDLocked(account, KindPeering, at)
	if err != nil {
		return Peering{}, err
	}
	p := &Peering{ID: id, RequesterAccount: account, RequesterNetworkID: n.ID, AccepterAccount: peerAccount,
		AccepterNetworkID: pn.ID, State: PeeringPendingAcceptance, RequesterRegion: n.Region, AccepterRegion: pn.Region}
	c.peerings[p.ID] = p
	c.registerAtLocked(KindPeering, p.ID, account, at, tags)
	return p.copy(c), nil
}

// AcceptPeering accepts a pending request; only the accepter account may.
func (c *Cloud) AcceptPeering(account, id string) (Peering, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.peerings[id]
	if !ok || (p.AccepterAccount != account && p.RequesterAccount != account) {
		return Peering{}, notFound(KindPeering, id)
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/peering/accept-vpc-peering-connection.html — the owner of the accepter VPC accepts
	if p.AccepterAccount != account || p.State != PeeringPendingAcceptance {
		return Peering{}, errf(CodeIncorrectState, KindPeering, id, "peering connection %s cannot be accepted by this account in state %s", id, p.State)
	}
	p.State = PeeringActive
	c.emitLocked(KindPeering, OpUpdate, id, p.RequesterAccount)
	return p.copy(c), nil
}

// Peerings returns the peering connections the account is part of, sorted by ID.
func (c *Cloud) Peerings(account string) []Peering {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.peerings.listWhere(c, func(p *Peering) bool { return p.RequesterAccount == account || p.AccepterAccount == account })
}
