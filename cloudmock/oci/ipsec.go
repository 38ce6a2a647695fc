package oci

import (
	"net/http"
	"net/netip"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// ipsecConnection is an IPSecConnection on the wire: the model's VPN
// connection to the DRG (a transit gateway).
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/IPSecConnection/ — IPSecConnection: cpeId, drgId, staticRoutes, cpeLocalIdentifier, cpeLocalIdentifierType, transportType
type ipsecConnection struct {
	shared
	CpeID                  string   `json:"cpeId"`
	DrgID                  string   `json:"drgId"`
	StaticRoutes           []string `json:"staticRoutes"`
	CpeLocalIdentifier     string   `json:"cpeLocalIdentifier"`
	CpeLocalIdentifierType string   `json:"cpeLocalIdentifierType"`
	TransportType          string   `json:"transportType"`
}

// ipsecDetails is CreateIPSecConnectionDetails and UpdateIPSecConnectionDetails.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/CreateIPSecConnectionDetails — compartmentId, cpeId, drgId, staticRoutes, tunnelConfiguration (two tunnels)
type ipsecDetails struct {
	updateDetails
	CompartmentID       string          `json:"compartmentId"`
	CpeID               string          `json:"cpeId"`
	DrgID               string          `json:"drgId"`
	StaticRoutes        *[]string       `json:"staticRoutes"`
	TunnelConfiguration []tunnelDetails `json:"tunnelConfiguration"`
}

// maxStaticRoutes is how many static routes an IPSec connection takes.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingIPsec.htm — up to 10 static routes per IPSec connection
const maxStaticRoutes = 10

const attrStatic = "staticRoutes"

func (s *Server) ipsecConnections() *kind {
	return &kind{noun: "IPSecConnection", get: s.getIPSec, create: s.createIPSec, update: s.updateIPSec, remove: s.deleteIPSec,
		list: func(tenancy string) []resource {
			var out []resource
			for _, v := range s.cloud.VPNConnections(tenancy) {
				if v.TransitGatewayID != "" {
					out = append(out, s.ipsecOut(v))
				}
			}
			return out
		},
		// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/IPSecConnection/ListIPSecConnections — compartmentId; drgId and cpeId filter
		match: func(q *request, r resource) bool {
			c, qv := r.(*ipsecConnection), q.URL.Query()
			return (!qv.Has("drgId") || c.DrgID == qv.Get("drgId")) && (!qv.Has("cpeId") || c.CpeID == qv.Get("cpeId"))
		}}
}

func (s *Server) ipsecOf(tenancy, id string) (model.VPNConnection, bool) {
	for _, v := range s.cloud.VPNConnections(tenancy) {
		if v.ID == id && v.TransitGatewayID != "" {
			return v, true
		}
	}
	return model.VPNConnection{}, false
}

func (s *Server) getIPSec(tenancy, id string) (resource, bool) {
	v, ok := s.ipsecOf(tenancy, id)
	if !ok {
		return nil, false
	}
	return s.ipsecOut(v), true
}

func (s *Server) ipsecOut(v model.VPNConnection) *ipsecConnection {
	out := &ipsecConnection{shared: s.commonOf(v.ID, v.Meta, v.Tags), CpeID: v.CustomerGatewayID, DrgID: v.TransitGatewayID, StaticRoutes: []string{},
		CpeLocalIdentifierType: "IP_ADDRESS", TransportType: "INTERNET"}
	if v.StaticRoutesOnly {
		for _, p := range v.Routes {
			out.StaticRoutes = append(out.StaticRoutes, p.String())
		}
	} else if r := v.Attrs[attrStatic]; r != "" {
		out.StaticRoutes = splitList(r)
	}
	if g, err := s.cloud.CustomerGateway(v.Account, v.CustomerGatewayID); err == nil {
		out.CpeLocalIdentifier = g.IP.String()
	}
	return out
}

// staticRoutes checks a connection's static routes.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/CreateIPSecConnectionDetails — staticRoutes: CIDRs of the on-premises network, at most 10
func staticRoutes(in []string) ([]netip.Prefix, *apiError) {
	if len(in) > maxStaticRoutes {
		return nil, fail(http.StatusBadRequest, codeLimitExceeded, "An IPSec connection has at most %d static routes", maxStaticRoutes)
	}
	var out []netip.Prefix
	for _, r := range in {
		p, err := parseCIDR("staticRoutes", r)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// createIPSec connects a CPE to a DRG with two tunnels, each attached to
// the DRG by a DRG attachment of type IPSEC_TUNNEL in the DRG's default
// table for such attachments.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingIPsec.htm — an IPSec connection has two redundant tunnels, each with its own Oracle VPN IP, shared secret and routing (BGP, static or policy)
func (s *Server) createIPSec(q *request) (string, *apiError) {
	var d ipsecDetails
	if err := decode(q.body, &d); err != nil {
		return "", err
	}
	if err := s.checkCompartment(q, d.CompartmentID); err != nil {
		return "", err
	}
	if _, err := s.cloud.CustomerGateway(q.tenancy, d.CpeID); err != nil {
		return "", notFound("Cpe", d.CpeID)
	}
	g, ok := s.getDrg(q.tenancy, d.DrgID)
	if !ok {
		return "", notFound("Drg", d.DrgID)
	}
	if d.StaticRoutes == nil {
		return "", fail(http.StatusBadRequest, codeMissingParameter, "staticRoutes is required (it may be empty)")
	}
	routes, aerr := staticRoutes(*d.StaticRoutes)
	if aerr != nil {
		return "", aerr
	}
	tunnels, aerr := planTunnels(d.TunnelConfiguration, len(routes) > 0)
	if aerr != nil {
		return "", aerr
	}
	static := tunnels[0].Routing != routingBGP && tunnels[1].Routing != routingBGP
	v, err := s.cloud.CreateVPNConnectionAt(q.tenancy, model.Place{Scope: d.CompartmentID},
		model.VPNSpec{CustomerGatewayID: d.CpeID, TransitGatewayID: d.DrgID, StaticRoutesOnly: static}, d.FreeformTags)
	if err != nil {
		return "", fromModel(err)
	}
	undo := func(e *apiError) (string, *apiError) {
		s.releaseTunnels(q.tenancy, v.ID)
		_ = s.cloud.DeleteVPNConnection(q.tenancy, v.ID)
		return "", e
	}
	attrs := map[string]string{attrName: s.nameOr(d.DisplayName, "ipsecconnection"), attrStatic: joinList(*d.StaticRoutes)}
	for _, p := range routes {
		if static {
			if err := s.cloud.AddVPNStaticRoute(q.tenancy, v.ID, p); err != nil {
				return undo(fromModel(err))
			}
		}
	}
	for n, t := range tunnels {
		if err := s.newTunnel(q, v, n, t, d.CompartmentID, attrs); err != nil {
			return undo(err)
		}
	}
	s.setAttrs(q, v.ID, attrs)
	rt := g.(*drg).DefaultDrgRouteTables.IpsecTunnel
	if err := s.cloud.AssociateTransitGatewayRouteTable(q.tenancy, rt, v.AttachmentID); err != nil {
		return undo(fromModel(err))
	}
	s.setAttrs(q, v.AttachmentID, map[string]string{attrName: "ipsec attachment"})
	s.syncDrg(q.tenancy, d.DrgID)
	return v.ID, nil
}

// updateIPSec renames a connection or replaces its static routes.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/UpdateIPSecConnectionDetails — displayName, freeformTags, staticRoutes, cpeLocalIdentifier
func (s *Server) updateIPSec(q *request, id string) *apiError {
	var d ipsecDetails
	if err := decode(q.body, &d); err != nil {
		return err
	}
	if d.StaticRoutes != nil {
		routes, aerr := staticRoutes(*d.StaticRoutes)
		if aerr != nil {
			return aerr
		}
		v, _ := s.ipsecOf(q.tenancy, id)
		if v.StaticRoutesOnly {
			for _, p := range v.Routes {
				_ = s.cloud.DeleteVPNStaticRoute(q.tenancy, id, p)
			}
			for _, p := range routes {
				if err := s.cloud.AddVPNStaticRoute(q.tenancy, id, p); err != nil {
					return fromModel(err)
				}
			}
		}
		if err := s.cloud.SetAttrs(q.tenancy, id, map[string]string{attrStatic: joinList(*d.StaticRoutes)}); err != nil {
			return fromModel(err)
		}
	}
	return s.applyUpdate(q, id, d.updateDetails)
}

// deleteIPSec deletes a connection with its tunnels and their DRG
// attachments, and gives back the tunnels' Oracle VPN IPs.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/IPSecConnection/DeleteIPSecConnection — deletes the connection; its tunnels' DRG attachments go with it
func (s *Server) deleteIPSec(q *request, id string) *apiError {
	v, _ := s.ipsecOf(q.tenancy, id)
	s.releaseTunnels(q.tenancy, id)
	if err := s.cloud.DeleteVPNConnection(q.tenancy, id); err != nil {
		return fromModel(err)
	}
	s.syncDrg(q.tenancy, v.TransitGatewayID)
	return nil
}
