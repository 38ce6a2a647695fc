package gcp

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// route is a VPC route on the wire. A static route lives in the model as
// a named route of its network's main table, or of the network's table
// for its tags when it has tags; its wire form is kept in that table's
// attributes ("route/NAME"). Subnet routes are the tables' local routes.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/routes — Route resource
type route struct {
	Kind              string   `json:"kind"`
	ID                string   `json:"id"`
	CreationTimestamp string   `json:"creationTimestamp"`
	Name              string   `json:"name"`
	Description       string   `json:"description,omitempty"`
	Network           string   `json:"network"`
	Tags              []string `json:"tags,omitempty"`
	DestRange         string   `json:"destRange"`
	Priority          *int     `json:"priority,omitempty"`
	NextHopGateway    string   `json:"nextHopGateway,omitempty"`
	NextHopInstance   string   `json:"nextHopInstance,omitempty"`
	NextHopIP         string   `json:"nextHopIp,omitempty"`
	NextHopNetwork    string   `json:"nextHopNetwork,omitempty"`
	NextHopVpnTunnel  string   `json:"nextHopVpnTunnel,omitempty"`
	NextHopIlb        string   `json:"nextHopIlb,omitempty"`
	RouteType         string   `json:"routeType,omitempty"`
	SelfLink          string   `json:"selfLink"`
}

const routeAttr = "route/"

// internetGateway is the one gateway a route may name.
// GCP: https://cloud.google.com/vpc/docs/routes#next-hops — nextHopGateway: only the default internet gateway, global/gateways/default-internet-gateway
const internetGateway = "default-internet-gateway"

func routePath(project, name string) string { return "projects/" + project + "/global/routes/" + name }

// projectRoutes returns every route of the project: the static routes of
// every table and one subnet route per subnet.
func (s *Server) projectRoutes(q *request) []route {
	var out []route
	for _, rt := range s.cloud.RouteTables(q.project) {
		for k, v := range rt.Attrs {
			if !strings.HasPrefix(k, routeAttr) {
				continue
			}
			var r route
			if json.Unmarshal([]byte(v), &r) == nil {
				r.Kind, r.ID, r.SelfLink, r.RouteType = "compute#route", numericID(routePath(q.project, r.Name)), q.selfLink(routePath(q.project, r.Name)), "STATIC"
				out = append(out, r)
			}
		}
	}
	// GCP: https://cloud.google.com/vpc/docs/routes#subnet-routes — one subnet route per subnet range, next hop the network, priority 0
	for _, sn := range s.cloud.Subnets(q.project) {
		name := "default-route-" + hexName(sn.ID)
		zero := 0
		out = append(out, route{Kind: "compute#route", ID: numericID(routePath(q.project, name)), CreationTimestamp: sn.Attrs[attrCreated], Name: name,
			Description: "Default local route to the subnetwork " + sn.Prefix.String() + ".", Network: q.selfLink(sn.NetworkID),
			DestRange: sn.Prefix.String(), Priority: &zero, NextHopNetwork: q.selfLink(sn.NetworkID), RouteType: "SUBNET",
			SelfLink: q.selfLink(routePath(q.project, name))})
	}
	slices.SortFunc(out, func(a, b route) int { return compare(a.Name, b.Name) })
	return out
}

func (s *Server) serveRoutes(q *request, rest []string) *apiError {
	coll := "projects/" + q.project + "/global/routes"
	switch {
	case len(rest) == 0 && q.Method == http.MethodGet:
		return writeList(q, s, "compute#routeList", coll, s.projectRoutes(q))
	case len(rest) == 0 && q.Method == http.MethodPost:
		var in route
		if err := decode(q.Request, &in); err != nil {
			return err
		}
		return s.insertRoute(q, in)
	case len(rest) == 1:
		path := routePath(q.project, rest[0])
		i := slices.IndexFunc(s.projectRoutes(q), func(r route) bool { return r.Name == rest[0] })
		if i < 0 {
			return notFound(path)
		}
		r := s.projectRoutes(q)[i]
		switch q.Method {
		case http.MethodGet:
			writeJSON(q.w, http.StatusOK, r)
			return nil
		case http.MethodDelete:
			return s.mutate(q, model.GCPGlobal, "delete", path, func() *apiError { return s.deleteRoute(q, r) })
		}
	}
	return notFound(coll + "/" + joinWords(rest))
}

