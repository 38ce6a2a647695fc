package oci

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// compartment is an Identity compartment on the wire.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/identity/20160918/Compartment/ — Compartment
type compartment struct {
	ID             string            `json:"id"`
	CompartmentID  string            `json:"compartmentId"`
	Name           string            `json:"name"`
	Description    string            `json:"description"`
	LifecycleState string            `json:"lifecycleState"`
	TimeCreated    string            `json:"timeCreated"`
	FreeformTags   map[string]string `json:"freeformTags"`
}

// compartmentStates are a compartment's lifecycle states for the
// server's own: CREATING until polled, then ACTIVE.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/identity/20160918/Compartment/CreateCompartment — the new compartment is CREATING for a while; use it once ACTIVE
var compartmentStates = map[string]string{stateProvisioning: "CREATING", stateAvailable: "ACTIVE"}

// compartmentNameRE is a compartment name OCI takes.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Identity/compartments/managingcompartments.htm — letters, numbers, periods, hyphens and underscores, up to 100 characters
var compartmentNameRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)

// compartmentOf is scope sc on the wire, its lifecycle state read (a GET
// of it, poll, advances it).
func (s *Server) compartmentOf(q *request, sc model.Scope, poll bool) compartment {
	tags := sc.Tags
	if tags == nil {
		tags = map[string]string{}
	}
	return compartment{ID: sc.ID, CompartmentID: q.tenancy, Name: sc.Name, Description: sc.Attrs[attrDescription],
		LifecycleState: compartmentStates[s.state.lifecycle(sc.ID, poll)], TimeCreated: cmp.Or(sc.Attrs[attrCreated], "2024-01-01T00:00:00.000Z"),
		FreeformTags: tags}
}

// etag is the compartment's ETag: a hash of what it holds, its
// lifecycle state aside (etagOf).
func (c compartment) etag() string {
	c.LifecycleState = ""
	raw, _ := json.Marshal(c)
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:16])
}

// attrDescription is the scope attribute that keeps a compartment's
// description.
const attrDescription = "description"

// serveCompartments lists the tenancy's compartments (the scopes of its
// model account, each a child of the root compartment: compartments in
// compartments are not modelled), gets one, and creates one.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/identity/20160918/Compartment/ListCompartments — compartmentId is the parent (the tenancy for its direct children); name and lifecycleState filter; a bare array
func (s *Server) serveCompartments(q *request) *apiError {
	switch {
	case q.Method == http.MethodPost && len(q.rest) == 0:
		return s.idempotent(q, func() *apiError { return s.createCompartment(q) })
	case q.Method != http.MethodGet:
		return fail(http.StatusMethodNotAllowed, "MethodNotAllowed", "Method %s is not allowed on compartments", q.Method)
	case len(q.rest) == 1:
		sc, err := s.cloud.ScopeOf(q.tenancy, q.rest[0])
		if err != nil {
			return notFound("Compartment", q.rest[0])
		}
		c := s.compartmentOf(q, sc, true)
		q.w.Header().Set("etag", c.etag())
		writeJSON(q.w, http.StatusOK, c)
		return nil
	}
	qv := q.URL.Query()
	parent := qv.Get("compartmentId")
	if err := s.checkCompartment(q, parent); err != nil {
		return err
	}
	all := []compartment{}
	for _, sc := range s.cloud.Scopes(q.tenancy) {
		c := s.compartmentOf(q, sc, false)
		if parent != q.tenancy || qv.Has("name") && c.Name != qv.Get("name") || qv.Has("lifecycleState") && c.LifecycleState != qv.Get("lifecycleState") {
			continue
		}
		all = append(all, c)
	}
	slices.SortFunc(all, func(a, b compartment) int { return strings.Compare(a.Name, b.Name) })
	writeJSON(q.w, http.StatusOK, all)
	return nil
}

