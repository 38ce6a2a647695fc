package model

import (
	"net/netip"
	"slices"
)

// Effective routes: what routes a subnet's traffic where the provider
// has system routes (Profile.SystemRoutes, Azure's): the system routes
// that every subnet has without a table, and the user-defined routes of
// the table of no network associated with the subnet over them.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-networks-udr-overview — system routes, custom routes, and how Azure selects a route

// RouteSource says where an effective route comes from.
type RouteSource string

// The route sources, as Azure names them.
const (
	// SourceDefault is a system route.
	SourceDefault RouteSource = "Default"
	// SourceUser is a user-defined route of the subnet's table.
	SourceUser RouteSource = "User"
	// SourceGateway is a route a virtual network gateway learned (BGP).
	SourceGateway RouteSource = "VirtualNetworkGateway"
)

// EffectiveRoute is one route of a subnet, with its source and whether it
// is the one in force for its destination (Azure shows the others as
// Invalid). Target kinds: TargetNetworkLocal (the network's own address
// space), TargetPeering (a peered network's, ID the peering),
// TargetInternet, TargetBlackhole (None), TargetAddress (an appliance),
// TargetNetworkGateway.
type EffectiveRoute struct {
	Source      RouteSource
	Name        string // a user-defined route's name
	Destination netip.Prefix
	Target      Target
	Active      bool
}

// reservedNone are the ranges that the system routes send nowhere.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-networks-udr-overview#default — 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 and 100.64.0.0/10 have next hop None unless within the VNet's address space
var reservedNone = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"), netip.MustParsePrefix("100.64.0.0/10"),
}

// hostNodeVIP is the virtual IP of the host node (Azure's 168.63.129.16),
// part of the VirtualNetwork service tag.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/what-is-ip-address-168-63-129-16 — the virtual public IP of the host node
var hostNodeVIP = netip.MustParsePrefix("168.63.129.16/32")

// EffectiveRoutes returns a subnet's routes where its account's profile
// has system routes: its network's prefixes (VnetLocal), each active
// peering's remote prefixes, 0.0.0.0/0 to the internet, the reserved
// ranges to None, then the user-defined routes of its table. Of the
// routes to one destination a user-defined one wins over a gateway's,
// which wins over a system route; between destinations the longest
// prefix decides, as the kernel does with the active ones.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-networks-udr-overview#how-azure-selects-a-route — longest prefix match, then user-defined route, then BGP route, then system route
func (c *Cloud) EffectiveRoutes(account, subnetID string) ([]EffectiveRoute, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	s, err := c.subnetLocked(account, subnetID)
	if err != nil {
		return nil, err
	}
	p, err := c.profileLocked(account)
	if err != nil {
		return nil, err
	}
	if !p.SystemRoutes {
		return nil, errf(CodeInvalidParameter, KindSubnet, subnetID, "subnet %s routes by its route table: its provider has no system routes", subnetID)
	}
	return c.effectiveRoutesLocked(s), nil
}

func (c *Cloud) effectiveRoutesLocked(s *Subnet) []EffectiveRoute {
	n := c.networks[s.NetworkID]
	var out []EffectiveRoute
	sys := func(dst netip.Prefix, t Target) {
		out = append(out, EffectiveRoute{Source: SourceDefault, Destination: dst, Target: t})
	}
	for _, b := range n.CIDRs {
		sys(b.Prefix, Target{Kind: TargetNetworkLocal})
	}
	// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-networks-udr-overview#optional-default-routes — a peering adds a route to each address range of the peered VNet (next hop VNet peering)
	for _, pc := range c.activePeeringsLocked(n.ID) {
		for _, b := range c.networks[pc.Peer(n.ID)].CIDRs {
			sys(b.Prefix, Target{Kind: TargetPeering, ID: pc.ID})
		}
	}
	sys(netip.MustParsePrefix("0.0.0.0/0"), Target{Kind: TargetInternet})
	for _, r := range reservedNone {
		// A VNet range that holds a reserved range (or is it) replaces
		// its None route; one within it is more specific anyway.
		if !slices.ContainsFunc(n.CIDRs, func(b CIDRBlock) bool { return b.Prefix.Bits() <= r.Bits() && b.Prefix.Contains(r.Addr()) }) {
			sys(r, Target{Kind: TargetBlackhole})
		}
	}
	out = append(out, c.gatewayRoutesLocked(n)...)
	for _, rt := range c.routeTables {
		if rt.NetworkID != "" || !slices.ContainsFunc(rt.Associations, func(a RouteTableAssociation) bool { return a.SubnetID == s.ID }) {
			continue
		}
		for _, r := range rt.Routes {
			out = append(out, EffectiveRoute{Source: SourceUser, Name: r.Name, Destination: r.Destination, Target: r.Target})
		}
	}
	rank := map[RouteSource]int{SourceUser: 0, SourceGateway: 1, SourceDefault: 2}
	best := map[netip.Prefix]int{}
	for i, r := range out {
		if j, ok := best[r.Destination]; !ok || rank[r.Source] < rank[out[j].Source] {
			best[r.Destination] = i
		}
	}
	for _, i := range best {
		out[i].Active = true
	}
	return out
}