// insertRoute checks a static route and adds it to its network's table
// for its tags.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/routes/insert — name, network, destRange, priority (default 1000), tags, exactly one next hop
func (s *Server) insertRoute(q *request, in route) *apiError {
	if err := checkName("resource.name", in.Name); err != nil {
		return err
	}
	path := routePath(q.project, in.Name)
	if slices.ContainsFunc(s.projectRoutes(q), func(r route) bool { return r.Name == in.Name }) {
		return fail(http.StatusConflict, "alreadyExists", "The resource '%s' already exists", path)
	}
	if in.Network == "" {
		return fail(http.StatusBadRequest, "required", "Required field 'resource.network' not specified")
	}
	netPath, aerr := q.resolveRef(in.Network, model.GCPGlobal, "networks")
	if aerr != nil {
		return aerr
	}
	n, aerr := s.networkByName(q, model.GCPName(netPath))
	if aerr != nil {
		return aerr
	}
	dst, err := netip.ParsePrefix(in.DestRange)
	if err != nil || !dst.Addr().Is4() {
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.destRange': '%s'. Invalid IPCidrRange: %s", clip(in.DestRange), clip(in.DestRange))
	}
	if in.Priority == nil {
		p := 1000
		in.Priority = &p
	}
	if *in.Priority < 0 || *in.Priority > 65535 {
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.priority': '%d'. Must be between 0 and 65535.", *in.Priority)
	}
	target, aerr := s.nextHop(q, &in)
	if aerr != nil {
		return aerr
	}
	in.Network, in.DestRange = q.selfLink(n.ID), dst.Masked().String()
	return s.mutate(q, model.GCPGlobal, "insert", path, func() *apiError {
		table, aerr := s.tableForTags(q, n, in.Tags)
		if aerr != nil {
			return aerr
		}
		if err := s.cloud.AddRoute(q.project, table, model.Route{Name: in.Name, Destination: dst.Masked(), Target: target, Priority: *in.Priority}); err != nil {
			return fromModel(err, path)
		}
		in.CreationTimestamp = s.created()
		b, _ := json.Marshal(in)
		_ = s.cloud.SetAttrs(q.project, table, map[string]string{routeAttr + in.Name: string(b)})
		return nil
	})
}

// nextHop maps a route's one next hop to a model target.
func (s *Server) nextHop(q *request, in *route) (model.Target, *apiError) {
	set := 0
	for _, h := range []string{in.NextHopGateway, in.NextHopInstance, in.NextHopIP, in.NextHopVpnTunnel, in.NextHopIlb, in.NextHopNetwork} {
		if h != "" {
			set++
		}
	}
	if set != 1 {
		return model.Target{}, fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource': ''. A route must have exactly one next hop.")
	}
	switch {
	case in.NextHopGateway != "":
		p, aerr := q.resolveRef(in.NextHopGateway, model.GCPGlobal, "gateways")
		if aerr != nil || model.GCPName(p) != internetGateway {
			return model.Target{}, fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.nextHopGateway': '%s'. Only the default internet gateway may be a next hop.", clip(in.NextHopGateway))
		}
		in.NextHopGateway = q.selfLink(p)
		return model.Target{Kind: model.TargetInternet}, nil
	case in.NextHopIP != "":
		a, err := netip.ParseAddr(in.NextHopIP)
		if err != nil || !a.Is4() {
			return model.Target{}, fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.nextHopIp': '%s'. Invalid IP address.", clip(in.NextHopIP))
		}
		return model.Target{Kind: model.TargetAddress, Addr: a}, nil
	case in.NextHopInstance != "":
		ref := strings.TrimPrefix(in.NextHopInstance, q.base)
		for _, h := range refHosts {
			ref = strings.TrimPrefix(ref, h)
		}
		ref = strings.TrimPrefix(ref, "projects/"+q.project+"/")
		w := strings.Split(ref, "/")
		if len(w) != 4 || w[0] != "zones" || w[2] != "instances" {
			return model.Target{}, fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.nextHopInstance': '%s'. The URL is malformed.", clip(in.NextHopInstance))
		}
		id, err := s.cloud.ByName(q.project, model.GCPZoneScope(w[1]), model.KindInstance, w[3])
		if err != nil {
			return model.Target{}, notFound("projects/" + q.project + "/" + ref)
		}
		in.NextHopInstance = q.selfLink("projects/" + q.project + "/" + ref)
		return model.Target{Kind: model.TargetInstance, ID: id}, nil
	}
	return model.Target{}, fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource': ''. This lab routes to the default internet gateway, an instance or an internal IP address.")
}

