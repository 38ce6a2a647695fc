package azure

import (
	"cmp"
	"net/http"
	"net/netip"
	"strconv"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// Connections of type ExpressRoute: a virtual network gateway of type
// ExpressRoute linked to a circuit's private peering. Each is a model
// private virtual interface on the circuit's line, named as the
// connection, with the peering's VLAN and peer ASN, the customer's
// address the first usable one of the primary /30 and Microsoft's the
// second, landing on the gateway (and so on its VNet). The lab's line
// carries one virtual interface per VLAN: one gateway per circuit.
// Azure: https://learn.microsoft.com/en-us/azure/expressroute/expressroute-howto-linkvnet-arm — connect a virtual network to a circuit: a connection of type ExpressRoute from the VNet's gateway, its peer the circuit
// Azure: https://learn.microsoft.com/en-us/rest/api/network-gateway/virtual-network-gateway-connections/create-or-update — connectionType ExpressRoute, virtualNetworkGateway1, peer, routingWeight

// attrWeight is an ExpressRoute connection's routing weight.
const attrWeight = "azure.routingWeight"

// erConnsOn are the ExpressRoute connections on a circuit's line.
// A connection of another subscription redeeming an authorization is
// one too.
func (s *Server) erConnsOn(x model.DXConnection) []model.DXVirtualInterface {
	var out []model.DXVirtualInterface
	for _, a := range s.cloud.Accounts() {
		for _, v := range s.cloud.DXVirtualInterfaces(a.ID) {
			if v.Meta.Name != "" && v.ConnectionID == x.ID {
				out = append(out, v)
			}
		}
	}
	return out
}

func (s *Server) erConnByName(sub, group, name string) (model.DXVirtualInterface, error) {
	if v, ok := named(s, sub, group, model.KindDXVirtualInterface, name, s.cloud.DXVirtualInterfaces(sub), func(v model.DXVirtualInterface) string { return v.ID }); ok {
		return v, nil
	}
	return model.DXVirtualInterface{}, notFound("connections", name, group)
}

// erConnOut renders an ExpressRoute connection: Connected while its
// gateway is attached to a VNet (its virtual interface available).
func (s *Server) erConnOut(v model.DXVirtualInterface) connBody {
	loc := ""
	if g, err := s.cloud.VPNGateway(v.Account, v.VPNGatewayID); err == nil {
		loc = g.Region
	}
	b := connBody{resourceHead: resourceHead{ID: v.ID, Name: v.Meta.Name, Type: connType, Location: loc, Tags: v.Tags}}
	w64, _ := strconv.ParseInt(v.Meta.Attrs[attrWeight], 10, 32)
	w := int32(w64)
	status := map[bool]string{true: "Connected", false: "NotConnected"}[v.State == model.StateAvailable]
	b.Properties = connProps{ConnectionType: "ExpressRoute", VirtualNetworkGateway1: &ref{ID: v.VPNGatewayID}, RoutingWeight: &w,
		ConnectionStatus: status, ResourceGUID: guidOf(v.ID + v.Handle), ProvisioningState: "Succeeded"}
	for _, x := range s.cloud.DXConnections(cmp.Or(v.LineAccount, v.Account)) {
		if x.ID == v.ConnectionID {
			b.Properties.Peer = &ref{ID: circuitID(x)}
		}
	}
	b.Etag = etagOf(b)
	return b
}

// vifSpec is the virtual interface of a connection from gateway vng over
// a line with private peering p: the primary /30's first usable address
// the customer's, the second Microsoft's.
// Azure: https://learn.microsoft.com/en-us/azure/expressroute/expressroute-routing#ip-addresses-used-for-azure-private-peering — you must use the first IP address of the /30 on your router; Microsoft uses the second
func vifSpec(line, vng string, p erPeeringProps) model.DXVirtualInterfaceSpec {
	pfx := netip.MustParsePrefix(p.PrimaryPeerAddressPrefix)
	first := pfx.Addr().Next()
	return model.DXVirtualInterfaceSpec{ConnectionID: line, Name: privatePeering, VLAN: int(*p.VlanID), CustomerASN: *p.PeerASN,
		AuthKey: p.SharedKey, CustomerAddress: netip.PrefixFrom(first, 30), CloudAddress: netip.PrefixFrom(first.Next(), 30), VPNGatewayID: vng}
}

// putERConn creates an ExpressRoute connection, or changes the tags and
// routing weight of one; its gateway and circuit are set at creation.
func (s *Server) putERConn(q *request, group, name, loc string, in connBody) {
	p := in.Properties
	if p.VirtualNetworkGateway1 == nil || p.Peer == nil {
		writeError(q.w, fail(http.StatusBadRequest, "InvalidRequestFormat", "Connection %s: an ExpressRoute connection needs virtualNetworkGateway1 and peer (the circuit).", clip(name)))
		return
	}
	vng, _, err := s.refTo(q.sub, p.VirtualNetworkGateway1.ID, "virtualnetworkgateways", model.KindVPNGateway, false)
	if err != nil {
		writeError(q.w, err)
		return
	}
	if g, _ := s.cloud.VPNGateway(q.sub, vng); gatewayTypeOf(g) != "ExpressRoute" {
		writeError(q.w, fail(http.StatusBadRequest, "InvalidRequestFormat", "Connection %s: virtual network gateway %s is of type %s; an ExpressRoute connection needs one of type ExpressRoute.", clip(name), g.ID, gatewayTypeOf(g)))
		return
	}
	line, auth, err := s.erPeerLine(q.sub, name, p)
	if err != nil {
		writeError(q.w, err)
		return
	}
	if _, err := s.connByName(q.sub, group, name); err == nil {
		writeError(q.w, fail(http.StatusBadRequest, "InvalidRequestFormat", "Connection %s: its type, gateways and routing are set at creation.", clip(name)))
		return
	}
	weight := map[bool]string{true: "", false: strconv.Itoa(int(derefInt32(p.RoutingWeight)))}[p.RoutingWeight == nil]
	v, err := s.erConnByName(q.sub, group, name)
	created := err != nil
	if created {
		if v, err = s.createERConn(q.sub, group, name, line, vng, in.Tags); err == nil && auth != "" {
			err = s.redeem(line.Account, line.ID, auth, v.ID)
		}
	} else if v.VPNGatewayID != vng || v.ConnectionID != line.ID {
		err = fail(http.StatusBadRequest, "InvalidRequestFormat", "Connection %s: its gateway and circuit are set at creation.", v.ID)
	} else {
		err = s.cloud.ReplaceTags(q.sub, v.ID, in.Tags)
	}
	if err == nil {
		err = s.cloud.SetAttrs(q.sub, v.ID, map[string]string{attrWeight: weight})
	}
	if err != nil {
		writeError(q.w, err)
		return
	}
	v, _ = s.erConnByName(q.sub, group, name)
	putDone(q, created, loc, s.erConnOut(v))
}

func derefInt32(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}

// createERConn makes the virtual interface of a new connection on the
// circuit's private peering.
func (s *Server) createERConn(sub, group, name string, x model.DXConnection, vng string, tags map[string]string) (model.DXVirtualInterface, error) {
	sc, err := s.group(sub, group)
	if err != nil {
		return model.DXVirtualInterface{}, err
	}
	pr, ok := peeringOf(x)
	if !ok {
		return model.DXVirtualInterface{}, fail(http.StatusBadRequest, "InvalidRequestFormat",
			"Connection %s: circuit %s has no %s; configure the peering before linking a virtual network.", clip(name), circuitID(x), privatePeering)
	}
	if c := s.erConnsOn(x); len(c) > 0 {
		return model.DXVirtualInterface{}, fail(http.StatusBadRequest, "InvalidRequestFormat",
			"Connection %s: circuit %s is linked by connection %s; the lab's line carries one virtual network gateway per circuit.", clip(name), circuitID(x), c[0].ID)
	}
	spec := vifSpec(x.ID, vng, pr)
	if x.Account != sub {
		spec.LineAccount = x.Account
	}
	return s.cloud.CreateDXVirtualInterfaceAt(sub, model.Place{Scope: sc.Name, Name: name}, spec, tags)
}

// relinkERConn remakes a connection's virtual interface on a changed
// private peering, keeping its place, tags and weight.
func (s *Server) relinkERConn(v model.DXVirtualInterface, p erPeeringProps) error {
	if _, err := s.cloud.DeleteDXVirtualInterface(v.Account, v.ID); err != nil {
		return err
	}
	n, err := s.cloud.CreateDXVirtualInterfaceAt(v.Account, model.Place{Scope: v.Meta.Scope, Name: v.Meta.Name}, vifSpec(v.ConnectionID, v.VPNGatewayID, p), v.Tags)
	if err != nil {
		return err
	}
	return s.cloud.SetAttrs(v.Account, n.ID, map[string]string{attrWeight: v.Meta.Attrs[attrWeight]})
}

// serveERConn answers an ExpressRoute connection's methods.
func (s *Server) serveERConn(q *request, group, name string) {
	serveResource(q, group, name, resource[model.DXVirtualInterface]{
		find: s.erConnByName, out: func(v model.DXVirtualInterface) any { return s.erConnOut(v) }, put: s.putConn,
		del: func(sub string, v model.DXVirtualInterface) error {
			if _, err := s.cloud.DeleteDXVirtualInterface(sub, v.ID); err != nil {
				return err
			}
			return s.redeem(cmp.Or(v.LineAccount, v.Account), v.ConnectionID, "", v.ID) // its authorization is Available again
		},
		region: func(v model.DXVirtualInterface) string { return s.erConnOut(v).Location }})
}

// gatewayTypeOf is a virtual network gateway's gatewayType.
func gatewayTypeOf(g model.VPNGateway) string {
	if t := g.Attrs[attrGatewayType]; t != "" {
		return t
	}
	return "Vpn"
}

// attrGatewayType is a virtual network gateway's type when it is not Vpn.
const attrGatewayType = "azure.gatewayType"

// isExpressRoute reports whether a connection body asks for type ExpressRoute.
func isExpressRoute(p connProps) bool { return strings.EqualFold(p.ConnectionType, "ExpressRoute") }
