package model

import (
	"maps"
	"net/netip"
	"slices"
)

// Route tables that belong to no network: an Azure route table is a
// resource of a resource group and region, associated with subnets of any
// virtual network in its region; its routes are user-defined routes with
// names, over the system routes of the subnet's network (the network's
// main table). Their next hops are the kinds below, or TargetBlackhole.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-networks-udr-overview#custom-routes — next hop types VirtualNetworkGateway, VnetLocal, Internet, VirtualAppliance, None

// The next-hop kinds of a table of no network.
const (
	// TargetAddress sends to an address (Target.Addr): an appliance's
	// (Azure's VirtualAppliance).
	TargetAddress TargetKind = "address"
	// TargetInternet sends to the provider's internet edge (Azure's Internet).
	TargetInternet TargetKind = "internet"
	// TargetNetworkLocal keeps traffic within the subnet's network (Azure's VnetLocal).
	TargetNetworkLocal TargetKind = "network-local"
	// TargetNetworkGateway sends to the network's virtual network gateway
	// (Azure's VirtualNetworkGateway).
	TargetNetworkGateway TargetKind = "network-gateway"
)

// CreateRouteTableAt makes a route table of no network at a place: its
// region, scope and name; it has no routes until ReplaceRoutes.
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/azure-subscription-service-limits#azure-networking-limits — route tables per region per subscription
func (c *Cloud) CreateRouteTableAt(account string, at Place, tags map[string]string) (RouteTable, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	lim, err := c.limitsLocked(account)
	if err != nil {
		return RouteTable{}, err
	}
	if k := c.routeTables.count(func(rt *RouteTable) bool {
		return rt.Account == account && rt.NetworkID == "" && rt.Region == at.Region
	}); k >= lim.RouteTablesPerNetwork {
		return RouteTable{}, quotaExceeded(KindRouteTable, "route-tables-per-region", lim.RouteTablesPerNetwork, "for account "+account+regionSuffix(at.Region))
	}
	id, err := c.newIDLocked(account, KindRouteTable, at)
	if err != nil {
		return RouteTable{}, err
	}
	rt := &RouteTable{ID: id, Account: account, Region: at.Region}
	c.routeTables[rt.ID] = rt
	c.registerAtLocked(KindRouteTable, rt.ID, account, at, nil)
	if len(tags) > 0 {
		c.tags[rt.ID] = maps.Clone(tags)
	}
	return rt.copy(c), nil
}

// ReplaceRoutes replaces all routes of a table of no network, all or
// none: each a static route with a valid destination and a next hop of
// the kinds above (or a blackhole), no two to one destination, within the
// account's routes per table.
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/azure-subscription-service-limits#azure-networking-limits — 400 routes per route table
func (c *Cloud) ReplaceRoutes(account, tableID string, routes []Route) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	lim, err := c.limitsLocked(account)
	if err != nil {
		return err
	}
	rt, err := c.routeTableLocked(account, tableID)
	if err != nil {
		return err
	}
	if rt.NetworkID != "" {
		return errf(CodeInvalidParameter, KindRouteTable, tableID, "route table %s belongs to a network: use CreateRoute", tableID)
	}
	if len(routes) > lim.RoutesPerTable {
		return errf(CodeLimitExceeded, KindRoute, tableID, "the maximum number of routes (%d) has been reached for route table %s", lim.RoutesPerTable, tableID)
	}
	var next []Route
	for _, r := range routes {
		if err := checkIPv4Prefix(KindRoute, r.Destination); err != nil {
			return err
		}
		switch r.Target.Kind {
		case TargetAddress:
			if !r.Target.Addr.Is4() {
				return errf(CodeInvalidParameter, KindRoute, r.Destination.String(), "the route to %s needs a next-hop IPv4 address", r.Destination)
			}
		case TargetInternet, TargetNetworkLocal, TargetNetworkGateway, TargetBlackhole:
			r.Target.Addr = netip.Addr{}
		default:
			return errf(CodeInvalidParameter, KindRoute, string(r.Target.Kind), "a route of a table of no network cannot go to %q", string(r.Target.Kind))
		}
		if slices.ContainsFunc(next, func(x Route) bool { return x.Destination == r.Destination }) {
			return errf(CodeAlreadyExists, KindRoute, r.Destination.String(), "two routes to %s in route table %s", r.Destination, tableID)
		}
		next = append(next, Route{Name: r.Name, Destination: r.Destination, Target: Target{Kind: r.Target.Kind, Addr: r.Target.Addr}, Origin: OriginStatic})
	}
	rt.Routes = next
	c.emitLocked(KindRouteTable, OpUpdate, rt.ID, account)
	return nil
}
