package model

import (
	"net/netip"
	"slices"
)

// VPNGateway is the cloud side of site-to-site VPNs for one network.
// AWS: https://docs.aws.amazon.com/vpn/latest/s2svpn/how_it_works.html — virtual private gateway
type VPNGateway struct {
	ID        string
	Meta      `json:"-"` // scope, name and handle (names.go)
	Account   string
	Region    string // the region it lives in (Regions)
	ASN       int64
	NetworkID string // attached network, or empty
	State     State
	Tags      map[string]string
	// Options are what a provider sets on the gateway itself
	// (gatewayopts.go); zero for AWS's.
	Options GatewayOptions `json:",omitzero"`
}

// CustomerGateway describes the on-premises end of a VPN.
type CustomerGateway struct {
	ID      string
	Meta    `json:"-"` // scope, name and handle (names.go)
	Account string
	Region  string // the region it lives in (Regions)
	ASN     int64
	IP      netip.Addr
	State   State
	Tags    map[string]string
	// Prefixes are the on-premises address space where the provider keeps
	// it on the gateway (Azure's localNetworkAddressSpace); BGPAddr is its
	// BGP speaker's address (Azure's bgpSettings.bgpPeeringAddress).
	Prefixes []netip.Prefix `json:",omitempty"`
	BGPAddr  netip.Addr     `json:",omitzero"`
}

// VPNConnection is a site-to-site VPN between a customer gateway and a VPN
// gateway or transit gateway, routed statically or by BGP.
type VPNConnection struct {
	ID                string
	Meta              `json:"-"` // scope, name and handle (names.go)
	Account           string
	Region            string // the region it lives in (Regions)
	CustomerGatewayID string
	VPNGatewayID      string
	TransitGatewayID  string
	AttachmentID      string // the transit gateway attachment, if any
	StaticRoutesOnly  bool
	// SharedKey is the IKE pre-shared key of the tunnel (Azure's
	// connection sharedKey), empty where the provider makes its own.
	SharedKey string `json:",omitempty"`
	// Routes are the customer's prefixes reached through the VPN: its static
	// routes, or the routes learned over BGP (recorded by SetVPNLearnedRoutes).
	Routes []netip.Prefix
	State  State
	Tags   map[string]string
	// Tunnel and BGP are what a realizer saw of the connection's tunnel
	// and BGP session (SetVPNStatus): VPNUp, VPNConnecting, or empty where
	// nothing realizes it.
	Tunnel, BGP string `json:",omitempty"`
	// Tunnels are what a realizer saw of each tunnel of a connection it
	// realizes tunnel by tunnel (OCI's two: SetVPNTunnelStatus and
	// SetVPNTunnelRoutes), by tunnel index; Tunnel, BGP and Routes then
	// sum them up.
	Tunnels []VPNTunnel `json:",omitempty"`
}

// A VPN connection's tunnel or BGP session as a realizer sees it.
const (
	VPNUp         = "up"
	VPNConnecting = "connecting"
)

// SetVPNStatus records what a realizer sees of a VPN connection's tunnel
// and BGP session (VPNUp, VPNConnecting, or empty: not realized).
func (c *Cloud) SetVPNStatus(account, vpnID, tunnel, bgp string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, err := c.vpnLocked(account, vpnID)
	if err != nil {
		return err
	}
	if v.Tunnel == tunnel && v.BGP == bgp {
		return nil
	}
	v.Tunnel, v.BGP = tunnel, bgp
	c.emitLocked(KindVPNConnection, OpUpdate, v.ID, account)
	return nil
}

func (g *VPNGateway) ref() ref { return ref{KindVPNGateway, g.ID, g.Account} }

func (g *VPNGateway) copy(c *Cloud) VPNGateway {
	out := *g
	out.Meta = c.metaLocked(g.ID)
	out.Tags = c.tagsLocked(g.ID)
	out.Options.Addresses = slices.Clone(g.Options.Addresses)
	return out
}

func (g *CustomerGateway) ref() ref { return ref{KindCustomerGateway, g.ID, g.Account} }

func (g *CustomerGateway) copy(c *Cloud) CustomerGateway {
	out := *g
	out.Meta = c.metaLocked(g.ID)
	out.Tags = c.tagsLocked(g.ID)
	out.Prefixes = slices.Clone(g.Prefixes)
	return out
}

