package gcp

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// Cloud Routers: regional resources of a network with a BGP ASN, and the
// Cloud NAT gateways they hold (router.nats). The lab keeps a router's
// wire form as an attribute of its network (the network cannot go while
// it has routers) and each NAT gateway as a model NAT gateway of no
// subnet serving the subnets it translates (routers_nat.go).
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/routers — Router resource: network, bgp, bgpPeers, interfaces, nats

// router is a Cloud Router on the wire.
type router struct {
	Kind              string            `json:"kind"`
	ID                string            `json:"id"`
	CreationTimestamp string            `json:"creationTimestamp"`
	Name              string            `json:"name"`
	Description       string            `json:"description,omitempty"`
	Region            string            `json:"region"`
	Network           string            `json:"network"`
	BGP               *routerBGP        `json:"bgp,omitempty"`
	BGPPeers          []bgpPeer         `json:"bgpPeers,omitempty"`
	Interfaces        []routerInterface `json:"interfaces,omitempty"`
	Nats              []routerNAT       `json:"nats,omitempty"`
	SelfLink          string            `json:"selfLink"`
}

type routerBGP struct {
	ASN                int64        `json:"asn"`
	AdvertiseMode      string       `json:"advertiseMode,omitempty"`
	AdvertisedGroups   []string     `json:"advertisedGroups,omitempty"`
	AdvertisedIPRanges []advertised `json:"advertisedIpRanges,omitempty"`
	KeepaliveInterval  int          `json:"keepaliveInterval,omitempty"`
}

// routerNAT is one Cloud NAT gateway of a router.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/routers — nats[]: name, natIpAllocateOption, natIps, sourceSubnetworkIpRangesToNat, subnetworks
type routerNAT struct {
	Name                string          `json:"name"`
	NatIPAllocateOption string          `json:"natIpAllocateOption"`
	NatIPs              []string        `json:"natIps,omitempty"`
	SourceRanges        string          `json:"sourceSubnetworkIpRangesToNat"`
	Subnetworks         []natSubnetwork `json:"subnetworks,omitempty"`
	LogConfig           json.RawMessage `json:"logConfig,omitempty"`
	MinPortsPerVM       int             `json:"minPortsPerVm,omitempty"`
}

type natSubnetwork struct {
	Name                string   `json:"name"`
	SourceIPRangesToNat []string `json:"sourceIpRangesToNat,omitempty"`
}

// routerAttr prefixes the network attribute of a router: the key is
// routerAttr + REGION + "/" + NAME.
const routerAttr = "router:"

func routerPath(project, region, name string) string {
	return "projects/" + project + "/regions/" + region + "/routers/" + name
}

// routersOf returns the project's routers of a region (every region when
// empty) with their networks, by name.
func (s *Server) routersOf(project, region string) []router {
	return networkAttrs[router](s, project, routerAttr, region)
}

// networkAttrs returns the wire forms kept in the project's networks'
// attributes under prefix + REGION + "/" + NAME, of a region (every region
// when empty), sorted by name.
func networkAttrs[T interface{ name() string }](s *Server, project, prefix, region string) []T {
	var out []T
	for _, n := range s.cloud.Networks(project) {
		for k, v := range n.Attrs {
			rest, ok := strings.CutPrefix(k, prefix)
			if !ok || v == "" || (region != "" && !strings.HasPrefix(rest, region+"/")) {
				continue
			}
			var r T
			if json.Unmarshal([]byte(v), &r) == nil {
				out = append(out, r)
			}
		}
	}
	slices.SortFunc(out, func(a, b T) int { return compare(a.name(), b.name()) })
	return out
}

// named returns the item of items with the given name.
func named[T interface{ name() string }](items []T, name string) (T, bool) {
	for _, r := range items {
		if r.name() == name {
			return r, true
		}
	}
	var zero T
	return zero, false
}

func (r router) name() string { return r.Name }

func (s *Server) routerByName(project, region, name string) (router, bool) {
	return named(s.routersOf(project, region), name)
}

// routerOut makes a stored router's links absolute under the request's
// base, with what its PARTNER attachments manage on it.
func (s *Server) routerOut(q *request, r router) router {
	r = s.withManaged(q.project, r)
	r.Kind, r.SelfLink = "compute#router", q.selfLink(routerPath(q.project, r.Region, r.Name))
	r.ID = numericID(routerPath(q.project, r.Region, r.Name))
	r.Network = q.selfLink(r.Network)
	r.Interfaces = slices.Clone(r.Interfaces)
	for i, f := range r.Interfaces {
		if f.LinkedVPNTunnel != "" {
			r.Interfaces[i].LinkedVPNTunnel = q.selfLink(f.LinkedVPNTunnel)
		}
		if f.LinkedInterconnectAttachment != "" {
			r.Interfaces[i].LinkedInterconnectAttachment = q.selfLink(f.LinkedInterconnectAttachment)
		}
	}
	for i := range r.Nats {
		for j, ip := range r.Nats[i].NatIPs {
			r.Nats[i].NatIPs[j] = q.selfLink(ip)
		}
		for j, sn := range r.Nats[i].Subnetworks {
			r.Nats[i].Subnetworks[j].Name = q.selfLink(sn.Name)
		}
	}
	r.Region = q.selfLink("projects/" + q.project + "/regions/" + r.Region)
	return r
}

