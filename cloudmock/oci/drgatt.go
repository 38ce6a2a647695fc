package oci

import (
	"net/http"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// drgAttachment is a DRG attachment on the wire: the model's transit
// gateway attachment.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/DrgAttachment/ — DrgAttachment: drgId, drgRouteTableId, networkDetails (type VCN, id), vcnId, exportDrgRouteDistributionId
type drgAttachment struct {
	shared
	DrgID           string          `json:"drgId"`
	DrgRouteTableID string          `json:"drgRouteTableId,omitempty"`
	NetworkDetails  *networkDetails `json:"networkDetails,omitempty"`
	VcnID           string          `json:"vcnId,omitempty"`
	ExportDistID    string          `json:"exportDrgRouteDistributionId,omitempty"`
	IsCrossTenancy  bool            `json:"isCrossTenancy"`
}

// networkDetails is a DrgAttachmentNetworkDetails of type VCN.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/VcnDrgAttachmentNetworkDetails — type VCN, id, routeTableId, vcnRouteType
type networkDetails struct {
	Type         string `json:"type"`
	ID           string `json:"id"`
	RouteTableID string `json:"routeTableId,omitempty"`
	VcnRouteType string `json:"vcnRouteType,omitempty"`
	// IpsecConnectionID is an IPSEC_TUNNEL attachment's connection.
	// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/IpsecTunnelDrgAttachmentNetworkDetails — type IPSEC_TUNNEL, id (the tunnel), ipsecConnectionId
	IpsecConnectionID string `json:"ipsecConnectionId,omitempty"`
}

// drgAttDetails is CreateDrgAttachmentDetails and UpdateDrgAttachmentDetails.
type drgAttDetails struct {
	updateDetails
	DrgID           string          `json:"drgId"`
	DrgRouteTableID *string         `json:"drgRouteTableId"`
	NetworkDetails  *networkDetails `json:"networkDetails"`
	VcnID           string          `json:"vcnId"`
}

func (s *Server) drgAttachments() *kind {
	// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/DrgAttachment/ — lifecycleState ATTACHING, ATTACHED, DETACHING, DETACHED
	states := map[string]string{stateProvisioning: "ATTACHING", stateAvailable: "ATTACHED", stateTerminating: "DETACHING", stateTerminated: "DETACHED"}
	return &kind{noun: "DrgAttachment", states: states, get: s.getDrgAtt, create: s.createDrgAtt, update: s.updateDrgAtt, remove: s.deleteDrgAtt,
		list: func(tenancy string) []resource {
			var out []resource
			for _, a := range s.cloud.TransitGatewayAttachments(tenancy) {
				if a.State != model.StateDeleted && (a.Kind == model.AttachNetwork || a.Kind == model.AttachVPN || a.Kind == model.AttachCircuit) {
					out = append(out, s.drgAttOut(a))
				}
			}
			for _, x := range s.rpcAttachments(tenancy) {
				out = append(out, x)
			}
			return out
		},
		match: func(q *request, r resource) bool {
			a, qv := r.(*drgAttachment), q.URL.Query()
			for key, v := range map[string]string{"vcnId": a.VcnID, "networkId": a.VcnID, "drgId": a.DrgID, "drgRouteTableId": a.DrgRouteTableID} {
				if qv.Has(key) && qv.Get(key) != v {
					return false
				}
			}
			// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/DrgAttachment/ListDrgAttachments — attachmentType defaults to VCN
			want := qv.Get("attachmentType")
			if want == "" {
				want = typeVcn
			}
			return want == "ALL" || want == a.NetworkDetails.Type
		}}
}

// attachment returns a live attachment of the tenancy.
func (s *Server) attachment(tenancy, id string) (model.TransitGatewayAttachment, bool) {
	for _, a := range s.cloud.TransitGatewayAttachments(tenancy) {
		if a.ID == id && a.State != model.StateDeleted {
			return a, true
		}
	}
	return model.TransitGatewayAttachment{}, false
}

func (s *Server) getDrgAtt(tenancy, id string) (resource, bool) {
	for _, x := range s.rpcAttachments(tenancy) {
		if x.ID == id {
			return x, true
		}
	}
	a, ok := s.attachment(tenancy, id)
	if !ok || (a.Kind != model.AttachNetwork && a.Kind != model.AttachVPN && a.Kind != model.AttachCircuit) {
		return nil, false
	}
	return s.drgAttOut(a), true
}

func (s *Server) drgAttOut(a model.TransitGatewayAttachment) *drgAttachment {
	out := &drgAttachment{shared: s.commonOf(a.ID, a.Meta, a.Tags), DrgID: a.TransitGatewayID, VcnID: a.NetworkID,
		NetworkDetails: &networkDetails{Type: typeVcn, ID: a.NetworkID, VcnRouteType: "SUBNET_CIDRS"}}
	if a.Kind == model.AttachVPN {
		// The model holds one attachment per VPN: it stands for the
		// connection's first tunnel.
		out.NetworkDetails = &networkDetails{Type: typeIPSec, ID: tunnelID(s.cfg.Region, a.VPNConnectionID, 0), IpsecConnectionID: a.VPNConnectionID}
	}
	if a.Kind == model.AttachCircuit {
		// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/VirtualCircuitDrgAttachmentNetworkDetails — type VIRTUAL_CIRCUIT, id (the virtual circuit)
		out.NetworkDetails = &networkDetails{Type: typeVC, ID: a.Circuit.ID}
	}
	for _, rt := range s.cloud.TransitGatewayRouteTables(a.Account) {
		for _, id := range rt.Associations {
			if id == a.ID {
				out.DrgRouteTableID = rt.ID
			}
		}
	}
	if g, ok := s.getDrg(a.Account, a.TransitGatewayID); ok {
		out.ExportDistID = g.(*drg).DefaultExportDistID
	}
	return out
}

// drgTable checks a DRG route table named for an attachment, or returns
// the DRG's default table for VCN attachments.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingDRGs.htm — an attachment uses its type's default DRG route table unless one is named
func (s *Server) drgTable(tenancy, drgID string, named *string) (string, *apiError) {
	if named == nil || *named == "" {
		g, ok := s.getDrg(tenancy, drgID)
		if !ok {
			return "", notFound("Drg", drgID)
		}
		return g.(*drg).DefaultDrgRouteTables.Vcn, nil
	}
	r, ok := s.getDrgRT(tenancy, *named)
	if !ok {
		return "", notFound("DrgRouteTable", *named)
	}
	if r.(*drgRouteTable).DrgID != drgID {
		return "", invalid("The DRG route table %s is not a table of DRG %s", *named, drgID)
	}
	return *named, nil
}

// createDrgAttachment attaches a VCN to a DRG: once per VCN and DRG.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/DrgAttachment/CreateDrgAttachment — drgId, networkDetails (or the deprecated vcnId), drgRouteTableId
func (s *Server) createDrgAtt(q *request) (string, *apiError) {
	var d drgAttDetails
	if err := decode(q.body, &d); err != nil {
		return "", err
	}
	vcnID := d.VcnID
	if d.NetworkDetails != nil {
		if d.NetworkDetails.Type != typeVcn {
			return "", invalid("networkDetails type '%s' is not served here (only VCN)", clip(d.NetworkDetails.Type))
		}
		vcnID = d.NetworkDetails.ID
	}
	g, ok := s.getDrg(q.tenancy, d.DrgID)
	if !ok {
		return "", notFound("Drg", d.DrgID)
	}
	if _, err := s.cloud.Network(q.tenancy, vcnID); err != nil {
		return "", notFound("Vcn", vcnID)
	}
	rt, aerr := s.drgTable(q.tenancy, d.DrgID, d.DrgRouteTableID)
	if aerr != nil {
		return "", aerr
	}
	a, err := s.cloud.CreateTransitGatewayVPCAttachmentAt(q.tenancy, model.Place{Scope: g.base().CompartmentID}, d.DrgID, vcnID, nil, d.FreeformTags)
	if err != nil {
		return "", fromModel(err)
	}
	if err := s.cloud.AssociateTransitGatewayRouteTable(q.tenancy, rt, a.ID); err != nil {
		_, _ = s.cloud.DeleteTransitGatewayVPCAttachment(q.tenancy, a.ID)
		return "", fromModel(err)
	}
	s.setAttrs(q, a.ID, map[string]string{attrName: s.nameOr(d.DisplayName, "drgattachment")})
	s.syncDrg(q.tenancy, d.DrgID)
	return a.ID, nil
}

// updateDrgAtt moves an attachment to another DRG route table.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/DrgAttachment/UpdateDrgAttachment — drgRouteTableId
func (s *Server) updateDrgAtt(q *request, id string) *apiError {
	var d drgAttDetails
	if err := decode(q.body, &d); err != nil {
		return err
	}
	r, _ := s.getDrgAtt(q.tenancy, id)
	cur := r.(*drgAttachment)
	if cur.NetworkDetails.Type == typeRPC {
		return invalid("The DRG attachment %s is a remote peering connection's: it keeps its DRG's table for RPC attachments", id)
	}
	if d.DrgRouteTableID != nil {
		rt, aerr := s.drgTable(q.tenancy, cur.DrgID, d.DrgRouteTableID)
		if aerr != nil {
			return aerr
		}
		if rt != cur.DrgRouteTableID {
			if err := s.cloud.DisassociateTransitGatewayRouteTable(q.tenancy, cur.DrgRouteTableID, id); err != nil {
				return fromModel(err)
			}
			if err := s.cloud.AssociateTransitGatewayRouteTable(q.tenancy, rt, id); err != nil {
				return fromModel(err)
			}
		}
	}
	return s.applyUpdate(q, id, d.updateDetails)
}

// deleteDrgAtt detaches a VCN whose route rules do not target the DRG.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingDRGs.htm — remove the VCN's route rules that target the DRG before detaching it
func (s *Server) deleteDrgAtt(q *request, id string) *apiError {
	if r, _ := s.getDrgAtt(q.tenancy, id); r.(*drgAttachment).NetworkDetails.Type == typeRPC {
		return invalid("The DRG attachment %s is a remote peering connection's: delete the RPC %s instead", id, r.(*drgAttachment).NetworkDetails.ID)
	}
	a, _ := s.attachment(q.tenancy, id)
	// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingDRGs.htm — an IPSec tunnel's attachment goes with its IPSec connection
	if a.Kind == model.AttachVPN {
		return invalid("The DRG attachment %s is an IPSec tunnel's: delete the IPSec connection %s instead", id, a.VPNConnectionID)
	}
	// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/fastconnect.htm — a virtual circuit's attachment goes with the circuit (or its gatewayId)
	if a.Kind == model.AttachCircuit {
		return invalid("The DRG attachment %s is a virtual circuit's: delete the virtual circuit %s instead", id, a.Circuit.ID)
	}
	if rt, dst, used := s.routesTo(q.tenancy, a.NetworkID, a.TransitGatewayID); used {
		return fail(http.StatusConflict, codeConflict, "The DRG %s is the target of the route to %s in route table %s", a.TransitGatewayID, dst, rt)
	}
	for _, t := range s.cloud.TransitGatewayRouteTables(q.tenancy) {
		for _, x := range t.Associations {
			if x == id {
				_ = s.cloud.DisassociateTransitGatewayRouteTable(q.tenancy, t.ID, id)
			}
		}
		for _, x := range t.Propagations {
			if x == id {
				_ = s.cloud.DisableTransitGatewayRouteTablePropagation(q.tenancy, t.ID, id)
			}
		}
	}
	if _, err := s.cloud.DeleteTransitGatewayVPCAttachment(q.tenancy, id); err != nil {
		return fromModel(err)
	}
	return nil
}
