package oci

import (
	"net/http"
	"net/netip"
	"strconv"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// cpe is a Cpe on the wire: the model's customer gateway.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/Cpe/ — Cpe: ipAddress, isPrivate, cpeDeviceShapeId
type cpe struct {
	shared
	IPAddress        string `json:"ipAddress"`
	IsPrivate        bool   `json:"isPrivate"`
	CpeDeviceShapeID string `json:"cpeDeviceShapeId,omitempty"`
}

// cpeDetails is CreateCpeDetails and UpdateCpeDetails.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/CreateCpeDetails — compartmentId, ipAddress, displayName, isPrivate, cpeDeviceShapeId
type cpeDetails struct {
	updateDetails
	CompartmentID    string `json:"compartmentId"`
	IPAddress        string `json:"ipAddress"`
	IsPrivate        *bool  `json:"isPrivate"`
	CpeDeviceShapeID string `json:"cpeDeviceShapeId"`
}

// cpeASN is the ASN the model's customer gateway is given: a CPE has
// none of its own (a BGP tunnel names the customer's ASN).
const cpeASN = 65000

const (
	attrPrivate = "isPrivate"
	attrShapeID = "cpeDeviceShapeId"
)

func (s *Server) cpes() *kind {
	return &kind{noun: "Cpe", get: s.getCpe, create: s.createCpe, update: s.updateCpe,
		// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingCPEs.htm — a CPE that an IPSec connection uses cannot be deleted
		remove: func(q *request, id string) *apiError { return modelErr(s.cloud.DeleteCustomerGateway(q.tenancy, id)) },
		list: func(tenancy string) []resource {
			var out []resource
			for _, g := range s.cloud.CustomerGateways(tenancy) {
				out = append(out, s.cpeOut(g))
			}
			return out
		}}
}

func (s *Server) getCpe(tenancy, id string) (resource, bool) {
	g, err := s.cloud.CustomerGateway(tenancy, id)
	if err != nil {
		return nil, false
	}
	return s.cpeOut(g), true
}

func (s *Server) cpeOut(g model.CustomerGateway) *cpe {
	out := &cpe{shared: s.commonOf(g.ID, g.Meta, g.Tags), IPAddress: g.IP.String(), CpeDeviceShapeID: g.Attrs[attrShapeID]}
	out.IsPrivate, _ = strconv.ParseBool(g.Attrs[attrPrivate])
	return out
}

// createCpe registers the customer's edge device by its IP address: a
// public one unless the CPE is private (reached over FastConnect).
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingCPEs.htm — the CPE object holds the public IP address of the device; isPrivate for IPSec over FastConnect
func (s *Server) createCpe(q *request) (string, *apiError) {
	var d cpeDetails
	if err := decode(q.body, &d); err != nil {
		return "", err
	}
	if err := s.checkCompartment(q, d.CompartmentID); err != nil {
		return "", err
	}
	if d.IPAddress == "" {
		return "", fail(http.StatusBadRequest, codeMissingParameter, "ipAddress is required")
	}
	a, err := netip.ParseAddr(d.IPAddress)
	if err != nil || !a.Is4() {
		return "", invalid("ipAddress '%s' is not an IPv4 address", clip(d.IPAddress))
	}
	private := d.IsPrivate != nil && *d.IsPrivate
	if !private && (a.IsPrivate() || a.IsLoopback() || a.IsUnspecified() || a.IsLinkLocalUnicast() || a.IsMulticast()) {
		return "", invalid("ipAddress %s is not a public IP address; set isPrivate for a CPE reached over FastConnect", a)
	}
	g, merr := s.cloud.CreateCustomerGatewayAt(q.tenancy, model.Place{Region: s.cfg.Region, Scope: d.CompartmentID}, cpeASN, a, d.FreeformTags)
	if merr != nil {
		return "", fromModel(merr)
	}
	s.setAttrs(q, g.ID, map[string]string{attrName: s.nameOr(d.DisplayName, "cpe"), attrPrivate: strconv.FormatBool(private), attrShapeID: d.CpeDeviceShapeID})
	return g.ID, nil
}

func (s *Server) updateCpe(q *request, id string) *apiError {
	var d cpeDetails
	if err := decode(q.body, &d); err != nil {
		return err
	}
	if d.CpeDeviceShapeID != "" {
		if err := s.cloud.SetAttrs(q.tenancy, id, map[string]string{attrShapeID: d.CpeDeviceShapeID}); err != nil {
			return fromModel(err)
		}
	}
	return s.applyUpdate(q, id, d.updateDetails)
}
