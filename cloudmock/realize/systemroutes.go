package realize

import (
	"net/netip"
	"slices"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/dataplane/policy"
)

// Networks whose provider has system routes (model.Profile.SystemRoutes,
// Azure's): each subnet's kernel table is its effective routes
// (model.Cloud.EffectiveRoutes), the active ones; the router has a link
// to the internet without any gateway object; a user-defined route to an
// appliance in a peered network goes over the peering, and the peer's
// router hands what comes in from that subnet for that destination to
// the appliance.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-networks-udr-overview — system routes, user-defined routes, and the route selection

// systemInfo is what a snapshot reads for such networks.
type systemInfo struct {
	nets      map[string]bool                   // network IDs with system routes
	closed    map[string]bool                   // network IDs whose public IPs are closed (model.Profile.PublicIPClosed)
	openTier  map[string]string                 // network ID -> the tier of its open public IPs (model.Profile.OpenPublicIPTier)
	effective map[string][]model.EffectiveRoute // by subnet ID
	vnetTag   map[string][]netip.Prefix         // by subnet ID: the VirtualNetwork service tag there
	netRules  map[string][]model.Rule           // network ID -> the rules beneath its sets (model.Profile.NetworkRules)
	natLast   map[string]bool                   // network IDs whose public IPs come before NAT gateways (model.Profile.PublicIPBeforeNAT)
}

func newSystemInfo() systemInfo {
	return systemInfo{nets: map[string]bool{}, closed: map[string]bool{}, openTier: map[string]string{},
		effective: map[string][]model.EffectiveRoute{}, vnetTag: map[string][]netip.Prefix{}, netRules: map[string][]model.Rule{}, natLast: map[string]bool{}}
}

// read reads an account's networks, if its profile has system routes or
// closed public IPs.
func (si systemInfo) read(c *model.Cloud, a model.Account) {
	prof, ok := model.LookupProfile(a.Provider)
	if !ok || (!prof.SystemRoutes && !prof.PublicIPClosed && prof.NetworkRules == nil) {
		return
	}
	for _, n := range c.Networks(a.ID) {
		si.natLast[n.ID] = prof.PublicIPBeforeNAT
		si.nets[n.ID], si.closed[n.ID], si.openTier[n.ID] = prof.SystemRoutes, prof.PublicIPClosed, prof.OpenPublicIPTier
		if prof.NetworkRules != nil {
			si.netRules[n.ID] = prof.NetworkRules
		}
	}
	if !prof.SystemRoutes && !prof.PublicIPClosed {
		return
	}
	for _, x := range c.Subnets(a.ID) {
		if rs, err := c.EffectiveRoutes(a.ID, x.ID); err == nil {
			si.effective[x.ID] = rs
		}
		if tag, err := c.VirtualNetworkTag(a.ID, x.ID); err == nil {
			si.vnetTag[x.ID] = tag
		}
	}
}

// remoteHop is a route that the router of an appliance's network takes
// for what a peer's subnet sends it over their peering: the subnet's
// user-defined route to dst via the appliance.
type remoteHop struct {
	network string       // the appliance's network
	iif     string       // the peering's interface there
	src     netip.Prefix // the subnet whose route it is
	dst     netip.Prefix
	via     netip.Addr
	dev     string // the link via is on, when not a subnet's bridge (a private line's)
}

const (
	hopPrio = 600  // ip rules: iif <peering> from <peer subnet> lookup <its hops>
	hopTbl  = 5000 // the tables of remote hops are 5000, 5001, ...
	lineTbl = 6000 // the tables of what comes in from private lines for VNets using their gateway, by line
)