// createCompartment makes a compartment under the root compartment,
// CREATING until polled; a name a sibling has is 409
// CompartmentAlreadyExists.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/identity/20160918/Compartment/CreateCompartment — compartmentId (the parent), name (unique among its siblings) and description required; freeformTags
func (s *Server) createCompartment(q *request) *apiError {
	var d struct {
		CompartmentID string            `json:"compartmentId"`
		Name          string            `json:"name"`
		Description   *string           `json:"description"`
		FreeformTags  map[string]string `json:"freeformTags"`
	}
	if err := decode(q.body, &d); err != nil {
		return err
	}
	switch {
	case d.CompartmentID == "" || d.Name == "" || d.Description == nil:
		return fail(http.StatusBadRequest, codeMissingParameter, "compartmentId, name and description are required")
	case !compartmentNameRE.MatchString(d.Name):
		return invalid("The compartment name '%s' is not valid: use up to 100 letters, numbers, periods, hyphens and underscores", clip(d.Name))
	}
	if err := s.checkCompartment(q, d.CompartmentID); err != nil {
		return err
	}
	if d.CompartmentID != q.tenancy {
		return invalid("compartments below compartment %s are not modelled: make it under the root compartment (the tenancy)", clip(d.CompartmentID))
	}
	for _, sc := range s.cloud.Scopes(q.tenancy) {
		if sc.Name == d.Name {
			return fail(http.StatusConflict, "CompartmentAlreadyExists", "A compartment with name '%s' already exists.", d.Name)
		}
	}
	sc, err := s.cloud.CreateScope(q.tenancy, model.Place{Name: d.Name}, d.FreeformTags)
	if err != nil {
		return fromModel(err)
	}
	if err := s.cloud.SetAttrs(q.tenancy, sc.ID, map[string]string{attrDescription: *d.Description, attrCreated: s.now().UTC().Format(time.RFC3339Nano)}); err != nil {
		return fromModel(err)
	}
	s.state.created(sc.ID)
	sc, _ = s.cloud.ScopeOf(q.tenancy, sc.ID)
	c := s.compartmentOf(q, sc, false)
	q.w.Header().Set("etag", c.etag())
	writeJSON(q.w, http.StatusOK, c)
	return nil
}

// serveTenancy answers GetTenancy for the caller's own tenancy.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/identity/20160918/Tenancy/GetTenancy — id, name, homeRegionKey
func (s *Server) serveTenancy(q *request) *apiError {
	if q.Method != http.MethodGet || len(q.rest) != 1 || q.rest[0] != q.tenancy {
		return notFound("Tenancy", strings.Join(q.rest, "/"))
	}
	if _, err := s.cloud.Account(q.tenancy); err != nil {
		return notFound("Tenancy", q.tenancy)
	}
	name := q.tenancy
	writeJSON(q.w, http.StatusOK, map[string]any{"id": q.tenancy, "name": name, "description": name,
		"homeRegionKey": "IAD", "freeformTags": map[string]string{}, "definedTags": map[string]any{}})
	return nil
}

// serveAvailabilityDomains lists the availability domains of the
// server's region, which LaunchInstance names.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/identity/20160918/AvailabilityDomain/ListAvailabilityDomains — compartmentId (the tenancy); a bare array of {id, name, compartmentId}
func (s *Server) serveAvailabilityDomains(q *request) *apiError {
	if q.Method != http.MethodGet || len(q.rest) != 0 {
		return fail(http.StatusMethodNotAllowed, "MethodNotAllowed", "Method %s is not allowed on availabilityDomains", q.Method)
	}
	if err := s.checkCompartment(q, q.URL.Query().Get("compartmentId")); err != nil {
		return err
	}
	out := []map[string]string{}
	if p, ok := model.LookupProfile(model.ProviderOCI); ok && p.Zones != nil {
		for _, z := range p.Zones(s.cfg.Region) {
			out = append(out, map[string]string{"id": "ocid1.availabilitydomain.oc1..mcnl" + strings.ToLower(strings.NewReplacer(":", "", "-", "").Replace(z)),
				"name": z, "compartmentId": q.tenancy})
		}
	}
	writeJSON(q.w, http.StatusOK, out)
	return nil
}
