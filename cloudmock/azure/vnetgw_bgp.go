package azure

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// A VPN gateway's BGP: its learned routes and its peers' status, POST
// actions that Azure answers as long-running operations, computed from
// the model when the client fetches the result: the gateway's own VNet
// prefixes (origin Network) and each BGP connection's learned routes
// (origin EBgp, from the local gateway's BGP address), and per BGP
// connection its peer, Connected while the realizer saw the session up;
// an ExpressRoute gateway's peers are Microsoft's edges of its circuits'
// private peerings (erPeers).
// Azure: https://learn.microsoft.com/en-us/rest/api/network-gateway/virtual-network-gateways/get-learned-routes — POST, 202 with Location; GatewayRouteListResult
// Azure: https://learn.microsoft.com/en-us/rest/api/network-gateway/virtual-network-gateways/get-bgp-peer-status — POST, 202 with Location; BgpPeerStatusListResult, state Unknown, Stopped, Idle, Connecting or Connected

type gatewayRoute struct {
	LocalAddress string `json:"localAddress"`
	Network      string `json:"network"`
	NextHop      string `json:"nextHop,omitempty"`
	SourcePeer   string `json:"sourcePeer"`
	Origin       string `json:"origin"`
	AsPath       string `json:"asPath"`
	Weight       int32  `json:"weight"`
}

type bgpPeerStatus struct {
	LocalAddress   string `json:"localAddress"`
	Neighbor       string `json:"neighbor"`
	Asn            int64  `json:"asn"`
	State          string `json:"state"`
	RoutesReceived int64  `json:"routesReceived"`
}

// serveVNGAction answers POST .../virtualNetworkGateways/G/ACTION.
func (s *Server) serveVNGAction(q *request, group, name, action string) {
	if q.Method != http.MethodPost {
		methodNotAllowed(q)
		return
	}
	g, err := s.vngByName(q.sub, group, name)
	if err != nil {
		writeError(q.w, err)
		return
	}
	acceptAction(q, g.Region, "vng."+base64.RawURLEncoding.EncodeToString([]byte(g.Scope+"/"+g.Name+"/"+lower(action))))
}

// vngActionResult answers the Location of a gateway action; ok is false
// for another operation.
func (s *Server) vngActionResult(q *request, tok string) bool {
	raw, found := strings.CutPrefix(tok, "vng.")
	if !found {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(raw)
	parts := strings.Split(string(b), "/")
	if err != nil || len(parts) != 3 || (parts[2] != "getlearnedroutes" && parts[2] != "getbgppeerstatus") {
		writeError(q.w, fail(http.StatusNotFound, "NotFound", "The operation '%s' was not found.", clip(tok)))
		return true
	}
	g, err := s.vngByName(q.sub, parts[0], parts[1])
	if err != nil {
		writeError(q.w, err)
		return true
	}
	local := ""
	if body := s.vngOut(g); body.Properties.BGPSettings != nil {
		// the first instance's: the one the lab realizes the connection on
		local, _, _ = strings.Cut(body.Properties.BGPSettings.BGPPeeringAddress, ",")
	}
	var routes []gatewayRoute
	var peers []bgpPeerStatus
	if n, err := s.cloud.Network(q.sub, g.NetworkID); err == nil {
		for _, c := range n.CIDRs {
			routes = append(routes, gatewayRoute{LocalAddress: local, Network: c.Prefix.String(), SourcePeer: local, Origin: "Network", Weight: 32768})
		}
	}
	for _, v := range s.cloud.VPNConnections(q.sub) {
		cg, err := s.cloud.CustomerGateway(q.sub, v.CustomerGatewayID)
		if v.VPNGatewayID != g.ID || v.StaticRoutesOnly || err != nil {
			continue
		}
		peer, asn := cg.BGPAddr.String(), strconv.FormatInt(cg.ASN, 10)
		for _, p := range v.Routes {
			routes = append(routes, gatewayRoute{LocalAddress: local, Network: p.String(), NextHop: peer, SourcePeer: peer, Origin: "EBgp", AsPath: asn, Weight: 32768})
		}
		state := map[string]string{model.VPNUp: "Connected", model.VPNConnecting: "Connecting"}[v.BGP]
		if state == "" {
			state = "Unknown"
		}
		peers = append(peers, bgpPeerStatus{LocalAddress: local, Neighbor: peer, Asn: cg.ASN, State: state, RoutesReceived: int64(len(v.Routes))})
	}
	r, p := s.erPeers(q.sub, g.ID, local)
	routes, peers = append(routes, r...), append(peers, p...)
	if parts[2] == "getlearnedroutes" {
		writeJSON(q.w, http.StatusOK, map[string]any{"value": routes})
	} else {
		writeJSON(q.w, http.StatusOK, map[string]any{"value": peers})
	}
	return true
}

// erPeers are the learned routes and BGP peers that an ExpressRoute
// gateway has from its connections' private peerings: per peering,
// Microsoft's edge (AS 12076) at its address of the /30, Connected while
// the realizer saw its session with the customer's router up, and the
// customer prefixes it learned, with AS path 12076 and the peer's ASN.
// Azure: https://learn.microsoft.com/en-us/azure/expressroute/expressroute-troubleshooting-expressroute-overview#validate-bgp-and-routes-on-the-msee — the MSEEs' BGP with the customer's router; the gateway learns the customer's prefixes from them
func (s *Server) erPeers(sub, gatewayID, local string) ([]gatewayRoute, []bgpPeerStatus) {
	var routes []gatewayRoute
	var peers []bgpPeerStatus
	for _, v := range s.cloud.DXVirtualInterfaces(sub) {
		if v.VPNGatewayID != gatewayID || v.State != model.StateAvailable {
			continue
		}
		msee := v.CloudAddress.Addr().String()
		path := strconv.FormatInt(azureASN, 10) + "-" + strconv.FormatInt(v.CustomerASN, 10)
		for _, p := range v.Learned {
			routes = append(routes, gatewayRoute{LocalAddress: local, Network: p.String(), NextHop: msee, SourcePeer: msee, Origin: "EBgp", AsPath: path, Weight: 32768})
		}
		state := "Connecting"
		if v.BGPUp {
			state = "Connected"
		}
		peers = append(peers, bgpPeerStatus{LocalAddress: local, Neighbor: msee, Asn: azureASN, State: state, RoutesReceived: int64(len(v.Learned))})
	}
	return routes, peers
}
