package model

import (
	"net/netip"
	"slices"
)

// State is the lifecycle state of gateways and attachments; the model makes
// them available at once.
type State string

// The lifecycle states.
const (
	StatePending   State = "pending"
	StateAvailable State = "available"
	StateDeleted   State = "deleted"
)

// ElasticIP is a public address an account holds until it releases it.
type ElasticIP struct {
	ID        string     // allocation ID
	Meta      `json:"-"` // scope, name and handle (names.go)
	Account   string
	Region    string // the region it lives in (Regions)
	PublicIP  netip.Addr
	Associate string // the NAT gateway or interface using it, if any
	// PrivateIP is the address of the interface Associate that it maps
	// to; invalid for the interface's primary address.
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AssociateAddress.html — PrivateIpAddress: the primary or secondary private IP address to associate with the Elastic IP address; by default the primary
	PrivateIP netip.Addr `json:",omitzero"`
	Tags      map[string]string
	// Tier is the provider's class of the address where it has one
	// (Azure's SKU, Standard or Basic; GCP's network tier); empty for AWS.
	Tier string `json:",omitempty"`
	// Dynamic: the provider shows the address only while it is in use
	// (Azure's Dynamic allocation); the model holds one all the same.
	Dynamic bool `json:",omitempty"`
}

// NATGateway translates a private subnet's outbound traffic to its elastic
// IP; it lives in a (public) subnet.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html — public NAT gateway in a public subnet with an Elastic IP
type NATGateway struct {
	ID           string
	Meta         `json:"-"` // scope, name and handle (names.go)
	Account      string
	Region       string // the region it lives in (Regions)
	NetworkID    string
	SubnetID     string
	AllocationID string
	PublicIP     netip.Addr
	PrivateIP    netip.Addr
	State        State
	Tags         map[string]string
	// A NAT gateway of no subnet (SubnetID empty; Azure's, GCP's Cloud
	// NAT) translates the outbound traffic of the subnets it Serves, all
	// of one network (NetworkID, empty while it serves none), to its
	// elastic IPs: AllocationID and then MoreAllocationIDs (natsubnet.go).
	Serves            []string `json:",omitempty"`
	MoreAllocationIDs []string `json:",omitempty"`
}

func (e *ElasticIP) ref() ref { return ref{KindElasticIP, e.ID, e.Account} }

func (e *ElasticIP) copy(c *Cloud) ElasticIP {
	out := *e
	out.Meta = c.metaLocked(e.ID)
	out.Tags = c.tagsLocked(e.ID)
	return out
}

func (g *NATGateway) ref() ref { return ref{KindNATGateway, g.ID, g.Account} }

func (g *NATGateway) copy(c *Cloud) NATGateway {
	out := *g
	out.Serves, out.MoreAllocationIDs = slices.Clone(g.Serves), slices.Clone(g.MoreAllocationIDs)
	out.Meta = c.metaLocked(g.ID)
	out.Tags = c.tagsLocked(g.ID)
	return out
}

// publicPool is where elastic IPs come from: TEST-NET-3, the emulated internet.
var publicPool = netip.MustParsePrefix("203.0.113.0/24")

// AllocateAddress allocates an elastic IP from the emulated internet's
// range in the default place (AllocateAddressAt).
func (c *Cloud) AllocateAddress(account string, tags map[string]string) (ElasticIP, error) {
	return c.AllocateAddressAt(account, Place{}, tags)
}

// AllocateAddressAt allocates an elastic IP at a place (region, scope,
// name); the addresses of every region come from the one emulated
// internet's range.
func (c *Cloud) AllocateAddressAt(account string, at Place, tags map[string]string) (ElasticIP, error) {
	region := at.Region
	c.mu.Lock()
	defer c.mu.Unlock()
	lim, err := c.limitsLocked(account)
	if err != nil {
		return ElasticIP{}, err
	}
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/elastic-ip-addresses-eip.html#using-instance-addressing-limit — 5 Elastic IP addresses per Region by default
	if n := c.eips.count(func(e *ElasticIP) bool { return e.Account == account && e.Region == region }); n >= lim.ElasticIPsPerRegion {
		return ElasticIP{}, quotaExceeded(KindElasticIP, "elastic-ips-per-region", lim.ElasticIPsPerRegion, "for account "+account+regionSuffix(region))
	}
	used := c.publicInUseLocked()
	for a := publicPool.Addr().Next(); publicPool.Contains(a); a = a.Next() {
		if used[a] {
			continue
		}
		id, err := c.newIDLocked(account, KindElasticIP, at)
		if err != nil {
			return ElasticIP{}, err
		}
		e := &ElasticIP{ID: id, Account: account, Region: region, PublicIP: a}
		c.eips[e.ID] = e
		c.registerAtLocked(KindElasticIP, e.ID, account, at, tags)
		return e.copy(c), nil
	}
	return ElasticIP{}, errf(CodeLimitExceeded, KindElasticIP, "", "the public address pool %s is exhausted", publicPool)
}

