package model

import (
	"net/netip"
	"slices"
)

// TransitGateway is a regional router that connects networks and VPNs
// through attachments and its own route tables.
// AWS: https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html — attachments, route tables, associations and propagations
type TransitGateway struct {
	ID                  string
	Meta                `json:"-"` // scope, name and handle (names.go)
	Account             string
	Region              string // the region it lives in (Regions)
	ASN                 int64
	Description         string
	DefaultAssociation  bool
	DefaultPropagation  bool
	DefaultRouteTableID string
	State               State
	Tags                map[string]string
	// The options ModifyTransitGateway changes (tgw_modify.go).
	TGWSettings
}

// TransitGatewayRoute is one route of a transit gateway route table.
type TransitGatewayRoute struct {
	Destination  netip.Prefix
	AttachmentID string // empty for blackhole routes
	Blackhole    bool
	Propagated   bool
}

// TransitGatewayRouteTable routes traffic arriving from the attachments
// associated with it; attachments that propagate to it add their routes.
type TransitGatewayRouteTable struct {
	ID               string
	Meta             `json:"-"` // scope, name and handle (names.go)
	Account          string
	Region           string // the region it lives in (Regions)
	TransitGatewayID string
	Default          bool
	Static           []TransitGatewayRoute
	Associations     []string // attachment IDs
	Propagations     []string // attachment IDs
	Tags             map[string]string
}

// AttachmentKind says what a transit gateway attachment connects.
type AttachmentKind string

// The attachment kinds.
const (
	AttachNetwork AttachmentKind = "vpc"
	AttachVPN     AttachmentKind = "vpn"
	AttachPeering AttachmentKind = "peering" // another transit gateway (tgw_peering.go)
	AttachCircuit AttachmentKind = "circuit" // a private virtual circuit over the lab's line (circuitatt.go)
)

// TransitGatewayAttachment connects a network or a VPN to a transit gateway.
type TransitGatewayAttachment struct {
	ID               string
	Meta             `json:"-"` // scope, name and handle (names.go)
	Account          string
	Region           string // the region it lives in (Regions)
	TransitGatewayID string
	Kind             AttachmentKind
	NetworkID        string
	SubnetIDs        []string
	VPNConnectionID  string
	State            State
	Tags             map[string]string
	// A peering attachment's accepter side (tgw_peering.go).
	Peer TransitGatewayPeer `json:",omitzero"`
	// A VPC attachment's options (tgw_modify.go).
	Options VPCAttachmentOptions `json:",omitzero"`
	// A circuit attachment's circuit, its BGP session and what it learned
	// (circuitatt.go).
	Circuit CircuitSession `json:",omitzero"`
}

func (g *TransitGateway) ref() ref { return ref{KindTransitGateway, g.ID, g.Account} }

func (g *TransitGateway) copy(c *Cloud) TransitGateway {
	out := *g
	out.Meta = c.metaLocked(g.ID)
	out.Tags = c.tagsLocked(g.ID)
	out.CIDRBlocks = slices.Clone(g.CIDRBlocks)
	return out
}

func (rt *TransitGatewayRouteTable) ref() ref {
	return ref{KindTransitGatewayRouteTable, rt.ID, rt.Account}
}

func (rt *TransitGatewayRouteTable) copy(c *Cloud) TransitGatewayRouteTable {
	out := *rt
	out.Meta = c.metaLocked(rt.ID)
	out.Static = slices.Clone(rt.Static)
	out.Associations = slices.Clone(rt.Associations)
	out.Propagations = slices.Clone(rt.Propagations)
	out.Tags = c.tagsLocked(rt.ID)
	return out
}

func (a *TransitGatewayAttachment) ref() ref {
	return ref{KindTransitGatewayAttachment, a.ID, a.Account}
}

