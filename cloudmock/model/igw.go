package model

// InternetGateway connects one network to the internet when attached.
type InternetGateway struct {
	ID        string
	Meta      `json:"-"` // scope, name and handle (names.go)
	Account   string
	Region    string // the region it lives in (Regions)
	NetworkID string // the attached network, or empty
	Tags      map[string]string
}

func (g *InternetGateway) ref() ref { return ref{KindInternetGateway, g.ID, g.Account} }

func (g *InternetGateway) copy(c *Cloud) InternetGateway {
	out := *g
	out.Meta = c.metaLocked(g.ID)
	out.Tags = c.tagsLocked(g.ID)
	return out
}

// CreateInternetGateway makes a detached internet gateway in the default
// place (CreateInternetGatewayAt).
func (c *Cloud) CreateInternetGateway(account string, tags map[string]string) (InternetGateway, error) {
	return c.CreateInternetGatewayAt(account, Place{}, tags)
}

// CreateInternetGatewayAt makes a detached internet gateway at a place
// (region, scope, name).
func (c *Cloud) CreateInternetGatewayAt(account string, at Place, tags map[string]string) (InternetGateway, error) {
	region := at.Region
	c.mu.Lock()
	defer c.mu.Unlock()
	lim, err := c.limitsLocked(account)
	if err != nil {
		return InternetGateway{}, err
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — Internet gateways per Region: 5 by default
	if n := c.igws.count(func(g *InternetGateway) bool { return g.Account == account && g.Region == region }); n >= lim.InternetGatewaysPerRegion {
		return InternetGateway{}, quotaExceeded(KindInternetGateway, "internet-gateways-per-region", lim.InternetGatewaysPerRegion, "for account "+account+regionSuffix(region))
	}
	id, err := c.newIDLocked(account, KindInternetGateway, at)
	if err != nil {
		return InternetGateway{}, err
	}
	g := &InternetGateway{ID: id, Account: account, Region: region}
	c.igws[g.ID] = g
	c.registerAtLocked(KindInternetGateway, g.ID, account, at, tags)
	return g.copy(c), nil
}

func (c *Cloud) igwLocked(account, id string) (*InternetGateway, error) {
	return c.igws.get(account, id)
}

// InternetGateways returns all internet gateways of the account, sorted by ID.
func (c *Cloud) InternetGateways(account string) []InternetGateway {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.igws.list(c, account)
}

// AttachInternetGateway attaches a gateway to a network; a network has at
// most one internet gateway and a gateway serves one network.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html — one internet gateway per VPC
func (c *Cloud) AttachInternetGateway(account, gatewayID, networkID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, err := c.igwLocked(account, gatewayID)
	if err != nil {
		return err
	}
	if _, err := c.networkLocked(account, networkID); err != nil {
		return err
	}
	if g.NetworkID != "" {
		return errf(CodeAlreadyAssociated, KindInternetGateway, gatewayID, "resource %s is already attached to network %s", gatewayID, g.NetworkID)
	}
	for _, other := range c.igws {
		if other.NetworkID == networkID {
			return errf(CodeAlreadyAssociated, KindNetwork, networkID, "network %s already has internet gateway %s attached", networkID, other.ID)
		}
	}
	g.NetworkID = networkID
	c.emitLocked(KindInternetGateway, OpUpdate, g.ID, account)
	return nil
}

// DetachInternetGateway detaches a gateway from the network it is attached to.
func (c *Cloud) DetachInternetGateway(account, gatewayID, networkID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, err := c.igwLocked(account, gatewayID)
	if err != nil {
		return err
	}
	if _, err := c.networkLocked(account, networkID); err != nil {
		return err
	}
	if g.NetworkID != networkID {
		return errf(CodeNotAssociated, KindInternetGateway, gatewayID, "the internet gateway %s is not attached to network %s", gatewayID, networkID)
	}
	g.NetworkID = ""
	c.emitLocked(KindInternetGateway, OpUpdate, g.ID, account)
	return nil
}

// DeleteInternetGateway deletes a detached gateway.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html#delete-igw — detach before deleting
func (c *Cloud) DeleteInternetGateway(account, gatewayID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, err := c.igwLocked(account, gatewayID)
	if err != nil {
		return err
	}
	if g.NetworkID != "" {
		return errf(CodeDependency, KindInternetGateway, gatewayID, "the internet gateway '%s' has dependencies and cannot be deleted", gatewayID)
	}
	delete(c.igws, gatewayID)
	c.forgetLocked(KindInternetGateway, gatewayID, account)
	return nil
}
