package gcp

import (
	"encoding/binary"
	"encoding/json"
	"net/http"
	"net/netip"
	"slices"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// HA VPN gateways and external (peer) VPN gateways. An HA VPN gateway is
// a model VPN gateway named in its region, never attached (GCP has many
// per network; the model's one-per-network rule is AWS's); an external
// VPN gateway is a model customer gateway named in global, its first
// interface's address the customer gateway's. Each keeps its wire form
// (links relative to the API root) in the wireAttr attribute, so that a
// state file restores it.
// GCP: https://cloud.google.com/network-connectivity/docs/vpn/concepts/topologies — HA VPN: two interfaces, each its own external address, for the 99.99% SLA

// wireAttr is the model attribute holding a resource's wire form.
const wireAttr = "wire"

// vpnGateway is an HA VPN gateway on the wire.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/vpnGateways — VpnGateway: network, vpnInterfaces[] {id, ipAddress}, stackType
type vpnGateway struct {
	Kind              string         `json:"kind"`
	ID                string         `json:"id"`
	CreationTimestamp string         `json:"creationTimestamp"`
	Name              string         `json:"name"`
	Description       string         `json:"description,omitempty"`
	Region            string         `json:"region"`
	Network           string         `json:"network"`
	VPNInterfaces     []vpnInterface `json:"vpnInterfaces"`
	StackType         string         `json:"stackType,omitempty"`
	Labels            map[string]any `json:"labels,omitempty"`
	LabelFingerprint  string         `json:"labelFingerprint"`
	SelfLink          string         `json:"selfLink"`
}

// vpnInterface is one interface of an HA VPN or external VPN gateway.
type vpnInterface struct {
	ID        int    `json:"id"`
	IPAddress string `json:"ipAddress,omitempty"`
}

// externalVPNGateway is a peer VPN gateway outside Google Cloud.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/externalVpnGateways — ExternalVpnGateway: redundancyType, interfaces[] {id, ipAddress}
type externalVPNGateway struct {
	Kind              string         `json:"kind"`
	ID                string         `json:"id"`
	CreationTimestamp string         `json:"creationTimestamp"`
	Name              string         `json:"name"`
	Description       string         `json:"description,omitempty"`
	RedundancyType    string         `json:"redundancyType"`
	Interfaces        []vpnInterface `json:"interfaces"`
	Labels            map[string]any `json:"labels,omitempty"`
	LabelFingerprint  string         `json:"labelFingerprint"`
	SelfLink          string         `json:"selfLink"`
}

// redundancyInterfaces is how many interfaces each redundancy type has.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/externalVpnGateways — FOUR_IPS_REDUNDANCY, SINGLE_IP_INTERNALLY_REDUNDANT, TWO_IPS_REDUNDANCY
var redundancyInterfaces = map[string]int{"SINGLE_IP_INTERNALLY_REDUNDANT": 1, "TWO_IPS_REDUNDANCY": 2, "FOUR_IPS_REDUNDANCY": 4}

// wireOf decodes the wire form kept in an object's attributes.
func wireOf[T any](attrs map[string]string) (T, bool) {
	var v T
	return v, json.Unmarshal([]byte(attrs[wireAttr]), &v) == nil
}

// keepWire stores a resource's wire form on its model object.
func (s *Server) keepWire(project, id string, v any) *apiError {
	b, _ := json.Marshal(v)
	if err := s.cloud.SetAttrs(project, id, map[string]string{wireAttr: string(b)}); err != nil {
		return fromModel(err, id)
	}
	return nil
}

func (s *Server) vpnGatewaysOf(project, region string) []vpnGateway {
	var out []vpnGateway
	for _, g := range s.cloud.VPNGateways(project) {
		if w, ok := wireOf[vpnGateway](g.Attrs); ok && (region == "" || w.Region == region) {
			out = append(out, w)
		}
	}
	slices.SortFunc(out, func(a, b vpnGateway) int { return compare(a.Name, b.Name) })
	return out
}

func vpnGatewayPath(project, region, name string) string {
	return "projects/" + project + "/regions/" + region + "/vpnGateways/" + name
}

func (s *Server) vpnGatewayOut(q *request, g vpnGateway) vpnGateway {
	path := vpnGatewayPath(q.project, g.Region, g.Name)
	g.Kind, g.ID, g.SelfLink, g.LabelFingerprint = "compute#vpnGateway", numericID(path), q.selfLink(path), fingerprint("")
	g.Network, g.Region = q.selfLink(g.Network), q.selfLink("projects/"+q.project+"/regions/"+g.Region)
	return g
}

// serveVPNGateways answers a region's HA VPN gateways.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/vpnGateways — insert, get, list, delete, aggregatedList
func (s *Server) serveVPNGateways(q *request, region string, rest []string) *apiError {
	scope := model.GCPRegionScope(region)
	return serveCollection(q, s, collection[vpnGateway]{listKind: "compute#vpnGatewayList", scope: scope, path: "projects/" + q.project + "/" + scope + "/vpnGateways",
		items: s.vpnGatewaysOf(q.project, region), out: func(g vpnGateway) vpnGateway { return s.vpnGatewayOut(q, g) },
		insert: func(in vpnGateway) *apiError { return s.insertVPNGateway(q, region, in) },
		remove: func(_ vpnGateway, path string) *apiError {
			// GCP: https://cloud.google.com/network-connectivity/docs/vpn/how-to/deleting-vpn — delete the tunnels before their gateway
			for _, t := range s.tunnelsOf(q.project, "") {
				if t.VPNGateway == path {
					return fail(http.StatusBadRequest, "resourceInUseByAnotherResource", "The vpn_gateway resource '%s' is already being used by '%s'", path, tunnelPath(q.project, t.Region, t.Name))
				}
			}
			return fromModelErr(s.cloud.DeleteVPNGateway(q.project, path), path)
		}}, rest)
}

func (g vpnGateway) name() string { return g.Name }

// fromModelErr is fromModel for an error that may be nil.
func fromModelErr(err error, path string) *apiError {
	if err == nil {
		return nil
	}
	return fromModel(err, path)
}

// insertVPNGateway makes an HA VPN gateway of a network with its two
// interfaces' external addresses.
// GCP: https://cloud.google.com/network-connectivity/docs/vpn/how-to/creating-ha-vpn#create-gateway — network required; GCP allocates one external IPv4 address per interface
func (s *Server) insertVPNGateway(q *request, region string, in vpnGateway) *apiError {
	if err := checkName("resource.name", in.Name); err != nil {
		return err
	}
	path := vpnGatewayPath(q.project, region, in.Name)
	if _, err := s.cloud.ByName(q.project, model.GCPRegionScope(region), model.KindVPNGateway, in.Name); err == nil {
		return fail(http.StatusConflict, "alreadyExists", "The resource '%s' already exists", path)
	}
	_, np, aerr := s.networkRef(q, in.Network)
	if aerr != nil {
		return aerr
	}
	switch in.StackType {
	case "":
		in.StackType = "IPV4_ONLY"
	case "IPV4_ONLY":
	default:
		// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/vpnGateways — stackType IPV4_ONLY, IPV4_IPV6 or IPV6_ONLY; the lab serves IPv4
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.stackType': '%s'. The lab's HA VPN gateways are IPV4_ONLY.", clip(in.StackType))
	}
	return s.mutate(q, model.GCPRegionScope(region), "insert", path, func() *apiError {
		g, err := s.cloud.CreateVPNGatewayAt(q.project, model.Place{Region: region, Scope: model.GCPRegionScope(region), Name: in.Name}, 0, nil)
		if err != nil {
			return fromModel(err, path)
		}
		out := vpnGateway{CreationTimestamp: s.created(), Name: in.Name, Description: in.Description, Region: region, Network: np,
			StackType: in.StackType, Labels: in.Labels}
		for i, a := range s.haAddresses(q.project, g.ID) {
			out.VPNInterfaces = append(out.VPNInterfaces, vpnInterface{ID: i, IPAddress: a.String()})
		}
		return s.keepWire(q.project, g.ID, out)
	})
}

// haBase is the block the lab's HA VPN interfaces take their addresses
// from (Google's own external addresses in real GCP).
var haBase = netip.MustParseAddr("35.242.0.0")

// haAddresses picks two free addresses of haBase/16 for a gateway,
// derived from its ID and moved on past any another gateway holds.
func (s *Server) haAddresses(project, id string) [2]netip.Addr {
	used := map[netip.Addr]bool{}
	for _, g := range s.vpnGatewaysOf(project, "") {
		for _, i := range g.VPNInterfaces {
			if a, err := netip.ParseAddr(i.IPAddress); err == nil {
				used[a] = true
			}
		}
	}
	h := uint32(1)
	for _, c := range []byte(numericID(id)) {
		h = h*31 + uint32(c)
	}
	b := haBase.As4()
	base := binary.BigEndian.Uint32(b[:])
	for n := uint32(0); ; n++ {
		off := ((h+n)%0x7ffe)*2 + 2 // even offsets in .0.2 to .255.253
		var x, y [4]byte
		binary.BigEndian.PutUint32(x[:], base+off)
		binary.BigEndian.PutUint32(y[:], base+off+1)
		a, b := netip.AddrFrom4(x), netip.AddrFrom4(y)
		if !used[a] && !used[b] {
			return [2]netip.Addr{a, b}
		}
	}
}

// aggregatedVPNGateways answers vpnGateways.aggregatedList.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/vpnGateways/aggregatedList
func (s *Server) aggregatedVPNGateways(q *request) *apiError {
	var all []scoped[vpnGateway]
	for _, g := range s.vpnGatewaysOf(q.project, "") {
		all = append(all, scoped[vpnGateway]{"regions/" + g.Region, g.Name, s.vpnGatewayOut(q, g)})
	}
	return writeAggregated(q, "compute#vpnGatewayAggregatedList", "vpnGateways", all)
}

func externalPath(project, name string) string {
	return "projects/" + project + "/global/externalVpnGateways/" + name
}

func (s *Server) externalGateways(project string) map[string]externalVPNGateway {
	out := map[string]externalVPNGateway{}
	for _, g := range s.cloud.CustomerGateways(project) {
		if w, ok := wireOf[externalVPNGateway](g.Attrs); ok {
			out[g.ID] = w
		}
	}
	return out
}

func (s *Server) externalOut(q *request, g externalVPNGateway) externalVPNGateway {
	path := externalPath(q.project, g.Name)
	g.Kind, g.ID, g.SelfLink, g.LabelFingerprint = "compute#externalVpnGateway", numericID(path), q.selfLink(path), fingerprint("")
	return g
}

// serveExternalGateways answers the project's external VPN gateways.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/externalVpnGateways — insert, get, list, delete
func (s *Server) serveExternalGateways(q *request, rest []string) *apiError {
	var items []externalVPNGateway
	for _, g := range s.externalGateways(q.project) {
		items = append(items, g)
	}
	slices.SortFunc(items, func(a, b externalVPNGateway) int { return compare(a.Name, b.Name) })
	return serveCollection(q, s, collection[externalVPNGateway]{listKind: "compute#externalVpnGatewayList", scope: model.GCPGlobal,
		path: "projects/" + q.project + "/global/externalVpnGateways", items: items,
		out:    func(g externalVPNGateway) externalVPNGateway { return s.externalOut(q, g) },
		insert: func(in externalVPNGateway) *apiError { return s.insertExternal(q, in) },
		remove: func(_ externalVPNGateway, path string) *apiError {
			for _, t := range s.tunnelsOf(q.project, "") {
				if t.PeerExternalGateway == path {
					return fail(http.StatusBadRequest, "resourceInUseByAnotherResource", "The external_vpn_gateway resource '%s' is already being used by '%s'", path, tunnelPath(q.project, t.Region, t.Name))
				}
			}
			return fromModelErr(s.cloud.DeleteCustomerGateway(q.project, path), path)
		}}, rest)
}

func (g externalVPNGateway) name() string { return g.Name }

// insertExternal records a peer VPN gateway: its interfaces must be as
// many as its redundancy type says, numbered from 0, each an IPv4 address.
// GCP: https://cloud.google.com/network-connectivity/docs/vpn/how-to/creating-ha-vpn#create-peer-gateway — one, two or four interfaces by redundancy type
func (s *Server) insertExternal(q *request, in externalVPNGateway) *apiError {
	if err := checkName("resource.name", in.Name); err != nil {
		return err
	}
	path := externalPath(q.project, in.Name)
	if _, err := s.cloud.ByName(q.project, model.GCPGlobal, model.KindCustomerGateway, in.Name); err == nil {
		return fail(http.StatusConflict, "alreadyExists", "The resource '%s' already exists", path)
	}
	want, ok := redundancyInterfaces[in.RedundancyType]
	if !ok {
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.redundancyType': '%s'. Must be one of [FOUR_IPS_REDUNDANCY, SINGLE_IP_INTERNALLY_REDUNDANT, TWO_IPS_REDUNDANCY].", clip(in.RedundancyType))
	}
	if len(in.Interfaces) != want {
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.interfaces': redundancy type %s needs %d interfaces, got %d.", in.RedundancyType, want, len(in.Interfaces))
	}
	var first netip.Addr
	for i, f := range in.Interfaces {
		a, err := netip.ParseAddr(f.IPAddress)
		if err != nil || !a.Is4() || f.ID != i {
			return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.interfaces[%d]': interface ids run from 0 and each needs an IPv4 ipAddress (got id %d, '%s').", i, f.ID, clip(f.IPAddress))
		}
		if i == 0 {
			first = a
		}
	}
	return s.mutate(q, model.GCPGlobal, "insert", path, func() *apiError {
		g, err := s.cloud.CreateCustomerGatewayAt(q.project, model.Place{Scope: model.GCPGlobal, Name: in.Name}, 0, first, nil)
		if err != nil {
			return fromModel(err, path)
		}
		out := externalVPNGateway{CreationTimestamp: s.created(), Name: in.Name, Description: in.Description,
			RedundancyType: in.RedundancyType, Interfaces: in.Interfaces, Labels: in.Labels}
		return s.keepWire(q.project, g.ID, out)
	})
}
