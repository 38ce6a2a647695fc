package model

import (
	"net/netip"
	"slices"
)

// checkTargetLocked checks that a route target exists, belongs to the
// account and can serve the table's network.
func (c *Cloud) checkTargetLocked(rt *RouteTable, t Target) error {
	bad := func() error { return errf(CodeNotFound, KindGateway, t.ID, "the gateway ID '%s' does not exist", t.ID) }
	owned := func(id string) bool { o, ok := c.owners[id]; return ok && o.account == rt.Account }
	switch t.Kind {
	case TargetInternetGateway:
		g, ok := c.igws[t.ID]
		if !ok || !owned(t.ID) {
			return bad()
		}
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html — the internet gateway must be attached to the route table's VPC
		if g.NetworkID != rt.NetworkID {
			return errf(CodeInvalidParameter, KindGateway, t.ID, "route table %s and network gateway %s belong to different networks", rt.ID, t.ID)
		}
	case TargetEgressOnlyGateway:
		g, ok := c.eigws[t.ID]
		if !ok || !owned(t.ID) {
			return bad()
		}
		if g.NetworkID != rt.NetworkID {
			return errf(CodeInvalidParameter, KindGateway, t.ID, "route table %s and network gateway %s belong to different networks", rt.ID, t.ID)
		}
	case TargetNATGateway:
		g, ok := c.natgws[t.ID]
		if !ok || !owned(t.ID) || g.State == StateDeleted {
			return errf(CodeNotFound, KindNATGateway, t.ID, "the NAT gateway ID '%s' does not exist", t.ID)
		}
		if g.NetworkID != rt.NetworkID {
			return errf(CodeInvalidParameter, KindNATGateway, t.ID, "route table %s and NAT gateway %s belong to different networks", rt.ID, t.ID)
		}
	case TargetInstance:
		i, ok := c.instances[t.ID]
		if !ok || !owned(t.ID) || i.State == InstanceTerminated {
			return notFound(KindInstance, t.ID)
		}
		// GCP: https://cloud.google.com/vpc/docs/routes#next-hops — a next hop instance has an interface in the route's network, nic0 or another
		if p, err := c.profileLocked(rt.Account); err == nil && p.RouteToInstanceNIC {
			if !c.instanceAddrInLocked(i, rt.NetworkID).IsValid() {
				return errf(CodeInvalidParameter, KindInstance, t.ID, "instance %s has no interface in the network of route table %s", t.ID, rt.ID)
			}
			break
		}
		if i.NetworkID != rt.NetworkID {
			return errf(CodeInvalidParameter, KindInstance, t.ID, "route table %s and instance %s belong to different networks", rt.ID, t.ID)
		}
		// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateRoute.html — InstanceId: the ID of a NAT instance; operations fail if you specify an instance ID unless exactly one network interface is attached
		if err := c.soleInterfaceLocked(i); err != nil {
			return err
		}
	case TargetNetworkInterface:
		e, ok := c.enis[t.ID]
		if !ok || !owned(t.ID) {
			return notFound(KindNetworkInterface, t.ID)
		}
		if e.NetworkID != rt.NetworkID {
			return errf(CodeInvalidParameter, KindNetworkInterface, t.ID, "route table %s and interface %s belong to different networks", rt.ID, t.ID)
		}
	case TargetPeering:
		p, ok := c.peerings[t.ID]
		// AWS: https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-routing.html — route to a peering connection of this VPC
		if !ok || (p.RequesterNetworkID != rt.NetworkID && p.AccepterNetworkID != rt.NetworkID) {
			return notFound(KindPeering, t.ID)
		}
	case TargetTransitGateway:
		if _, ok := c.tgws[t.ID]; !ok || !owned(t.ID) {
			return notFound(KindTransitGateway, t.ID)
		}
	case TargetVPNGateway:
		if _, ok := c.vgws[t.ID]; !ok || !owned(t.ID) {
			return bad()
		}
	// GCP: https://cloud.google.com/vpc/docs/routes#next-hops — next hop the default internet gateway, or an internal IP address in the network
	case TargetInternet:
	case TargetAddress:
		n, ok := c.networks[rt.NetworkID]
		if !ok || !t.Addr.Is4() || !slices.ContainsFunc(n.CIDRs, func(b CIDRBlock) bool { return b.Prefix.Contains(t.Addr) }) {
			return errf(CodeInvalidParameter, KindRoute, t.Addr.String(), "the next hop address '%s' is not in a subnet of network %s", t.Addr, rt.NetworkID)
		}
	default:
		return errf(CodeInvalidParameter, KindRoute, string(t.Kind), "a route needs exactly one target, not %q", t.Kind)
	}
	return nil
}