func (s *Server) serveRouters(q *request, region string, rest []string) *apiError {
	coll := "projects/" + q.project + "/regions/" + region + "/routers"
	switch {
	case len(rest) == 0 && q.Method == http.MethodGet:
		var items []router
		for _, r := range s.routersOf(q.project, region) {
			items = append(items, s.routerOut(q, r))
		}
		return writeList(q, s, "compute#routerList", coll, items)
	case len(rest) == 0 && q.Method == http.MethodPost:
		var in router
		if err := decode(q.Request, &in); err != nil {
			return err
		}
		return s.putRouter(q, region, in, nil)
	case len(rest) <= 2:
		path := routerPath(q.project, region, rest[0])
		cur, ok := s.routerByName(q.project, region, rest[0])
		if !ok {
			return notFound(path)
		}
		switch {
		case len(rest) == 2 && rest[1] == "getRouterStatus" && q.Method == http.MethodGet:
			return s.routerStatus(q, cur)
		case len(rest) == 2:
		case q.Method == http.MethodGet:
			writeJSON(q.w, http.StatusOK, s.routerOut(q, cur))
			return nil
		case q.Method == http.MethodDelete:
			return s.mutate(q, model.GCPRegionScope(region), "delete", path, func() *apiError { return s.deleteRouter(q, cur) })
		case q.Method == http.MethodPatch || q.Method == http.MethodPut:
			return s.patchRouter(q, region, cur)
		}
	}
	return notFound(coll + "/" + joinWords(rest))
}

// patchRouter merges a patch (PATCH) or takes a whole router (PUT): the
// fields given replace the router's; its name and network stay.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/routers/patch — gcloud's routers nats create reads the router and patches it with its nats
func (s *Server) patchRouter(q *request, region string, cur router) *apiError {
	var in map[string]json.RawMessage
	if err := decode(q.Request, &in); err != nil {
		return err
	}
	next := cur
	next.Network = q.selfLink(cur.Network)
	b, _ := json.Marshal(next)
	var merged map[string]json.RawMessage
	_ = json.Unmarshal(b, &merged)
	for k, v := range in {
		if k != "name" && k != "network" && k != "region" {
			merged[k] = v
		}
	}
	b, _ = json.Marshal(merged)
	var out router
	if err := json.Unmarshal(b, &out); err != nil {
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource': %s", clip(err.Error()))
	}
	return s.putRouter(q, region, out, &cur)
}

// putRouter checks a router and stores it, making its NAT gateways true;
// cur is the router it replaces, if any.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/routers/insert — name, network, bgp.asn
func (s *Server) putRouter(q *request, region string, in router, cur *router) *apiError {
	withoutManaged(&in)
	if err := checkName("resource.name", in.Name); err != nil {
		return err
	}
	path := routerPath(q.project, region, in.Name)
	if _, ok := s.routerByName(q.project, region, in.Name); ok && cur == nil {
		return fail(http.StatusConflict, "alreadyExists", "The resource '%s' already exists", path)
	}
	n, _, aerr := s.networkRef(q, in.Network)
	if aerr != nil {
		return aerr
	}
	if in.BGP != nil && !privateASN(in.BGP.ASN) {
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.bgp.asn': '%d'. The ASN must be a private ASN (64512-65534 or 4200000000-4294967294) or 16550.", in.BGP.ASN)
	}
	if in.BGP != nil && in.BGP.AdvertiseMode == "" {
		in.BGP.AdvertiseMode = "DEFAULT"
	}
	if aerr := s.checkBGP(q, region, n.ID, &in); aerr != nil {
		return aerr
	}
	plans, aerr := s.planNATs(q, region, n, in)
	if aerr != nil {
		return aerr
	}
	in.Region, in.Network = region, n.ID
	if cur != nil {
		in.CreationTimestamp = cur.CreationTimestamp
	} else {
		in.CreationTimestamp = s.created()
	}
	verb := "insert"
	if cur != nil {
		verb = "patch"
	}
	return s.mutate(q, model.GCPRegionScope(region), verb, path, func() *apiError {
		b, _ := json.Marshal(in)
		if err := s.cloud.SetAttrs(q.project, n.ID, map[string]string{routerAttr + region + "/" + in.Name: string(b)}); err != nil {
			return fromModel(err, path)
		}
		return s.applyNATs(q, region, n, in.Name, plans)
	})
}

// privateASN reports whether a Cloud Router may take an ASN.
// GCP: https://cloud.google.com/network-connectivity/docs/router/how-to/create-router-vpc-network — the ASN is a private ASN (64512-65534, 4200000000-4294967294) or 16550 for Partner Interconnect
func privateASN(asn int64) bool {
	return (asn >= 64512 && asn <= 65534) || (asn >= 4200000000 && asn <= 4294967294) || asn == 16550
}

// deleteRouter deletes a router and its NAT gateways.
func (s *Server) deleteRouter(q *request, r router) *apiError {
	if aerr := s.routerUsers(q, r); aerr != nil {
		return aerr
	}
	n, err := s.cloud.Network(q.project, r.Network)
	if err != nil {
		return notFound(r.Network)
	}
	if aerr := s.applyNATs(q, r.Region, n, r.Name, nil); aerr != nil {
		return aerr
	}
	if err := s.cloud.SetAttrs(q.project, n.ID, map[string]string{routerAttr + r.Region + "/" + r.Name: ""}); err != nil {
		return fromModel(err, r.Network)
	}
	return nil
}

// aggregatedRouters answers routers.aggregatedList, keyed regions/REGION.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/routers/aggregatedList
func (s *Server) aggregatedRouters(q *request) *apiError {
	var all []scoped[router]
	for _, r := range s.routersOf(q.project, "") {
		all = append(all, scoped[router]{"regions/" + r.Region, r.Name, s.routerOut(q, r)})
	}
	return writeAggregated(q, "compute#routerAggregatedList", "routers", all)
}