// gatewayRoutesLocked returns the routes that the virtual network
// gateways serving network n bring: its own gateway's and, through a
// peering on which n uses the remote gateways and the peer allows gateway
// transit, the peer's; each gateway's routes are the customer prefixes of
// its available VPN connections (static, or learned over BGP) and what
// its ExpressRoute private peerings' sessions learned (SetDXSession).
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-networks-udr-overview#border-gateway-protocol — routes exchanged with on-premises through a virtual network gateway appear with source Virtual network gateway
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-network-peering-overview#gateways-and-on-premises-connectivity — with gateway transit, the peered VNet uses the remote gateway and learns its routes
func (c *Cloud) gatewayRoutesLocked(n *Network) []EffectiveRoute {
	serving := map[string]bool{n.ID: true}
	for _, pc := range c.activePeeringsLocked(n.ID) {
		mine, _ := pc.Side(n.ID)
		theirs, _ := pc.Side(pc.Peer(n.ID))
		if mine.UseRemoteGateways && theirs.GatewayTransit {
			serving[pc.Peer(n.ID)] = true
		}
	}
	var out []EffectiveRoute
	for _, gid := range sortedKeys(c.vgws) {
		g := c.vgws[gid]
		if g.NetworkID == "" || !serving[g.NetworkID] {
			continue
		}
		for _, vid := range sortedKeys(c.vpns) {
			v := c.vpns[vid]
			if v.VPNGatewayID != gid || v.State != StateAvailable {
				continue
			}
			for _, p := range v.Routes {
				out = append(out, EffectiveRoute{Source: SourceGateway, Destination: p, Target: Target{Kind: TargetNetworkGateway, ID: gid}})
			}
		}
		out = append(out, c.dxGatewayRoutesLocked(gid)...)
	}
	return out
}

// activePeeringsLocked returns the active peerings of a network, by ID.
func (c *Cloud) activePeeringsLocked(networkID string) []*Peering {
	var out []*Peering
	for _, id := range sortedKeys(c.peerings) {
		pc := c.peerings[id]
		if pc.State != PeeringActive || (pc.RequesterNetworkID != networkID && pc.AccepterNetworkID != networkID) {
			continue
		}
		if c.networks[pc.Peer(networkID)] == nil {
			continue
		}
		out = append(out, pc)
	}
	return out
}

// VirtualNetworkTag returns the prefixes that the VirtualNetwork service
// tag stands for at a subnet: its network's address space, that of each
// peer whose traffic the network takes (PeeringSide.BlockRemote off), the
// on-premises prefixes its gateways bring, the destinations of its
// user-defined routes and the host node's address.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/service-tags-overview#available-service-tags — VirtualNetwork: the VNet's address space, peered VNets, on-premises address spaces, the host's virtual IP and the prefixes of user-defined routes
func (c *Cloud) VirtualNetworkTag(account, subnetID string) ([]netip.Prefix, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	s, err := c.subnetLocked(account, subnetID)
	if err != nil {
		return nil, err
	}
	n := c.networks[s.NetworkID]
	var out []netip.Prefix
	for _, b := range n.CIDRs {
		out = append(out, b.Prefix)
	}
	for _, pc := range c.activePeeringsLocked(n.ID) {
		if side, _ := pc.Side(n.ID); side.BlockRemote {
			continue
		}
		for _, b := range c.networks[pc.Peer(n.ID)].CIDRs {
			out = append(out, b.Prefix)
		}
	}
	for _, r := range c.effectiveRoutesLocked(s) {
		if (r.Source == SourceUser || r.Source == SourceGateway) && !slices.Contains(out, r.Destination) {
			out = append(out, r.Destination)
		}
	}
	return append(out, hostNodeVIP), nil
}
