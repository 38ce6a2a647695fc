package model

import "time"

// PeeringState is the state of a peering connection.
type PeeringState string

// The peering states.
const (
	PeeringPendingAcceptance PeeringState = "pending-acceptance"
	PeeringActive            PeeringState = "active"
	PeeringDeleted           PeeringState = "deleted"
	// PeeringRejected and PeeringExpired end a request that was never
	// accepted (peering_reject.go).
	PeeringRejected PeeringState = "rejected"
	PeeringExpired  PeeringState = "expired"
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
	// RequesterSide and AccepterSide are what each side's network takes
	// from the other (SetPeeringSide); the zero value takes all of it.
	RequesterSide PeeringSide `json:",omitzero"`
	AccepterSide  PeeringSide `json:",omitzero"`
	Tags          map[string]string
	// The accepter's side, where a provider makes each side a resource of
	// its own network (peeringside.go); the requester's side is the
	// peering's own place (Meta).
	AccepterScope string `json:",omitempty"`
	AccepterName  string `json:",omitempty"`
	// RequestedAt is when the request was made; a request not accepted
	// within PeeringRequestLife has expired.
	RequestedAt time.Time `json:",omitzero"`
}

// PeeringSide is what one network of a peering takes from its peer, where
// its provider lets each side choose (Azure's properties of each VNet's
// peering link). The zero value takes all traffic the routes bring (AWS's
// peering, which has no such choice).
type PeeringSide struct {
	// BlockForwarded: the network takes from the peer only packets whose
	// source is in the peer's address space, not what an appliance in the
	// peer forwards from elsewhere (Azure's allowForwardedTraffic false,
	// its default).
	// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-network-peering-overview — allow forwarded traffic: traffic forwarded by a network virtual appliance in the peer, which did not originate there, flows through the peering only when allowed
	BlockForwarded bool `json:",omitempty"`
	// BlockRemote: the peer's address space is not part of the network's
	// VirtualNetwork service tag, so rule sets' defaults stop its traffic
	// (Azure's allowVirtualNetworkAccess false).
	// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-network-manage-peering#create-a-peering — with access to the remote network off, the VirtualNetwork tag does not include the peered network
	BlockRemote bool `json:",omitempty"`
	// GatewayTransit: the peer may use this network's gateways (Azure's
	// allowGatewayTransit); UseRemoteGateways: this network uses the
	// peer's (Azure's useRemoteGateways).
	// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-network-peering-overview#gateways-and-on-premises-connectivity — gateway transit: one VNet's gateway serves its peer, which uses remote gateways
	GatewayTransit    bool `json:",omitempty"`
	UseRemoteGateways bool `json:",omitempty"`
	// DNSFromRemote: the peer's instances resolve this network's
	// instances' public DNS names to private addresses (AWS's
	// AllowDnsResolutionFromRemoteVpc; peering_reject.go).
	DNSFromRemote bool `json:",omitempty"`
	// ExportCustom: the network's custom routes go to the peer;
	// ImportCustom: the network takes the peer's exported custom routes
	// (GCP's exportCustomRoutes and importCustomRoutes, both off by
	// default; Profile.PeeringRoutes).
	// GCP: https://cloud.google.com/vpc/docs/vpc-peering#importing-exporting-routes — custom routes are exchanged only when one side exports and the other imports them
	ExportCustom bool `json:",omitempty"`
	ImportCustom bool `json:",omitempty"`
}

// Side returns what network networkID takes from the peer, and whether it
// is one of the peering's networks.
func (p Peering) Side(networkID string) (PeeringSide, bool) {
	switch networkID {
	case p.RequesterNetworkID:
		return p.RequesterSide, true
	case p.AccepterNetworkID:
		return p.AccepterSide, true
	}
	return PeeringSide{}, false
}

// Peer returns the other network of the peering than networkID.
func (p Peering) Peer(networkID string) string {
	if networkID == p.RequesterNetworkID {
		return p.AccepterNetworkID
	}
	return p.RequesterNetworkID
}

// SetPeeringSide sets what one network of a peering, owned by the
// account, takes from the other.
func (c *Cloud) SetPeeringSide(account, peeringID, networkID string, side PeeringSide) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.peerings[peeringID]
	if !ok || p.State == PeeringDeleted {
		return notFound(KindPeering, peeringID)
	}
	switch {
	case networkID == p.RequesterNetworkID && account == p.RequesterAccount:
		p.RequesterSide = side
	case networkID == p.AccepterNetworkID && account == p.AccepterAccount:
		p.AccepterSide = side
	default:
		return errf(CodeInvalidParameter, KindPeering, peeringID, "network %s of account %s is not a side of peering %s", networkID, account, peeringID)
	}
	c.emitLocked(KindPeering, OpUpdate, peeringID, p.RequesterAccount)
	return nil
}

func (p *Peering) ref() ref { return ref{KindPeering, p.ID, p.RequesterAccount} }

func (p *Peering) copy(c *Cloud) Peering {
	out := *p
	out.Meta = c.metaLocked(p.ID)
	out.Tags = c.tagsLocked(p.ID)
	if p.expired(time.Now()) {
		out.State = PeeringExpired
	}
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
		AccepterNetworkID: pn.ID, State: PeeringPendingAcceptance, RequesterRegion: n.Region, AccepterRegion: pn.Region,
		RequestedAt: time.Now().UTC()}
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
	if p.AccepterAccount != account || p.State != PeeringPendingAcceptance || p.expired(time.Now()) {
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