// planSystemRoutes gives each subnet of a network with system routes a
// kernel table of its active effective routes, and an ip rule from its
// bridge to it.
func (r *Realizer) planSystemRoutes(rp *routerPlan, p *plan, s *snapshot, n model.Network, env routeEnv) {
	for i, sg := range rp.segs {
		no := firstTbl + i
		for _, er := range s.system.effective[sg.subnet] {
			if er.Active {
				rp.routes = append(rp.routes, r.systemRoute(no, n, er, rp, p, s, sg, env))
			}
		}
		rp.rules = append(rp.rules, krule{prio: rulePrio + i, iif: sg.bridge, table: no})
	}
}

// systemRoute turns one effective route of subnet sg into a kernel route.
func (r *Realizer) systemRoute(no int, n model.Network, er model.EffectiveRoute, rp *routerPlan, p *plan, s *snapshot, sg segPlan, env routeEnv) kroute {
	k := kroute{table: no, dst: er.Destination, kind: "blackhole"}
	via := func(a netip.Addr, dev string) kroute {
		k.kind, k.via, k.dev = "via", a, dev
		return k
	}
	switch er.Target.Kind {
	case model.TargetNetworkLocal:
		// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-networks-udr-overview#default — Virtual network: routes within the address space, between subnets
		k.kind = "throw"
	case model.TargetInternet:
		// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-networks-udr-overview#default — Internet: 0.0.0.0/0 to the internet, no gateway needed
		if env.igw {
			_, b := linkAddrs(r.links["igw/"+n.ID])
			return via(b.Addr(), igwIf)
		}
	case model.TargetPeering:
		if pc, ok := p.peerings[er.Target.ID]; ok {
			return via(pc.far(n.ID), pc.ifname)
		}
	case model.TargetAddress:
		// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-networks-udr-overview#custom-routes — Virtual appliance: the next hop address is a VM's in the same or a peered virtual network
		a := er.Target.Addr
		for _, x := range rp.segs {
			if x.gw.Masked().Contains(a) {
				return via(a, x.bridge)
			}
		}
		for _, id := range sortedKeys(p.peerings) {
			pc := p.peerings[id]
			other := pc.other(n.ID)
			if other == "" || !networkHolds(s, other, a) {
				continue
			}
			p.hops = append(p.hops, remoteHop{network: other, iif: pc.ifname, src: sg.gw.Masked(), dst: er.Destination, via: a})
			return via(pc.far(n.ID), pc.ifname)
		}
	case model.TargetNetworkGateway:
		// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-networks-udr-overview#custom-routes — Virtual network gateway: traffic goes to the VNet's gateway (ExpressRoute or VPN)
		// Azure: https://learn.microsoft.com/en-us/azure/expressroute/expressroute-circuit-peerings#privatepeering — private peering connects the VNet's gateway to on-premises over the circuit
		return gatewayRoute(k, n, er.Target.ID, p, s, sg)
	}
	// None drops, as does an appliance nowhere reachable and a virtual
	// network gateway without a realized private line (VPN tunnels are
	// not realized yet).
	// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-networks-udr-overview#custom-routes — None: traffic is dropped
	return k
}

// far is the address of the other end of the peering's link, seen from
// network n.
func (pc *peerPlan) far(n string) netip.Addr {
	if pc.a == n {
		return pc.addrB.Addr()
	}
	return pc.addrA.Addr()
}

// other is the peering's other network than n, or empty if n is neither.
func (pc *peerPlan) other(n string) string {
	switch n {
	case pc.a:
		return pc.b
	case pc.b:
		return pc.a
	}
	return ""
}

// networkHolds reports whether one of a network's prefixes holds a.
func networkHolds(s *snapshot, network string, a netip.Addr) bool {
	for _, n := range s.networks {
		if n.ID == network {
			return n.Contains(netip.PrefixFrom(a, 32))
		}
	}
	return false
}

