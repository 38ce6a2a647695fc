package oci

import (
	"net/http"
	"slices"
	"strconv"
	"sync"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// distribution is a DRG route distribution: the server keeps it (the
// model has no counterpart) and writes what its import statements select
// into the model as the propagations of the DRG route tables that import
// it (syncDrg).
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/DrgRouteDistribution/ — DrgRouteDistribution: drgId, distributionType IMPORT or EXPORT
type distribution struct {
	shared
	DrgID            string      `json:"drgId"`
	DistributionType string      `json:"distributionType"`
	tenancy          string      // the owner
	statements       []statement // in priority order
}

// statement is a DrgRouteDistributionStatement.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/DrgRouteDistributionStatement — matchCriteria, action ACCEPT, priority, id
type statement struct {
	Match    []matchCriteria `json:"matchCriteria"`
	Action   string          `json:"action"`
	Priority int             `json:"priority"`
	ID       string          `json:"id,omitempty"`
}

// matchCriteria is a DrgRouteDistributionMatchCriteria.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/DrgRouteDistributionMatchCriteria — matchType DRG_ATTACHMENT_TYPE (attachmentType), DRG_ATTACHMENT_ID (drgAttachmentId) or MATCH_ALL
type matchCriteria struct {
	MatchType       string `json:"matchType"`
	AttachmentType  string `json:"attachmentType,omitempty"`
	DrgAttachmentID string `json:"drgAttachmentId,omitempty"`
}

// Distribution types, match types and attachment types.
const (
	distImport = "IMPORT"
	distExport = "EXPORT"
	matchAll   = "MATCH_ALL"
	matchType  = "DRG_ATTACHMENT_TYPE"
	matchID    = "DRG_ATTACHMENT_ID"
	typeVcn    = "VCN"
	typeIPSec  = "IPSEC_TUNNEL"
)

// attachmentTypes are the attachment types a statement may match.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/DrgAttachmentTypeDrgRouteDistributionMatchCriteria — VCN, VIRTUAL_CIRCUIT, REMOTE_PEERING_CONNECTION, IPSEC_TUNNEL
var attachmentTypes = []string{typeVcn, "VIRTUAL_CIRCUIT", "REMOTE_PEERING_CONNECTION", "IPSEC_TUNNEL"}

// dists are the server's route distributions.
type dists struct {
	mu   sync.Mutex
	byID map[string]*distribution
}

func (d *dists) get(tenancy, id string) (distribution, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	x, ok := d.byID[id]
	if !ok || x.tenancy != tenancy {
		return distribution{}, false
	}
	out := *x
	out.statements = slices.Clone(x.statements)
	return out, true
}

func (d *dists) put(x *distribution) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.byID == nil {
		d.byID = map[string]*distribution{}
	}
	d.byID[x.ID] = x
}

func (d *dists) all(tenancy string) []distribution {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []distribution
	for _, x := range d.byID {
		if x.tenancy == tenancy {
			c := *x
			c.statements = slices.Clone(x.statements)
			out = append(out, c)
		}
	}
	return out
}

func (d *dists) drop(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.byID, id)
}

func (d *dists) dropDrg(drgID string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for id, x := range d.byID {
		if x.DrgID == drgID {
			delete(d.byID, id)
		}
	}
}

// newDist makes a distribution of a DRG with its statements (priority 1
// up) and returns its OCID.
func (s *Server) newDist(q *request, drgID, comp, typ, name string, sts ...statement) string {
	id := model.OCIID("drgroutedistribution", s.cfg.Region)
	for i := range sts {
		sts[i].Action, sts[i].Priority, sts[i].ID = "ACCEPT", i+1, strconv.Itoa(i+1)
	}
	now := s.now().UTC().Format("2006-01-02T15:04:05.000000000Z07:00")
	s.dists.put(&distribution{shared: shared{ID: id, CompartmentID: comp, DisplayName: name, TimeCreated: now,
		FreeformTags: map[string]string{}, DefinedTags: map[string]map[string]any{}},
		DrgID: drgID, DistributionType: typ, tenancy: q.tenancy, statements: sts})
	return id
}

