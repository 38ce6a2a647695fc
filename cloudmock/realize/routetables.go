package realize

import (
	"maps"
	"net"
	"net/netip"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/dataplane/policy"
)

// routeEnv is what turning a network's model routes into kernel routes
// needs besides the plan.
type routeEnv struct {
	enis     map[string]model.NetworkInterface
	natgws   map[string]model.NATGateway
	bridgeOf map[string]string // subnet ID -> its bridge
	igw      bool
}

// planRouteTables gives the router one kernel table per route table of the
// network, and an ip rule per subnet to its table; and, for each instance
// that a tag-associated table applies to, a table of its own (its subnet's
// routes and the tag tables' routes, the lowest priority winning per
// destination) with an ip rule from its address.
func (r *Realizer) planRouteTables(rp *routerPlan, p *plan, s *snapshot, n model.Network, env routeEnv) {
	if s.system.nets[n.ID] {
		r.planSystemRoutes(rp, p, s, n, env)
		return
	}
	var tables []model.RouteTable
	for _, t := range s.tables {
		if t.NetworkID == n.ID {
			tables = append(tables, t)
		}
	}
	slices.SortFunc(tables, func(a, b model.RouteTable) int { return strings.Compare(a.ID, b.ID) })
	tableNo := map[string]int{}
	add := func(no int, routes []model.Route) {
		// GCP: https://cloud.google.com/vpc/docs/routes#routeselection — the most specific destination, then the lowest priority value
		for _, rt := range model.BestRoutes(routes) {
			rp.routes = append(rp.routes, r.kernelRoute(no, n, rt, env.enis, env.natgws, env.bridgeOf, p, env.igw))
		}
	}
	for i, t := range tables {
		tableNo[t.ID] = firstTbl + i
		add(firstTbl+i, t.Routes)
	}
	planGatewayTable(rp, p, s, n, tables, tableNo, env)
	// A table's routes with the dynamic routes that serve a subnet, or
	// with tag-scoped tables' routes, are a kernel table of their own.
	combos := map[string]int{} // table IDs and dynamic routes -> kernel table
	combo := func(key string, routes []model.Route) int {
		no, made := combos[key]
		if !made {
			no = firstTbl + len(tables) + len(combos)
			combos[key] = no
			add(no, routes)
		}
		return no
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/RouteTables.html#RouteTableDetails — a subnet not explicitly associated uses the main route table
	subnetTable := map[string]model.RouteTable{}
	for i, sg := range rp.segs {
		var main *model.RouteTable
		for j, t := range tables {
			if t.ID == n.MainRouteTableID {
				main = &tables[j]
			}
			if slices.ContainsFunc(t.Associations, func(a model.RouteTableAssociation) bool { return a.SubnetID == sg.subnet }) {
				subnetTable[sg.subnet] = t
			}
		}
		if _, ok := subnetTable[sg.subnet]; !ok && main != nil {
			subnetTable[sg.subnet] = *main
		}
		if t, ok := subnetTable[sg.subnet]; ok {
			no := tableNo[t.ID]
			if routes, key := r.withDynamic(p, s, n.ID, s.subnets[sg.subnet].Region, t.Routes, t.ID); key != t.ID {
				no = combo(key, routes)
			}
			rp.rules = append(rp.rules, krule{prio: rulePrio + i, iif: sg.bridge, table: no})
		}
	}
	// GCP: https://cloud.google.com/vpc/docs/routes#instance_tags — a route with network tags applies only to the instances with one of the tags
	ids := slices.Sorted(mapsKeys(env.enis))
	for _, id := range ids {
		e := env.enis[id]
		base, ok := subnetTable[e.SubnetID]
		inst, isInst := s.instances[e.InstanceID]
		if e.NetworkID != n.ID || !ok || !isInst {
			continue
		}
		routes, key := slices.Clone(base.Routes), base.ID
		for _, t := range tables {
			if slices.ContainsFunc(t.Associations, func(a model.RouteTableAssociation) bool { return a.SelectsTags(networkTags(inst)) }) {
				routes, key = append(routes, t.Routes...), key+"+"+t.ID
			}
		}
		if key == base.ID {
			continue
		}
		routes, key = r.withDynamic(p, s, n.ID, s.subnets[e.SubnetID].Region, routes, key)
		no := combo(key, routes)
		// One priority for all: the kernel keeps rules of one priority in
		// the order they came, and each has its own source address.
		if e.PrivateIP.IsValid() { // none in an IPv6-only subnet
			rp.rules = append(rp.rules, krule{prio: tagPrio, iif: env.bridgeOf[e.SubnetID], src: netip.PrefixFrom(e.PrivateIP, 32), table: no})
		}
		// A forwarding instance sends packets of other sources too: those
		// are known by its MAC address, marked (routerRuleset) for its
		// table.
		// GCP: https://cloud.google.com/vpc/docs/routes#instance_tags — a route with tags applies to packets sent by the instances with the tags, whatever their source (canIpForward: https://cloud.google.com/vpc/docs/using-routes#canipforward)
		if !e.SourceDestCheck {
			m := senderMark{Bridge: env.bridgeOf[e.SubnetID], MAC: hostMAC(e.ID), Mark: senderMarkBase + uint32(len(rp.senders))}
			rp.senders = append(rp.senders, m)
			rp.rules = append(rp.rules, krule{prio: tagPrio, iif: m.Bridge, mark: m.Mark, table: no})
		}
	}
}

// senderMark marks what a forwarding instance sends into its subnet's
// bridge (by its MAC address) for its tag-scoped table's ip rule.
type senderMark struct {
	Bridge string
	MAC    net.HardwareAddr
	Mark   uint32
}

// senderMarkBase is the first sender mark: a router's packet marks are
// these alone.
const senderMarkBase = 0x6d630000

// senderChain marks the packets of each forwarding instance by its MAC
// address, before routing; nil without any.
func senderChain(ms []senderMark) []policy.Chain {
	if len(ms) == 0 {
		return nil
	}
	c := policy.Chain{Name: "senders", Hook: policy.HookPrerouting, Priority: policy.PriorityMangle}
	for _, m := range ms {
		c.Rules = append(c.Rules, policy.Rule{Match: policy.Match{IIF: m.Bridge, EtherSrc: m.MAC}, SetMark: m.Mark})
	}
	return []policy.Chain{c}
}

// planGatewayTable routes what enters through the network's internet
// gateway or virtual private gateway by the gateway's route table, if it
// has one: an ip rule ahead of the local table's sends what comes in over
// the router's internet link (after the gateway's one-to-one NAT has put
// the private address in), or over the realized Direct Connect line of
// the virtual private gateway, through that table, whose routes to a
// middlebox's interface take a subnet's inbound traffic there first; its
// local route throws the rest on to the local table. The middlebox
// forwards what it passes back to the router, which delivers it from the
// middlebox's subnet. The return path is the subnet's own route table (a
// default route to the same middlebox). A flow from the internet crosses
// the router twice, so the second crossing is a connection of its own to
// conntrack, whose NAT keeps the two apart by giving the second another
// source port (the client's address stays).
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/gateway-route-tables.html — a gateway route table redirects the traffic entering through an internet gateway or virtual private gateway to a middlebox appliance
func planGatewayTable(rp *routerPlan, p *plan, s *snapshot, n model.Network, tables []model.RouteTable, tableNo map[string]int, env routeEnv) {
	for _, t := range tables {
		a, ok := t.GatewayAssociation()
		if !ok {
			continue
		}
		if env.igw && slices.ContainsFunc(s.igws, func(g model.InternetGateway) bool { return g.ID == a.GatewayID && g.NetworkID == n.ID }) {
			rp.rules = append(rp.rules, krule{prio: gatewayPrio, iif: igwIf, table: tableNo[t.ID]})
		}
		for _, id := range sortedKeys(p.dx) {
			if d := p.dx[id]; d.vgw == a.GatewayID && d.network == n.ID {
				rp.rules = append(rp.rules, krule{prio: gatewayPrio, iif: d.ifRouter, table: tableNo[t.ID]})
			}
		}
	}
}

// hopInterface returns the interface a route to an instance or interface
// reaches: the interface itself, or the instance's interface in the
// route's network, its lowest device index (its primary one where all
// are in one network).
// GCP: https://cloud.google.com/vpc/docs/routes#next-hops — a next hop instance is reached on its interface in the route's network
func hopInterface(enis map[string]model.NetworkInterface, target, network string) (model.NetworkInterface, bool) {
	if e, ok := enis[target]; ok {
		return e, true
	}
	var best model.NetworkInterface
	found := false
	for _, e := range enis {
		if e.InstanceID == "" || e.InstanceID != target || e.NetworkID != network {
			continue
		}
		if !found || e.Attachment.DeviceIndex < best.Attachment.DeviceIndex {
			best, found = e, true
		}
	}
	return best, found
}

// kernelRoute turns one model route into a route in the router's table no.
func (r *Realizer) kernelRoute(no int, n model.Network, rt model.Route, enis map[string]model.NetworkInterface,
	natgws map[string]model.NATGateway, bridgeOf map[string]string, p *plan, igw bool) kroute {
	k := kroute{table: no, dst: rt.Destination, kind: "blackhole"}
	if rt.Target.Kind == model.TargetLocal {
		k.kind = "throw"
		return k
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html — a route whose target is gone is a blackhole and drops traffic
	if rt.State == model.RouteBlackhole {
		return k
	}
	if rt.Destination.Addr().Is6() {
		return r.kernelRoute6(k, n, rt, enis, bridgeOf, p, igw)
	}
	via := func(a netip.Addr, dev string) kroute {
		if a.IsValid() && dev != "" {
			k.kind, k.via, k.dev = "via", a, dev
		}
		return k
	}
	switch rt.Target.Kind {
	case model.TargetInstance, model.TargetNetworkInterface:
		if e, ok := hopInterface(enis, rt.Target.ID, n.ID); ok {
			return via(e.PrivateIP, bridgeOf[e.SubnetID])
		}
	case model.TargetAddress:
		// GCP: https://cloud.google.com/vpc/docs/routes#next-hops — next hop IP: the internal address of an instance in the route's network
		for _, id := range slices.Sorted(maps.Keys(enis)) {
			if e := enis[id]; e.NetworkID == n.ID && slices.Contains(e.Addrs(), rt.Target.Addr) {
				return via(rt.Target.Addr, bridgeOf[e.SubnetID])
			}
		}
	case model.TargetNATGateway:
		if g, ok := natgws[rt.Target.ID]; ok {
			return via(g.PrivateIP, bridgeOf[g.SubnetID])
		}
		// A NAT gateway of no subnet (OCI's) translates on the router's
		// internet link (subnetnat.go).
		if p.networkNATs[rt.Target.ID] {
			_, b := linkAddrs(r.links["igw/"+n.ID])
			return via(b.Addr(), igwIf)
		}
	case model.TargetInternetGateway, model.TargetInternet:
		if igw {
			_, b := linkAddrs(r.links["igw/"+n.ID])
			return via(b.Addr(), igwIf)
		}
	case model.TargetTransitGateway:
		if g, ok := p.tgws[rt.Target.ID]; ok {
			for _, a := range g.atts {
				if a.network == n.ID {
					return via(a.addrTGW.Addr(), a.ifVPC)
				}
			}
		}
	case model.TargetPeering:
		if pc, ok := p.peerings[rt.Target.ID]; ok {
			// A custom route the peer exported: the peer's router hands
			// what comes in over the peering for it to the next hop.
			// GCP: https://cloud.google.com/vpc/docs/vpc-peering#importing-exporting-routes — an imported custom route's next hop is in the peer network
			if rt.Target.Addr.IsValid() {
				for _, b := range n.CIDRs {
					p.hops = append(p.hops, remoteHop{network: pc.other(n.ID), iif: pc.ifname, src: b.Prefix, dst: rt.Destination, via: rt.Target.Addr})
				}
			}
			return via(pc.far(n.ID), pc.ifname)
		}
	case model.TargetVPNGateway:
		if d := p.vgwLink(rt.Target.ID, n.ID, rt.Destination); d != nil {
			return dxRoute(k, d)
		}
	case model.TargetVPNConnection:
		if x, ok := p.vpns[rt.Target.ID]; ok && x.network == n.ID {
			return via(x.router.b.Addr(), x.ifRouter)
		}
	case model.TargetAttachment:
		if x, ok := p.ics[rt.Target.ID]; ok && x.network == n.ID {
			return via(x.router.b.Addr(), x.ifRouter)
		}
	case model.TargetVPCEndpoint:
		// AWS: https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html — traffic to the service's prefix list leaves through the gateway endpoint, no internet gateway needed
		if len(p.endpointDsts[n.ID]) > 0 {
			_, b := linkAddrs(r.links["igw/"+n.ID])
			return via(b.Addr(), igwIf)
		}
	}
	// VPN gateways without a realized Direct Connect virtual interface
	// (AWS's VPN tunnels are not realized yet), unrealized VPN connections
	// and transit gateways the network is not attached to drop what their
	// routes match.
	return k
}
