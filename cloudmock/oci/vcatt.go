package oci

import (
	"net/netip"
	"strconv"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// A private virtual circuit with a gatewayId is attached to its DRG by a
// DRG attachment of type VIRTUAL_CIRCUIT, in the DRG's default table for
// such attachments: the model's circuit attachment, whose attributes carry
// what the dataplane needs to run Oracle's end of the BGP session (the
// lab's line, both peering addresses, the customer's ASN). What the
// session learns enters the DRG route tables that import VIRTUAL_CIRCUIT
// (syncDrg); bgpSessionState is the session as the dataplane sees it.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/fastconnect.htm — private peering: a virtual circuit to a DRG, BGP between the customer's edge router and Oracle's (ASN 31898)
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/fastconnect_requirements.htm — private peering needs BGP peering addresses in a /30 or /31 for each side and the customer's ASN
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingDRGs.htm — a VIRTUAL_CIRCUIT attachment's routes enter the DRG route tables whose import distributions accept them

// Attribute keys of a circuit attachment.
const (
	attrVCLine     = "vc/line" // the cross-connect mapping's crossConnectOrCrossConnectGroupId: the lab line's name
	attrVCCustomer = "vc/customerBgpPeeringIp"
	attrVCOracle   = "vc/oracleBgpPeeringIp"
	attrVCASN      = "vc/customerAsn"
)

// typeVC is the DRG attachment type of a virtual circuit.
const typeVC = "VIRTUAL_CIRCUIT"

// syncVCAttachment makes a circuit's DRG attachment follow its gatewayId
// and mappings: gone without a DRG, moved with it, its attributes the
// circuit's first cross-connect mapping.
func (s *Server) syncVCAttachment(q *request, v *virtualCircuit) *apiError {
	if v.attachment != "" {
		if a, ok := s.attachment(q.tenancy, v.attachment); !ok || a.TransitGatewayID != v.GatewayID {
			s.detachVC(q.tenancy, v)
		}
	}
	if v.GatewayID == "" {
		return nil
	}
	if v.attachment == "" {
		g, _ := s.getDrg(q.tenancy, v.GatewayID)
		a, err := s.cloud.CreateTransitGatewayCircuitAttachment(q.tenancy, model.Place{Scope: v.CompartmentID}, v.GatewayID, v.ID, nil)
		if err != nil {
			return fromModel(err)
		}
		if err := s.cloud.AssociateTransitGatewayRouteTable(q.tenancy, g.(*drg).DefaultDrgRouteTables.VirtualCircuit, a.ID); err != nil {
			_ = s.cloud.DeleteTransitGatewayCircuitAttachment(q.tenancy, a.ID)
			return fromModel(err)
		}
		v.attachment = a.ID
	}
	attrs := map[string]string{attrName: "virtual circuit attachment", attrVCASN: strconv.FormatInt(v.CustomerAsn, 10),
		attrVCLine: "", attrVCCustomer: "", attrVCOracle: ""}
	if len(v.CrossConnectMappings) > 0 {
		m := v.CrossConnectMappings[0]
		attrs[attrVCLine], attrs[attrVCCustomer], attrs[attrVCOracle] = m.CrossConnectID, m.CustomerBgpPeeringIP, m.OracleBgpPeeringIP
	}
	s.setAttrs(q, v.attachment, attrs)
	s.syncDrg(q.tenancy, v.GatewayID)
	return nil
}

// detachVC deletes a circuit's DRG attachment.
func (s *Server) detachVC(tenancy string, v *virtualCircuit) {
	if a, ok := s.attachment(tenancy, v.attachment); ok {
		_ = s.cloud.DeleteTransitGatewayCircuitAttachment(tenancy, a.ID)
		s.syncDrg(tenancy, a.TransitGatewayID)
	}
	v.attachment = ""
}

// vcSession is a circuit's bgpSessionState: UP while the dataplane has
// its session Established.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/VirtualCircuit/ — bgpSessionState UP or DOWN
func (s *Server) vcSession(v *virtualCircuit) string {
	if a, ok := s.attachment(v.tenancy, v.attachment); ok && a.Circuit.Up {
		return "UP"
	}
	return "DOWN"
}

// Circuit is a private virtual circuit attached to a DRG, as the dataplane
// realizes it.
type Circuit struct {
	// Attachment is its DRG attachment's OCID, DRG the DRG's, Tenancy the
	// owner.
	Attachment, DRG, Tenancy string
	// Line is the lab line's name (crossConnectOrCrossConnectGroupId).
	Line string
	// Oracle and Customer are the BGP peering addresses, with their
	// prefix length.
	Oracle, Customer netip.Prefix
	// ASN is Oracle's, CustomerASN the customer's.
	ASN, CustomerASN int64
}

// Circuits returns a tenancy's virtual circuits attached to DRGs whose
// mappings name both peering addresses, by attachment ID.
func Circuits(c *model.Cloud, tenancy string) []Circuit {
	var out []Circuit
	for _, a := range c.TransitGatewayAttachments(tenancy) {
		if a.Kind != model.AttachCircuit || a.State != model.StateAvailable {
			continue
		}
		o, err1 := netip.ParsePrefix(a.Attrs[attrVCOracle])
		cu, err2 := netip.ParsePrefix(a.Attrs[attrVCCustomer])
		asn, err3 := strconv.ParseInt(a.Attrs[attrVCASN], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil {
			continue
		}
		out = append(out, Circuit{Attachment: a.ID, DRG: a.TransitGatewayID, Tenancy: tenancy, Line: a.Attrs[attrVCLine],
			Oracle: o, Customer: cu, ASN: oracleASN, CustomerASN: asn})
	}
	return out
}