// tableForTags returns the network's main table for an untagged route, or
// the network's table for exactly these tags, made on first use.
// GCP: https://cloud.google.com/vpc/docs/routes#instance_tags — a route with tags applies only to instances with one of them
func (s *Server) tableForTags(q *request, n model.Network, tags []string) (string, *apiError) {
	if len(tags) == 0 {
		return n.MainRouteTableID, nil
	}
	want := slices.Sorted(slices.Values(tags))
	for _, rt := range s.cloud.RouteTables(q.project) {
		if rt.NetworkID != n.ID {
			continue
		}
		for _, a := range rt.Associations {
			if slices.Equal(slices.Sorted(slices.Values(a.Tags)), want) {
				return rt.ID, nil
			}
		}
	}
	rt, err := s.cloud.CreateRouteTable(q.project, n.ID, nil)
	if err != nil {
		return "", fromModel(err, n.ID)
	}
	if _, err := s.cloud.AssociateRouteTableTags(q.project, rt.ID, want); err != nil {
		return "", fromModel(err, n.ID)
	}
	return rt.ID, nil
}

// deleteRoute removes a static route; a subnet route goes only with its
// subnet.
// GCP: https://cloud.google.com/vpc/docs/routes#subnet-routes — subnet routes cannot be deleted unless the subnet is
func (s *Server) deleteRoute(q *request, r route) *apiError {
	if r.RouteType == "SUBNET" {
		return fail(http.StatusBadRequest, "invalid", "Invalid resource usage: 'Cannot delete a subnet route: delete the subnetwork instead.'.")
	}
	for _, rt := range s.cloud.RouteTables(q.project) {
		if _, ok := rt.Attrs[routeAttr+r.Name]; ok {
			if err := s.cloud.RemoveNamedRoute(q.project, rt.ID, r.Name); err != nil {
				return fromModel(err, routePath(q.project, r.Name))
			}
			_ = s.cloud.SetAttrs(q.project, rt.ID, map[string]string{routeAttr + r.Name: ""})
			s.dropTagTable(q, rt.ID)
			return nil
		}
	}
	return notFound(routePath(q.project, r.Name))
}

// dropTagTable deletes the model table of a set of tags once its last
// route is gone: GCP has no such object to keep, and the network could
// not be deleted while the table lived.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/networks/delete — a network goes once its subnets, firewall rules and routes are gone
func (s *Server) dropTagTable(q *request, id string) {
	rt, err := s.cloud.RouteTable(q.project, id)
	if err != nil {
		return
	}
	if n, err := s.cloud.Network(q.project, rt.NetworkID); err != nil || n.MainRouteTableID == id {
		return
	}
	for k := range rt.Attrs {
		if strings.HasPrefix(k, routeAttr) {
			return
		}
	}
	for _, a := range rt.Associations {
		_ = s.cloud.DisassociateRouteTable(q.project, a.ID)
	}
	_ = s.cloud.DeleteRouteTable(q.project, id)
}
