package gcp

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// network is a VPC network on the wire.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/networks — Network resource
type network struct {
	Kind                  string         `json:"kind"`
	ID                    string         `json:"id"`
	CreationTimestamp     string         `json:"creationTimestamp"`
	Name                  string         `json:"name"`
	Description           string         `json:"description,omitempty"`
	SelfLink              string         `json:"selfLink"`
	SelfLinkWithID        string         `json:"selfLinkWithId"`
	AutoCreateSubnetworks *bool          `json:"autoCreateSubnetworks,omitempty"`
	IPv4Range             string         `json:"IPv4Range,omitempty"`
	Subnetworks           []string       `json:"subnetworks,omitempty"`
	RoutingConfig         *routingConfig `json:"routingConfig,omitempty"`
	MTU                   int            `json:"mtu,omitempty"`
	// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/networks — networkFirewallPolicyEnforcementOrder defaults to AFTER_CLASSIC_FIREWALL
	FirewallPolicyOrder string        `json:"networkFirewallPolicyEnforcementOrder,omitempty"`
	Peerings            []peeringWire `json:"peerings,omitempty"`
}

type routingConfig struct {
	RoutingMode string `json:"routingMode,omitempty"`
}

// Attribute keys of a network.
const (
	attrCreated     = "creationTimestamp"
	attrDescription = "description"
	attrAuto        = "autoCreateSubnetworks"
	attrRouting     = "routingMode"
	attrMTU         = "mtu"
)

// defaultMTU is a new network's MTU when the request names none.
// GCP: https://cloud.google.com/vpc/docs/mtu — the default MTU of a new VPC network is 1460 bytes; 1300 to 8896 allowed
const defaultMTU = 1460

func networkPath(project, name string) string {
	return "projects/" + project + "/global/networks/" + name
}

func (s *Server) serveNetworks(q *request, rest []string) *apiError {
	coll := "projects/" + q.project + "/global/networks"
	switch {
	case len(rest) == 0 && q.Method == http.MethodGet:
		var items []network
		for _, n := range s.cloud.Networks(q.project) {
			items = append(items, s.networkOut(q, n))
		}
		slices.SortFunc(items, func(a, b network) int { return compare(a.Name, b.Name) })
		return writeList(q, s, "compute#networkList", coll, items)
	case len(rest) == 0 && q.Method == http.MethodPost:
		return s.insertNetwork(q)
	case len(rest) == 1:
		return s.oneNetwork(q, rest[0])
	case len(rest) == 2:
		return s.networkAction(q, rest[0], rest[1])
	}
	return notFound(coll + "/" + joinWords(rest))
}

func (s *Server) networkByName(q *request, name string) (model.Network, *apiError) {
	id, err := s.cloud.ByName(q.project, model.GCPGlobal, model.KindNetwork, name)
	if err != nil {
		return model.Network{}, notFound(networkPath(q.project, name))
	}
	n, err := s.cloud.Network(q.project, id)
	if err != nil {
		return model.Network{}, notFound(networkPath(q.project, name))
	}
	return n, nil
}

func (s *Server) oneNetwork(q *request, name string) *apiError {
	n, err := s.networkByName(q, name)
	if err != nil {
		return err
	}
	switch q.Method {
	case http.MethodGet:
		writeJSON(q.w, http.StatusOK, s.networkOut(q, n))
		return nil
	case http.MethodDelete:
		return s.mutate(q, model.GCPGlobal, "delete", n.ID, func() *apiError { return s.deleteNetwork(q, n) })
	case http.MethodPatch:
		return s.patchNetwork(q, n)
	}
	return fail(http.StatusMethodNotAllowed, "methodNotAllowed", "Method %s is not allowed on %s", q.Method, n.ID)
}

// networkOut renders a network from the model and its attributes.
func (s *Server) networkOut(q *request, n model.Network) network {
	a := n.Attrs
	out := network{Kind: "compute#network", ID: numericID(n.ID), CreationTimestamp: a[attrCreated], Name: n.Name, Description: a[attrDescription],
		SelfLink: q.selfLink(n.ID), SelfLinkWithID: q.selfLink("projects/" + q.project + "/global/networks/" + numericID(n.ID)),
		RoutingConfig: &routingConfig{RoutingMode: a[attrRouting]}, FirewallPolicyOrder: "AFTER_CLASSIC_FIREWALL"}
	auto := a[attrAuto] == "true"
	out.AutoCreateSubnetworks = &auto
	out.MTU, _ = strconv.Atoi(a[attrMTU])
	for _, sn := range s.cloud.Subnets(q.project) {
		if sn.NetworkID == n.ID {
			out.Subnetworks = append(out.Subnetworks, q.selfLink(sn.ID))
		}
	}
	slices.Sort(out.Subnetworks)
	for _, ps := range s.peerings(q.project, n) {
		out.Peerings = append(out.Peerings, s.peeringOut(q, n, ps))
	}
	return out
}