// planHops gives the routers of the appliances' networks the remote hops:
// a table per peering and peer subnet, selected by an ip rule from the
// subnet on the peering's interface, routing to the appliance.
func planHops(p *plan) {
	type key struct {
		network, iif string
		src          netip.Prefix
	}
	tables := map[key]int{}
	count := map[string]int{}
	for _, h := range p.hops {
		rp := p.routers[h.network]
		if rp == nil {
			continue
		}
		dev := h.dev
		for _, sg := range rp.segs {
			if dev == "" && sg.gw.Masked().Contains(h.via) {
				dev = sg.bridge
			}
		}
		k := key{h.network, h.iif, h.src}
		no, ok := tables[k]
		if !ok {
			no = hopTbl + count[h.network]
			count[h.network]++
			tables[k] = no
			rp.rules = append(rp.rules, krule{prio: hopPrio, iif: h.iif, src: h.src, table: no})
		}
		kr := kroute{table: no, dst: h.dst, kind: "blackhole"}
		if dev != "" {
			kr.kind, kr.via, kr.dev = "via", h.via, dev
		}
		if !slices.ContainsFunc(rp.routes, func(x kroute) bool { return x.table == no && x.dst == h.dst }) {
			rp.routes = append(rp.routes, kr)
		}
	}
}

// fwdCheck drops what comes in from a peering (If) unless its source is
// one of Allowed: the peer's address space.
type fwdCheck struct {
	If      string
	Allowed []netip.Prefix
}

// forwardedChecks returns the checks of network n's peerings whose side
// of n takes no forwarded traffic.
func forwardedChecks(p *plan, s *snapshot, n model.Network) []fwdCheck {
	var out []fwdCheck
	for _, id := range sortedKeys(p.peerings) {
		pc := p.peerings[id]
		side, ok := s.peerings[id].Side(n.ID)
		if !ok || !side.BlockForwarded || usesRemoteGateway(s.peerings[id], n.ID) {
			continue
		}
		fc := fwdCheck{If: pc.ifname}
		for _, x := range s.networks {
			if x.ID == pc.other(n.ID) {
				for _, b := range x.CIDRs {
					fc.Allowed = append(fc.Allowed, b.Prefix)
				}
			}
		}
		out = append(out, fc)
	}
	return out
}

// forwardedChains compiles the checks into the router's forward chain.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-network-peering-overview — without allow forwarded traffic, what an appliance in the peer forwards from elsewhere does not enter through the peering
func forwardedChains(fwd *policy.Chain, checks []fwdCheck) []policy.Chain {
	var out []policy.Chain
	for _, fc := range checks {
		ch := policy.Chain{Name: "fwd-" + fc.If}
		for _, a := range fc.Allowed {
			ch.Rules = append(ch.Rules, policy.Rule{Match: policy.Match{Src: a}, Verdict: policy.Return})
		}
		ch.Rules = append(ch.Rules, policy.Rule{Verdict: policy.Drop})
		fwd.Rules = append(fwd.Rules, policy.Rule{Match: policy.Match{IIF: fc.If}, Verdict: policy.Jump(ch.Name)})
		out = append(out, ch)
	}
	return out
}

// closedRules drops new connections from the internet to the private
// addresses behind closed public IPs.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/ip-services/public-ip-addresses#sku — a Standard public IP is closed to inbound traffic unless a network security group allows it
func closedRules(fwd *policy.Chain, nat []natMap) {
	for _, m := range nat {
		if m.Closed {
			fwd.Rules = append(fwd.Rules, policy.Rule{Match: policy.Match{IIF: igwIf, Dst: netip.PrefixFrom(m.Private, 32), CtState: policy.CtNew}, Verdict: policy.Drop})
		}
	}
}

