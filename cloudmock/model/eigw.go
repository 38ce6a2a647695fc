package model

// EgressOnlyGateway is an egress-only internet gateway: it passes a
// network's IPv6 connections to the internet and their replies, and no
// connection the internet opens. It is made attached to its network.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/egress-only-internet-gateway.html — stateful, outbound-only IPv6; it cannot be detached, only deleted
type EgressOnlyGateway struct {
	ID        string
	Meta      `json:"-"` // scope, name and handle (names.go)
	Account   string
	Region    string // its network's
	NetworkID string
	Tags      map[string]string
}

func (g *EgressOnlyGateway) ref() ref { return ref{KindEgressOnlyGateway, g.ID, g.Account} }

func (g *EgressOnlyGateway) copy(c *Cloud) EgressOnlyGateway {
	out := *g
	out.Meta = c.metaLocked(g.ID)
	out.Tags = c.tagsLocked(g.ID)
	return out
}

// CreateEgressOnlyGateway makes an egress-only internet gateway attached
// to a network.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateEgressOnlyInternetGateway.html — created for a VPC
func (c *Cloud) CreateEgressOnlyGateway(account, networkID string, tags map[string]string) (EgressOnlyGateway, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.networkLocked(account, networkID)
	if err != nil {
		return EgressOnlyGateway{}, err
	}
	at := Place{Region: n.Region}
	id, err := c.newIDLocked(account, KindEgressOnlyGateway, at)
	if err != nil {
		return EgressOnlyGateway{}, err
	}
	g := &EgressOnlyGateway{ID: id, Account: account, Region: n.Region, NetworkID: n.ID}
	c.eigws[g.ID] = g
	c.registerAtLocked(KindEgressOnlyGateway, g.ID, account, at, tags)
	return g.copy(c), nil
}

// EgressOnlyGateways returns the account's egress-only internet gateways,
// sorted by ID.
func (c *Cloud) EgressOnlyGateways(account string) []EgressOnlyGateway {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.eigws.list(c, account)
}

// DeleteEgressOnlyGateway deletes an egress-only internet gateway; the
// routes to it become blackholes.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/egress-only-internet-gateway.html#delete-eigw — delete the gateway; routes to it are left blackholed
func (c *Cloud) DeleteEgressOnlyGateway(account, id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.eigws.get(account, id); err != nil {
		return err
	}
	delete(c.eigws, id)
	c.forgetLocked(KindEgressOnlyGateway, id, account)
	return nil
}
