package model

import (
	"net/netip"
	"slices"
)

// peeringRoutesLocked returns the routes that the active peerings of a
// main table's network bring it where its profile exchanges routes over
// peerings (Profile.PeeringRoutes): each peer's subnet routes, and the
// peer's custom static routes (untagged, to a next hop other than the
// internet) when the peer's side exports them and this network's imports
// them. A peer's route is not passed on to a third network: a peering
// brings only the peer's own routes, which is why peering is not
// transitive. Each route targets the peering; an imported custom route
// carries its next hop's address in the peer (Target.Addr), for the
// peer's router to hand what comes in over the peering to it.
// GCP: https://cloud.google.com/vpc/docs/vpc-peering#importing-exporting-routes — subnet routes are always exchanged; static routes with network tags and routes to the default internet gateway are never exchanged
// GCP: https://cloud.google.com/vpc/docs/vpc-peering#restrictions — only directly peered networks communicate: transitive peering is not supported
func (c *Cloud) peeringRoutesLocked(rt *RouteTable) []Route {
	if !rt.Main() {
		return nil
	}
	p, err := c.profileLocked(rt.Account)
	if err != nil || !p.PeeringRoutes {
		return nil
	}
	var out []Route
	for _, pc := range c.activePeeringsLocked(rt.NetworkID) {
		peer := c.networks[pc.Peer(rt.NetworkID)]
		t := Target{Kind: TargetPeering, ID: pc.ID}
		for _, pre := range peer.prefixes() {
			out = append(out, Route{Destination: pre, Target: t, Origin: OriginPropagated, State: RouteActive})
		}
		mine, _ := pc.Side(rt.NetworkID)
		theirs, _ := pc.Side(peer.ID)
		if !mine.ImportCustom || !theirs.ExportCustom {
			continue
		}
		out = append(out, c.exportedRoutesLocked(peer, t)...)
	}
	return out
}

// exportedRoutesLocked returns network n's custom static routes that a
// peering exports, as routes to target t with the next hop's address.
func (c *Cloud) exportedRoutesLocked(n *Network, t Target) []Route {
	main, ok := c.routeTables[n.MainRouteTableID]
	if !ok {
		return nil
	}
	var out []Route
	for _, r := range main.Routes {
		if r.Origin != OriginStatic || !r.Destination.IsValid() {
			continue
		}
		var hop netip.Addr
		switch r.Target.Kind {
		case TargetAddress:
			hop = r.Target.Addr
		case TargetInstance:
			if i, ok := c.instances[r.Target.ID]; ok && i.State == InstanceRunning {
				hop = c.instanceAddrInLocked(i, n.ID)
			}
		}
		if !hop.IsValid() {
			continue
		}
		x := t
		x.Addr = hop
		out = append(out, Route{Name: r.Name, Destination: r.Destination, Target: x, Origin: OriginPropagated, State: RouteActive, Priority: r.Priority})
	}
	slices.SortFunc(out, func(a, b Route) int { return a.Destination.Addr().Compare(b.Destination.Addr()) })
	return out
}

// instanceAddrInLocked returns the address of an instance's interface in
// network n: the one a route of n to the instance reaches.
// GCP: https://cloud.google.com/vpc/docs/routes#next-hops — a next hop instance has an interface in the route's network
func (c *Cloud) instanceAddrInLocked(i *Instance, network string) netip.Addr {
	best := -1
	var out netip.Addr
	for _, e := range c.instanceInterfacesLocked(i.ID) {
		if e.NetworkID == network && (best < 0 || e.Attachment.DeviceIndex < best) {
			best, out = e.Attachment.DeviceIndex, e.PrivateIP
		}
	}
	return out
}
