package gcp

import (
	"net/http"
	"net/netip"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// Static internal addresses: an address of a subnetwork's primary range,
// reserved by name in the subnet's region. The lab keeps one as a model
// subnet reservation of one address (type explicit): the cloud no longer
// gives it to an interface on its own, and an instance takes it when its
// interface names it as networkIP.
// GCP: https://cloud.google.com/compute/docs/ip-addresses/reserve-static-internal-ip-address — reserving an internal address takes it out of the automatic allocation pool; a resource gets it by naming it

// internalAddresses returns the project's static internal addresses of a
// scope (every scope when empty).
func (s *Server) internalAddresses(project, scope string) []model.SubnetCIDRReservation {
	var out []model.SubnetCIDRReservation
	for _, sn := range s.cloud.Subnets(project) {
		rs, _ := s.cloud.SubnetCIDRReservations(project, sn.ID)
		for _, r := range rs {
			if r.Name != "" && (scope == "" || r.Scope == scope) {
				out = append(out, r)
			}
		}
	}
	return out
}

func (s *Server) internalByName(project, scope, name string) (model.SubnetCIDRReservation, bool) {
	id, err := s.cloud.ByName(project, scope, model.KindSubnetCIDRReservation, name)
	if err != nil {
		return model.SubnetCIDRReservation{}, false
	}
	for _, r := range s.internalAddresses(project, scope) {
		if r.ID == id {
			return r, true
		}
	}
	return model.SubnetCIDRReservation{}, false
}

// insertInternal reserves an internal address of a subnetwork of the
// region: the one asked for, or the next free one.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/addresses/insert — INTERNAL: subnetwork required, address optional and inside the subnetwork's range
// GCP: https://cloud.google.com/compute/docs/ip-addresses/reserve-static-internal-ip-address#reservenewip — a specific address, or one the system picks
func (s *Server) insertInternal(q *request, scope, path string, in address) *apiError {
	if scope == model.GCPGlobal {
		// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/globalAddresses — a global INTERNAL address is a range for VPC_PEERING or PRIVATE_SERVICE_CONNECT, which the lab does not serve
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.addressType': 'INTERNAL'. A global internal address needs purpose VPC_PEERING or PRIVATE_SERVICE_CONNECT, which the lab does not serve.")
	}
	if in.Purpose != "" && in.Purpose != "GCE_ENDPOINT" {
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.purpose': '%s'. The lab reserves internal addresses for GCE_ENDPOINT only.", clip(in.Purpose))
	}
	if in.Subnetwork == "" {
		return fail(http.StatusBadRequest, "required", "Required field 'resource.subnetwork' not specified")
	}
	region := strings.TrimPrefix(scope, "regions/")
	p, aerr := q.resolveRef(in.Subnetwork, scope, "subnetworks")
	if aerr != nil {
		return aerr
	}
	id, err := s.cloud.ByName(q.project, scope, model.KindSubnet, model.GCPName(p))
	if err != nil {
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.subnetwork': '%s'. The referenced subnetwork resource cannot be found.", clip(in.Subnetwork))
	}
	sn, err := s.cloud.Subnet(q.project, id)
	if err != nil {
		return notFound(p)
	}
	spec := model.SubnetCIDRReservationSpec{SubnetID: sn.ID, Type: model.ReservationExplicit, Description: in.Description,
		Place: model.Place{Region: region, Scope: scope, Name: in.Name}, Pick: in.Address == ""}
	if in.Address != "" {
		a, err := netip.ParseAddr(in.Address)
		if err != nil || !a.Is4() {
			return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.address': '%s'. The IP address is not valid.", clip(in.Address))
		}
		if !sn.Prefix.Contains(a) {
			return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.address': '%s'. Requested internal IP is outside the subnetwork CIDR range.", a)
		}
		spec.Prefix = netip.PrefixFrom(a, 32)
	}
	return s.mutate(q, scope, "insert", path, func() *apiError {
		if spec.Prefix.IsValid() {
			for _, r := range s.internalAddresses(q.project, scope) {
				if r.SubnetID == sn.ID && r.Prefix == spec.Prefix {
					return ipInUse(spec.Prefix.Addr().String())
				}
			}
		}
		r, err := s.cloud.CreateSubnetCIDRReservation(q.project, spec)
		if err != nil {
			return fromModel(err, path)
		}
		_ = s.cloud.SetAttrs(q.project, r.ID, map[string]string{attrCreated: s.created(), attrDescription: in.Description})
		return nil
	})
}

// internalUsers are the selfLinks of the instances whose interface holds
// the address.
func (s *Server) internalUsers(q *request, r model.SubnetCIDRReservation) []string {
	for _, e := range s.cloud.NetworkInterfaces(q.project) {
		if e.SubnetID == r.SubnetID && e.PrivateIP == r.Prefix.Addr() && e.InstanceID != "" {
			return []string{q.selfLink(e.InstanceID)}
		}
	}
	return nil
}

func (s *Server) internalOut(q *request, r model.SubnetCIDRReservation) address {
	out := address{Kind: "compute#address", ID: numericID(r.ID), CreationTimestamp: r.Attrs[attrCreated], Name: r.Name, Description: r.Description,
		Address: r.Prefix.Addr().String(), AddressType: "INTERNAL", Purpose: "GCE_ENDPOINT", PrefixLength: 32, Status: "RESERVED",
		Region: q.selfLink("projects/" + q.project + "/" + r.Scope), Subnetwork: q.selfLink(r.SubnetID), Network: q.selfLink(r.NetworkID), SelfLink: q.selfLink(r.ID)}
	if out.Users = s.internalUsers(q, r); len(out.Users) > 0 {
		out.Status = "IN_USE"
	}
	return out
}

// oneInternal answers GET and DELETE of a static internal address; one
// an instance holds is not released.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/addresses/delete
func (s *Server) oneInternal(q *request, r model.SubnetCIDRReservation, path string) *apiError {
	switch q.Method {
	case http.MethodGet:
		writeJSON(q.w, http.StatusOK, s.internalOut(q, r))
		return nil
	case http.MethodDelete:
		return s.mutate(q, r.Scope, "delete", path, func() *apiError {
			if users := s.internalUsers(q, r); len(users) > 0 {
				return fail(http.StatusBadRequest, "resourceInUseByAnotherResource", "The address resource '%s' is already being used by '%s'", path, strings.TrimPrefix(users[0], q.base))
			}
			if _, err := s.cloud.DeleteSubnetCIDRReservation(q.project, r.ID); err != nil {
				return fromModel(err, path)
			}
			return nil
		})
	}
	return fail(http.StatusMethodNotAllowed, "methodNotAllowed", "Method %s is not allowed on %s", q.Method, path)
}