func (s *Server) distributions() *kind {
	return &kind{noun: "DrgRouteDistribution", listBy: "drgId", create: s.createDist, update: s.updateDist, remove: s.deleteDist,
		get: func(tenancy, id string) (resource, bool) {
			d, ok := s.dists.get(tenancy, id)
			return &d, ok
		},
		list: func(tenancy string) []resource {
			var out []resource
			for _, d := range s.dists.all(tenancy) {
				out = append(out, &d)
			}
			return out
		},
		match: func(q *request, r resource) bool { return r.(*distribution).DrgID == q.URL.Query().Get("drgId") },
		more: map[string]func(q *request, id string) *apiError{
			"POST actions/addDrgRouteDistributionStatements":    s.addStatements,
			"POST actions/removeDrgRouteDistributionStatements": s.removeStatements,
			"GET drgRouteDistributionStatements": func(q *request, id string) *apiError {
				d, _ := s.dists.get(q.tenancy, id)
				return writePage(s, q, d.statements)
			},
		}}
}

// createDist makes an import or export distribution of a DRG.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/DrgRouteDistribution/CreateDrgRouteDistribution — drgId, distributionType; compartment of the DRG
func (s *Server) createDist(q *request) (string, *apiError) {
	var d struct {
		updateDetails
		DrgID            string `json:"drgId"`
		DistributionType string `json:"distributionType"`
	}
	if err := decode(q.body, &d); err != nil {
		return "", err
	}
	g, ok := s.getDrg(q.tenancy, d.DrgID)
	if !ok {
		return "", notFound("Drg", d.DrgID)
	}
	if d.DistributionType != distImport && d.DistributionType != distExport {
		return "", invalid("distributionType '%s' must be IMPORT or EXPORT", clip(d.DistributionType))
	}
	id := s.newDist(q, d.DrgID, g.base().CompartmentID, d.DistributionType, s.nameOr(d.DisplayName, "drgroutedistribution"))
	if d.FreeformTags != nil {
		x, _ := s.dists.get(q.tenancy, id)
		x.FreeformTags = d.FreeformTags
		s.dists.put(&x)
	}
	return id, nil
}

func (s *Server) updateDist(q *request, id string) *apiError {
	var d updateDetails
	if err := decode(q.body, &d); err != nil {
		return err
	}
	x, _ := s.dists.get(q.tenancy, id)
	if d.DisplayName != nil {
		x.DisplayName = *d.DisplayName
	}
	if d.FreeformTags != nil {
		x.FreeformTags = d.FreeformTags
	}
	s.dists.put(&x)
	return nil
}

// deleteDist deletes a distribution no DRG route table imports.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingDRGs.htm — a route distribution in use by a DRG route table or attachment can't be deleted
func (s *Server) deleteDist(q *request, id string) *apiError {
	for _, rt := range s.cloud.TransitGatewayRouteTables(q.tenancy) {
		if rt.Attrs[attrImportDist] == id {
			return fail(http.StatusConflict, codeConflict, "The route distribution %s is imported by DRG route table %s", id, rt.ID)
		}
	}
	for _, g := range s.cloud.TransitGateways(q.tenancy) {
		if g.Attrs[attrExportDist] == id {
			return fail(http.StatusConflict, codeConflict, "The route distribution %s is the default export distribution of DRG %s", id, g.ID)
		}
	}
	s.dists.drop(id)
	return nil
}

// statementIn checks one statement of an add.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingDRGs.htm — an import statement matches attachments by type, by OCID, or all of them, and accepts their routes
func statementIn(st statement) *apiError {
	if st.Action != "ACCEPT" {
		return invalid("action '%s' must be ACCEPT", clip(st.Action))
	}
	if st.Priority < 1 || st.Priority > 65535 {
		return invalid("priority %d must be between 1 and 65535", st.Priority)
	}
	if len(st.Match) > 1 {
		return invalid("A statement has at most one match criterion")
	}
	for _, m := range st.Match {
		switch {
		case m.MatchType == matchAll:
		case m.MatchType == matchType && slices.Contains(attachmentTypes, m.AttachmentType):
		case m.MatchType == matchID && m.DrgAttachmentID != "":
		default:
			return invalid("matchCriteria %s/%s%s is not valid", clip(m.MatchType), clip(m.AttachmentType), clip(m.DrgAttachmentID))
		}
	}
	return nil
}

