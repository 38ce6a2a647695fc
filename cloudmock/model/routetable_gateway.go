package model

import (
	"net/netip"
	"slices"
)

// Gateway route tables (VPC ingress routing): a route table of a network
// associated with the network's internet gateway or virtual private
// gateway routes the traffic that enters through that gateway, before the
// local route delivers it; its routes send a subnet's (or the whole
// network's) inbound traffic to a middlebox's network interface.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/gateway-route-tables.html — gateway route tables: targets, destinations, rules and considerations

// errGatewayRouteTarget is EC2's answer to a route whose target a gateway
// route table does not take.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/gateway-route-tables.html#gateway-route-table-routes — the default local route and a middlebox's network interface only
const errGatewayRouteTarget = "Route target is not supported. This route only supports interface and instance targets."

// GatewayAssociation returns the table's association with a gateway, if
// it has one.
func (rt RouteTable) GatewayAssociation() (RouteTableAssociation, bool) {
	for _, a := range rt.Associations {
		if a.GatewayID != "" {
			return a, true
		}
	}
	return RouteTableAssociation{}, false
}

// AssociateRouteTableGateway associates a table with an internet gateway
// or a virtual private gateway attached to the table's network, making it
// that gateway's route table. A gateway has at most one; the table's
// routes must all be ones a gateway route table takes, and its route
// propagation must be off.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AssociateRouteTable.html — GatewayId: the internet gateway or virtual private gateway
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/gateway-route-tables.html#gateway-route-table-rules — you can't associate a route table with a gateway if it has other targets, destinations outside the VPC, or route propagation
func (c *Cloud) AssociateRouteTableGateway(account, tableID, gatewayID string) (RouteTableAssociation, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	rt, err := c.routeTableLocked(account, tableID)
	if err != nil {
		return RouteTableAssociation{}, err
	}
	network, err := c.edgeGatewayNetworkLocked(account, gatewayID)
	if err != nil {
		return RouteTableAssociation{}, err
	}
	if network != rt.NetworkID {
		return RouteTableAssociation{}, errf(CodeInvalidParameter, KindGateway, gatewayID,
			"route table %s and network gateway %s belong to different networks", tableID, gatewayID)
	}
	if other := c.gatewayTableLocked(gatewayID); other != nil {
		return RouteTableAssociation{}, errf(CodeAlreadyAssociated, KindRouteTableAssociation, gatewayID,
			"the specified association for route table %s conflicts with an existing association", tableID)
	}
	if err := c.checkGatewayTableLocked(rt); err != nil {
		return RouteTableAssociation{}, err
	}
	a := RouteTableAssociation{ID: c.subIDLocked(account, KindRouteTableAssociation), GatewayID: gatewayID}
	rt.Associations = append(rt.Associations, a)
	c.emitLocked(KindRouteTable, OpUpdate, rt.ID, account)
	return a, nil
}

// edgeGatewayNetworkLocked returns the network that an internet or
// virtual private gateway of the account is attached to.
func (c *Cloud) edgeGatewayNetworkLocked(account, id string) (string, error) {
	network, found := "", false
	if g, ok := c.igws[id]; ok && g.Account == account {
		network, found = g.NetworkID, true
	}
	if g, ok := c.vgws[id]; ok && g.Account == account {
		network, found = g.NetworkID, true
	}
	if !found {
		return "", errf(CodeNotFound, KindGateway, id, "The gateway ID '%s' does not exist", id)
	}
	if network == "" {
		return "", errf(CodeNotAssociated, KindGateway, id, "resource %s is not attached to a network", id)
	}
	return network, nil
}

// gatewayTableLocked returns the table associated with a gateway, or nil.
func (c *Cloud) gatewayTableLocked(gatewayID string) *RouteTable {
	for _, rt := range c.routeTables {
		if slices.ContainsFunc(rt.Associations, func(a RouteTableAssociation) bool { return a.GatewayID == gatewayID }) {
			return rt
		}
	}
	return nil
}

// isGatewayTable reports whether the table is associated with a gateway.
func isGatewayTable(rt *RouteTable) bool {
	_, ok := rt.GatewayAssociation()
	return ok
}

// checkGatewayTableLocked checks that a table may be a gateway route table:
// no route propagation, and every route one checkGatewayRouteLocked takes.
func (c *Cloud) checkGatewayTableLocked(rt *RouteTable) error {
	if len(rt.PropagatingVPNGateways) > 0 {
		return errf(CodeInvalidParameter, KindRouteTable, rt.ID,
			"Route table %s has route propagation enabled; a gateway route table cannot propagate routes.", rt.ID)
	}
	for _, r := range rt.Routes {
		if err := c.checkGatewayRouteLocked(rt, r); err != nil {
			return err
		}
	}
	return nil
}

// checkGatewayRouteLocked checks one route of a gateway route table: the
// local route (whatever its target), or a route to a network interface or
// instance of the network whose destination is the whole CIDR block of a
// subnet of the network; no prefix lists.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/gateway-route-tables.html#gateway-route-table-routes — the entire CIDR block of the VPC (replacing the local route's target) or of a subnet in the VPC
func (c *Cloud) checkGatewayRouteLocked(rt *RouteTable, r Route) error {
	if r.Origin == OriginTable {
		return nil
	}
	if r.PrefixListID != "" {
		return errf(CodeInvalidParameter, KindRoute, r.PrefixListID,
			"Prefix list %s cannot be the destination of a route in gateway route table %s.", r.PrefixListID, rt.ID)
	}
	if r.Target.Kind != TargetNetworkInterface && r.Target.Kind != TargetInstance {
		return errf(CodeInvalidParameter, KindRoute, r.Destination.String(), errGatewayRouteTarget)
	}
	for _, s := range c.subnets {
		if s.NetworkID == rt.NetworkID && (s.Prefix == r.Destination || s.IPv6CIDR.Prefix == r.Destination) {
			return nil
		}
	}
	return errf(CodeInvalidParameter, KindRoute, r.Destination.String(),
		"The destination CIDR block %s is not the CIDR block of a subnet in %s; a gateway route table only routes whole subnets.", r.Destination, rt.NetworkID)
}

// replaceLocalTargetLocked changes the target of a gateway route table's
// local route i: to a network interface or instance of the network (all
// the network's inbound traffic goes to the middlebox), or back to local.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/replace-local-route-target.html — replace or restore the target of the local route of a gateway route table
func (c *Cloud) replaceLocalTargetLocked(rt *RouteTable, i int, t Target) error {
	switch t.Kind {
	case TargetLocal:
	case TargetNetworkInterface, TargetInstance:
		if err := c.checkTargetLocked(rt, t); err != nil {
			return err
		}
	default:
		return errf(CodeInvalidParameter, KindRoute, rt.Routes[i].Destination.String(), errGatewayRouteTarget)
	}
	rt.Routes[i].Target = Target{Kind: t.Kind, ID: t.ID}
	c.emitLocked(KindRouteTable, OpUpdate, rt.ID, rt.Account)
	return nil
}

// gatewayRouteChange checks a route about to be created or replaced in
// rt: in a gateway route table it must be one the table takes, elsewhere
// a local target is refused.
func (c *Cloud) gatewayRouteChange(rt *RouteTable, dst netip.Prefix, t Target) error {
	if isGatewayTable(rt) {
		return c.checkGatewayRouteLocked(rt, Route{Destination: dst, Target: t, Origin: OriginStatic})
	}
	if t.Kind == TargetLocal {
		return errf(CodeInvalidParameter, KindRoute, dst.String(), "the local target is only for the local route of a gateway route table")
	}
	return nil
}
