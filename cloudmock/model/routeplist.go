package model

import (
	"net/netip"
	"slices"
)

// Routes to prefix lists: a route whose destination is a prefix list
// (Route.PrefixListID) stands for one route per CIDR of the list, as the
// list is now; a change of the list changes them (prefixListChangedLocked
// announces the table). Gateway endpoints add such routes to their
// service's list (endpoint.go).

// routeWeightLocked is how many routes a table's static routes count
// for: one each, and a route to a prefix list as many as the list's
// maximum entries (or a managed list's weight).
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/managed-prefix-lists.html#reference-managed-prefix-list — the list's maximum entries count against the route table's routes quota
func (c *Cloud) routeWeightLocked(rt *RouteTable) int {
	n := 0
	for _, r := range rt.Routes {
		if r.Origin != OriginStatic {
			continue
		}
		if r.PrefixListID == "" {
			n++
			continue
		}
		if p, err := c.prefixListLocked(rt.Account, r.PrefixListID); err == nil {
			n += p.weight()
		}
	}
	return n
}

// ruleWeightLocked is how many rules a set's rules of its busiest
// direction count for: one each, and a rule with a prefix-list peer as
// many as the list's maximum entries (or a managed list's weight).
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/managed-prefix-lists.html#reference-managed-prefix-list — a prefix list referenced by a security group rule counts as its maximum entries against the rules quota
func (c *Cloud) ruleWeightLocked(account string, rules []Rule) int {
	w := map[Direction]int{}
	for _, r := range rules {
		if r.Peer.PrefixListID == "" {
			w[r.Direction]++
			continue
		}
		if p, err := c.prefixListLocked(account, r.Peer.PrefixListID); err == nil {
			w[r.Direction] += p.weight()
		}
	}
	return max(w[Ingress], w[Egress])
}

func findPrefixListRoute(rt *RouteTable, id string) int {
	return slices.IndexFunc(rt.Routes, func(r Route) bool { return r.PrefixListID == id })
}

// CreatePrefixListRoute adds a static route to a prefix list of the
// account (or one the cloud manages) in the table's region. A table has
// at most one route per list; the list's weight counts against the
// table's routes.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateRoute.html — DestinationPrefixListId
func (c *Cloud) CreatePrefixListRoute(account, tableID, listID string, t Target) error {
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
	p, err := c.checkPrefixListRefLocked(account, rt.Region, listID)
	if err != nil {
		return err
	}
	if findPrefixListRoute(rt, listID) >= 0 {
		return errf(CodeAlreadyExists, KindRoute, listID, "The route identified by %s already exists.", listID)
	}
	if isGatewayTable(rt) {
		return c.checkGatewayRouteLocked(rt, Route{PrefixListID: listID, Target: t, Origin: OriginStatic})
	}
	if t.Kind == TargetVPCEndpoint {
		return errf(CodeInvalidParameter, KindRoute, t.ID, "Routes to the gateway endpoint %s are managed by the endpoint.", t.ID)
	}
	if err := c.checkTargetLocked(rt, t); err != nil {
		return err
	}
	if c.routeWeightLocked(rt)+p.weight() > lim.RoutesPerTable {
		return errf(CodeLimitExceeded, KindRoute, tableID, "the maximum number of routes (%d) has been reached for route table %s", lim.RoutesPerTable, tableID)
	}
	rt.Routes = append(rt.Routes, Route{PrefixListID: listID, Target: t, Origin: OriginStatic})
	c.emitLocked(KindRouteTable, OpUpdate, rt.ID, account)
	return nil
}

// prefixListRouteLocked finds a table's route to a list for a replace or
// a delete; an endpoint's route is the endpoint's to change.
// AWS: https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html#gateway-endpoint-routing — you can't modify or delete a route that points to a gateway endpoint, but you can change the route tables of the endpoint
func (c *Cloud) prefixListRouteLocked(account, tableID, listID string) (*RouteTable, int, error) {
	rt, err := c.routeTableLocked(account, tableID)
	if err != nil {
		return nil, 0, err
	}
	i := findPrefixListRoute(rt, listID)
	if i < 0 {
		return nil, 0, errf(CodeNotFound, KindRoute, listID, "no route with destination-prefix-list-id %s in route table %s", listID, tableID)
	}
	if t := rt.Routes[i].Target; t.Kind == TargetVPCEndpoint {
		return nil, 0, errf(CodeInvalidParameter, KindRoute, listID, "The route to %s in route table %s belongs to the gateway endpoint %s; modify the endpoint's route tables instead.", listID, tableID, t.ID)
	}
	return rt, i, nil
}

// ReplacePrefixListRoute changes the target of a route to a prefix list.
func (c *Cloud) ReplacePrefixListRoute(account, tableID, listID string, t Target) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	rt, i, err := c.prefixListRouteLocked(account, tableID, listID)
	if err != nil {
		return err
	}
	if t.Kind == TargetVPCEndpoint {
		return errf(CodeInvalidParameter, KindRoute, t.ID, "Routes to the gateway endpoint %s are managed by the endpoint.", t.ID)
	}
	if err := c.checkTargetLocked(rt, t); err != nil {
		return err
	}
	rt.Routes[i].Target = t
	c.emitLocked(KindRouteTable, OpUpdate, rt.ID, account)
	return nil
}

// DeletePrefixListRoute removes a route to a prefix list.
func (c *Cloud) DeletePrefixListRoute(account, tableID, listID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	rt, i, err := c.prefixListRouteLocked(account, tableID, listID)
	if err != nil {
		return err
	}
	rt.Routes = slices.Delete(rt.Routes, i, i+1)
	c.emitLocked(KindRouteTable, OpUpdate, rt.ID, account)
	return nil
}

// ExpandRoutes returns a table's routes with each route to a prefix list
// replaced by one route per CIDR of the list (of the table's address
// family or not), skipping a CIDR another route of the table has: a route
// to a CIDR is more specific to the user's intent than the list's.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html#route-priority-prefix-list — a route to a CIDR takes priority over a route to a prefix list with the same CIDR
func (c *Cloud) ExpandRoutes(rt RouteTable) []Route {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return ExpandRoutes(rt.Routes, func(id string) []netip.Prefix { return c.prefixListCIDRsLocked(rt.Account, id) })
}

// ExpandRoutes is Cloud.ExpandRoutes with the CIDRs of each prefix list
// given by cidrs.
func ExpandRoutes(routes []Route, cidrs func(listID string) []netip.Prefix) []Route {
	var out []Route
	have := map[netip.Prefix]bool{}
	for _, r := range routes {
		if r.PrefixListID == "" {
			out = append(out, r)
			have[r.Destination] = true
		}
	}
	for _, r := range routes {
		if r.PrefixListID == "" {
			continue
		}
		for _, p := range cidrs(r.PrefixListID) {
			if !have[p] {
				have[p] = true
				x := r
				x.PrefixListID, x.Destination = "", p
				out = append(out, x)
			}
		}
	}
	return out
}