func findRoute(rt *RouteTable, dst netip.Prefix) int {
	for i, r := range rt.Routes {
		if r.PrefixListID == "" && r.Destination == dst {
			return i
		}
	}
	return -1
}

// staticRouteLocked finds the route to dst in one of the account's tables
// for ReplaceRoute and DeleteRoute; the local route is refused, with verb
// ("replace", "remove") saying what cannot be done to it.
func (c *Cloud) staticRouteLocked(account, tableID string, dst netip.Prefix, verb string) (*RouteTable, int, error) {
	rt, err := c.routeTableLocked(account, tableID)
	if err != nil {
		return nil, 0, err
	}
	i := findRoute(rt, dst)
	if i < 0 {
		return nil, 0, errf(CodeNotFound, KindRoute, dst.String(), "no route with destination-cidr-block %s in route table %s", dst, tableID)
	}
	if rt.Routes[i].Origin == OriginTable {
		return nil, 0, errf(CodeInvalidParameter, KindRoute, dst.String(), "cannot %s local route %s in route table %s", verb, dst, tableID)
	}
	return rt, i, nil
}

// CreateRoute adds a static route. A destination equal to an existing one,
// including a local route, is rejected; a destination more specific than the
// local route is allowed.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html#route-tables-local-route — more specific routes than the local route are allowed
func (c *Cloud) CreateRoute(account, tableID string, dst netip.Prefix, t Target) error {
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
	if err := checkPrefix(KindRoute, dst); err != nil {
		return err
	}
	if err := checkIPv6Target(dst, t); err != nil {
		return err
	}
	if findRoute(rt, dst) >= 0 {
		return errf(CodeAlreadyExists, KindRoute, dst.String(), "the route identified by %s already exists", dst)
	}
	if err := c.checkTargetLocked(rt, t); err != nil {
		return err
	}
	if err := c.gatewayRouteChange(rt, dst, t); err != nil {
		return err
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — 50 non-propagated routes per route table
	if c.routeWeightLocked(rt) >= lim.RoutesPerTable {
		return errf(CodeLimitExceeded, KindRoute, tableID, "the maximum number of routes (%d) has been reached for route table %s", lim.RoutesPerTable, tableID)
	}
	rt.Routes = append(rt.Routes, Route{Destination: dst, Target: t, Origin: OriginStatic})
	c.emitLocked(KindRouteTable, OpUpdate, rt.ID, account)
	return nil
}

// ReplaceRoute changes the target of an existing static route. The local
// route's target cannot be replaced here.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/WorkWithRouteTables.html#AddRemoveRoutes — the local route can't be modified like other routes
func (c *Cloud) ReplaceRoute(account, tableID string, dst netip.Prefix, t Target) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if rt, err := c.routeTableLocked(account, tableID); err == nil && isGatewayTable(rt) {
		if i := findRoute(rt, dst); i >= 0 && rt.Routes[i].Origin == OriginTable {
			return c.replaceLocalTargetLocked(rt, i, t)
		}
	}
	rt, i, err := c.staticRouteLocked(account, tableID, dst, "replace")
	if err != nil {
		return err
	}
	if err := c.checkTargetLocked(rt, t); err != nil {
		return err
	}
	if err := c.gatewayRouteChange(rt, dst, t); err != nil {
		return err
	}
	if err := checkIPv6Target(dst, t); err != nil {
		return err
	}
	rt.Routes[i].Target = t
	rt.Routes[i].Origin = OriginStatic
	c.emitLocked(KindRouteTable, OpUpdate, rt.ID, account)
	return nil
}

// DeleteRoute removes a static route; the local route cannot be deleted.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/RouteTables.html#route-table-routes — the local route cannot be deleted
func (c *Cloud) DeleteRoute(account, tableID string, dst netip.Prefix) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	rt, i, err := c.staticRouteLocked(account, tableID, dst, "remove")
	if err != nil {
		return err
	}
	rt.Routes = append(rt.Routes[:i:i], rt.Routes[i+1:]...)
	c.emitLocked(KindRouteTable, OpUpdate, rt.ID, account)
	return nil
}

// checkIPv6Target refuses an egress-only internet gateway as the target of
// an IPv4 destination.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/egress-only-internet-gateway.html — an egress-only internet gateway is for IPv6 traffic only
func checkIPv6Target(dst netip.Prefix, t Target) error {
	if t.Kind == TargetEgressOnlyGateway && dst.Addr().Is4() {
		return errf(CodeInvalidParameter, KindRoute, t.ID, "Route table routes to an egress-only internet gateway must have an IPv6 destination, not %s", dst)
	}
	return nil
}