// ElasticIPs returns all elastic IPs of the account, sorted by ID.
func (c *Cloud) ElasticIPs(account string) []ElasticIP {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.eips.list(c, account)
}

func (c *Cloud) eipLocked(account, id string) (*ElasticIP, error) {
	return c.eips.get(account, id)
}

// CreateNATGateway makes a NAT gateway in a subnet using an unassociated elastic IP.
func (c *Cloud) CreateNATGateway(account, subnetID, allocationID string, tags map[string]string) (NATGateway, error) {
	return c.CreateNATGatewayAt(account, Place{}, subnetID, allocationID, tags)
}

// CreateNATGatewayAt is CreateNATGateway with a scope and a name
// (at.Region is ignored: a NAT gateway is in its subnet's region).
func (c *Cloud) CreateNATGatewayAt(account string, at Place, subnetID, allocationID string, tags map[string]string) (NATGateway, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	lim, err := c.limitsLocked(account)
	if err != nil {
		return NATGateway{}, err
	}
	s, err := c.subnetLocked(account, subnetID)
	if err != nil {
		return NATGateway{}, err
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — NAT gateways per Availability Zone: 5 by default (deleted ones do not count)
	if n := c.natgws.count(func(g *NATGateway) bool {
		return g.Account == account && g.State != StateDeleted && c.subnets[g.SubnetID] != nil && c.subnets[g.SubnetID].Zone == s.Zone
	}); n >= lim.NATGatewaysPerZone {
		return NATGateway{}, quotaExceeded(KindNATGateway, "nat-gateways-per-az", lim.NATGatewaysPerZone, "in zone "+s.Zone)
	}
	e, err := c.eipLocked(account, allocationID)
	if err != nil {
		return NATGateway{}, err
	}
	if e.Associate != "" {
		return NATGateway{}, errf(CodeAlreadyAssociated, KindElasticIP, allocationID, "elastic IP %s is already associated with %s", allocationID, e.Associate)
	}
	ip, err := c.allocateIPLocked(s)
	if err != nil {
		return NATGateway{}, err
	}
	at.Region = s.Region
	id, err := c.newIDLocked(account, KindNATGateway, at)
	if err != nil {
		return NATGateway{}, err
	}
	g := &NATGateway{ID: id, Account: account, Region: s.Region, NetworkID: s.NetworkID, SubnetID: s.ID, AllocationID: e.ID,
		PublicIP: e.PublicIP, PrivateIP: ip, State: StateAvailable}
	e.Associate = g.ID
	c.natgws[g.ID] = g
	c.registerAtLocked(KindNATGateway, g.ID, account, at, tags)
	return g.copy(c), nil
}

// NATGateways returns all NAT gateways of the account, sorted by ID.
func (c *Cloud) NATGateways(account string) []NATGateway {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.natgws.list(c, account)
}

// DeleteNATGateway deletes a NAT gateway, releasing its elastic IP; routes
// to it become blackholes.
func (c *Cloud) DeleteNATGateway(account, id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, ok := c.natgws[id]
	if !ok || g.Account != account || g.State == StateDeleted {
		return notFound(KindNATGateway, id)
	}
	if g.SubnetID == "" {
		return c.deleteSubnetNATLocked(g)
	}
	g.State = StateDeleted
	if e, ok := c.eips[g.AllocationID]; ok {
		e.Associate = ""
	}
	c.emitLocked(KindNATGateway, OpUpdate, id, account)
	return nil
}
