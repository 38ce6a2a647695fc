package oci

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// drgRouteTable is a DRG route table on the wire: the model's transit
// gateway route table.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/DrgRouteTable/ — DrgRouteTable: drgId, importDrgRouteDistributionId, isEcmpEnabled
type drgRouteTable struct {
	shared
	DrgID         string `json:"drgId"`
	ImportDistID  string `json:"importDrgRouteDistributionId,omitempty"`
	IsEcmpEnabled bool   `json:"isEcmpEnabled"`
}

// drgRouteRule is a DrgRouteRule.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/DrgRouteRule — destination, destinationType CIDR_BLOCK, nextHopDrgAttachmentId, id, routeType STATIC or DYNAMIC, routeProvenance
type drgRouteRule struct {
	Destination     string `json:"destination"`
	DestinationType string `json:"destinationType"`
	NextHop         string `json:"nextHopDrgAttachmentId"`
	ID              string `json:"id"`
	RouteType       string `json:"routeType"`
	RouteProvenance string `json:"routeProvenance"`
	IsConflict      bool   `json:"isConflict"`
	IsBlackhole     bool   `json:"isBlackhole"`
}

// drgRTDetails is CreateDrgRouteTableDetails and UpdateDrgRouteTableDetails.
type drgRTDetails struct {
	updateDetails
	DrgID         string  `json:"drgId"`
	ImportDistID  *string `json:"importDrgRouteDistributionId"`
	IsEcmpEnabled *bool   `json:"isEcmpEnabled"`
}

func (s *Server) drgRouteTables() *kind {
	return &kind{noun: "DrgRouteTable", listBy: "drgId", get: s.getDrgRT, create: s.createDrgRT, update: s.updateDrgRT,
		remove: func(q *request, id string) *apiError {
			return modelErr(s.cloud.DeleteTransitGatewayRouteTable(q.tenancy, id))
		},
		list: func(tenancy string) []resource {
			var out []resource
			for _, rt := range s.cloud.TransitGatewayRouteTables(tenancy) {
				out = append(out, s.drgRTOut(rt))
			}
			return out
		},
		match: func(q *request, r resource) bool {
			t := r.(*drgRouteTable)
			imp := q.URL.Query().Get("importDrgRouteDistributionId")
			return t.DrgID == q.URL.Query().Get("drgId") && (imp == "" || t.ImportDistID == imp)
		},
		more: map[string]func(q *request, id string) *apiError{
			"POST actions/addDrgRouteRules":                 s.addDrgRules,
			"POST actions/removeDrgRouteRules":              s.removeDrgRules,
			"POST actions/removeImportDrgRouteDistribution": s.removeImport,
			"GET drgRouteRules":                             s.listDrgRules,
		}}
}

func (s *Server) getDrgRT(tenancy, id string) (resource, bool) {
	for _, rt := range s.cloud.TransitGatewayRouteTables(tenancy) {
		if rt.ID == id {
			return s.drgRTOut(rt), true
		}
	}
	return nil, false
}

func (s *Server) drgRTOut(rt model.TransitGatewayRouteTable) *drgRouteTable {
	ecmp, _ := strconv.ParseBool(rt.Attrs[attrECMP])
	return &drgRouteTable{shared: s.commonOf(rt.ID, rt.Meta, rt.Tags), DrgID: rt.TransitGatewayID, ImportDistID: rt.Attrs[attrImportDist], IsEcmpEnabled: ecmp}
}

// checkImport checks that a distribution is an import distribution of
// the DRG.
func (s *Server) checkImport(tenancy, drgID, id string) *apiError {
	d, ok := s.dists.get(tenancy, id)
	if !ok {
		return notFound("DrgRouteDistribution", id)
	}
	if d.DrgID != drgID || d.DistributionType != distImport {
		return invalid("The route distribution %s is not an import distribution of DRG %s", id, drgID)
	}
	return nil
}

// createDrgRT makes a DRG route table, importing what its distribution
// (if any) accepts.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/DrgRouteTable/CreateDrgRouteTable — drgId, importDrgRouteDistributionId, isEcmpEnabled
func (s *Server) createDrgRT(q *request) (string, *apiError) {
	var d drgRTDetails
	if err := decode(q.body, &d); err != nil {
		return "", err
	}
	g, ok := s.getDrg(q.tenancy, d.DrgID)
	if !ok {
		return "", notFound("Drg", d.DrgID)
	}
	attrs := map[string]string{attrName: s.nameOr(d.DisplayName, "drgroutetable"), attrECMP: strconv.FormatBool(d.IsEcmpEnabled != nil && *d.IsEcmpEnabled)}
	if d.ImportDistID != nil && *d.ImportDistID != "" {
		if err := s.checkImport(q.tenancy, d.DrgID, *d.ImportDistID); err != nil {
			return "", err
		}
		attrs[attrImportDist] = *d.ImportDistID
	}
	rt, err := s.cloud.CreateTransitGatewayRouteTableAt(q.tenancy, model.Place{Region: s.cfg.Region, Scope: g.base().CompartmentID}, d.DrgID, d.FreeformTags)
	if err != nil {
		return "", fromModel(err)
	}
	s.setAttrs(q, rt.ID, attrs)
	s.syncDrg(q.tenancy, d.DrgID)
	return rt.ID, nil
}

