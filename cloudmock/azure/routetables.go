package azure

import (
	"net/http"
	"net/netip"
	"slices"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// Route tables: model route tables of no network (model.Cloud.CreateRouteTableAt)
// in a resource group, with named user-defined routes, associated with
// subnets through the subnet's routeTable property.
// Azure: https://learn.microsoft.com/en-us/rest/api/virtualnetwork/route-tables — create or update, get, list, list all, delete
// Azure: https://learn.microsoft.com/en-us/rest/api/virtualnetwork/routes — create or update, get, list, delete

// routeTableBody is a route table on the wire.
type routeTableBody struct {
	resourceHead
	Properties routeTableProps `json:"properties"`
}

type routeTableProps struct {
	Routes                     []routeBody `json:"routes"`
	Subnets                    []ref       `json:"subnets,omitempty"`
	DisableBgpRoutePropagation *bool       `json:"disableBgpRoutePropagation,omitempty"`
	ResourceGUID               string      `json:"resourceGuid,omitempty"`
	ProvisioningState          string      `json:"provisioningState,omitempty"`
}

// routeBody is a route on the wire.
type routeBody struct {
	ID         string     `json:"id,omitempty"`
	Name       string     `json:"name,omitempty"`
	Type       string     `json:"type,omitempty"`
	Etag       string     `json:"etag,omitempty"`
	Properties routeProps `json:"properties"`
}

type routeProps struct {
	AddressPrefix     string `json:"addressPrefix"`
	NextHopType       string `json:"nextHopType"`
	NextHopIPAddress  string `json:"nextHopIpAddress,omitempty"`
	HasBgpOverride    *bool  `json:"hasBgpOverride,omitempty"`
	ProvisioningState string `json:"provisioningState,omitempty"`
}

const routeTableType = "Microsoft.Network/routeTables"

// nextHops map Azure's next-hop types to the model's targets.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-networks-udr-overview#custom-routes — VirtualNetworkGateway, VnetLocal, Internet, VirtualAppliance, None
var nextHops = map[string]model.TargetKind{
	"virtualnetworkgateway": model.TargetNetworkGateway, "vnetlocal": model.TargetNetworkLocal,
	"internet": model.TargetInternet, "virtualappliance": model.TargetAddress, "none": model.TargetBlackhole,
}
var nextHopNames = map[model.TargetKind]string{
	model.TargetNetworkGateway: "VirtualNetworkGateway", model.TargetNetworkLocal: "VnetLocal",
	model.TargetInternet: "Internet", model.TargetAddress: "VirtualAppliance", model.TargetBlackhole: "None",
}

// routeIn turns a wire route into a model route.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-networks-udr-overview#custom-routes — a next-hop IP address only, and always, with VirtualAppliance
func routeIn(b routeBody) (model.Route, error) {
	bad := func(format string, args ...any) (model.Route, error) {
		return model.Route{}, fail(http.StatusBadRequest, "InvalidRequestFormat", "Cannot parse the request: route '%s': "+format, append([]any{clip(b.Name)}, args...)...)
	}
	if b.Name == "" {
		return bad("a route has no name")
	}
	p, err := parsePrefix(b.Properties.AddressPrefix)
	if err != nil {
		return model.Route{}, err
	}
	kind, ok := nextHops[lower(b.Properties.NextHopType)]
	if !ok {
		return bad("nextHopType '%s' is not one of VirtualNetworkGateway, VnetLocal, Internet, VirtualAppliance, None", clip(b.Properties.NextHopType))
	}
	r := model.Route{Name: b.Name, Destination: p, Target: model.Target{Kind: kind}}
	ip := b.Properties.NextHopIPAddress
	switch {
	case kind == model.TargetAddress:
		a, err := netip.ParseAddr(ip)
		if err != nil || !a.Is4() {
			return bad("a VirtualAppliance next hop needs a nextHopIpAddress, not '%s'", clip(ip))
		}
		r.Target.Addr = a
	case ip != "":
		return bad("nextHopIpAddress is allowed only with nextHopType VirtualAppliance")
	}
	return r, nil
}

// routeOut renders a model route of the table with the given ID.
func routeOut(tableID string, r model.Route) routeBody {
	b := routeBody{ID: tableID + "/routes/" + r.Name, Name: r.Name, Type: routeTableType + "/routes", Properties: routeProps{
		AddressPrefix: r.Destination.String(), NextHopType: nextHopNames[r.Target.Kind], HasBgpOverride: new(bool), ProvisioningState: "Succeeded"}}
	if r.Target.Addr.IsValid() {
		b.Properties.NextHopIPAddress = r.Target.Addr.String()
	}
	b.Etag = etagOf(b)
	return b
}

// routeTableOut renders a table with its routes and subnets.
func routeTableOut(rt model.RouteTable) routeTableBody {
	b := routeTableBody{resourceHead: resourceHead{ID: rt.ID, Name: rt.Name, Type: routeTableType, Location: rt.Region, Tags: rt.Tags}}
	p := &b.Properties
	p.Routes, p.DisableBgpRoutePropagation = []routeBody{}, new(bool)
	for _, r := range rt.Routes {
		p.Routes = append(p.Routes, routeOut(rt.ID, r))
	}
	for _, a := range rt.Associations {
		if a.SubnetID != "" {
			p.Subnets = append(p.Subnets, ref{ID: a.SubnetID})
		}
	}
	p.ResourceGUID, p.ProvisioningState = guidOf(rt.ID+rt.Handle), "Succeeded"
	b.Etag = etagOf(b)
	return b
}

// routeTableByName returns the group's route table with the name.
func (s *Server) routeTableByName(sub, group, name string) (model.RouteTable, error) {
	id, err := s.cloud.ByName(sub, group, model.KindRouteTable, name)
	if err == nil {
		if rt, err := s.cloud.RouteTable(sub, id); err == nil && rt.NetworkID == "" {
			return rt, nil
		}
	}
	return model.RouteTable{}, notFound("routeTables", name, group)
}

func (s *Server) listRouteTables(q *request, group string) ([]any, error) {
	var items []any
	for _, rt := range s.cloud.RouteTables(q.sub) {
		if rt.NetworkID == "" && inGroup(rt.Scope, group) {
			items = append(items, routeTableOut(rt))
		}
	}
	return items, nil
}

// tableOfSubnets maps each subnet to its explicitly associated table and
// the association's ID.
func (s *Server) tableOfSubnets(sub string) map[string][2]string {
	out := map[string][2]string{}
	for _, rt := range s.cloud.RouteTables(sub) {
		for _, a := range rt.Associations {
			if a.SubnetID != "" {
				out[a.SubnetID] = [2]string{rt.ID, a.ID}
			}
		}
	}
	return out
}

// setSubnetRouteTable associates the subnet with the table (none when
// table is empty), replacing the one it had.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/manage-route-table#associate-a-route-table-to-a-subnet — a subnet has at most one route table
func (s *Server) setSubnetRouteTable(sub, subnetID, table string) error {
	cur, has := s.tableOfSubnets(sub)[subnetID]
	if has && cur[0] == table {
		return nil
	}
	if has {
		if err := s.cloud.DisassociateRouteTable(sub, cur[1]); err != nil {
			return err
		}
	}
	if table == "" {
		return nil
	}
	_, err := s.cloud.AssociateRouteTable(sub, table, subnetID)
	if codeOf(err) == model.CodeInvalidParameter {
		return fail(http.StatusBadRequest, "InvalidRequestFormat", "%s", err.Error())
	}
	return err
}

// serveRouteTable answers one route table's methods.
func (s *Server) serveRouteTable(q *request, group, name string) {
	serveResource(q, group, name, resource[model.RouteTable]{
		find: s.routeTableByName, out: func(rt model.RouteTable) any { return routeTableOut(rt) }, put: s.putRouteTable,
		del:    func(sub string, rt model.RouteTable) error { return s.deleteRouteTable(sub, rt, false) },
		region: func(rt model.RouteTable) string { return rt.Region }})
}

// deleteRouteTable deletes a table; one associated with a subnet is
// refused unless force (a resource group's deletion) removes the
// associations first.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/manage-route-table#delete-a-route-table — a route table associated to a subnet cannot be deleted
func (s *Server) deleteRouteTable(sub string, rt model.RouteTable, force bool) error {
	for _, a := range rt.Associations {
		if !force {
			return fail(http.StatusBadRequest, "InUseRouteTableCannotBeDeleted",
				"Route table %s is in use by %s and cannot be deleted. Remove the association first.", rt.ID, a.SubnetID)
		}
		if err := s.cloud.DisassociateRouteTable(sub, a.ID); err != nil {
			return err
		}
	}
	return s.cloud.DeleteRouteTable(sub, rt.ID)
}

// putRouteTable creates or updates a table with its inline routes (the
// body's routes replace the table's).
func (s *Server) putRouteTable(q *request, group, name string) {
	var in routeTableBody
	if err := decodeBody(q.Request, &in); err != nil {
		writeError(q.w, err)
		return
	}
	loc, err := location(in.Location, "LocationNotAvailableForResourceType")
	if err != nil {
		writeError(q.w, err)
		return
	}
	if d := in.Properties.DisableBgpRoutePropagation; d != nil && *d {
		writeError(q.w, fail(http.StatusBadRequest, "InvalidRequestFormat", "Route table '%s': the lab does not model disableBgpRoutePropagation yet.", clip(name)))
		return
	}
	var routes []model.Route
	for _, b := range in.Properties.Routes {
		r, err := routeIn(b)
		if err != nil {
			writeError(q.w, err)
			return
		}
		routes = append(routes, r)
	}
	rt, err := s.routeTableByName(q.sub, group, name)
	created := err != nil
	if created {
		g, err := s.group(q.sub, group)
		if err == nil {
			rt, err = s.cloud.CreateRouteTableAt(q.sub, model.Place{Region: loc, Scope: g.Name, Name: name}, in.Tags)
		}
		if err != nil {
			writeError(q.w, err)
			return
		}
	} else if loc != rt.Region {
		writeError(q.w, fail(http.StatusBadRequest, "InvalidResourceLocation",
			"The resource '%s' already exists in location '%s' in resource group '%s'. A resource with the same name cannot be created in location '%s'.",
			name, rt.Region, rt.Scope, loc))
		return
	}
	if err = s.cloud.ReplaceRoutes(q.sub, rt.ID, routes); err == nil && !created {
		err = s.cloud.ReplaceTags(q.sub, rt.ID, in.Tags)
	}
	if err != nil {
		if created {
			_ = s.cloud.DeleteRouteTable(q.sub, rt.ID)
		}
		writeError(q.w, err)
		return
	}
	rt, _ = s.cloud.RouteTable(q.sub, rt.ID)
	putDone(q, created, loc, routeTableOut(rt))
}

// serveRoute answers .../routeTables/T/routes[/NAME].
func (s *Server) serveRoute(q *request, group, table, _, name string) {
	rt, err := s.routeTableByName(q.sub, group, table)
	if err != nil {
		writeError(q.w, err)
		return
	}
	all := routeTableOut(rt).Properties.Routes
	if name == "" {
		var items []any
		for _, r := range all {
			items = append(items, r)
		}
		s.page(q, items)
		return
	}
	i := slices.IndexFunc(rt.Routes, func(r model.Route) bool { return lower(r.Name) == lower(name) })
	routes := slices.Clone(rt.Routes)
	switch q.Method {
	case http.MethodGet:
		if i < 0 {
			writeError(q.w, childNotFound(rt.ID+"/routes/"+name))
			return
		}
		writeJSON(q.w, http.StatusOK, all[i])
	case http.MethodPut:
		var in routeBody
		if err := decodeBody(q.Request, &in); err != nil {
			writeError(q.w, err)
			return
		}
		in.Name = name
		r, err := routeIn(in)
		if err != nil {
			writeError(q.w, err)
			return
		}
		if i >= 0 {
			r.Name = routes[i].Name
			routes[i] = r
		} else {
			routes = append(routes, r)
		}
		if err := s.cloud.ReplaceRoutes(q.sub, rt.ID, routes); err != nil {
			writeError(q.w, err)
			return
		}
		putDone(q, i < 0, rt.Region, routeOut(rt.ID, r))
	case http.MethodDelete:
		if i < 0 {
			deleteDone(q, "", false)
			return
		}
		if err := s.cloud.ReplaceRoutes(q.sub, rt.ID, slices.Delete(routes, i, i+1)); err != nil {
			writeError(q.w, err)
			return
		}
		deleteDone(q, rt.Region, true)
	default:
		writeError(q.w, fail(http.StatusMethodNotAllowed, "MethodNotAllowed", "The method '%s' is not allowed here.", q.Method))
	}
}
