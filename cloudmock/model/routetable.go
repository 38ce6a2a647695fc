package model

import (
	"maps"
	"net/netip"
	"slices"
)

// TargetKind is what a route sends matching traffic to.
type TargetKind string

// The route target kinds.
const (
	TargetLocal             TargetKind = "local"
	TargetInternetGateway   TargetKind = "internet-gateway"
	TargetNATGateway        TargetKind = "nat-gateway"
	TargetInstance          TargetKind = "instance"
	TargetNetworkInterface  TargetKind = "network-interface"
	TargetPeering           TargetKind = "peering"
	TargetTransitGateway    TargetKind = "transit-gateway"
	TargetVPNGateway        TargetKind = "vpn-gateway"
	TargetBlackhole         TargetKind = "blackhole"
	TargetVPCEndpoint       TargetKind = "vpc-endpoint" // a gateway endpoint's route to its service's prefix list
	TargetEgressOnlyGateway TargetKind = "egress-only-internet-gateway"
	// TargetVPNConnection is a VPN connection: the next hop of the
	// dynamic routes its BGP session learned (GCP's HA VPN tunnels,
	// whose learned routes a realizer routes into the tunnel); no table
	// holds it.
	TargetVPNConnection TargetKind = "vpn-connection"
	// TargetAttachment is a cloud router's attachment (GCP's VLAN
	// attachment): the next hop of the dynamic routes its BGP session
	// learned; no table holds it.
	TargetAttachment TargetKind = "attachment"
)

// Target is a route's next hop: its kind and the ID of the object (empty for
// local and blackhole).
type Target struct {
	Kind TargetKind
	ID   string
	Addr netip.Addr `json:",omitzero"` // TargetAddress: the next hop's address
}

// RouteOrigin says how a route came into a table.
type RouteOrigin string

// The route origins.
const (
	OriginTable      RouteOrigin = "table"      // made with the table (the local route)
	OriginStatic     RouteOrigin = "static"     // added by a user
	OriginPropagated RouteOrigin = "propagated" // learned from a gateway
)

// RouteState says whether a route's target can carry traffic.
type RouteState string

// The route states.
const (
	RouteActive    RouteState = "active"
	RouteBlackhole RouteState = "blackhole"
)

// Route is one entry of a route table; the most specific matching
// destination wins, and among routes to the same destination the one with
// the lowest Priority. AWS routes all have priority 0 (longest prefix match
// only); GCP routes have priorities.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html — longest prefix match
// GCP: https://cloud.google.com/vpc/docs/routes#routeselection — most specific destination first, then the lowest priority value
type Route struct {
	Name        string       `json:",omitempty"` // the name its provider addresses it by (Azure's routes); empty elsewhere
	Destination netip.Prefix // invalid (zero) for a route to a prefix list
	// PrefixListID, when set, makes the route's destination a prefix list:
	// one route per CIDR of the list's current version (PrefixListCIDRs).
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/managed-prefix-lists.html#reference-managed-prefix-list — a prefix list as a route's destination
	PrefixListID string `json:",omitempty"`
	Target       Target
	Origin       RouteOrigin
	State        RouteState // computed when read
	Priority     int
}

// RouteTableAssociation ties a table to a subnet, marks it the main table
// (the one of the subnets without an association of their own), ties it
// to a gateway of its network (routetable_gateway.go), or ties it to the
// instances of its network that carry one of Tags.
type RouteTableAssociation struct {
	ID       string
	SubnetID string // empty for the main association, gateway and tag associations
	// GatewayID is the internet or virtual private gateway whose inbound
	// traffic the table routes (a gateway route table); empty otherwise.
	GatewayID string `json:",omitempty"`
	Main      bool
	// Tags, when set, make the table's routes apply to the instances of
	// the network that carry one of these tag keys, besides the routes of
	// their subnet's table.
	// GCP: https://cloud.google.com/vpc/docs/routes#instance_tags — a route with network tags applies to the instances that have one of the tags
	Tags []string
}

// SelectsTags reports whether a tag association applies to an instance
// with the given tags.
func (a RouteTableAssociation) SelectsTags(tags map[string]string) bool {
	for _, t := range a.Tags {
		if _, ok := tags[t]; ok {
			return true
		}
	}
	return false
}

// RouteTable is a network's set of routes for the subnets associated with it.
type RouteTable struct {
	ID           string
	Meta         `json:"-"` // scope, name and handle (names.go)
	Account      string
	Region       string // the region it lives in (Regions)
	NetworkID    string
	Routes       []Route
	Associations []RouteTableAssociation
	// PropagatingVPNGateways are the VPN gateways whose VPN routes appear in
	// the table as propagated routes.
	PropagatingVPNGateways []string
	Tags                   map[string]string
}

