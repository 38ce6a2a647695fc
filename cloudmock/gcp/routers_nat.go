package gcp

import (
	"net/http"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// Cloud NAT: a router's NAT gateway translates the new outbound
// connections of the instances without external IPs in the subnets it
// serves (all of the network's in the router's region, or those listed)
// to its NAT IPs: addresses Google allocates (AUTO_ONLY) or reserved
// static external addresses (MANUAL_ONLY). An instance's own external
// IP is used before Cloud NAT (model.Profile.PublicIPBeforeNAT).
// GCP: https://cloud.google.com/nat/docs/overview — Cloud NAT serves chosen subnets of a network in a region; a VM with an external IP does not use it
// GCP: https://cloud.google.com/nat/docs/ports-and-addresses#addresses — NAT IP addresses: automatic or manual

// attrNATAuto marks an address the lab allocated for a NAT gateway
// (AUTO_ONLY); its value is the gateway's ID. It is not an address
// resource of the project.
const attrNATAuto = "natAuto"

// natPlan is a checked NAT gateway of a router.
type natPlan struct {
	name    string
	auto    bool
	addrs   []string // the static addresses' model IDs (MANUAL_ONLY)
	subnets []string // the subnets served, model IDs
}

// planNATs checks a router's NAT gateways and resolves their addresses
// and subnets (references are stored back as resource paths).
func (s *Server) planNATs(q *request, region string, n model.Network, in router) ([]natPlan, *apiError) {
	scope := model.GCPRegionScope(region)
	served := s.servedElsewhere(q.project, region, n.ID, in.Name)
	var out []natPlan
	for i := range in.Nats {
		nat := &in.Nats[i]
		if err := checkName("resource.nats.name", nat.Name); err != nil {
			return nil, err
		}
		if slices.ContainsFunc(out, func(p natPlan) bool { return p.name == nat.Name }) {
			return nil, fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.nats': ''. Duplicate NAT name '%s'.", nat.Name)
		}
		p := natPlan{name: nat.Name}
		switch nat.NatIPAllocateOption {
		case "AUTO_ONLY":
			if len(nat.NatIPs) > 0 {
				return nil, fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.nats[%d].natIps': ''. natIps must be empty with AUTO_ONLY.", i)
			}
			p.auto = true
		case "MANUAL_ONLY":
			if len(nat.NatIPs) == 0 {
				return nil, fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.nats[%d].natIps': ''. MANUAL_ONLY needs at least one NAT IP.", i)
			}
			for j, ref := range nat.NatIPs {
				path, aerr := q.resolveRef(ref, scope, "addresses")
				if aerr != nil {
					return nil, aerr
				}
				a, ok := s.addressByName(q.project, scope, model.GCPName(path))
				if !ok {
					return nil, fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.nats[%d].natIps[%d]': '%s'. The address was not found in region %s.", i, j, clip(ref), region)
				}
				nat.NatIPs[j], p.addrs = path, append(p.addrs, a.ID)
			}
		case "":
			return nil, fail(http.StatusBadRequest, "required", "Required field 'resource.nats[%d].natIpAllocateOption' not specified", i)
		default:
			return nil, fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.nats[%d].natIpAllocateOption': '%s'. Must be one of [AUTO_ONLY, MANUAL_ONLY].", i, clip(nat.NatIPAllocateOption))
		}
		subs, aerr := s.natSubnets(q, region, n, i, nat)
		if aerr != nil {
			return nil, aerr
		}
		for _, id := range subs {
			// GCP: https://cloud.google.com/nat/docs/overview — a subnet's primary range is served by at most one NAT gateway
			if served[id] || slices.ContainsFunc(out, func(o natPlan) bool { return slices.Contains(o.subnets, id) }) {
				return nil, fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.nats[%d]': '%s'. Subnetwork %s is already served by another NAT gateway in region %s.", i, nat.Name, id, region)
			}
		}
		p.subnets = subs
		out = append(out, p)
	}
	return out, nil
}

// natSubnets resolves the subnets a NAT gateway serves.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/routers — sourceSubnetworkIpRangesToNat: ALL_SUBNETWORKS_ALL_IP_RANGES, ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES, LIST_OF_SUBNETWORKS
func (s *Server) natSubnets(q *request, region string, n model.Network, i int, nat *routerNAT) ([]string, *apiError) {
	var out []string
	switch nat.SourceRanges {
	case "ALL_SUBNETWORKS_ALL_IP_RANGES", "ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES":
		for _, sn := range s.cloud.Subnets(q.project) {
			if sn.NetworkID == n.ID && sn.Region == region {
				out = append(out, sn.ID)
			}
		}
	case "LIST_OF_SUBNETWORKS":
		if len(nat.Subnetworks) == 0 {
			return nil, fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.nats[%d].subnetworks': ''. LIST_OF_SUBNETWORKS needs at least one subnetwork.", i)
		}
		for j, x := range nat.Subnetworks {
			path, aerr := q.resolveRef(x.Name, model.GCPRegionScope(region), "subnetworks")
			if aerr != nil {
				return nil, aerr
			}
			id, err := s.cloud.ByName(q.project, model.GCPRegionScope(region), model.KindSubnet, model.GCPName(path))
			sn, serr := s.cloud.Subnet(q.project, id)
			if err != nil || serr != nil || sn.NetworkID != n.ID {
				return nil, fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.nats[%d].subnetworks[%d].name': '%s'. The subnetwork is not in network %s and region %s.", i, j, clip(x.Name), n.Name, region)
			}
			nat.Subnetworks[j].Name = path
			out = append(out, sn.ID)
		}
	case "":
		return nil, fail(http.StatusBadRequest, "required", "Required field 'resource.nats[%d].sourceSubnetworkIpRangesToNat' not specified", i)
	default:
		return nil, fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.nats[%d].sourceSubnetworkIpRangesToNat': '%s'.", i, clip(nat.SourceRanges))
	}
	return out, nil
}

// servedElsewhere returns the subnets that the NAT gateways of the
// network's other routers in the region serve.
func (s *Server) servedElsewhere(project, region, network, routerName string) map[string]bool {
	out := map[string]bool{}
	for _, g := range s.cloud.NATGateways(project) {
		if strings.HasPrefix(g.Scope, model.GCPRegionScope(region)+"/routers/") && g.Scope != natScope(region, routerName) && g.NetworkID == network {
			for _, id := range g.Serves {
				out[id] = true
			}
		}
	}
	return out
}

func natScope(region, routerName string) string {
	return model.GCPRegionScope(region) + "/routers/" + routerName
}

// applyNATs makes a router's model NAT gateways what plans say: new ones
// made, gone ones deleted (with their automatic addresses), each with
// its addresses and subnets.
func (s *Server) applyNATs(q *request, region string, n model.Network, routerName string, plans []natPlan) *apiError {
	scope := natScope(region, routerName)
	have := map[string]model.NATGateway{}
	for _, g := range s.cloud.NATGateways(q.project) {
		if g.Scope == scope {
			have[g.Name] = g
		}
	}
	for name, g := range have {
		if slices.ContainsFunc(plans, func(p natPlan) bool { return p.name == name }) {
			continue
		}
		for _, id := range g.Serves {
			if err := s.cloud.SetSubnetNAT(q.project, id, ""); err != nil {
				return fromModel(err, g.ID)
			}
		}
		if err := s.cloud.DeleteNATGateway(q.project, g.ID); err != nil {
			return fromModel(err, g.ID)
		}
		s.releaseAuto(q.project, g.ID, nil)
	}
	for _, p := range plans {
		g, ok := have[p.name]
		if !ok {
			var err error
			if g, err = s.cloud.CreateSubnetNATAt(q.project, model.Place{Region: region, Scope: scope, Name: p.name}, nil, nil); err != nil {
				return fromModel(err, scope)
			}
		}
		addrs := p.addrs
		if p.auto {
			if addrs = s.autoAddrs(q.project, g.ID); len(addrs) == 0 {
				a, err := s.cloud.AllocateAddressAt(q.project, model.Place{Region: region, Scope: model.GCPRegionScope(region)}, nil)
				if err != nil {
					return fromModel(err, scope)
				}
				_ = s.cloud.SetAttrs(q.project, a.ID, map[string]string{attrNATAuto: g.ID})
				addrs = []string{a.ID}
			}
		}
		if err := s.cloud.SetNATAddresses(q.project, g.ID, addrs); err != nil {
			return fromModel(err, g.ID)
		}
		s.releaseAuto(q.project, g.ID, addrs)
		for _, id := range g.Serves {
			if !slices.Contains(p.subnets, id) {
				if err := s.cloud.SetSubnetNAT(q.project, id, ""); err != nil {
					return fromModel(err, id)
				}
			}
		}
		for _, id := range p.subnets {
			if err := s.cloud.SetSubnetNAT(q.project, id, g.ID); err != nil {
				return fromModel(err, id)
			}
		}
	}
	return nil
}

// autoAddrs returns the addresses allocated for a NAT gateway.
func (s *Server) autoAddrs(project, natID string) []string {
	var out []string
	for _, a := range s.cloud.ElasticIPs(project) {
		if a.Attrs[attrNATAuto] == natID {
			out = append(out, a.ID)
		}
	}
	return out
}

// releaseAuto releases the addresses allocated for a NAT gateway but
// those it keeps.
func (s *Server) releaseAuto(project, natID string, keep []string) {
	for _, id := range s.autoAddrs(project, natID) {
		if !slices.Contains(keep, id) {
			_ = s.cloud.ReleaseAddress(project, id)
		}
	}
}

// natNewSubnet puts a new subnet under the NAT gateway of its network
// and region that serves all subnets, if there is one.
// GCP: https://cloud.google.com/nat/docs/overview — with all subnets' ranges chosen, subnets created later are served too
func (s *Server) natNewSubnet(q *request, sn model.Subnet) {
	for _, r := range s.routersOf(q.project, sn.Region) {
		if r.Network != sn.NetworkID {
			continue
		}
		for _, nat := range r.Nats {
			if !strings.HasPrefix(nat.SourceRanges, "ALL_SUBNETWORKS") {
				continue
			}
			if id, err := s.cloud.ByName(q.project, natScope(sn.Region, r.Name), model.KindNATGateway, nat.Name); err == nil {
				_ = s.cloud.SetSubnetNAT(q.project, sn.ID, id)
			}
		}
	}
}

// natStatus is one NAT gateway's status in getRouterStatus.
type natStatus struct {
	Name                string   `json:"name"`
	AutoAllocatedNatIPs []string `json:"autoAllocatedNatIps,omitempty"`
	UserAllocatedNatIPs []string `json:"userAllocatedNatIps,omitempty"`
}

// routerStatus answers getRouterStatus: the router's network, its NAT
// gateways' addresses, its BGP peers' status and the routes they learned.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/routers/getRouterStatus — result: network, bestRoutes, bgpPeerStatus, natStatus
func (s *Server) routerStatus(q *request, r router) *apiError {
	var nats []natStatus
	for _, nat := range r.Nats {
		st := natStatus{Name: nat.Name}
		if id, err := s.cloud.ByName(q.project, natScope(r.Region, r.Name), model.KindNATGateway, nat.Name); err == nil {
			if g, err := s.cloud.NATGateway(q.project, id); err == nil {
				for _, aid := range append([]string{g.AllocationID}, g.MoreAllocationIDs...) {
					a, err := s.cloud.ElasticIP(q.project, aid)
					if err != nil {
						continue
					}
					if a.Attrs[attrNATAuto] != "" {
						st.AutoAllocatedNatIPs = append(st.AutoAllocatedNatIPs, a.PublicIP.String())
					} else {
						st.UserAllocatedNatIPs = append(st.UserAllocatedNatIPs, a.PublicIP.String())
					}
				}
			}
		}
		nats = append(nats, st)
	}
	peers, best := s.bgpStatus(q, r)
	writeJSON(q.w, http.StatusOK, map[string]any{"kind": "compute#routerStatusResponse", "result": map[string]any{
		"network": q.selfLink(r.Network), "bestRoutes": best, "bestRoutesForRouter": best, "bgpPeerStatus": peers, "natStatus": nats}})
	return nil
}
