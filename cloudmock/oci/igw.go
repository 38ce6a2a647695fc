package oci

import (
	"net/http"
	"strconv"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// internetGateway is an internet gateway on the wire.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/InternetGateway/ — InternetGateway
type internetGateway struct {
	shared
	VcnID     string `json:"vcnId"`
	IsEnabled bool   `json:"isEnabled"`
}

// createIGW is CreateInternetGatewayDetails.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/CreateInternetGatewayDetails — compartmentId, vcnId, isEnabled
type createIGW struct {
	updateDetails
	placement
}

func (s *Server) internetGateways() *kind {
	return &kind{noun: "InternetGateway", get: s.getIGW, create: s.createIGW, update: s.updateIGW, remove: s.deleteIGW,
		list: func(tenancy string) []resource {
			var out []resource
			for _, g := range s.cloud.InternetGateways(tenancy) {
				out = append(out, s.igwOut(g))
			}
			return out
		},
		match: func(q *request, r resource) bool {
			return !q.URL.Query().Has("vcnId") || r.(*internetGateway).VcnID == q.URL.Query().Get("vcnId")
		}}
}

func (s *Server) getIGW(tenancy, id string) (resource, bool) {
	for _, g := range s.cloud.InternetGateways(tenancy) {
		if g.ID == id {
			return s.igwOut(g), true
		}
	}
	return nil, false
}

func (s *Server) igwOut(g model.InternetGateway) *internetGateway {
	on, _ := strconv.ParseBool(g.Attrs[attrEnabled])
	return &internetGateway{shared: s.commonOf(g.ID, g.Meta, g.Tags), VcnID: g.NetworkID, IsEnabled: on}
}

// createIGW makes a VCN's internet gateway: one per VCN.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingIGs.htm — a VCN can have only one internet gateway; it is enabled or disabled
func (s *Server) createIGW(q *request) (string, *apiError) {
	var d createIGW
	if err := decode(q.body, &d); err != nil {
		return "", err
	}
	if d.IsEnabled == nil {
		return "", fail(http.StatusBadRequest, codeMissingParameter, "isEnabled is required")
	}
	n, aerr := s.inVcn(q, d.placement)
	if aerr != nil {
		return "", aerr
	}
	for _, g := range s.cloud.InternetGateways(q.tenancy) {
		if g.NetworkID == n.ID {
			return "", fail(http.StatusConflict, codeConflict, "The VCN %s already has an internet gateway (%s)", n.ID, g.ID)
		}
	}
	g, err := s.cloud.CreateInternetGatewayAt(q.tenancy, model.Place{Region: n.Region, Scope: d.CompartmentID}, d.FreeformTags)
	if err != nil {
		return "", fromModel(err)
	}
	if err := s.cloud.AttachInternetGateway(q.tenancy, g.ID, n.ID); err != nil {
		_ = s.cloud.DeleteInternetGateway(q.tenancy, g.ID)
		return "", fromModel(err)
	}
	s.setAttrs(q, g.ID, map[string]string{attrName: s.nameOr(d.DisplayName, "internetgateway"), attrEnabled: strconv.FormatBool(*d.IsEnabled)})
	return g.ID, nil
}

func (s *Server) updateIGW(q *request, id string) *apiError {
	var d updateDetails
	if err := decode(q.body, &d); err != nil {
		return err
	}
	if d.IsEnabled != nil {
		if err := s.cloud.SetAttrs(q.tenancy, id, map[string]string{attrEnabled: strconv.FormatBool(*d.IsEnabled)}); err != nil {
			return fromModel(err)
		}
	}
	return s.applyUpdate(q, id, d)
}

// deleteIGW deletes a gateway no route rule targets.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingIGs.htm — remove the route rules that target a gateway before deleting it
func (s *Server) deleteIGW(q *request, id string) *apiError {
	g, ok := s.getIGW(q.tenancy, id)
	if !ok {
		return notFound("InternetGateway", id)
	}
	vcnID := g.(*internetGateway).VcnID
	if rt, dst, used := s.routesTo(q.tenancy, vcnID, id); used {
		return fail(http.StatusConflict, codeConflict, "The internet gateway %s is the target of the route to %s in route table %s", id, dst, rt)
	}
	if vcnID != "" {
		if err := s.cloud.DetachInternetGateway(q.tenancy, id, vcnID); err != nil {
			return fromModel(err)
		}
	}
	return modelErr(s.cloud.DeleteInternetGateway(q.tenancy, id))
}
