package api

import (
	"context"
	"net/http"
	"net/netip"

	"github.com/mcnlab/mcnlab/controller/store"
)

// RejectBackend is the part of a Backend that rejects a pending route.
type RejectBackend interface {
	// Reject answers POST /v1/routes/reject: it takes prefix (canonical
	// CIDR), pending approval from site, off the pending list on behalf
	// of by; the transit keeps holding it. A route not pending wraps
	// ErrNotFound; an unknown site too.
	Reject(ctx context.Context, site, prefix, by string) (RejectResult, error)
}

// RejectResult answers POST /v1/routes/reject: the route rejected.
type RejectResult struct {
	Transit string       `json:"transit"`
	Site    string       `json:"site"`
	Prefix  netip.Prefix `json:"prefix"`
}

// rejectRoutes is the endpoint that rejects a pending route.
func (h *handler) rejectRoutes() []route {
	return []route{{"POST", "/v1/routes/reject", store.RoleOperator, h.reject}}
}

func (h *handler) reject(w http.ResponseWriter, r *http.Request, c caller) {
	rb, ok := h.b.(RejectBackend)
	if !ok {
		writeError(w, http.StatusNotImplemented, "this controller cannot reject routes")
		return
	}
	var req ApproveRequest
	if !decode(w, r, &req) {
		return
	}
	p, ok := routeKey(w, "reject", req.Site, req.Prefix)
	if !ok {
		return
	}
	res, err := rb.Reject(r.Context(), req.Site, p.String(), c.by())
	answer(w, res, err)
}
