package gcp

import (
	"net/http"
	"slices"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// exchangedRoute is one route a peering brings.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/networks/listPeeringRoutes — ExchangedPeeringRoute: destRange, type, nextHopRegion, priority, imported
type exchangedRoute struct {
	DestRange     string `json:"destRange"`
	Type          string `json:"type"`
	NextHopRegion string `json:"nextHopRegion,omitempty"`
	Priority      int    `json:"priority"`
	Imported      bool   `json:"imported"`
}

// listPeeringRoutes answers the routes a peering brings the network
// (direction INCOMING, the default) or the peer (OUTGOING): the subnet
// routes, and the custom static routes one side exports and the other
// imports. peeringName is required.
// GCP: https://cloud.google.com/vpc/docs/using-vpc-peering#list-peer-routes — list the routes imported from and exported to a peer
func (s *Server) listPeeringRoutes(q *request, n model.Network) *apiError {
	qs := q.URL.Query()
	name := qs.Get("peeringName")
	if name == "" {
		return fail(http.StatusBadRequest, "required", "Required parameter 'peeringName' not specified")
	}
	ps, aerr := s.sideNamed(q, n, name)
	if aerr != nil {
		return aerr
	}
	acct, net := q.project, n.ID
	switch qs.Get("direction") {
	case "", "INCOMING":
	case "OUTGOING":
		acct, net = ps.Remote()
	default:
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'direction': '%s'. Must be one of [INCOMING, OUTGOING].", clip(qs.Get("direction")))
	}
	var items []exchangedRoute
	if on, err := s.cloud.Network(acct, net); err == nil {
		if rt, err := s.cloud.RouteTable(acct, on.MainRouteTableID); err == nil {
			for _, r := range rt.Routes {
				if r.Origin != model.OriginPropagated || r.Target.Kind != model.TargetPeering || r.Target.ID != ps.P.ID {
					continue
				}
				// GCP: https://cloud.google.com/vpc/docs/routes#subnet-routes — subnet routes have priority 0
				x := exchangedRoute{DestRange: r.Destination.String(), Type: "SUBNET_PEERING_ROUTE", Imported: true}
				if r.Target.Addr.IsValid() {
					x.Type, x.Priority = "STATIC_PEERING_ROUTE", r.Priority
				}
				items = append(items, x)
			}
		}
	}
	slices.SortFunc(items, func(a, b exchangedRoute) int { return compare(a.DestRange, b.DestRange) })
	return writeList(q, s, "compute#exchangedPeeringRoutesList", n.ID+"/listPeeringRoutes", items)
}