func (s *Server) updateDrgRT(q *request, id string) *apiError {
	var d drgRTDetails
	if err := decode(q.body, &d); err != nil {
		return err
	}
	r, _ := s.getDrgRT(q.tenancy, id)
	t := r.(*drgRouteTable)
	attrs := map[string]string{}
	if d.ImportDistID != nil {
		if err := s.checkImport(q.tenancy, t.DrgID, *d.ImportDistID); err != nil {
			return err
		}
		attrs[attrImportDist] = *d.ImportDistID
	}
	if d.IsEcmpEnabled != nil {
		attrs[attrECMP] = strconv.FormatBool(*d.IsEcmpEnabled)
	}
	if err := s.cloud.SetAttrs(q.tenancy, id, attrs); err != nil {
		return fromModel(err)
	}
	s.syncDrg(q.tenancy, t.DrgID)
	return s.applyUpdate(q, id, d.updateDetails)
}

// removeImport makes a table import nothing: its dynamic routes go.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/DrgRouteTable/RemoveImportDrgRouteDistribution — the table stops importing routes
func (s *Server) removeImport(q *request, id string) *apiError {
	if err := s.cloud.SetAttrs(q.tenancy, id, map[string]string{attrImportDist: ""}); err != nil {
		return fromModel(err)
	}
	r, _ := s.getDrgRT(q.tenancy, id)
	s.syncDrg(q.tenancy, r.(*drgRouteTable).DrgID)
	r, _ = s.getDrgRT(q.tenancy, id)
	r.base().LifecycleState = s.state.lifecycle(id, false)
	writeResource(q.w, http.StatusOK, r)
	return nil
}

// drgRuleID is a static rule's ID: the same for a destination in a table.
func drgRuleID(dst string) string {
	sum := sha256.Sum256([]byte(dst))
	return strings.ToUpper(hex.EncodeToString(sum[:4]))
}

// drgRules are a table's rules as OCI shows them: static ones, and the
// dynamic ones its imports bring.
func (s *Server) drgRules(tenancy, id string) ([]drgRouteRule, *apiError) {
	routes, err := s.cloud.TransitGatewayRoutes(tenancy, id)
	if err != nil {
		return nil, fromModel(err)
	}
	var out []drgRouteRule
	for _, r := range routes {
		w := drgRouteRule{Destination: r.Destination.String(), DestinationType: cidrBlock, NextHop: r.AttachmentID,
			ID: drgRuleID(r.Destination.String()), RouteType: "STATIC", RouteProvenance: "STATIC", IsBlackhole: r.Blackhole}
		if r.Propagated {
			// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/DrgRouteRule — a dynamic rule's routeProvenance is the type of the attachment it was learned from (VCN, VIRTUAL_CIRCUIT, IPSEC_TUNNEL)
			w.RouteType, w.RouteProvenance = "DYNAMIC", typeVcn
			if a, ok := s.attachment(tenancy, r.AttachmentID); ok {
				w.RouteProvenance = attachmentType(a)
				w.NextHop = s.sideOf(a, id)
			}
		}
		out = append(out, w)
	}
	return out, nil
}

// listDrgRules answers a table's rules, STATIC or DYNAMIC when asked.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/DrgRouteTable/ListDrgRouteRules — routeType STATIC or DYNAMIC
func (s *Server) listDrgRules(q *request, id string) *apiError {
	rules, err := s.drgRules(q.tenancy, id)
	if err != nil {
		return err
	}
	if t := q.URL.Query().Get("routeType"); t != "" {
		rules = slices.DeleteFunc(rules, func(r drgRouteRule) bool { return r.RouteType != t })
	}
	return writePage(s, q, rules)
}

// addDrgRules adds static rules to attachments of the table's DRG and
// answers them.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/DrgRouteTable/AddDrgRouteRules — destinationType CIDR_BLOCK, destination, nextHopDrgAttachmentId
func (s *Server) addDrgRules(q *request, id string) *apiError {
	var d struct {
		RouteRules []drgRouteRule `json:"routeRules"`
	}
	if err := decode(q.body, &d); err != nil {
		return err
	}
	r, _ := s.getDrgRT(q.tenancy, id)
	drgID := r.(*drgRouteTable).DrgID
	var added []drgRouteRule
	for _, w := range d.RouteRules {
		if w.DestinationType != cidrBlock {
			return invalid("destinationType '%s' must be CIDR_BLOCK", clip(w.DestinationType))
		}
		p, aerr := parseCIDR("destination", w.Destination)
		if aerr != nil {
			return aerr
		}
		a, ok := s.attachment(q.tenancy, w.NextHop)
		if !ok || a.TransitGatewayID != drgID {
			return invalid("nextHopDrgAttachmentId '%s' is not an attachment of DRG %s", clip(w.NextHop), drgID)
		}
		if _, err := s.cloud.CreateTransitGatewayRoute(q.tenancy, id, p, a.ID, false); err != nil {
			return fromModel(err)
		}
		added = append(added, drgRouteRule{Destination: p.String(), DestinationType: cidrBlock, NextHop: a.ID, ID: drgRuleID(p.String()),
			RouteType: "STATIC", RouteProvenance: "STATIC"})
	}
	writeJSON(q.w, http.StatusOK, added)
	return nil
}

// removeDrgRules removes static rules by ID.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/DrgRouteTable/RemoveDrgRouteRules — routeRuleIds
func (s *Server) removeDrgRules(q *request, id string) *apiError {
	ids, aerr := readIDs(q, "routeRuleIds")
	if aerr != nil {
		return aerr
	}
	rules, aerr := s.drgRules(q.tenancy, id)
	if aerr != nil {
		return aerr
	}
	for _, rid := range ids {
		i := slices.IndexFunc(rules, func(r drgRouteRule) bool { return r.ID == rid && r.RouteType == "STATIC" })
		if i < 0 {
			return invalid("The DRG route table %s has no static rule '%s'", id, clip(rid))
		}
		p, _ := parseCIDR("destination", rules[i].Destination)
		if err := s.cloud.DeleteTransitGatewayRoute(q.tenancy, id, p); err != nil {
			return fromModel(err)
		}
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}