// insertNetwork makes a network: custom mode, or auto mode with a subnet
// in each region of autoRanges. A request without autoCreateSubnetworks
// asks for a legacy network, which the lab, like new GCP projects, does
// not make.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/networks/insert — autoCreateSubnetworks must be set to create a VPC network; if not set, a legacy network is created
// GCP: https://cloud.google.com/vpc/docs/legacy — legacy networks cannot be created in new projects
func (s *Server) insertNetwork(q *request) *apiError {
	var in network
	if err := decode(q.Request, &in); err != nil {
		return err
	}
	if err := checkName("resource.name", in.Name); err != nil {
		return err
	}
	path := networkPath(q.project, in.Name)
	if in.AutoCreateSubnetworks == nil || in.IPv4Range != "" {
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.autoCreateSubnetworks': ''. Legacy networks are not supported: set autoCreateSubnetworks to true (auto mode) or false (custom mode).")
	}
	mode := "REGIONAL"
	if in.RoutingConfig != nil && in.RoutingConfig.RoutingMode != "" {
		mode = in.RoutingConfig.RoutingMode
	}
	// GCP: https://cloud.google.com/vpc/docs/vpc#routing_for_hybrid_networks — dynamic routing mode REGIONAL (default) or GLOBAL
	if mode != "REGIONAL" && mode != "GLOBAL" {
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.routingConfig.routingMode': '%s'. Must be one of [GLOBAL, REGIONAL]", clip(mode))
	}
	mtu := in.MTU
	if mtu == 0 {
		mtu = defaultMTU
	}
	if mtu < 1300 || mtu > 8896 {
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.mtu': '%d'. Must be between 1300 and 8896.", mtu)
	}
	return s.mutate(q, model.GCPGlobal, "insert", path, func() *apiError {
		n, err := s.cloud.CreateNetworkAt(q.project, model.Place{Scope: model.GCPGlobal, Name: in.Name}, netip.Prefix{}, nil)
		if err != nil {
			return fromModel(err, path)
		}
		_ = s.cloud.SetAttrs(q.project, n.ID, map[string]string{attrCreated: s.created(), attrDescription: in.Description,
			attrAuto: strconv.FormatBool(*in.AutoCreateSubnetworks), attrRouting: mode, attrMTU: strconv.Itoa(mtu)})
		if err := s.defaultRoute(q, n); err != nil {
			return err
		}
		if *in.AutoCreateSubnetworks {
			return s.autoSubnets(q, n)
		}
		return nil
	})
}

// defaultRoute gives a new network its route to the internet.
// GCP: https://cloud.google.com/vpc/docs/routes#default-route — a new network gets a default route 0.0.0.0/0 to the default internet gateway, priority 1000, which may be deleted
func (s *Server) defaultRoute(q *request, n model.Network) *apiError {
	prio := 1000
	r := route{Name: "default-route-" + hexName(n.ID+"/default"), Description: "Default route to the Internet.",
		Network: q.selfLink(n.ID), DestRange: "0.0.0.0/0", Priority: &prio,
		NextHopGateway: q.selfLink("projects/" + q.project + "/global/gateways/" + internetGateway), CreationTimestamp: s.created()}
	if err := s.cloud.AddRoute(q.project, n.MainRouteTableID, model.Route{Name: r.Name, Destination: netip.MustParsePrefix(r.DestRange),
		Target: model.Target{Kind: model.TargetInternet}, Priority: prio}); err != nil {
		return fromModel(err, routePath(q.project, r.Name))
	}
	b, _ := json.Marshal(r)
	_ = s.cloud.SetAttrs(q.project, n.MainRouteTableID, map[string]string{routeAttr + r.Name: string(b)})
	return nil
}

// autoRanges are the ranges of an auto-mode network's subnets by region.
// GCP: https://cloud.google.com/vpc/docs/subnets#ip-ranges — auto mode IPv4 ranges, one /20 per region in 10.128.0.0/9
var autoRanges = map[string]string{
	"us-central1": "10.128.0.0/20", "europe-west1": "10.132.0.0/20", "us-west1": "10.138.0.0/20", "asia-east1": "10.140.0.0/20",
	"us-east1": "10.142.0.0/20", "asia-northeast1": "10.146.0.0/20", "asia-southeast1": "10.148.0.0/20", "us-east4": "10.150.0.0/20",
	"australia-southeast1": "10.152.0.0/20", "europe-west2": "10.154.0.0/20", "europe-west3": "10.156.0.0/20",
	"southamerica-east1": "10.158.0.0/20", "asia-south1": "10.160.0.0/20", "northamerica-northeast1": "10.162.0.0/20",
	"europe-west4": "10.164.0.0/20", "europe-north1": "10.166.0.0/20", "us-west2": "10.168.0.0/20", "asia-east2": "10.170.0.0/20",
	"europe-west6": "10.172.0.0/20", "asia-northeast2": "10.174.0.0/20", "asia-northeast3": "10.178.0.0/20", "us-west3": "10.180.0.0/20",
	"us-west4": "10.182.0.0/20", "asia-southeast2": "10.184.0.0/20",
}

