package realize

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// GCP's HA VPN tunnels made real: each tunnel whose peer gateway
// interface is one of the lab's uplinks is a gateway namespace of its own
// (mcn-<lab>-vng-<tunnel>), as an Azure VPN connection is (vpn.go: the same
// links, charon and bgpd), holding its HA VPN gateway interface's
// external address: charon speaks IKEv2 with the tunnel's shared secret
// from that address to the peer's, and FRR's bgpd speaks for the Cloud
// Router over it, with the router's ASN, from the BGP peer's ipAddress to
// its peerIpAddress (link-local, one /30 per tunnel), announcing what the
// router advertises. What bgpd learns is recorded on the tunnel
// (model.SetVPNLearnedRoutes: getRouterStatus's bestRoutes) and routes
// the network's subnets into the tunnel: those of the router's region,
// or every region's when the network's dynamic routing mode is GLOBAL.
// An interface's address is realized by one tunnel (the lowest ID): a
// gateway serves two tunnels, one per interface, to two peer interfaces.
// GCP: https://cloud.google.com/network-connectivity/docs/vpn/concepts/topologies — HA VPN: each of the gateway's two interfaces has its own external address and a tunnel to a peer interface; both tunnels carry traffic, each with its BGP session
// GCP: https://cloud.google.com/network-connectivity/docs/router/concepts/overview — the Cloud Router's BGP sessions over the tunnels learn the on-premises prefixes as the VPC network's dynamic routes and advertise its subnets
// GCP: https://cloud.google.com/network-connectivity/docs/router/concepts/overview#dynamic-routing-mode — regional dynamic routing: learned routes serve the subnets of the Cloud Router's region; global: of every region

// dynamicPriority is the priority of a learned route: the lab's peers
// send no MED, which GCP takes as the route's priority.
// GCP: https://cloud.google.com/network-connectivity/docs/router/concepts/overview#route-priorities — learned routes take the MED the peer advertises as their priority
const dynamicPriority = 100

// planGCPTunnels plans the HA VPN tunnels the lab realizes (see above).
func (r *Realizer) planGCPTunnels(p *plan, s *snapshot, nets map[string]model.Network, keep map[string]bool) {
	onUplink := r.uplinkAddrs()
	conns := map[string]model.VPNConnection{}
	for _, v := range s.vpns {
		conns[v.ID] = v
	}
	taken := map[netip.Addr]bool{}
	for _, t := range s.gcpTunnels { // sorted by ID: the lowest of an interface's wins
		v, ok := conns[t.ID]
		_, nok := nets[t.Network]
		psk, pok := labPSK(t.SharedSecret)
		if !ok || !nok || !pok || v.State != model.StateAvailable || !onUplink[t.Peer] || taken[t.Local] {
			continue
		}
		taken[t.Local] = true
		x := r.newVPNPlan(s, keep, v, v.ID, t.Gateway, t.Network, 0)
		x.public, x.site, x.psk, x.region, x.global = t.Local, t.Peer, psk, t.Region, t.GlobalRouting
		for _, id := range sortedKeys(s.subnets) {
			if sn := s.subnets[id]; sn.NetworkID == t.Network && sn.Prefix.IsValid() {
				x.cidrs = append(x.cidrs, sn.Prefix)
			}
		}
		if b := t.BGP; b != nil {
			x.bgp, x.asn, x.siteASN, x.bgpAddr, x.siteBGP, x.announce = true, b.ASN, b.PeerASN, b.Addr, b.PeerAddr, b.Advertised
		}
		x.key = fmt.Sprintf("%+v", *x)
		p.vpns[v.ID] = x
	}
}

// dynamicRoutes are the routes a GCP network's realized tunnels learned
// that serve a subnet of region: as routes to the tunnel, in tunnel
// order (the first of equal routes wins: the lab takes one tunnel where
// GCP spreads flows over both).
func dynamicRoutes(p *plan, s *snapshot, network, region string) []model.Route {
	var out []model.Route
	for _, v := range s.vpns { // sorted by ID
		x, ok := p.vpns[v.ID]
		if !ok || x.network != network || x.region == "" || (!x.global && x.region != region) {
			continue
		}
		for _, d := range v.Routes {
			out = append(out, model.Route{Destination: d, Priority: dynamicPriority, Target: model.Target{Kind: model.TargetVPNConnection, ID: v.ID}, State: model.RouteActive})
		}
	}
	return out
}

// dynamicKey names a set of dynamic routes in a kernel table's key.
func dynamicKey(routes []model.Route) string {
	if len(routes) == 0 {
		return ""
	}
	var b strings.Builder
	for _, r := range routes {
		fmt.Fprintf(&b, "+%s>%s", r.Destination, r.Target.ID)
	}
	return b.String()
}

// withDynamic is a table's routes and the dynamic ones (the tunnels' and
// the attachments', gcpic.go) that serve a subnet of region, and the key
// of that set.
func (r *Realizer) withDynamic(p *plan, s *snapshot, network, region string, routes []model.Route, key string) ([]model.Route, string) {
	dyn := append(dynamicRoutes(p, s, network, region), r.attachmentRoutes(p, network, region)...)
	return append(slices.Clone(routes), dyn...), key + dynamicKey(dyn)
}
