package gcp

import (
	"net/http"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// address is a reserved static IP address on the wire: a model elastic
// IP of the emulated internet, named in its region (or global).
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/addresses — Address resource: status RESERVED or IN_USE, users
type address struct {
	Kind              string   `json:"kind"`
	ID                string   `json:"id"`
	CreationTimestamp string   `json:"creationTimestamp"`
	Name              string   `json:"name"`
	Description       string   `json:"description,omitempty"`
	Address           string   `json:"address"`
	AddressType       string   `json:"addressType"`
	NetworkTier       string   `json:"networkTier,omitempty"`
	Subnetwork        string   `json:"subnetwork,omitempty"`
	Network           string   `json:"network,omitempty"`
	Purpose           string   `json:"purpose,omitempty"`
	PrefixLength      int      `json:"prefixLength,omitempty"`
	Status            string   `json:"status"`
	Region            string   `json:"region,omitempty"`
	Users             []string `json:"users,omitempty"`
	IPVersion         string   `json:"ipVersion,omitempty"`
	SelfLink          string   `json:"selfLink"`
}

// serveAddresses answers the addresses of a scope: regions/REGION or
// global.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/addresses — regional addresses
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/globalAddresses — global addresses
func (s *Server) serveAddresses(q *request, scope string, rest []string) *apiError {
	coll := "projects/" + q.project + "/" + scope + "/addresses"
	switch {
	case len(rest) == 0 && q.Method == http.MethodGet:
		var items []address
		for _, a := range s.cloud.ElasticIPs(q.project) {
			if a.Scope == scope && a.Attrs[attrNATAuto] == "" {
				items = append(items, s.addressOut(q, a))
			}
		}
		for _, r := range s.internalAddresses(q.project, scope) {
			items = append(items, s.internalOut(q, r))
		}
		slices.SortFunc(items, func(a, b address) int { return compare(a.Name, b.Name) })
		return writeList(q, s, "compute#addressList", coll, items)
	case len(rest) == 0 && q.Method == http.MethodPost:
		var in address
		if err := decode(q.Request, &in); err != nil {
			return err
		}
		return s.insertAddress(q, scope, in)
	case len(rest) == 1:
		path := coll + "/" + rest[0]
		if r, ok := s.internalByName(q.project, scope, rest[0]); ok {
			return s.oneInternal(q, r, path)
		}
		a, ok := s.addressByName(q.project, scope, rest[0])
		if !ok {
			return notFound(path)
		}
		switch q.Method {
		case http.MethodGet:
			writeJSON(q.w, http.StatusOK, s.addressOut(q, a))
			return nil
		case http.MethodDelete:
			return s.mutate(q, scope, "delete", path, func() *apiError {
				// GCP: https://cloud.google.com/compute/docs/ip-addresses/configure-static-external-ip-address#release_ip — an address in use cannot be released
				if users := s.addressUsers(q, a); len(users) > 0 {
					return fail(http.StatusBadRequest, "resourceInUseByAnotherResource", "The address resource '%s' is already being used by '%s'", path, strings.TrimPrefix(users[0], q.base))
				}
				if err := s.cloud.ReleaseAddress(q.project, a.ID); err != nil {
					return fromModel(err, path)
				}
				return nil
			})
		}
	}
	return notFound(coll + "/" + joinWords(rest))
}

func (s *Server) addressByName(project, scope, name string) (model.ElasticIP, bool) {
	id, err := s.cloud.ByName(project, scope, model.KindElasticIP, name)
	if err != nil {
		return model.ElasticIP{}, false
	}
	a, err := s.cloud.ElasticIP(project, id)
	return a, err == nil
}

// insertAddress reserves an external address from the emulated internet.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/addresses/insert — addressType EXTERNAL (default) or INTERNAL; networkTier PREMIUM (default) or STANDARD
func (s *Server) insertAddress(q *request, scope string, in address) *apiError {
	if err := checkName("resource.name", in.Name); err != nil {
		return err
	}
	path := "projects/" + q.project + "/" + scope + "/addresses/" + in.Name
	if _, ok := s.addressByName(q.project, scope, in.Name); ok {
		return fail(http.StatusConflict, "alreadyExists", "The resource '%s' already exists", path)
	}
	if _, ok := s.internalByName(q.project, scope, in.Name); ok {
		return fail(http.StatusConflict, "alreadyExists", "The resource '%s' already exists", path)
	}
	switch in.AddressType {
	case "", "EXTERNAL":
	case "INTERNAL":
		return s.insertInternal(q, scope, path, in)
	default:
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.addressType': '%s'. Must be one of [EXTERNAL, INTERNAL].", clip(in.AddressType))
	}
	if in.Address != "" {
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.address': '%s'. Specified IP address is not available to this project.", clip(in.Address))
	}
	tier := in.NetworkTier
	if tier == "" {
		tier = "PREMIUM"
	}
	if tier != "PREMIUM" && tier != "STANDARD" {
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.networkTier': '%s'. Must be one of [PREMIUM, STANDARD].", clip(tier))
	}
	return s.mutate(q, scope, "insert", path, func() *apiError {
		at := model.Place{Region: strings.TrimPrefix(scope, "regions/"), Scope: scope, Name: in.Name}
		if scope == model.GCPGlobal {
			at.Region = ""
		}
		a, err := s.cloud.AllocateAddressAt(q.project, at, nil)
		if err != nil {
			return fromModel(err, path)
		}
		_ = s.cloud.SetAttrs(q.project, a.ID, map[string]string{attrCreated: s.created(), attrDescription: in.Description, "networkTier": tier})
		return nil
	})
}

// addressUsers are the selfLinks of the instances an address is bound to.
func (s *Server) addressUsers(q *request, a model.ElasticIP) []string {
	if a.Associate == "" {
		return nil
	}
	if g, err := s.cloud.NATGateway(q.project, a.Associate); err == nil {
		// GCP: https://cloud.google.com/nat/docs/ports-and-addresses#addresses — a manual NAT IP is in use by its router
		return []string{q.selfLink(routerPath(q.project, g.Region, strings.TrimPrefix(g.Scope, "regions/"+g.Region+"/routers/")))}
	}
	e, err := s.cloud.NetworkInterface(q.project, a.Associate)
	if err != nil || e.InstanceID == "" {
		return nil
	}
	return []string{q.selfLink(e.InstanceID)}
}

func (s *Server) addressOut(q *request, a model.ElasticIP) address {
	out := address{Kind: "compute#address", ID: numericID(a.ID), CreationTimestamp: a.Attrs[attrCreated], Name: a.Name, Description: a.Attrs[attrDescription],
		Address: a.PublicIP.String(), AddressType: "EXTERNAL", NetworkTier: a.Attrs["networkTier"], Status: "RESERVED", SelfLink: q.selfLink(a.ID)}
	if a.Scope != model.GCPGlobal {
		out.Region = q.selfLink("projects/" + q.project + "/" + a.Scope)
	} else {
		out.IPVersion = "IPV4"
	}
	if out.Users = s.addressUsers(q, a); len(out.Users) > 0 {
		out.Status = "IN_USE"
	}
	return out
}

// aggregatedAddresses answers addresses.aggregatedList, keyed
// "regions/REGION" and "global" (gcloud's addresses list).
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/addresses/aggregatedList
func (s *Server) aggregatedAddresses(q *request) *apiError {
	var all []scoped[address]
	for _, a := range s.cloud.ElasticIPs(q.project) {
		if a.Scope != "" && a.Attrs[attrNATAuto] == "" {
			all = append(all, scoped[address]{a.Scope, a.Name, s.addressOut(q, a)})
		}
	}
	for _, r := range s.internalAddresses(q.project, "") {
		all = append(all, scoped[address]{r.Scope, r.Name, s.internalOut(q, r)})
	}
	return writeAggregated(q, "compute#addressAggregatedList", "addresses", all)
}