// CreateVPNGateway makes a detached VPN gateway in the default place
// (CreateVPNGatewayAt).
// AWS: https://docs.aws.amazon.com/vpn/latest/s2svpn/SetUpVPNConnections.html#vpn-create-target-gateway — Amazon side ASN 64512 by default
func (c *Cloud) CreateVPNGateway(account string, asn int64, tags map[string]string) (VPNGateway, error) {
	return c.CreateVPNGatewayAt(account, Place{}, asn, tags)
}

// CreateVPNGatewayAt makes a detached VPN gateway at a place (region,
// scope, name).
func (c *Cloud) CreateVPNGatewayAt(account string, at Place, asn int64, tags map[string]string) (VPNGateway, error) {
	region := at.Region
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.limitsLocked(account); err != nil {
		return VPNGateway{}, err
	}
	if asn == 0 {
		asn = 64512
	}
	id, err := c.newIDLocked(account, KindVPNGateway, at)
	if err != nil {
		return VPNGateway{}, err
	}
	g := &VPNGateway{ID: id, Account: account, Region: region, ASN: asn, State: StateAvailable}
	c.vgws[g.ID] = g
	c.registerAtLocked(KindVPNGateway, g.ID, account, at, tags)
	return g.copy(c), nil
}

// VPNGateways returns the account's VPN gateways, sorted by ID.
func (c *Cloud) VPNGateways(account string) []VPNGateway {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.vgws.list(c, account)
}

func (c *Cloud) vgwLocked(account, id string) (*VPNGateway, error) {
	return c.vgws.get(account, id)
}

// AttachVPNGateway attaches a VPN gateway to a network; a network has at most one.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — one virtual private gateway per VPC
func (c *Cloud) AttachVPNGateway(account, gatewayID, networkID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, err := c.vgwLocked(account, gatewayID)
	if err != nil {
		return err
	}
	if _, err := c.networkLocked(account, networkID); err != nil {
		return err
	}
	if g.NetworkID != "" {
		return errf(CodeAlreadyAssociated, KindVPNGateway, gatewayID, "VPN gateway %s is already attached to %s", gatewayID, g.NetworkID)
	}
	for _, o := range c.vgws {
		if o.NetworkID == networkID {
			return errf(CodeAlreadyAssociated, KindNetwork, networkID, "network %s already has VPN gateway %s", networkID, o.ID)
		}
	}
	g.NetworkID = networkID
	c.emitLocked(KindVPNGateway, OpUpdate, g.ID, account)
	c.touchVIFsLocked(g.ID)
	return nil
}

// DetachVPNGateway detaches a VPN gateway from its network.
func (c *Cloud) DetachVPNGateway(account, gatewayID, networkID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, err := c.vgwLocked(account, gatewayID)
	if err != nil {
		return err
	}
	if g.NetworkID != networkID {
		return errf(CodeNotAssociated, KindVPNGateway, gatewayID, "VPN gateway %s is not attached to %s", gatewayID, networkID)
	}
	g.NetworkID = ""
	c.emitLocked(KindVPNGateway, OpUpdate, g.ID, account)
	c.touchVIFsLocked(g.ID)
	return nil
}

// CreateCustomerGateway records the on-premises end of VPNs in the default
// place (CreateCustomerGatewayAt).
func (c *Cloud) CreateCustomerGateway(account string, asn int64, ip netip.Addr, tags map[string]string) (CustomerGateway, error) {
	return c.CreateCustomerGatewayAt(account, Place{}, asn, ip, tags)
}

// CreateCustomerGatewayAt records the on-premises end of VPNs at a place
// (region, scope, name).
func (c *Cloud) CreateCustomerGatewayAt(account string, at Place, asn int64, ip netip.Addr, tags map[string]string) (CustomerGateway, error) {
	region := at.Region
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.limitsLocked(account); err != nil {
		return CustomerGateway{}, err
	}
	if !ip.Is4() {
		return CustomerGateway{}, errf(CodeInvalidParameter, KindCustomerGateway, ip.String(), "customer gateway address %s is not an IPv4 address", ip)
	}
	id, err := c.newIDLocked(account, KindCustomerGateway, at)
	if err != nil {
		return CustomerGateway{}, err
	}
	g := &CustomerGateway{ID: id, Account: account, Region: region, ASN: asn, IP: ip, State: StateAvailable}
	c.cgws[g.ID] = g
	c.registerAtLocked(KindCustomerGateway, g.ID, account, at, tags)
	return g.copy(c), nil
}

