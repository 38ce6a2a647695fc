package model

// Peerings of two sides. Azure and GCP peer two networks with one
// resource on each side, each named in its own network: the first side
// made requests the peering (RequestPeeringAt, the peering's own place),
// the second accepts it (AcceptPeeringAt, the accepter's place). Deleting
// one side stops the traffic (the peering is deleted) while the other
// side's resource stays, disconnected, until it is deleted too; then the
// peering is gone.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-network-manage-peering — a peering is created from each virtual network; Initiated until both exist, then Connected; deleting one side disconnects the other
// GCP: https://cloud.google.com/vpc/docs/vpc-peering — each network configures a peering; ACTIVE when both match, INACTIVE when one is deleted

// AcceptPeeringAt accepts a pending request from the accepter's side,
// naming that side at a place (its scope and name, unique as the
// profile makes names) with what it takes from the peer.
func (c *Cloud) AcceptPeeringAt(account, id string, at Place, side PeeringSide) (Peering, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.peerings[id]
	if !ok || p.AccepterAccount != account || p.State != PeeringPendingAcceptance || p.AccepterName != "" {
		return Peering{}, errf(CodeIncorrectState, KindPeering, id, "peering connection %s cannot be accepted by this account", id)
	}
	prof, err := c.profileLocked(account)
	if err != nil {
		return Peering{}, err
	}
	if err := c.checkNameLocked(prof, account, KindPeering, at); err != nil {
		return Peering{}, err
	}
	p.State, p.AccepterScope, p.AccepterName, p.AccepterSide = PeeringActive, at.Scope, at.Name, side
	c.indexAccepterLocked(p)
	c.emitLocked(KindPeering, OpUpdate, id, p.RequesterAccount)
	return p.copy(c), nil
}

// indexAccepterLocked records the accepter side's name in the name index.
func (c *Cloud) indexAccepterLocked(p *Peering) {
	if p.AccepterName != "" {
		c.names[c.nameKeyLocked(p.AccepterAccount, p.AccepterScope, KindPeering, p.AccepterName)] = p.ID
	}
}

// DeletePeeringSide deletes one side of a peering (the accepter's when
// accepter is true; account is that side's): the peering is deleted, the
// side's name freed, and once neither side has a name the peering is
// forgotten.
func (c *Cloud) DeletePeeringSide(account, id string, accepter bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.peerings[id]
	if !ok || (accepter && (p.AccepterAccount != account || p.AccepterName == "")) || (!accepter && p.RequesterAccount != account) {
		return notFound(KindPeering, id)
	}
	o := c.owners[id]
	if accepter {
		k := c.nameKeyLocked(p.AccepterAccount, p.AccepterScope, KindPeering, p.AccepterName)
		if c.names[k] == id {
			delete(c.names, k)
		}
		p.AccepterScope, p.AccepterName = "", ""
	} else if o.name != "" {
		k := c.nameKeyLocked(o.account, o.scope, KindPeering, o.name)
		if c.names[k] == id {
			delete(c.names, k)
		}
		o.name = ""
		c.owners[id] = o
	}
	p.State = PeeringDeleted
	if o.name == "" && p.AccepterName == "" {
		delete(c.peerings, id)
		c.forgetLocked(KindPeering, id, p.RequesterAccount)
		return nil
	}
	c.emitLocked(KindPeering, OpUpdate, id, p.RequesterAccount)
	return nil
}

// Peering returns a peering that the account is a side of.
func (c *Cloud) Peering(account, id string) (Peering, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	p, ok := c.peerings[id]
	if !ok || (p.RequesterAccount != account && p.AccepterAccount != account) {
		return Peering{}, notFound(KindPeering, id)
	}
	return p.copy(c), nil
}

// PeeringEnd is one named side of a two-sided peering, seen from its own
// network (Azure's VNet peering link, GCP's network peering).
type PeeringEnd struct {
	P        Peering
	Accepter bool // the accepter's side, else the requester's
}

// Network returns the side's own network.
func (e PeeringEnd) Network() string {
	if e.Accepter {
		return e.P.AccepterNetworkID
	}
	return e.P.RequesterNetworkID
}

// Name returns the side's name in its network.
func (e PeeringEnd) Name() string {
	if e.Accepter {
		return e.P.AccepterName
	}
	return e.P.Name
}

// Remote returns the other side's account and network.
func (e PeeringEnd) Remote() (account, network string) {
	if e.Accepter {
		return e.P.RequesterAccount, e.P.RequesterNetworkID
	}
	return e.P.AccepterAccount, e.P.AccepterNetworkID
}

// Props returns what the side's network takes from the other.
func (e PeeringEnd) Props() PeeringSide {
	if e.Accepter {
		return e.P.AccepterSide
	}
	return e.P.RequesterSide
}

// PeeringEnds returns the named sides that network n of the account has
// of its peerings, each seen from n.
func (c *Cloud) PeeringEnds(account, network string) []PeeringEnd {
	var out []PeeringEnd
	for _, p := range c.Peerings(account) {
		if p.RequesterNetworkID == network && p.Name != "" {
			out = append(out, PeeringEnd{P: p})
		}
		if p.AccepterNetworkID == network && p.AccepterName != "" {
			out = append(out, PeeringEnd{P: p, Accepter: true})
		}
	}
	return out
}