// autoSubnets gives an auto-mode network its subnet in each region, named
// as the network.
func (s *Server) autoSubnets(q *request, n model.Network) *apiError {
	regions := make([]string, 0, len(autoRanges))
	for r := range autoRanges {
		regions = append(regions, r)
	}
	slices.Sort(regions)
	for _, r := range regions {
		sn, err := s.cloud.CreateSubnetAt(q.project, n.ID, model.Place{Region: r, Scope: model.GCPRegionScope(r), Name: n.Name},
			netip.MustParsePrefix(autoRanges[r]), "", nil)
		if err != nil {
			return fromModel(err, subnetPath(q.project, r, n.Name))
		}
		_ = s.cloud.SetAttrs(q.project, sn.ID, map[string]string{attrCreated: s.created()})
	}
	return nil
}

// deleteNetwork deletes a network that nothing uses; a network with
// subnets or firewall rules fails inside the operation.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/networks/delete — a network in use by subnetworks, firewalls or instances cannot be deleted
func (s *Server) deleteNetwork(q *request, n model.Network) *apiError {
	auto := n.Attrs[attrAuto] == "true"
	for _, sn := range s.cloud.Subnets(q.project) {
		if sn.NetworkID == n.ID && !auto {
			return fail(http.StatusBadRequest, "resourceInUseByAnotherResource", "The network resource '%s' is already being used by '%s'", n.ID, sn.ID)
		}
	}
	for _, fw := range s.cloud.RuleSets(q.project, model.FlavorFirewall) {
		if fw.NetworkID == n.ID {
			return fail(http.StatusBadRequest, "resourceInUseByAnotherResource", "The network resource '%s' is already being used by '%s'", n.ID, fw.ID)
		}
	}
	for k, v := range n.Attrs {
		if name, ok := strings.CutPrefix(k, routerAttr); ok && v != "" {
			// GCP: https://cloud.google.com/vpc/docs/create-modify-vpc-networks#deleting_a_network — delete the network's resources (Cloud Routers among them) first
			return fail(http.StatusBadRequest, "resourceInUseByAnotherResource", "The network resource '%s' is already being used by '%s'", n.ID, "projects/"+q.project+"/regions/"+strings.Replace(name, "/", "/routers/", 1))
		}
	}
	for _, g := range s.vpnGatewaysOf(q.project, "") {
		if g.Network == n.ID {
			// GCP: https://cloud.google.com/network-connectivity/docs/vpn/how-to/deleting-vpn — an HA VPN gateway goes before its network
			return fail(http.StatusBadRequest, "resourceInUseByAnotherResource", "The network resource '%s' is already being used by '%s'", n.ID, vpnGatewayPath(q.project, g.Region, g.Name))
		}
	}
	// Any interface of an instance counts, nic0 or another.
	for _, e := range s.cloud.NetworkInterfaces(q.project) {
		if e.NetworkID == n.ID && e.InstanceID != "" {
			return fail(http.StatusBadRequest, "resourceInUseByAnotherResource", "The network resource '%s' is already being used by '%s'", n.ID, e.InstanceID)
		}
	}
	// An auto-mode network's own subnets go with it.
	for _, sn := range s.cloud.Subnets(q.project) {
		if sn.NetworkID == n.ID {
			if err := s.cloud.DeleteSubnet(q.project, sn.ID); err != nil {
				return fromModel(err, sn.ID)
			}
		}
	}
	if err := s.cloud.DeleteNetwork(q.project, n.ID); err != nil {
		return fromModel(err, n.ID)
	}
	return nil
}

// patchNetwork changes what networks.patch may: the routing mode, the
// MTU and, once, auto mode to custom mode.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/networks/patch — routingConfig, mtu; autoCreateSubnetworks may go from true to false
func (s *Server) patchNetwork(q *request, n model.Network) *apiError {
	var in map[string]json.RawMessage
	if err := decode(q.Request, &in); err != nil {
		return err
	}
	var p network
	raw, _ := json.Marshal(in)
	_ = json.Unmarshal(raw, &p)
	attrs := map[string]string{}
	if p.RoutingConfig != nil && p.RoutingConfig.RoutingMode != "" {
		if m := p.RoutingConfig.RoutingMode; m != "REGIONAL" && m != "GLOBAL" {
			return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.routingConfig.routingMode': '%s'. Must be one of [GLOBAL, REGIONAL]", clip(m))
		}
		attrs[attrRouting] = p.RoutingConfig.RoutingMode
	}
	if p.MTU != 0 {
		if p.MTU < 1300 || p.MTU > 8896 {
			return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.mtu': '%d'. Must be between 1300 and 8896.", p.MTU)
		}
		attrs[attrMTU] = strconv.Itoa(p.MTU)
	}
	if p.AutoCreateSubnetworks != nil {
		if *p.AutoCreateSubnetworks && n.Attrs[attrAuto] != "true" {
			return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.autoCreateSubnetworks': 'true'. A custom mode network cannot be switched to auto mode.")
		}
		attrs[attrAuto] = strconv.FormatBool(*p.AutoCreateSubnetworks)
	}
	return s.mutate(q, model.GCPGlobal, "patch", n.ID, func() *apiError {
		if err := s.cloud.SetAttrs(q.project, n.ID, attrs); err != nil {
			return fromModel(err, n.ID)
		}
		return nil
	})
}