// outside returns IPv4 prefixes that cover every address in none of ps:
// the Internet service tag, everything outside the VirtualNetwork tag.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/service-tags-overview#available-service-tags — Internet: the address space outside the virtual network
func outside(ps []netip.Prefix) []netip.Prefix {
	var out []netip.Prefix
	var walk func(p netip.Prefix)
	walk = func(p netip.Prefix) {
		overlaps := false
		for _, x := range ps {
			if x.Bits() <= p.Bits() && x.Contains(p.Addr()) {
				return // all of p is inside
			}
			overlaps = overlaps || p.Overlaps(x)
		}
		if !overlaps {
			out = append(out, p)
			return
		}
		a := p.Addr().As4()
		hi := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3]) | 1<<(31-p.Bits())
		walk(netip.PrefixFrom(p.Addr(), p.Bits()+1))
		walk(netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(hi >> 24), byte(hi >> 16), byte(hi >> 8), byte(hi)}), p.Bits()+1))
	}
	walk(netip.MustParsePrefix("0.0.0.0/0"))
	return out
}

// gatewayRoute is the kernel route k to virtual network gateway gw (any
// when empty) of network n, from subnet sg: over the VNet's own realized
// private line, or over a peering where n uses the remote gateway (its
// router then hands what comes from the subnet for k.dst to its line);
// k (a blackhole) when there is none.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-network-peering-overview#gateways-and-on-premises-connectivity — a VNet that uses remote gateways reaches on-premises through the peered VNet's gateway
func gatewayRoute(k kroute, n model.Network, gw string, p *plan, s *snapshot, sg segPlan) kroute {
	if k, ok := vpnRoute(k, n.ID, gw, p, s); ok {
		return k
	}
	line := func(network string) *dxPlan {
		for _, id := range sortedKeys(p.dx) {
			if d := p.dx[id]; d.network == network && (gw == "" || d.vgw == gw) {
				return d
			}
		}
		return nil
	}
	if d := line(n.ID); d != nil {
		return dxRoute(k, d)
	}
	for _, id := range sortedKeys(p.peerings) {
		pc := p.peerings[id]
		if !usesRemoteGateway(s.peerings[id], n.ID) {
			continue
		}
		if d := line(pc.other(n.ID)); d != nil {
			p.hops = append(p.hops, remoteHop{network: d.network, iif: pc.ifname, src: sg.gw.Masked(), dst: k.dst, via: d.customer.Addr(), dev: d.ifRouter})
			k.kind, k.via, k.dev = "via", pc.far(n.ID), pc.ifname
			return k
		}
	}
	return k
}

// usesRemoteGateway reports whether network n uses the peer's gateways
// through the peering: its side uses remote gateways, the peer's allows
// gateway transit. What comes in from the peer's gateway is not forwarded
// traffic (allowForwardedTraffic does not apply).
func usesRemoteGateway(pc model.Peering, n string) bool {
	mine, ok := pc.Side(n)
	theirs, _ := pc.Side(pc.Peer(n))
	return ok && pc.State == model.PeeringActive && mine.UseRemoteGateways && theirs.GatewayTransit
}

// planLineTransit lets the VNets that use a gateway's line through
// gateway transit be reached from it: the site gets routes to their
// prefixes, and the gateway's router sends what comes in from the line
// for them over the peering.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-network-peering-overview#gateways-and-on-premises-connectivity — with gateway transit, the gateway advertises the peered VNet's address space to on-premises
func planLineTransit(p *plan, s *snapshot, nets map[string]model.Network) {
	for i, did := range sortedKeys(p.dx) {
		d := p.dx[did]
		rp := p.routers[d.network]
		if rp == nil {
			continue
		}
		no := lineTbl + i
		added := false
		for _, id := range sortedKeys(p.peerings) {
			pc := p.peerings[id]
			spoke := pc.other(d.network)
			if spoke == "" || !usesRemoteGateway(s.peerings[id], spoke) {
				continue
			}
			for _, b := range nets[spoke].CIDRs {
				d.cidrs = append(d.cidrs, b.Prefix)
				rp.routes = append(rp.routes, kroute{table: no, dst: b.Prefix, kind: "via", via: pc.far(d.network), dev: pc.ifname})
				added = true
			}
		}
		if added {
			rp.rules = append(rp.rules, krule{prio: hopPrio, iif: d.ifRouter, table: no})
			d.rekey()
		}
	}
}