// Main reports whether the table is its network's main table.
func (rt RouteTable) Main() bool {
	for _, a := range rt.Associations {
		if a.Main {
			return true
		}
	}
	return false
}

func (rt *RouteTable) ref() ref { return ref{KindRouteTable, rt.ID, rt.Account} }

func (rt *RouteTable) copy(c *Cloud) RouteTable {
	out := *rt
	out.Meta = c.metaLocked(rt.ID)
	out.Routes = slices.Clone(rt.Routes)
	for i := range out.Routes {
		out.Routes[i].State = c.routeStateLocked(rt.NetworkID, out.Routes[i].Target)
	}
	out.Associations = slices.Clone(rt.Associations)
	for i := range out.Associations {
		out.Associations[i].Tags = slices.Clone(rt.Associations[i].Tags)
	}
	out.PropagatingVPNGateways = slices.Clone(rt.PropagatingVPNGateways)
	out.Routes = append(out.Routes, c.propagatedRoutesLocked(rt)...)
	out.Routes = append(out.Routes, c.peeringRoutesLocked(rt)...)
	out.Tags = c.tagsLocked(rt.ID)
	return out
}

// propagatedRoutesLocked returns the routes the table's propagating VPN
// gateways bring: each VPN's routes, unless the table already has a route
// for that exact prefix.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html#route-priority-propagated — static routes are preferred over propagated routes for the same prefix
// AWS: https://docs.aws.amazon.com/vpn/latest/s2svpn/VPNRoutingTypes.html#vpn-route-table — route propagation from a virtual private gateway
func (c *Cloud) propagatedRoutesLocked(rt *RouteTable) []Route {
	var out []Route
	seen := map[netip.Prefix]bool{}
	for _, r := range rt.Routes {
		seen[r.Destination] = true
	}
	for _, gw := range rt.PropagatingVPNGateways {
		g, ok := c.vgws[gw]
		if !ok || g.NetworkID != rt.NetworkID {
			continue
		}
		for _, id := range slices.Sorted(maps.Keys(c.vpns)) {
			v := c.vpns[id]
			if v.VPNGatewayID != gw {
				continue
			}
			for _, p := range v.Routes {
				if !seen[p] {
					seen[p] = true
					out = append(out, Route{Destination: p, Target: Target{Kind: TargetVPNGateway, ID: gw}, Origin: OriginPropagated, State: RouteActive})
				}
			}
		}
	}
	return out
}

