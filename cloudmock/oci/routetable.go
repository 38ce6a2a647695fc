package oci

import (
	"net/http"
	"net/netip"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// routeTable is a route table on the wire.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/RouteTable/ — RouteTable
type routeTable struct {
	shared
	VcnID      string      `json:"vcnId"`
	RouteRules []routeRule `json:"routeRules"`
}

// routeRule is a RouteRule.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/RouteRule — destination, destinationType (CIDR_BLOCK or SERVICE_CIDR_BLOCK), networkEntityId; cidrBlock is the deprecated destination
type routeRule struct {
	Destination     string `json:"destination,omitempty"`
	DestinationType string `json:"destinationType,omitempty"`
	CidrBlock       string `json:"cidrBlock,omitempty"`
	NetworkEntityID string `json:"networkEntityId"`
	Description     string `json:"description,omitempty"`
	RouteType       string `json:"routeType,omitempty"`
}

// routeTableDetails is CreateRouteTableDetails and UpdateRouteTableDetails.
type routeTableDetails struct {
	updateDetails
	placement
	RouteRules *[]routeRule `json:"routeRules"`
}

// entityTargets are the route targets of the networkEntityId kinds this
// server has.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingroutetables.htm#Overview — targets are gateways (internet, NAT, service, DRG, LPG) or private IPs
var entityTargets = map[model.Kind]model.TargetKind{
	model.KindInternetGateway: model.TargetInternetGateway,
	model.KindNATGateway:      model.TargetNATGateway,
	model.KindTransitGateway:  model.TargetTransitGateway,
}

func (s *Server) routeTables() *kind {
	return &kind{noun: "RouteTable", get: s.getRouteTable, create: s.createRouteTable, update: s.updateRouteTable,
		remove: s.deleteRouteTable,
		list: func(tenancy string) []resource {
			var out []resource
			for _, rt := range s.cloud.RouteTables(tenancy) {
				out = append(out, s.routeTableOut(rt))
			}
			return out
		},
		match: func(q *request, r resource) bool {
			return !q.URL.Query().Has("vcnId") || r.(*routeTable).VcnID == q.URL.Query().Get("vcnId")
		}}
}

func (s *Server) getRouteTable(tenancy, id string) (resource, bool) {
	rt, err := s.cloud.RouteTable(tenancy, id)
	if err != nil {
		return nil, false
	}
	return s.routeTableOut(rt), true
}

// routeTableOut shows a table's static routes: OCI lists no local routes.
func (s *Server) routeTableOut(rt model.RouteTable) *routeTable {
	out := &routeTable{shared: s.commonOf(rt.ID, rt.Meta, rt.Tags), VcnID: rt.NetworkID, RouteRules: []routeRule{}}
	for _, r := range rt.Routes {
		if r.Target.Kind == model.TargetLocal {
			continue
		}
		target := r.Target.ID
		if r.PrefixListID != "" {
			label := serviceLabel(r.PrefixListID)
			out.RouteRules = append(out.RouteRules, routeRule{Destination: label, DestinationType: serviceCidrBlock, NetworkEntityID: target, RouteType: "STATIC"})
			continue
		}
		switch r.Target.Kind {
		case model.TargetPeering:
			target = s.lpgOf(rt.Account, rt.NetworkID, target)
		case model.TargetNetworkInterface:
			target = s.privateIPOf(rt.Account, target)
		}
		out.RouteRules = append(out.RouteRules, routeRule{Destination: r.Destination.String(), DestinationType: cidrBlock,
			CidrBlock: r.Destination.String(), NetworkEntityID: target, RouteType: "STATIC"})
	}
	return out
}

// routesIn reads route rules: CIDR destinations to the tenancy's gateways.
func (s *Server) routesIn(tenancy string, rules []routeRule) ([]model.Route, *apiError) {
	var out []model.Route
	for _, w := range rules {
		dst := w.Destination
		if dst == "" {
			dst = w.CidrBlock
		}
		if k, _ := model.OCIKind(w.NetworkEntityID); k == model.KindVPCEndpoint || w.DestinationType == serviceCidrBlock {
			r, err := s.sgwRoute(tenancy, w)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
			continue
		}
		if w.DestinationType != "" && w.DestinationType != cidrBlock {
			return nil, invalid("destinationType '%s' must be CIDR_BLOCK or SERVICE_CIDR_BLOCK", clip(w.DestinationType))
		}
		p, err := parseCIDR("destination", dst)
		if err != nil {
			return nil, err
		}
		if target := s.lpgTarget; isLPG(w.NetworkEntityID) || isPrivateIP(w.NetworkEntityID) {
			if isPrivateIP(w.NetworkEntityID) {
				target = s.privateIPTarget
			}
			t, err := target(tenancy, w.NetworkEntityID)
			if err != nil {
				return nil, err
			}
			out = append(out, model.Route{Destination: p, Target: t})
			continue
		}
		k, _ := model.OCIKind(w.NetworkEntityID)
		tk, ok := entityTargets[k]
		if !ok {
			return nil, invalid("networkEntityId '%s' is not a route target this server has", clip(w.NetworkEntityID))
		}
		if _, live := s.getDrg(tenancy, w.NetworkEntityID); k == model.KindTransitGateway && !live {
			return nil, invalid("networkEntityId '%s' is not a DRG of the tenancy", clip(w.NetworkEntityID))
		}
		out = append(out, model.Route{Destination: p, Target: model.Target{Kind: tk, ID: w.NetworkEntityID}})
	}
	return out, nil
}

// setRoutes replaces a table's static routes, restoring the old ones if a
// new one is refused.
func (s *Server) setRoutes(tenancy, id string, routes []model.Route) *apiError {
	rt, err := s.cloud.RouteTable(tenancy, id)
	if err != nil {
		return notFound("RouteTable", id)
	}
	var old []model.Route
	for _, r := range rt.Routes {
		if r.Target.Kind != model.TargetLocal {
			old = append(old, r)
			s.dropRoute(tenancy, id, r)
		}
	}
	for i, r := range routes {
		if err := s.addRoute(tenancy, id, r); err != nil {
			for _, done := range routes[:i] {
				s.dropRoute(tenancy, id, done)
			}
			for _, o := range old {
				_ = s.addRoute(tenancy, id, o)
			}
			return fromModel(err)
		}
	}
	return nil
}

// addRoute adds one route to a table: a route to a service gateway is
// the gateway endpoint's route to its service's list.
func (s *Server) addRoute(tenancy, table string, r model.Route) error {
	if r.PrefixListID != "" {
		_, err := s.cloud.ModifyVPCEndpoint(tenancy, r.Target.ID, model.EndpointChange{AddRouteTables: []string{table}})
		return err
	}
	return s.cloud.CreateRoute(tenancy, table, r.Destination, r.Target)
}

// dropRoute removes one route of a table.
func (s *Server) dropRoute(tenancy, table string, r model.Route) {
	if r.PrefixListID != "" {
		_, _ = s.cloud.ModifyVPCEndpoint(tenancy, r.Target.ID, model.EndpointChange{RemoveRouteTables: []string{table}})
		return
	}
	_ = s.cloud.DeleteRoute(tenancy, table, r.Destination)
}

func (s *Server) createRouteTable(q *request) (string, *apiError) {
	var d routeTableDetails
	if err := decode(q.body, &d); err != nil {
		return "", err
	}
	n, aerr := s.inVcn(q, d.placement)
	if aerr != nil {
		return "", aerr
	}
	var routes []model.Route
	if d.RouteRules != nil {
		if routes, aerr = s.routesIn(q.tenancy, *d.RouteRules); aerr != nil {
			return "", aerr
		}
	}
	rt, err := s.cloud.CreateRouteTable(q.tenancy, n.ID, d.FreeformTags)
	if err != nil {
		return "", fromModel(err)
	}
	if err := s.setRoutes(q.tenancy, rt.ID, routes); err != nil {
		_ = s.cloud.DeleteRouteTable(q.tenancy, rt.ID)
		return "", err
	}
	s.setAttrs(q, rt.ID, map[string]string{attrName: s.nameOr(d.DisplayName, "routetable")})
	return rt.ID, nil
}

func (s *Server) updateRouteTable(q *request, id string) *apiError {
	var d routeTableDetails
	if err := decode(q.body, &d); err != nil {
		return err
	}
	if d.RouteRules != nil {
		routes, aerr := s.routesIn(q.tenancy, *d.RouteRules)
		if aerr != nil {
			return aerr
		}
		if err := s.setRoutes(q.tenancy, id, routes); err != nil {
			return err
		}
	}
	return s.applyUpdate(q, id, d.updateDetails)
}

// deleteRouteTable deletes a table no subnet uses; the VCN's default
// table goes only with the VCN.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingroutetables.htm — you can't delete a VCN's default route table, nor a table a subnet uses
func (s *Server) deleteRouteTable(q *request, id string) *apiError {
	rt, err := s.cloud.RouteTable(q.tenancy, id)
	if err != nil {
		return notFound("RouteTable", id)
	}
	for _, a := range rt.Associations {
		if a.Main {
			return fail(http.StatusConflict, codeIncorrectState, "The default route table of a VCN cannot be deleted")
		}
		if a.SubnetID != "" {
			return fail(http.StatusConflict, codeConflict, "The route table %s is used by subnet %s", id, a.SubnetID)
		}
	}
	return modelErr(s.cloud.DeleteRouteTable(q.tenancy, id))
}

// routesTo reports a route of the VCN's tables to a gateway.
func (s *Server) routesTo(tenancy, vcnID, gatewayID string) (string, netip.Prefix, bool) {
	for _, rt := range s.cloud.RouteTables(tenancy) {
		for _, r := range rt.Routes {
			if rt.NetworkID == vcnID && r.Target.ID == gatewayID {
				return rt.ID, r.Destination, true
			}
		}
	}
	return "", netip.Prefix{}, false
}
