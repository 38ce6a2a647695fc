package azure

import (
	"net/http"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// Connections: model VPN connections between a virtual network gateway
// and a local network gateway (connectionType IPsec), routed by BGP when
// enableBgp, else by the local gateway's address space as static routes.
// Azure: https://learn.microsoft.com/en-us/rest/api/network-gateway/virtual-network-gateway-connections — create or update, get, list, delete

// connBody is a connection on the wire.
type connBody struct {
	resourceHead
	Properties connProps `json:"properties"`
}

type connProps struct {
	ConnectionType         string `json:"connectionType,omitempty"`
	VirtualNetworkGateway1 *ref   `json:"virtualNetworkGateway1,omitempty"`
	LocalNetworkGateway2   *ref   `json:"localNetworkGateway2,omitempty"`
	Peer                   *ref   `json:"peer,omitempty"` // an ExpressRoute connection's circuit
	SharedKey              string `json:"sharedKey,omitempty"`
	AuthorizationKey       string `json:"authorizationKey,omitempty"` // an ExpressRoute connection's key to another subscription's circuit (expressroute_auth.go)
	EnableBgp              *bool  `json:"enableBgp,omitempty"`
	RoutingWeight          *int32 `json:"routingWeight,omitempty"`
	ConnectionProtocol     string `json:"connectionProtocol,omitempty"`
	ConnectionStatus       string `json:"connectionStatus,omitempty"`
	ResourceGUID           string `json:"resourceGuid,omitempty"`
	ProvisioningState      string `json:"provisioningState,omitempty"`
}

const connType = "Microsoft.Network/connections"

// connOut renders a connection. Its status is what the realizer saw of
// its tunnel: Connected, Connecting, or Unknown where nothing realizes it.
// Azure: https://learn.microsoft.com/en-us/rest/api/network-gateway/virtual-network-gateway-connections/get — connectionStatus Unknown, Connecting, Connected or NotConnected
func connOut(v model.VPNConnection) connBody {
	status := map[string]string{model.VPNUp: "Connected", model.VPNConnecting: "Connecting"}[v.Tunnel]
	if status == "" {
		status = "Unknown"
	}
	b := connBody{resourceHead: resourceHead{ID: v.ID, Name: v.Name, Type: connType, Location: v.Region, Tags: v.Tags}}
	bgp, w := !v.StaticRoutesOnly, int32(0)
	b.Properties = connProps{ConnectionType: "IPsec", VirtualNetworkGateway1: &ref{ID: v.VPNGatewayID}, LocalNetworkGateway2: &ref{ID: v.CustomerGatewayID},
		EnableBgp: &bgp, RoutingWeight: &w, ConnectionProtocol: "IKEv2", ConnectionStatus: status,
		ResourceGUID: guidOf(v.ID + v.Handle), ProvisioningState: "Succeeded"}
	b.Etag = etagOf(b)
	return b
}

func (s *Server) connByName(sub, group, name string) (model.VPNConnection, error) {
	if v, ok := named(s, sub, group, model.KindVPNConnection, name, s.cloud.VPNConnections(sub), func(v model.VPNConnection) string { return v.ID }); ok {
		return v, nil
	}
	return model.VPNConnection{}, notFound("connections", name, group)
}

func (s *Server) listConns(q *request, group string) ([]any, error) {
	var items []any
	for _, v := range s.cloud.VPNConnections(q.sub) {
		if v.Name != "" && inGroup(v.Scope, group) {
			items = append(items, connOut(v))
		}
	}
	for _, v := range s.cloud.DXVirtualInterfaces(q.sub) {
		if v.Meta.Name != "" && inGroup(v.Meta.Scope, group) {
			items = append(items, s.erConnOut(v))
		}
	}
	return items, nil
}

func (s *Server) serveConn(q *request, group, name string) {
	if _, err := s.erConnByName(q.sub, group, name); err == nil {
		s.serveERConn(q, group, name)
		return
	}
	serveResource(q, group, name, resource[model.VPNConnection]{
		find: s.connByName, out: func(v model.VPNConnection) any { return connOut(v) }, put: s.putConn,
		del:    func(sub string, v model.VPNConnection) error { return s.cloud.DeleteVPNConnection(sub, v.ID) },
		region: func(v model.VPNConnection) string { return v.Region }})
}

// putConn creates a connection; its gateways and routing are set at
// creation, so a PUT of an existing one changes its tags only.
// Azure: https://learn.microsoft.com/en-us/azure/vpn-gateway/tutorial-site-to-site-portal#CreateConnection — a site-to-site connection: IPsec between a VPN gateway and a local network gateway, with a shared key and optional BGP
func (s *Server) putConn(q *request, group, name string) {
	var in connBody
	if err := decodeBody(q.Request, &in); err != nil {
		writeError(q.w, err)
		return
	}
	loc, err := location(in.Location, "LocationNotAvailableForResourceType")
	if err != nil {
		writeError(q.w, err)
		return
	}
	p := in.Properties
	if isExpressRoute(p) {
		s.putERConn(q, group, name, loc, in)
		return
	}
	if _, err := s.erConnByName(q.sub, group, name); err == nil {
		writeError(q.w, fail(http.StatusBadRequest, "InvalidRequestFormat", "Connection %s: its type, gateways and routing are set at creation.", clip(name)))
		return
	}
	if !strings.EqualFold(p.ConnectionType, "IPsec") || p.VirtualNetworkGateway1 == nil || p.LocalNetworkGateway2 == nil || p.SharedKey == "" {
		writeError(q.w, fail(http.StatusBadRequest, "InvalidRequestFormat",
			"Connection %s: the lab models connectionType IPsec with virtualNetworkGateway1, localNetworkGateway2 and a sharedKey.", clip(name)))
		return
	}
	vng, _, err := s.refTo(q.sub, p.VirtualNetworkGateway1.ID, "virtualnetworkgateways", model.KindVPNGateway, false)
	if err != nil {
		writeError(q.w, err)
		return
	}
	if g, _ := s.cloud.VPNGateway(q.sub, vng); gatewayTypeOf(g) != "Vpn" {
		writeError(q.w, fail(http.StatusBadRequest, "InvalidRequestFormat", "Connection %s: virtual network gateway %s is of type %s; an IPsec connection needs one of type Vpn.", clip(name), g.ID, gatewayTypeOf(g)))
		return
	}
	lng, _, err := s.refTo(q.sub, p.LocalNetworkGateway2.ID, "localnetworkgateways", model.KindCustomerGateway, false)
	if err != nil {
		writeError(q.w, err)
		return
	}
	bgp := p.EnableBgp != nil && *p.EnableBgp
	if v, err := s.connByName(q.sub, group, name); err == nil {
		if err := sameRegion(name, v.Region, v.Scope, loc); err != nil {
			writeError(q.w, err)
			return
		}
		if v.VPNGatewayID != vng || v.CustomerGatewayID != lng || v.StaticRoutesOnly == bgp {
			writeError(q.w, fail(http.StatusBadRequest, "InvalidRequestFormat", "Connection %s: its gateways and routing are set at creation.", v.ID))
			return
		}
		if err := s.cloud.ReplaceTags(q.sub, v.ID, in.Tags); err != nil {
			writeError(q.w, err)
			return
		}
		v, _ = s.connByName(q.sub, group, name)
		putDone(q, false, loc, connOut(v))
		return
	}
	v, err := s.createConn(q.sub, group, name, model.VPNSpec{CustomerGatewayID: lng, VPNGatewayID: vng, StaticRoutesOnly: !bgp, SharedKey: p.SharedKey}, in.Tags)
	if err != nil {
		writeError(q.w, err)
		return
	}
	putDone(q, true, loc, connOut(v))
}

// createConn makes a connection; without BGP the local gateway's prefixes
// are its static routes.
// Azure: https://learn.microsoft.com/en-us/azure/vpn-gateway/vpn-gateway-bgp-overview — without BGP, the local network gateway's address space is what the connection routes
func (s *Server) createConn(sub, group, name string, spec model.VPNSpec, tags map[string]string) (model.VPNConnection, error) {
	sc, err := s.group(sub, group)
	if err != nil {
		return model.VPNConnection{}, err
	}
	cg, err := s.cloud.CustomerGateway(sub, spec.CustomerGatewayID)
	if err != nil {
		return model.VPNConnection{}, err
	}
	v, err := s.cloud.CreateVPNConnectionAt(sub, model.Place{Scope: sc.Name, Name: name}, spec, tags)
	if err != nil {
		return v, err
	}
	for _, p := range cg.Prefixes {
		if !spec.StaticRoutesOnly {
			break
		}
		if err := s.cloud.AddVPNStaticRoute(sub, v.ID, p); err != nil {
			_ = s.cloud.DeleteVPNConnection(sub, v.ID)
			return v, err
		}
	}
	return v, nil
}