// SetRoutePropagation turns route propagation from a VPN gateway into a
// table on or off.
func (c *Cloud) SetRoutePropagation(account, tableID, gatewayID string, on bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	rt, err := c.routeTableLocked(account, tableID)
	if err != nil {
		return err
	}
	if g, ok := c.vgws[gatewayID]; !ok || g.Account != account {
		return errf(CodeNotFound, KindGateway, gatewayID, "the gateway ID '%s' does not exist", gatewayID)
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/gateway-route-tables.html#gateway-route-table-rules — a gateway route table has no route propagation
	if on && isGatewayTable(rt) {
		return errf(CodeInvalidParameter, KindRouteTable, tableID, "Route table %s is a gateway route table; it cannot propagate routes.", tableID)
	}
	i := slices.Index(rt.PropagatingVPNGateways, gatewayID)
	switch {
	case on && i < 0:
		rt.PropagatingVPNGateways = append(rt.PropagatingVPNGateways, gatewayID)
	case !on && i >= 0:
		rt.PropagatingVPNGateways = slices.Delete(rt.PropagatingVPNGateways, i, i+1)
	default:
		return nil
	}
	c.emitLocked(KindRouteTable, OpUpdate, rt.ID, account)
	return nil
}

// routeStateLocked computes whether a target is usable now.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html — a route whose target was deleted or detached is a blackhole
func (c *Cloud) routeStateLocked(networkID string, t Target) RouteState {
	ok := true
	switch t.Kind {
	case TargetBlackhole:
		ok = false
	case TargetInternetGateway:
		g, found := c.igws[t.ID]
		ok = found && g.NetworkID == networkID
	case TargetNATGateway:
		g, found := c.natgws[t.ID]
		ok = found && g.State == StateAvailable
	case TargetEgressOnlyGateway:
		g, found := c.eigws[t.ID]
		ok = found && g.NetworkID == networkID
	case TargetInstance:
		i, found := c.instances[t.ID]
		ok = found && i.State == InstanceRunning
	case TargetNetworkInterface:
		_, ok = c.enis[t.ID]
	case TargetPeering:
		p, found := c.peerings[t.ID]
		ok = found && p.State == PeeringActive
	case TargetTransitGateway:
		_, ok = c.tgws[t.ID]
	case TargetVPNGateway:
		g, found := c.vgws[t.ID]
		ok = found && g.NetworkID == networkID
	case TargetVPCEndpoint:
		_, ok = c.endpoints[t.ID]
	}
	if ok {
		return RouteActive
	}
	return RouteBlackhole
}

func (c *Cloud) newRouteTableLocked(n *Network) (*RouteTable, error) {
	id, err := c.newIDLocked(n.Account, KindRouteTable, Place{Region: n.Region, Scope: c.owners[n.ID].scope})
	if err != nil {
		return nil, err
	}
	rt := &RouteTable{ID: id, Account: n.Account, Region: n.Region, NetworkID: n.ID}
	c.refreshLocalRoutesLocked(rt, n)
	c.routeTables[rt.ID] = rt
	c.registerAtLocked(KindRouteTable, rt.ID, n.Account, Place{Region: n.Region, Scope: c.owners[n.ID].scope}, nil)
	return rt, nil
}

// refreshLocalRoutesLocked gives the table one local route per network
// prefix, and none for a prefix the network no longer has.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/RouteTables.html#route-table-routes — a local route for each VPC CIDR, in every table
func (c *Cloud) refreshLocalRoutesLocked(rt *RouteTable, n *Network) {
	prefixes := n.prefixes()
	rt.Routes = slices.DeleteFunc(rt.Routes, func(r Route) bool {
		return r.Origin == OriginTable && r.Target.Kind == TargetLocal && !slices.Contains(prefixes, r.Destination)
	})
	for _, p := range n.prefixes() {
		if !slices.ContainsFunc(rt.Routes, func(r Route) bool { return r.Origin == OriginTable && r.Destination == p }) {
			rt.Routes = append(rt.Routes, Route{Destination: p, Target: Target{Kind: TargetLocal}, Origin: OriginTable})
		}
	}
}

// CreateRouteTable makes a non-main route table holding the local routes.
func (c *Cloud) CreateRouteTable(account, networkID string, tags map[string]string) (RouteTable, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	lim, err := c.limitsLocked(account)
	if err != nil {
		return RouteTable{}, err
	}
	n, err := c.networkLocked(account, networkID)
	if err != nil {
		return RouteTable{}, err
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — Route tables per VPC: 200 by default, the main route table included
	if k := c.routeTables.count(func(rt *RouteTable) bool { return rt.NetworkID == n.ID }); k >= lim.RouteTablesPerNetwork {
		return RouteTable{}, quotaExceeded(KindRouteTable, "route-tables-per-vpc", lim.RouteTablesPerNetwork, "in network "+n.ID)
	}
	rt, err := c.newRouteTableLocked(n)
	if err != nil {
		return RouteTable{}, err
	}
	if len(tags) > 0 {
		c.tags[rt.ID] = maps.Clone(tags)
	}
	return rt.copy(c), nil
}

func (c *Cloud) routeTableLocked(account, id string) (*RouteTable, error) {
	return c.routeTables.get(account, id)
}

// RouteTable returns one route table of the account.
func (c *Cloud) RouteTable(account, id string) (RouteTable, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.routeTables.one(c, account, id)
}

// RouteTables returns all route tables of the account, sorted by ID.
func (c *Cloud) RouteTables(account string) []RouteTable {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.routeTables.list(c, account)
}

// RouteTableForSubnet returns the table that routes a subnet's traffic: its
// explicitly associated table, else its network's main table.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/RouteTables.html#RouteTables — subnets without an explicit association use the main route table
func (c *Cloud) RouteTableForSubnet(account, subnetID string) (RouteTable, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	s, err := c.subnetLocked(account, subnetID)
	if err != nil {
		return RouteTable{}, err
	}
	for _, rt := range c.routeTables {
		for _, a := range rt.Associations {
			if a.SubnetID == subnetID {
				return rt.copy(c), nil
			}
		}
	}
	return c.routeTables[c.networks[s.NetworkID].MainRouteTableID].copy(c), nil
}

// DeleteRouteTable deletes a table that is neither main nor associated.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/WorkWithRouteTables.html#DeleteRouteTable — disassociate subnets first; the main table cannot be deleted
func (c *Cloud) DeleteRouteTable(account, id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	rt, err := c.routeTableLocked(account, id)
	if err != nil {
		return err
	}
	if len(rt.Associations) > 0 {
		return errf(CodeDependency, KindRouteTable, id, "the routeTable '%s' has dependencies and cannot be deleted", id)
	}
	delete(c.routeTables, id)
	c.forgetLocked(KindRouteTable, id, account)
	return nil
}

// AssociateRouteTable associates a subnet with a table explicitly.
func (c *Cloud) AssociateRouteTable(account, tableID, subnetID string) (RouteTableAssociation, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	rt, err := c.routeTableLocked(account, tableID)
	if err != nil {
		return RouteTableAssociation{}, err
	}
	s, err := c.subnetLocked(account, subnetID)
	if err != nil {
		return RouteTableAssociation{}, err
	}
	// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/manage-route-table#associate-a-route-table-to-a-subnet — a table of no network serves subnets of its region
	if rt.NetworkID == "" && s.Region != rt.Region {
		return RouteTableAssociation{}, errf(CodeInvalidParameter, KindRouteTable, tableID,
			"route table %s and subnet %s are in different regions", tableID, subnetID)
	}
	if rt.NetworkID != "" && s.NetworkID != rt.NetworkID {
		return RouteTableAssociation{}, errf(CodeInvalidParameter, KindRouteTable, tableID,
			"route table %s and subnet %s belong to different networks", tableID, subnetID)
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/RouteTables.html#RouteTables — a subnet can be associated with only one route table at a time
	for _, other := range c.routeTables {
		for _, a := range other.Associations {
			if a.SubnetID == subnetID {
				return RouteTableAssociation{}, errf(CodeAlreadyAssociated, KindRouteTableAssociation, subnetID,
					"the specified association for route table %s conflicts with an existing association", tableID)
			}
		}
	}
	a := RouteTableAssociation{ID: c.subIDLocked(account, KindRouteTableAssociation), SubnetID: subnetID}
	rt.Associations = append(rt.Associations, a)
	c.emitLocked(KindRouteTable, OpUpdate, rt.ID, account)
	return a, nil
}

func (c *Cloud) findRTAssociationLocked(account, assocID string) (*RouteTable, int, error) {
	for _, rt := range c.routeTables {
		if rt.Account != account {
			continue
		}
		for i, a := range rt.Associations {
			if a.ID == assocID {
				return rt, i, nil
			}
		}
	}
	return nil, 0, notFound(KindRouteTableAssociation, assocID)
}

// DisassociateRouteTable removes an explicit subnet association; the subnet
// falls back to the main table. The main association cannot be removed.
func (c *Cloud) DisassociateRouteTable(account, assocID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	rt, i, err := c.findRTAssociationLocked(account, assocID)
	if err != nil {
		return err
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/WorkWithRouteTables.html — you cannot disassociate the main route table
	if rt.Associations[i].Main {
		return errf(CodeInvalidParameter, KindRouteTableAssociation, assocID, "cannot disassociate the main route table association %s", assocID)
	}
	rt.Associations = append(rt.Associations[:i:i], rt.Associations[i+1:]...)
	c.emitLocked(KindRouteTable, OpUpdate, rt.ID, account)
	return nil
}

// ReplaceRouteTableAssociation moves an association (a subnet's, or the main
// one) to another table of the same network and returns the new association.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/WorkWithRouteTables.html#Route_Replacing_Main_Table — replacing the main route table
func (c *Cloud) ReplaceRouteTableAssociation(account, assocID, tableID string) (RouteTableAssociation, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	old, i, err := c.findRTAssociationLocked(account, assocID)
	if err != nil {
		return RouteTableAssociation{}, err
	}
	rt, err := c.routeTableLocked(account, tableID)
	if err != nil {
		return RouteTableAssociation{}, err
	}
	if rt.NetworkID != old.NetworkID {
		return RouteTableAssociation{}, errf(CodeInvalidParameter, KindRouteTable, tableID,
			"route table %s belongs to a different network", tableID)
	}
	a := old.Associations[i]
	if a.GatewayID != "" && rt != old {
		if err := c.checkGatewayTableLocked(rt); err != nil {
			return RouteTableAssociation{}, err
		}
	}
	old.Associations = append(old.Associations[:i:i], old.Associations[i+1:]...)
	a.ID = c.subIDLocked(account, KindRouteTableAssociation)
	rt.Associations = append(rt.Associations, a)
	if a.Main {
		c.networks[rt.NetworkID].MainRouteTableID = rt.ID
		c.emitLocked(KindNetwork, OpUpdate, rt.NetworkID, account)
	}
	c.emitLocked(KindRouteTable, OpUpdate, old.ID, account)
	c.emitLocked(KindRouteTable, OpUpdate, rt.ID, account)
	return a, nil
}
