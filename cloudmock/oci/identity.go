package oci

import (
	"net/http"
	"slices"
	"strings"

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

// serveCompartments lists the compartments of the tenancy (the scopes
// of its model account) and gets one.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/identity/20160918/Compartment/ListCompartments — compartmentId is the parent (the tenancy for its direct children); a bare array
func (s *Server) serveCompartments(q *request) *apiError {
	if q.Method != http.MethodGet {
		return fail(http.StatusMethodNotAllowed, "MethodNotAllowed", "Method %s is not allowed on compartments", q.Method)
	}
	var all []compartment
	for _, sc := range s.cloud.Scopes(q.tenancy) {
		all = append(all, compartment{ID: sc.ID, CompartmentID: q.tenancy, Name: sc.Name, Description: sc.Name,
			LifecycleState: "ACTIVE", TimeCreated: "2024-01-01T00:00:00.000Z", FreeformTags: map[string]string{}})
	}
	slices.SortFunc(all, func(a, b compartment) int { return strings.Compare(a.Name, b.Name) })
	if len(q.rest) == 1 {
		for _, c := range all {
			if c.ID == q.rest[0] {
				writeJSON(q.w, http.StatusOK, c)
				return nil
			}
		}
		return notFound("Compartment", q.rest[0])
	}
	if err := s.checkCompartment(q, q.URL.Query().Get("compartmentId")); err != nil {
		return err
	}
	if all == nil {
		all = []compartment{}
	}
	writeJSON(q.w, http.StatusOK, all)
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
