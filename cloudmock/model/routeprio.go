package model

import (
	"net/netip"
	"slices"
)

// Route priorities and tag-scoped route tables: what GCP's routes have
// and AWS's do not. AWS routes keep priority 0 (CreateRoute), so for them
// only the longest prefix decides.

// AddRoute adds a static route with a priority. Routes to the same
// destination may coexist with different priorities (the lowest wins);
// one with the destination and priority of another is refused.
// GCP: https://cloud.google.com/vpc/docs/routes#routeselection — among routes with the most specific destination, the lowest priority value wins
func (c *Cloud) AddRoute(account, tableID string, r Route) error {
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
	if err := checkIPv4Prefix(KindRoute, r.Destination); err != nil {
		return err
	}
	if r.Priority < 0 || r.Priority > 65535 {
		return errf(CodeInvalidParameter, KindRoute, r.Destination.String(), "route priority %d is out of range 0-65535", r.Priority)
	}
	if slices.ContainsFunc(rt.Routes, func(x Route) bool { return x.Destination == r.Destination && x.Priority == r.Priority }) {
		return errf(CodeAlreadyExists, KindRoute, r.Destination.String(), "the route to %s with priority %d already exists", r.Destination, r.Priority)
	}
	if err := c.checkTargetLocked(rt, r.Target); err != nil {
		return err
	}
	if n := staticRoutes(rt); n >= lim.RoutesPerTable {
		return errf(CodeLimitExceeded, KindRoute, tableID, "the maximum number of routes (%d) has been reached for route table %s", lim.RoutesPerTable, tableID)
	}
	rt.Routes = append(rt.Routes, Route{Name: r.Name, Destination: r.Destination, Target: r.Target, Origin: OriginStatic, Priority: r.Priority})
	c.emitLocked(KindRouteTable, OpUpdate, rt.ID, account)
	return nil
}

func staticRoutes(rt *RouteTable) int {
	n := 0
	for _, r := range rt.Routes {
		if r.Origin == OriginStatic {
			n++
		}
	}
	return n
}

// RemoveNamedRoute removes the static route with the name from a table.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/routes/delete — a route is deleted by its name
func (c *Cloud) RemoveNamedRoute(account, tableID, name string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	rt, err := c.routeTableLocked(account, tableID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(rt.Routes, func(r Route) bool { return r.Origin == OriginStatic && r.Name == name })
	if i < 0 {
		return errf(CodeNotFound, KindRoute, name, "no route named '%s' in route table %s", name, tableID)
	}
	rt.Routes = slices.Delete(rt.Routes, i, i+1)
	c.emitLocked(KindRouteTable, OpUpdate, rt.ID, account)
	return nil
}

// AssociateRouteTableTags makes a table apply to the instances of its
// network that carry one of the tags, besides their subnet's table.
// GCP: https://cloud.google.com/vpc/docs/routes#instance_tags — routes with network tags apply only to instances with a matching tag
func (c *Cloud) AssociateRouteTableTags(account, tableID string, tags []string) (RouteTableAssociation, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	rt, err := c.routeTableLocked(account, tableID)
	if err != nil {
		return RouteTableAssociation{}, err
	}
	if len(tags) == 0 || slices.Contains(tags, "") {
		return RouteTableAssociation{}, errf(CodeInvalidParameter, KindRouteTableAssociation, tableID, "a tag association of route table %s needs tags", tableID)
	}
	a := RouteTableAssociation{ID: c.subIDLocked(account, KindRouteTableAssociation), Tags: slices.Clone(tags)}
	rt.Associations = append(rt.Associations, a)
	c.emitLocked(KindRouteTable, OpUpdate, rt.ID, account)
	a.Tags = slices.Clone(tags)
	return a, nil
}

// BestRoutes returns, of the given routes, the one with the lowest priority
// for each destination (the first of equals), in the order they came.
func BestRoutes(routes []Route) []Route {
	best := map[netip.Prefix]int{}
	var out []Route
	for _, r := range routes {
		if i, ok := best[r.Destination]; ok {
			if r.Priority < out[i].Priority {
				out[i] = r
			}
			continue
		}
		best[r.Destination] = len(out)
		out = append(out, r)
	}
	return out
}