func (a *TransitGatewayAttachment) copy(c *Cloud) TransitGatewayAttachment {
	out := *a
	out.Meta = c.metaLocked(a.ID)
	out.SubnetIDs = slices.Clone(a.SubnetIDs)
	out.Tags = c.tagsLocked(a.ID)
	out.Circuit.Learned = slices.Clone(a.Circuit.Learned)
	return out
}

// TransitGatewayOptions are the creation options of a transit gateway.
type TransitGatewayOptions struct {
	ASN                int64 // 0: 64512
	Description        string
	DefaultAssociation bool
	DefaultPropagation bool
}

// CreateTransitGateway makes a transit gateway in the default place
// (CreateTransitGatewayAt).
func (c *Cloud) CreateTransitGateway(account string, o TransitGatewayOptions, tags map[string]string) (TransitGateway, error) {
	return c.CreateTransitGatewayAt(account, Place{}, o, tags)
}

// CreateTransitGatewayAt makes a transit gateway at a place (region, scope,
// name) and, when default association or propagation is on, its default
// route table (unnamed, in the same scope); its route tables and
// attachments live in the same region.
// AWS: https://docs.aws.amazon.com/vpc/latest/tgw/tgw-transit-gateways.html — default route table, Amazon side ASN 64512 by default
// AWS: https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html — a transit gateway is a Regional virtual router; VPCs in the same Region attach to it
func (c *Cloud) CreateTransitGatewayAt(account string, at Place, o TransitGatewayOptions, tags map[string]string) (TransitGateway, error) {
	region := at.Region
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.limitsLocked(account); err != nil {
		return TransitGateway{}, err
	}
	if o.ASN == 0 {
		o.ASN = 64512
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/tgw/tgw-transit-gateways.html — private ASN 64512-65534 or 4200000000-4294967294
	if (o.ASN < 64512 || o.ASN > 65534) && (o.ASN < 4200000000 || o.ASN > 4294967294) {
		return TransitGateway{}, errf(CodeInvalidParameter, KindTransitGateway, "", "amazon-side ASN %d is not a private ASN", o.ASN)
	}
	id, err := c.newIDLocked(account, KindTransitGateway, at)
	if err != nil {
		return TransitGateway{}, err
	}
	var rtID string
	if o.DefaultAssociation || o.DefaultPropagation {
		if rtID, err = c.newIDLocked(account, KindTransitGatewayRouteTable, Place{Region: region, Scope: at.Scope}); err != nil {
			return TransitGateway{}, err
		}
	}
	g := &TransitGateway{ID: id, Account: account, Region: region, ASN: o.ASN, Description: o.Description,
		DefaultAssociation: o.DefaultAssociation, DefaultPropagation: o.DefaultPropagation, State: StateAvailable}
	c.tgws[g.ID] = g
	c.registerAtLocked(KindTransitGateway, g.ID, account, at, tags)
	if o.DefaultAssociation || o.DefaultPropagation {
		rt := &TransitGatewayRouteTable{ID: rtID, Account: account, Region: region, TransitGatewayID: g.ID, Default: true}
		c.tgwRTs[rt.ID] = rt
		c.registerAtLocked(KindTransitGatewayRouteTable, rt.ID, account, Place{Region: region, Scope: at.Scope}, nil)
		g.DefaultRouteTableID = rt.ID
	}
	return g.copy(c), nil
}

func (c *Cloud) tgwLocked(account, id string) (*TransitGateway, error) {
	return c.tgws.get(account, id)
}

// TransitGateways returns the account's transit gateways, sorted by ID.
func (c *Cloud) TransitGateways(account string) []TransitGateway {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.tgws.list(c, account)
}

// CreateTransitGatewayRouteTable adds a route table to a transit gateway.
func (c *Cloud) CreateTransitGatewayRouteTable(account, tgwID string, tags map[string]string) (TransitGatewayRouteTable, error) {
	return c.CreateTransitGatewayRouteTableAt(account, Place{}, tgwID, tags)
}

// CreateTransitGatewayRouteTableAt is CreateTransitGatewayRouteTable with a
// scope and a name (at.Region is ignored: a table is in its gateway's
// region).
func (c *Cloud) CreateTransitGatewayRouteTableAt(account string, at Place, tgwID string, tags map[string]string) (TransitGatewayRouteTable, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	lim, err := c.limitsLocked(account)
	if err != nil {
		return TransitGatewayRouteTable{}, err
	}
	g, err := c.tgwLocked(account, tgwID)
	if err != nil {
		return TransitGatewayRouteTable{}, err
	}
	n := 0
	for _, rt := range c.tgwRTs {
		if rt.TransitGatewayID == tgwID {
			n++
		}
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/tgw/transit-gateway-quotas.html — 20 route tables per transit gateway
	if n >= lim.RouteTablesPerTransitGateway {
		return TransitGatewayRouteTable{}, errf(CodeLimitExceeded, KindTransitGatewayRouteTable, tgwID,
			"transit gateway %s already has the maximum of %d route tables", tgwID, lim.RouteTablesPerTransitGateway)
	}
	at.Region = g.Region
	id, err := c.newIDLocked(account, KindTransitGatewayRouteTable, at)
	if err != nil {
		return TransitGatewayRouteTable{}, err
	}
	rt := &TransitGatewayRouteTable{ID: id, Account: account, Region: g.Region, TransitGatewayID: tgwID}
	c.tgwRTs[rt.ID] = rt
	c.registerAtLocked(KindTransitGatewayRouteTable, rt.ID, account, at, tags)
	return rt.copy(c), nil
}

func (c *Cloud) tgwRTLocked(account, id string) (*TransitGatewayRouteTable, error) {
	return c.tgwRTs.get(account, id)
}

// TransitGatewayRouteTables returns the account's transit gateway route tables, sorted by ID.
func (c *Cloud) TransitGatewayRouteTables(account string) []TransitGatewayRouteTable {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.tgwRTs.list(c, account)
}

// attachLocked adds an attachment at a place in the gateway's region and
// applies the gateway's default association and propagation.
func (c *Cloud) attachLocked(g *TransitGateway, a *TransitGatewayAttachment, at Place, tags map[string]string) {
	a.Region = g.Region
	at.Region = g.Region
	c.tgwAtts[a.ID] = a
	c.registerAtLocked(KindTransitGatewayAttachment, a.ID, a.Account, at, tags)
	// AWS: https://docs.aws.amazon.com/vpc/latest/tgw/tgw-route-tables.html — new attachments associate with and propagate to the default route table when enabled
	if rt, ok := c.tgwRTs[g.DefaultRouteTableID]; ok && g.DefaultAssociation {
		rt.Associations = append(rt.Associations, a.ID)
		c.emitLocked(KindTransitGatewayRouteTable, OpUpdate, rt.ID, a.Account)
	}
	if rt, ok := c.tgwRTs[g.PropagationTable()]; ok && g.DefaultPropagation {
		rt.Propagations = append(rt.Propagations, a.ID)
		c.emitLocked(KindTransitGatewayRouteTable, OpUpdate, rt.ID, a.Account)
	}
}

// CreateTransitGatewayVPCAttachment attaches a network to a transit gateway
// through one subnet per zone.
// AWS: https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html — one subnet per Availability Zone; one attachment per VPC per gateway
func (c *Cloud) CreateTransitGatewayVPCAttachment(account, tgwID, networkID string, subnetIDs []string, tags map[string]string) (TransitGatewayAttachment, error) {
	return c.CreateTransitGatewayVPCAttachmentAt(account, Place{}, tgwID, networkID, subnetIDs, tags)
}

// CreateTransitGatewayVPCAttachmentAt is CreateTransitGatewayVPCAttachment
// with a scope and a name (at.Region is ignored: an attachment is in its
// gateway's region).
func (c *Cloud) CreateTransitGatewayVPCAttachmentAt(account string, at Place, tgwID, networkID string, subnetIDs []string, tags map[string]string) (TransitGatewayAttachment, error) {
	return c.CreateTransitGatewayVPCAttachmentWith(account, at, tgwID, networkID, subnetIDs, VPCAttachmentOptions{}, tags)
}

// CreateTransitGatewayVPCAttachmentWith is CreateTransitGatewayVPCAttachmentAt
// with the attachment's options.
func (c *Cloud) CreateTransitGatewayVPCAttachmentWith(account string, at Place, tgwID, networkID string, subnetIDs []string, o VPCAttachmentOptions, tags map[string]string) (TransitGatewayAttachment, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, err := c.tgwLocked(account, tgwID)
	if err != nil {
		return TransitGatewayAttachment{}, err
	}
	if _, err := c.networkLocked(account, networkID); err != nil {
		return TransitGatewayAttachment{}, err
	}
	if p, err := c.profileLocked(account); err == nil && len(subnetIDs) == 0 && !p.WholeNetworkAttachments {
		return TransitGatewayAttachment{}, errf(CodeInvalidParameter, KindTransitGatewayAttachment, "", "at least one subnet is required")
	}
	if err := c.checkAttachmentSubnetsLocked(account, networkID, subnetIDs); err != nil {
		return TransitGatewayAttachment{}, err
	}
	for _, a := range c.tgwAtts {
		if a.TransitGatewayID == tgwID && a.NetworkID == networkID && a.State != StateDeleted {
			return TransitGatewayAttachment{}, errf(CodeAlreadyExists, KindTransitGatewayAttachment, a.ID, "network %s is already attached to %s by %s", networkID, tgwID, a.ID)
		}
	}
	at.Region = g.Region
	id, err := c.newIDLocked(account, KindTransitGatewayAttachment, at)
	if err != nil {
		return TransitGatewayAttachment{}, err
	}
	a := &TransitGatewayAttachment{ID: id, Account: account, TransitGatewayID: tgwID, Kind: AttachNetwork,
		NetworkID: networkID, SubnetIDs: slices.Clone(subnetIDs), State: StateAvailable, Options: o}
	c.attachLocked(g, a, at, tags)
	return a.copy(c), nil
}

// TransitGatewayAttachments returns the account's attachments, sorted by ID.
// A peering attachment is also the accepter account's.
func (c *Cloud) TransitGatewayAttachments(account string) []TransitGatewayAttachment {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.tgwAtts.listWhere(c, func(a *TransitGatewayAttachment) bool { return a.seenBy(account) })
}

func (c *Cloud) rtAndAttachmentLocked(account, rtID, attID string) (*TransitGatewayRouteTable, *TransitGatewayAttachment, error) {
	rt, err := c.tgwRTLocked(account, rtID)
	if err != nil {
		return nil, nil, err
	}
	a, ok := c.tgwAtts[attID]
	if !ok || !a.seenBy(account) || a.State == StateDeleted {
		return nil, nil, notFound(KindTransitGatewayAttachment, attID)
	}
	if !a.on(rt.TransitGatewayID) {
		return nil, nil, errf(CodeInvalidParameter, KindTransitGatewayAttachment, attID, "attachment %s and route table %s belong to different transit gateways", attID, rtID)
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/tgw/tgw-peering-accept-reject.html — a peering attachment is used once it is accepted
	if a.Kind == AttachPeering && a.State != StateAvailable {
		return nil, nil, errf(CodeIncorrectState, KindTransitGatewayAttachment, attID, "transit gateway attachment %s is in state %s", attID, a.State)
	}
	return rt, a, nil
}

// AssociateTransitGatewayRouteTable makes rtID the table that routes the
// attachment's traffic; an attachment has at most one associated table.
// AWS: https://docs.aws.amazon.com/vpc/latest/tgw/tgw-route-tables.html — each attachment is associated with exactly one route table
func (c *Cloud) AssociateTransitGatewayRouteTable(account, rtID, attID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	rt, a, err := c.rtAndAttachmentLocked(account, rtID, attID)
	if err != nil {
		return err
	}
	for _, other := range c.tgwRTs {
		// A peering attachment has one association on each of its gateways.
		if other.TransitGatewayID == rt.TransitGatewayID && slices.Contains(other.Associations, a.ID) {
			return errf(CodeAlreadyAssociated, KindTransitGatewayAttachment, attID, "attachment %s is already associated with %s", attID, other.ID)
		}
	}
	rt.Associations = append(rt.Associations, a.ID)
	c.emitLocked(KindTransitGatewayRouteTable, OpUpdate, rt.ID, account)
	return nil
}

// DisassociateTransitGatewayRouteTable removes an attachment's association.
func (c *Cloud) DisassociateTransitGatewayRouteTable(account, rtID, attID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	rt, a, err := c.rtAndAttachmentLocked(account, rtID, attID)
	if err != nil {
		return err
	}
	i := slices.Index(rt.Associations, a.ID)
	if i < 0 {
		return errf(CodeNotAssociated, KindTransitGatewayAttachment, attID, "attachment %s is not associated with %s", attID, rtID)
	}
	rt.Associations = slices.Delete(rt.Associations, i, i+1)
	c.emitLocked(KindTransitGatewayRouteTable, OpUpdate, rt.ID, account)
	return nil
}

// EnableTransitGatewayRouteTablePropagation makes the attachment's routes
// appear in the table.
// AWS: https://docs.aws.amazon.com/vpc/latest/tgw/tgw-route-tables.html#enable-tgw-route-propagation — VPC CIDRs and VPN routes propagate
func (c *Cloud) EnableTransitGatewayRouteTablePropagation(account, rtID, attID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	rt, a, err := c.rtAndAttachmentLocked(account, rtID, attID)
	if err != nil {
		return err
	}
	if a.Kind == AttachPeering && !a.Peer.ExchangeRoutes {
		return errPeeringPropagation(attID)
	}
	if slices.Contains(rt.Propagations, a.ID) {
		return errf(CodeAlreadyAssociated, KindTransitGatewayAttachment, attID, "attachment %s already propagates to %s", attID, rtID)
	}
	rt.Propagations = append(rt.Propagations, a.ID)
	c.emitLocked(KindTransitGatewayRouteTable, OpUpdate, rt.ID, account)
	return nil
}

// CreateTransitGatewayRoute adds a static route to an attachment, or a
// blackhole route when attID is empty and blackhole is set.
func (c *Cloud) CreateTransitGatewayRoute(account, rtID string, dst netip.Prefix, attID string, blackhole bool) (TransitGatewayRoute, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	rt, err := c.tgwRTLocked(account, rtID)
	if err != nil {
		return TransitGatewayRoute{}, err
	}
	if err := checkRoutePrefix(KindTransitGatewayRoute, dst); err != nil {
		return TransitGatewayRoute{}, err
	}
	if blackhole == (attID != "") {
		return TransitGatewayRoute{}, errf(CodeInvalidParameter, KindTransitGatewayRoute, dst.String(), "a route needs either an attachment or blackhole")
	}
	if attID != "" {
		if _, _, err := c.rtAndAttachmentLocked(account, rtID, attID); err != nil {
			return TransitGatewayRoute{}, err
		}
	}
	for _, r := range rt.Static {
		if r.Destination == dst {
			return TransitGatewayRoute{}, errf(CodeAlreadyExists, KindTransitGatewayRoute, dst.String(), "route %s already exists in transit gateway route table %s", dst, rtID)
		}
	}
	r := TransitGatewayRoute{Destination: dst, AttachmentID: attID, Blackhole: blackhole}
	rt.Static = append(rt.Static, r)
	c.emitLocked(KindTransitGatewayRouteTable, OpUpdate, rt.ID, account)
	return r, nil
}

// DeleteTransitGatewayRoute removes a static route.
func (c *Cloud) DeleteTransitGatewayRoute(account, rtID string, dst netip.Prefix) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	rt, err := c.tgwRTLocked(account, rtID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(rt.Static, func(r TransitGatewayRoute) bool { return r.Destination == dst })
	if i < 0 {
		return errf(CodeNotFound, KindTransitGatewayRoute, dst.String(), "no static route %s in transit gateway route table %s", dst, rtID)
	}
	rt.Static = slices.Delete(rt.Static, i, i+1)
	c.emitLocked(KindTransitGatewayRouteTable, OpUpdate, rt.ID, account)
	return nil
}

// TransitGatewayRoutes returns a table's effective routes: its static routes
// plus the routes its propagating attachments bring, a static route winning
// over a propagated one for the same prefix. Sorted by prefix.
// AWS: https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html#tgw-route-evaluation-order — static routes are preferred over propagated routes
func (c *Cloud) TransitGatewayRoutes(account, rtID string) ([]TransitGatewayRoute, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	rt, err := c.tgwRTLocked(account, rtID)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(rt.Static)
	have := func(p netip.Prefix) bool {
		return slices.ContainsFunc(out, func(r TransitGatewayRoute) bool { return r.Destination == p })
	}
	for _, attID := range rt.Propagations {
		a, ok := c.tgwAtts[attID]
		if !ok || a.State == StateDeleted {
			continue
		}
		var prefixes []netip.Prefix
		switch a.Kind {
		case AttachNetwork:
			if n, ok := c.networks[a.NetworkID]; ok {
				for _, b := range n.CIDRs {
					prefixes = append(prefixes, b.Prefix)
				}
				// AWS: https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html — with IPv6 support enabled, the attachment routes (and propagates) the VPC's IPv6 CIDRs
				if a.Options.IPv6Support {
					for _, b := range n.IPv6CIDRs {
						prefixes = append(prefixes, b.Prefix)
					}
				}
			}
		case AttachVPN:
			if v, ok := c.vpns[a.VPNConnectionID]; ok {
				prefixes = append(prefixes, v.Routes...)
			}
		case AttachPeering:
			prefixes = c.peerNetworksLocked(a, rt.TransitGatewayID)
		case AttachCircuit:
			prefixes = a.Circuit.Learned
		}
		for _, p := range prefixes {
			if !have(p) {
				out = append(out, TransitGatewayRoute{Destination: p, AttachmentID: attID, Propagated: true})
			}
		}
	}
	slices.SortFunc(out, func(a, b TransitGatewayRoute) int {
		if c := a.Destination.Addr().Compare(b.Destination.Addr()); c != 0 {
			return c
		}
		return a.Destination.Bits() - b.Destination.Bits()
	})
	return out, nil
}

// peerNetworksLocked are the routes a route-exchanging peering attachment
// brings to a table of gateway self: the IPv4 CIDRs of the networks
// attached to the other gateway (not what that gateway learns from its
// own peerings: the exchange is not transitive).
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/scenario_e.htm — the DRGs of two peered RPCs advertise their attached VCNs' CIDRs to each other
func (c *Cloud) peerNetworksLocked(a *TransitGatewayAttachment, self string) []netip.Prefix {
	other := a.TransitGatewayID
	if other == self {
		other = a.Peer.TransitGatewayID
	}
	var out []netip.Prefix
	for _, x := range c.tgwAtts {
		if x.TransitGatewayID != other || x.Kind != AttachNetwork || x.State == StateDeleted {
			continue
		}
		if n, ok := c.networks[x.NetworkID]; ok {
			for _, b := range n.CIDRs {
				out = append(out, b.Prefix)
			}
		}
	}
	return out
}