// CustomerGateways returns the account's customer gateways, sorted by ID.
func (c *Cloud) CustomerGateways(account string) []CustomerGateway {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.cgws.list(c, account)
}

func (c *Cloud) cgwLocked(account, id string) (*CustomerGateway, error) {
	return c.cgws.get(account, id)
}

// VPNSpec says what CreateVPNConnection connects.
type VPNSpec struct {
	CustomerGatewayID string
	VPNGatewayID      string // exactly one of VPNGatewayID and TransitGatewayID
	TransitGatewayID  string
	StaticRoutesOnly  bool
	SharedKey         string // the tunnel's pre-shared key (VPNConnection.SharedKey)
}

// CreateVPNConnection makes a VPN between a customer gateway and a VPN or
// transit gateway; a transit gateway gets a VPN attachment.
func (c *Cloud) CreateVPNConnection(account string, spec VPNSpec, tags map[string]string) (VPNConnection, error) {
	return c.CreateVPNConnectionAt(account, Place{}, spec, tags)
}

// CreateVPNConnectionAt is CreateVPNConnection with a scope and a name
// (at.Region is ignored: a VPN is in its customer gateway's region); a
// transit gateway's VPN attachment is unnamed, in the VPN's scope.
func (c *Cloud) CreateVPNConnectionAt(account string, at Place, spec VPNSpec, tags map[string]string) (VPNConnection, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cg, err := c.cgwLocked(account, spec.CustomerGatewayID)
	if err != nil {
		return VPNConnection{}, err
	}
	if (spec.VPNGatewayID == "") == (spec.TransitGatewayID == "") {
		return VPNConnection{}, errf(CodeInvalidParameter, KindVPNConnection, "", "a VPN connection needs exactly one of a VPN gateway or a transit gateway")
	}
	at.Region = cg.Region
	id, err := c.newIDLocked(account, KindVPNConnection, at)
	if err != nil {
		return VPNConnection{}, err
	}
	v := &VPNConnection{ID: id, Account: account, Region: cg.Region, CustomerGatewayID: spec.CustomerGatewayID, VPNGatewayID: spec.VPNGatewayID,
		TransitGatewayID: spec.TransitGatewayID, StaticRoutesOnly: spec.StaticRoutesOnly, SharedKey: spec.SharedKey, State: StateAvailable}
	var tgw *TransitGateway
	if spec.VPNGatewayID != "" {
		if _, err := c.vgwLocked(account, spec.VPNGatewayID); err != nil {
			return VPNConnection{}, err
		}
	} else {
		var err error
		if tgw, err = c.tgwLocked(account, spec.TransitGatewayID); err != nil {
			return VPNConnection{}, err
		}
	}
	var attID string
	if tgw != nil {
		if attID, err = c.newIDLocked(account, KindTransitGatewayAttachment, Place{Region: tgw.Region, Scope: at.Scope}); err != nil {
			return VPNConnection{}, err
		}
	}
	c.vpns[v.ID] = v
	c.registerAtLocked(KindVPNConnection, v.ID, account, at, tags)
	if tgw != nil {
		// AWS: https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpn-attachments.html — a VPN to a transit gateway is a VPN attachment
		a := &TransitGatewayAttachment{ID: attID, Account: account, TransitGatewayID: tgw.ID, Kind: AttachVPN, VPNConnectionID: v.ID, State: StateAvailable}
		c.attachLocked(tgw, a, Place{Scope: at.Scope}, nil)
		v.AttachmentID = a.ID
	}
	return v.copy(c), nil
}

func (v *VPNConnection) ref() ref { return ref{KindVPNConnection, v.ID, v.Account} }

func (v *VPNConnection) copy(c *Cloud) VPNConnection {
	out := *v
	out.Meta = c.metaLocked(v.ID)
	out.Routes = slices.Clone(v.Routes)
	out.Tags = c.tagsLocked(v.ID)
	out.Tunnels = slices.Clone(v.Tunnels)
	for i := range out.Tunnels {
		out.Tunnels[i].Routes = slices.Clone(v.Tunnels[i].Routes)
	}
	return out
}

