package realize

import (
	"net/netip"
	"slices"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// Active-active virtual network gateways: a gateway with two IP
// configurations, each with its public IP (model.GatewayOptions with
// ActiveActive and two Addresses), is two instances, realized as the
// connection's tunnels 1 and 2 (vpnPlan.tunnel): each a gateway namespace
// of its own (vpn.go) with its public IP, its BGP address of the
// GatewaySubnet, its charon and its bgpd, so that a connection to a local
// network gateway has two tunnels and two BGP sessions. What each sees
// is recorded on its tunnel of the connection (model.SetVPNTunnelStatus,
// SetVPNTunnelRoutes: the connection is up while one is, its routes are
// both's). The VNet's routes to the gateway go to the first instance that
// serves (its BGP session, without BGP its tunnel, up), so traffic moves
// to the other instance when one fails; the instances' BGP addresses are
// routed to them in the VNet.
// Azure: https://learn.microsoft.com/en-us/azure/vpn-gateway/about-active-active-gateways — each instance has its own public IP and a tunnel to the on-premises device; when one instance goes down, traffic moves to the other
// Azure: https://learn.microsoft.com/en-us/azure/vpn-gateway/vpn-gateway-highlyavailable — active-active with one on-premises device: two tunnels and two BGP sessions, from the gateway's two BGP peer IPs to the device's one

// instances is how many instances gateway g has: two when active-active
// with two public IPs, otherwise one.
func instances(g model.VPNGateway) int {
	if g.Options.ActiveActive && len(g.Options.Addresses) >= 2 {
		return 2
	}
	return 1
}

// serves says whether the gateway of plan x carries traffic, as its
// connection's record in the snapshot says: a gateway of a connection
// realized by one gateway always; an instance while its BGP session is
// up (without BGP, its tunnel).
func serves(s *snapshot, x *vpnPlan) bool {
	if x.tunnel == 0 {
		return true
	}
	i := slices.IndexFunc(s.vpns, func(v model.VPNConnection) bool { return v.ID == x.id })
	if i < 0 || len(s.vpns[i].Tunnels) < x.tunnel {
		return false
	}
	t := s.vpns[i].Tunnels[x.tunnel-1]
	if x.bgp {
		return t.BGP == model.VPNUp
	}
	return t.Tunnel == model.VPNUp
}

// vpnInstanceRoutes are the local table's routes of network n to the BGP
// addresses of its active-active gateways' instances: each over the link
// to its instance.
// Azure: https://learn.microsoft.com/en-us/azure/vpn-gateway/vpn-gateway-bgp-resource-manager-ps — the gateway's BGP peer IPs are addresses of the GatewaySubnet, in the virtual network's address space
func vpnInstanceRoutes(p *plan, n string) []kroute {
	var out []kroute
	for _, id := range sortedKeys(p.vpns) {
		if x := p.vpns[id]; x.network == n && x.tgw == "" && x.tunnel > 0 && x.bgp {
			out = append(out, kroute{table: localTbl, dst: netip.PrefixFrom(x.bgpAddr, 32), kind: "via", via: x.router.b.Addr(), dev: x.ifRouter})
		}
	}
	return out
}
