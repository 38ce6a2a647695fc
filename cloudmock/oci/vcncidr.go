package oci

import (
	"net/http"
	"net/netip"
	"slices"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// vcnCidrDetails is AddVcnCidrDetails and RemoveVcnCidrDetails.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/AddVcnCidrDetails — cidrBlock
type vcnCidrDetails struct {
	CidrBlock string `json:"cidrBlock"`
}

// vcnActions are the VCN's calls that answer a work request.
func (s *Server) vcnActions() map[string]func(q *request, id string) *apiError {
	return map[string]func(q *request, id string) *apiError{
		"POST actions/addCidr":    s.addVcnCidr,
		"POST actions/removeCidr": s.removeVcnCidr,
	}
}

// readVcnCidr reads the CIDR block of an add or remove.
func readVcnCidr(q *request) (netip.Prefix, *apiError) {
	var d vcnCidrDetails
	if err := decode(q.body, &d); err != nil {
		return netip.Prefix{}, err
	}
	if d.CidrBlock == "" {
		return netip.Prefix{}, fail(http.StatusBadRequest, codeMissingParameter, "cidrBlock is required")
	}
	return parseCIDR("cidrBlock", d.CidrBlock)
}

// addVcnCidr adds a CIDR block to a VCN (at most five, none overlapping)
// and answers 202 with the work request that tracks it.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/Vcn/AddVcnCidr — 202 Accepted with opc-work-request-id
func (s *Server) addVcnCidr(q *request, id string) *apiError {
	p, aerr := readVcnCidr(q)
	if aerr != nil {
		return aerr
	}
	if _, err := s.cloud.AddNetworkCIDR(q.tenancy, id, p); err != nil {
		return fromModel(err)
	}
	return s.acceptVcn(q, id, "AddVcnCidr")
}

// removeVcnCidr removes a CIDR block no subnet uses.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/add-vcn-cidr-ipv4.htm — a CIDR block can't be removed while a subnet uses it; the VCN keeps at least one
// The model keeps a network's first block as its primary: removing it is
// refused (409 IncorrectState) even while others remain.
func (s *Server) removeVcnCidr(q *request, id string) *apiError {
	p, aerr := readVcnCidr(q)
	if aerr != nil {
		return aerr
	}
	n, err := s.cloud.Network(q.tenancy, id)
	if err != nil {
		return notFound("Vcn", id)
	}
	i := slices.IndexFunc(n.CIDRs, func(b model.CIDRBlock) bool { return b.Prefix == p })
	if i < 0 {
		return invalid("The VCN %s has no CIDR block %s", id, p)
	}
	if _, err := s.cloud.DisassociateNetworkCIDR(q.tenancy, n.CIDRs[i].AssociationID); err != nil {
		return fromModel(err)
	}
	return s.acceptVcn(q, id, "RemoveVcnCidr")
}

// acceptVcn answers 202 with a work request for a change of a VCN.
func (s *Server) acceptVcn(q *request, id, op string) *apiError {
	n, err := s.cloud.Network(q.tenancy, id)
	if err != nil {
		return notFound("Vcn", id)
	}
	s.accept(q, workOp{op: op, entity: "vcn", id: id, action: "UPDATED", compartment: n.Scope})
	q.w.WriteHeader(http.StatusAccepted)
	return nil
}