// VPNConnections returns the account's VPN connections, sorted by ID.
func (c *Cloud) VPNConnections(account string) []VPNConnection {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.vpns.list(c, account)
}

func (c *Cloud) vpnLocked(account, id string) (*VPNConnection, error) {
	return c.vpns.get(account, id)
}

// AddVPNStaticRoute adds a static route to a static-routing VPN.
// AWS: https://docs.aws.amazon.com/vpn/latest/s2svpn/VPNRoutingTypes.html — static routes need a static-routing VPN
// AWS: https://docs.aws.amazon.com/vpn/latest/s2svpn/vpn-limits.html — 100 routes per VPN connection
func (c *Cloud) AddVPNStaticRoute(account, vpnID string, p netip.Prefix) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	lim, err := c.limitsLocked(account)
	if err != nil {
		return err
	}
	v, err := c.vpnLocked(account, vpnID)
	if err != nil {
		return err
	}
	if !v.StaticRoutesOnly {
		return errf(CodeInvalidParameter, KindVPNRoute, vpnID, "VPN connection %s uses dynamic routing; static routes are not allowed", vpnID)
	}
	if err := checkIPv4Prefix(KindVPNRoute, p); err != nil {
		return err
	}
	if slices.Contains(v.Routes, p) {
		return errf(CodeAlreadyExists, KindVPNRoute, p.String(), "route %s already exists on VPN connection %s", p, vpnID)
	}
	if len(v.Routes) >= lim.BGPRoutesPerVPN {
		return errf(CodeLimitExceeded, KindVPNRoute, vpnID, "VPN connection %s already has the maximum of %d routes", vpnID, lim.BGPRoutesPerVPN)
	}
	v.Routes = append(v.Routes, p)
	c.emitLocked(KindVPNConnection, OpUpdate, v.ID, account)
	c.touchPropagatingTablesLocked(v)
	return nil
}

// SetVPNLearnedRoutes records the routes a dynamic VPN learned over BGP, as
// a realizer reports them; more than the limit is refused.
// AWS: https://docs.aws.amazon.com/vpn/latest/s2svpn/vpn-limits.html — 100 dynamic routes advertised from a customer gateway
func (c *Cloud) SetVPNLearnedRoutes(account, vpnID string, routes []netip.Prefix) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, err := c.learningVPNLocked(account, vpnID, routes)
	if err != nil {
		return err
	}
	v.Routes = slices.Clone(routes)
	c.emitLocked(KindVPNConnection, OpUpdate, v.ID, account)
	c.touchPropagatingTablesLocked(v)
	return nil
}

// learningVPNLocked is a dynamic VPN that may learn routes: refused for
// a static one or more routes than the limit.
func (c *Cloud) learningVPNLocked(account, vpnID string, routes []netip.Prefix) (*VPNConnection, error) {
	lim, err := c.limitsLocked(account)
	if err != nil {
		return nil, err
	}
	v, err := c.vpnLocked(account, vpnID)
	if err != nil {
		return nil, err
	}
	if v.StaticRoutesOnly {
		return nil, errf(CodeInvalidParameter, KindVPNRoute, vpnID, "VPN connection %s uses static routing", vpnID)
	}
	if len(routes) > lim.BGPRoutesPerVPN {
		return nil, errf(CodeLimitExceeded, KindVPNRoute, vpnID, "%d BGP routes exceed the limit of %d for VPN connection %s", len(routes), lim.BGPRoutesPerVPN, vpnID)
	}
	return v, nil
}

// touchPropagatingTablesLocked tells subscribers that the route tables and
// transit gateway route tables a VPN's routes propagate into have changed.
func (c *Cloud) touchPropagatingTablesLocked(v *VPNConnection) {
	for _, rt := range c.routeTables {
		if v.VPNGatewayID != "" && slices.Contains(rt.PropagatingVPNGateways, v.VPNGatewayID) {
			c.emitLocked(KindRouteTable, OpUpdate, rt.ID, rt.Account)
		}
	}
	for _, rt := range c.tgwRTs {
		if v.AttachmentID != "" && slices.Contains(rt.Propagations, v.AttachmentID) {
			c.emitLocked(KindTransitGatewayRouteTable, OpUpdate, rt.ID, rt.Account)
		}
	}
}