// addStatements adds statements (unique priorities) and answers them.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/DrgRouteDistribution/AddDrgRouteDistributionStatements — answers the statements added
func (s *Server) addStatements(q *request, id string) *apiError {
	var d struct {
		Statements []statement `json:"statements"`
	}
	if err := decode(q.body, &d); err != nil {
		return err
	}
	x, _ := s.dists.get(q.tenancy, id)
	next := 1
	for _, st := range x.statements {
		n, _ := strconv.Atoi(st.ID)
		next = max(next, n+1)
	}
	var added []statement
	for _, st := range d.Statements {
		if err := statementIn(st); err != nil {
			return err
		}
		if slices.ContainsFunc(x.statements, func(o statement) bool { return o.Priority == st.Priority }) {
			return fail(http.StatusConflict, codeConflict, "The route distribution %s already has a statement with priority %d", id, st.Priority)
		}
		st.ID = strconv.Itoa(next)
		next++
		x.statements = append(x.statements, st)
		added = append(added, st)
	}
	slices.SortFunc(x.statements, func(a, b statement) int { return a.Priority - b.Priority })
	s.dists.put(&x)
	s.syncDrg(q.tenancy, x.DrgID)
	writeJSON(q.w, http.StatusOK, added)
	return nil
}

// removeStatements removes statements by ID.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/DrgRouteDistribution/RemoveDrgRouteDistributionStatements — statementIds
func (s *Server) removeStatements(q *request, id string) *apiError {
	ids, aerr := readIDs(q, "statementIds")
	if aerr != nil {
		return aerr
	}
	x, _ := s.dists.get(q.tenancy, id)
	for _, sid := range ids {
		if !slices.ContainsFunc(x.statements, func(st statement) bool { return st.ID == sid }) {
			return invalid("The route distribution %s has no statement '%s'", id, clip(sid))
		}
	}
	x.statements = slices.DeleteFunc(x.statements, func(st statement) bool { return slices.Contains(ids, st.ID) })
	s.dists.put(&x)
	s.syncDrg(q.tenancy, x.DrgID)
	q.w.WriteHeader(http.StatusOK)
	return nil
}

// attachmentType is the distribution attachment type of an attachment.
func attachmentType(a model.TransitGatewayAttachment) string {
	switch a.Kind {
	case model.AttachVPN:
		return typeIPSec
	case model.AttachPeering:
		return typeRPC
	case model.AttachCircuit:
		return typeVC
	}
	return typeVcn
}

// imports reports whether an import distribution accepts the routes of
// an attachment.
func (d distribution) imports(a model.TransitGatewayAttachment) bool {
	for _, st := range d.statements {
		for _, m := range st.Match {
			if m.MatchType == matchAll || (m.MatchType == matchType && m.AttachmentType == attachmentType(a)) ||
				(m.MatchType == matchID && m.DrgAttachmentID == a.ID) {
				return true
			}
		}
	}
	return false
}

// syncDrg makes each DRG route table's propagations in the model the
// attachments its import distribution accepts (none without one).
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingDRGs.htm — a DRG route table learns dynamic routes only from the attachments its import route distribution matches
func (s *Server) syncDrg(tenancy, drgID string) {
	var atts []model.TransitGatewayAttachment
	for _, a := range s.cloud.TransitGatewayAttachments(tenancy) {
		if (a.TransitGatewayID == drgID || (a.Kind == model.AttachPeering && a.Peer.TransitGatewayID == drgID)) && a.State != model.StateDeleted {
			atts = append(atts, a)
		}
	}
	for _, rt := range s.cloud.TransitGatewayRouteTables(tenancy) {
		if rt.TransitGatewayID != drgID {
			continue
		}
		d, ok := s.dists.get(tenancy, rt.Attrs[attrImportDist])
		for _, a := range atts {
			want := ok && d.imports(a)
			switch have := slices.Contains(rt.Propagations, a.ID); {
			case want && !have:
				_ = s.cloud.EnableTransitGatewayRouteTablePropagation(tenancy, rt.ID, a.ID)
			case !want && have:
				_ = s.cloud.DisableTransitGatewayRouteTablePropagation(tenancy, rt.ID, a.ID)
			}
		}
	}
}
