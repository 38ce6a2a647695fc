package oci

import (
	"net/http"
	"strconv"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// natGateway is a NAT gateway on the wire.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/NatGateway/ — NatGateway: vcnId, natIp, publicIpId, blockTraffic
type natGateway struct {
	shared
	VcnID        string `json:"vcnId"`
	NatIP        string `json:"natIp"`
	PublicIPID   string `json:"publicIpId,omitempty"`
	BlockTraffic bool   `json:"blockTraffic"`
}

// natDetails is CreateNatGatewayDetails and UpdateNatGatewayDetails.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/CreateNatGatewayDetails — compartmentId, vcnId, blockTraffic, displayName, publicIpId
type natDetails struct {
	updateDetails
	placement
	BlockTraffic *bool  `json:"blockTraffic"`
	PublicIPID   string `json:"publicIpId"`
}

const attrBlock = "blockTraffic"

func (s *Server) natGateways() *kind {
	return &kind{noun: "NatGateway", get: s.getNAT, create: s.createNAT, update: s.updateNAT, remove: s.deleteNAT,
		list: func(tenancy string) []resource {
			var out []resource
			for _, g := range s.cloud.NATGateways(tenancy) {
				if g.SubnetID == "" && g.State != model.StateDeleted {
					out = append(out, s.natOut(g))
				}
			}
			return out
		},
		match: func(q *request, r resource) bool {
			return !q.URL.Query().Has("vcnId") || r.(*natGateway).VcnID == q.URL.Query().Get("vcnId")
		}}
}

func (s *Server) getNAT(tenancy, id string) (resource, bool) {
	g, err := s.cloud.NATGateway(tenancy, id)
	if err != nil || g.SubnetID != "" || g.State == model.StateDeleted {
		return nil, false
	}
	return s.natOut(g), true
}

func (s *Server) natOut(g model.NATGateway) *natGateway {
	block, _ := strconv.ParseBool(g.Attrs[attrBlock])
	out := &natGateway{shared: s.commonOf(g.ID, g.Meta, g.Tags), VcnID: g.NetworkID, BlockTraffic: block}
	if g.PublicIP.IsValid() {
		out.NatIP = g.PublicIP.String()
	}
	return out
}

// createNAT makes a VCN's NAT gateway with a public address of its own.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/NATgateway.htm — the NAT gateway gets a public IP (Oracle's, or a reserved one named by publicIpId)
func (s *Server) createNAT(q *request) (string, *apiError) {
	var d natDetails
	if err := decode(q.body, &d); err != nil {
		return "", err
	}
	n, aerr := s.inVcn(q, d.placement)
	if aerr != nil {
		return "", aerr
	}
	if d.PublicIPID != "" {
		return "", invalid("publicIpId: reserved public IPs are not served here")
	}
	e, err := s.cloud.AllocateAddressAt(q.tenancy, model.Place{Region: n.Region, Scope: d.CompartmentID}, nil)
	if err != nil {
		return "", fromModel(err)
	}
	g, err := s.cloud.CreateNetworkNATAt(q.tenancy, model.Place{Region: n.Region, Scope: d.CompartmentID}, n.ID, e.ID, d.FreeformTags)
	if err != nil {
		_ = s.cloud.ReleaseAddress(q.tenancy, e.ID)
		return "", fromModel(err)
	}
	block := d.BlockTraffic != nil && *d.BlockTraffic
	s.setAttrs(q, g.ID, map[string]string{attrName: s.nameOr(d.DisplayName, "natgateway"), attrBlock: strconv.FormatBool(block)})
	return g.ID, nil
}

func (s *Server) updateNAT(q *request, id string) *apiError {
	var d natDetails
	if err := decode(q.body, &d); err != nil {
		return err
	}
	if d.BlockTraffic != nil {
		if err := s.cloud.SetAttrs(q.tenancy, id, map[string]string{attrBlock: strconv.FormatBool(*d.BlockTraffic)}); err != nil {
			return fromModel(err)
		}
	}
	return s.applyUpdate(q, id, d.updateDetails)
}

// deleteNAT deletes a gateway no route rule targets and frees its address.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/NATgateway.htm — delete the route rules that target the NAT gateway before deleting it
func (s *Server) deleteNAT(q *request, id string) *apiError {
	g, err := s.cloud.NATGateway(q.tenancy, id)
	if err != nil {
		return notFound("NatGateway", id)
	}
	if rt, dst, used := s.routesTo(q.tenancy, g.NetworkID, id); used {
		return fail(http.StatusConflict, codeConflict, "The NAT gateway %s is the target of the route to %s in route table %s", id, dst, rt)
	}
	if err := s.cloud.DeleteNATGateway(q.tenancy, id); err != nil {
		return fromModel(err)
	}
	return modelErr(s.cloud.ReleaseAddress(q.tenancy, g.AllocationID))
}
