package oci

import (
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// kind is one resource collection: how to read, make, change and delete
// its resources. serveKind gives them all the same ETags, lifecycle
// states, retry tokens and paging.
type kind struct {
	noun   string                                    // the resource's name in messages (Vcn, Subnet, ...)
	get    func(tenancy, id string) (resource, bool) // its wire form, lifecycle state unset
	list   func(tenancy string) []resource
	create func(q *request) (string, *apiError)
	update func(q *request, id string) *apiError
	remove func(q *request, id string) *apiError
	// match applies the collection's own list filters (vcnId); nil for none.
	match func(q *request, r resource) bool
}

func (s *Server) serveKind(q *request, k *kind) *apiError {
	switch {
	case len(q.rest) == 0 && q.Method == http.MethodGet:
		return s.listKind(q, k)
	case len(q.rest) == 0 && q.Method == http.MethodPost:
		return s.createKind(q, k)
	case len(q.rest) == 1 && q.Method == http.MethodGet:
		return s.getKind(q, k, q.rest[0])
	case len(q.rest) == 1 && q.Method == http.MethodPut:
		return s.updateKind(q, k, q.rest[0])
	case len(q.rest) == 1 && q.Method == http.MethodDelete:
		return s.deleteKind(q, k, q.rest[0])
	}
	return fail(http.StatusMethodNotAllowed, "MethodNotAllowed", "Method %s is not allowed on %s", q.Method, clip(q.URL.Path))
}

// writeResource answers one resource with its ETag.
func writeResource(w http.ResponseWriter, status int, r resource) []byte {
	raw, _ := json.Marshal(r)
	w.Header().Set("etag", etagOf(r))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(raw)
	return raw
}

// createKind makes a resource, PROVISIONING until polled; a retry token
// already seen answers what it answered before.
// OCI: https://docs.oracle.com/en-us/iaas/Content/API/Concepts/usingapi.htm#retrytoken — a retried request with the same opc-retry-token is not done twice
func (s *Server) createKind(q *request, k *kind) *apiError {
	token := q.Header.Get("opc-retry-token")
	key := q.tenancy + "\x00" + token
	req := sha256.Sum256([]byte(q.Method + " " + q.URL.Path + "\x00" + string(q.body)))
	if token != "" {
		if r, conflict := s.state.replay(key, req, s.now()); conflict {
			return fail(http.StatusConflict, codeConflict, "The retry token '%s' was used for another request", clip(token))
		} else if r != nil {
			q.w.Header().Set("etag", r.etag)
			q.w.Header().Set("Content-Type", "application/json")
			q.w.WriteHeader(r.status)
			_, _ = q.w.Write(r.body)
			return nil
		}
	}
	id, err := k.create(q)
	if err != nil {
		return err
	}
	s.state.created(id)
	r, ok := k.get(q.tenancy, id)
	if !ok {
		return fail(http.StatusInternalServerError, "InternalServerError", "the new %s vanished", k.noun)
	}
	r.base().LifecycleState = stateProvisioning
	raw := writeResource(q.w, http.StatusOK, r)
	if token != "" {
		s.state.remember(key, &retried{request: req, status: http.StatusOK, body: raw, etag: etagOf(r), at: s.now()})
	}
	return nil
}

// getKind answers one resource; the GET advances its lifecycle state.
func (s *Server) getKind(q *request, k *kind, id string) *apiError {
	if r, ok := k.get(q.tenancy, id); ok {
		r.base().LifecycleState = s.state.lifecycle(id, true)
		writeResource(q.w, http.StatusOK, r)
		return nil
	}
	if r, ok := s.state.tombstone(q.tenancy, id, true); ok {
		writeResource(q.w, http.StatusOK, r)
		return nil
	}
	return notFound(k.noun, id)
}

// current returns a live resource with its state and checks If-Match.
// OCI: https://docs.oracle.com/en-us/iaas/Content/API/Concepts/usingapi.htm#etags — a stale If-Match gets 412 NoEtagMatch
func (s *Server) current(q *request, k *kind, id string) (resource, *apiError) {
	r, ok := k.get(q.tenancy, id)
	if !ok {
		if t, ok := s.state.tombstone(q.tenancy, id, false); ok && t.base().LifecycleState == stateTerminating {
			return nil, fail(http.StatusConflict, codeIncorrectState, "The %s %s is being terminated", k.noun, id)
		}
		return nil, notFound(k.noun, id)
	}
	r.base().LifecycleState = s.state.lifecycle(id, false)
	if m := q.Header.Get("if-match"); m != "" && m != "*" && m != etagOf(r) {
		return nil, fail(http.StatusPreconditionFailed, codeNoEtagMatch, "The resource's etag does not match the value of the if-match header")
	}
	return r, nil
}

func (s *Server) updateKind(q *request, k *kind, id string) *apiError {
	if _, err := s.current(q, k, id); err != nil {
		return err
	}
	if err := k.update(q, id); err != nil {
		return err
	}
	r, _ := k.get(q.tenancy, id)
	r.base().LifecycleState = s.state.lifecycle(id, false)
	writeResource(q.w, http.StatusOK, r)
	return nil
}

// deleteKind deletes a resource at once in the model; later GETs see it
// TERMINATING, then TERMINATED.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/Vcn/DeleteVcn — 204; the resource goes TERMINATING then TERMINATED
func (s *Server) deleteKind(q *request, k *kind, id string) *apiError {
	r, err := s.current(q, k, id)
	if err != nil {
		return err
	}
	if err := k.remove(q, id); err != nil {
		return err
	}
	s.state.bury(q.tenancy, r)
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

// listKind answers a bare array of the compartment's resources, a page
// at a time, with opc-next-page while more remain.
// OCI: https://docs.oracle.com/en-us/iaas/Content/API/Concepts/usingapi.htm#nine — list pagination: limit, page, opc-next-page
func (s *Server) listKind(q *request, k *kind) *apiError {
	qv := q.URL.Query()
	comp := qv.Get("compartmentId")
	if err := s.checkCompartment(q, comp); err != nil {
		return err
	}
	limit, start, err := s.paging(q)
	if err != nil {
		return err
	}
	var out []resource
	for _, r := range k.list(q.tenancy) {
		b := r.base()
		b.LifecycleState = s.state.lifecycle(b.ID, false)
		if b.CompartmentID != comp || (qv.Has("displayName") && b.DisplayName != qv.Get("displayName")) ||
			(qv.Has("lifecycleState") && b.LifecycleState != qv.Get("lifecycleState")) || (k.match != nil && !k.match(q, r)) {
			continue
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b resource) int {
		if c := strings.Compare(a.base().TimeCreated, b.base().TimeCreated); c != 0 {
			return c
		}
		return strings.Compare(a.base().ID, b.base().ID)
	})
	if start > len(out) {
		start = len(out)
	}
	end := min(start+limit, len(out))
	if end < len(out) {
		q.w.Header().Set("opc-next-page", strconv.Itoa(end))
	}
	page := out[start:end]
	if page == nil {
		page = []resource{}
	}
	writeJSON(q.w, http.StatusOK, page)
	return nil
}

// paging reads limit and page; the page token is the index to start at.
func (s *Server) paging(q *request) (limit, start int, err *apiError) {
	qv := q.URL.Query()
	limit = s.cfg.PageSize
	if v := qv.Get("limit"); v != "" {
		n, e := strconv.Atoi(v)
		if e != nil || n < 1 || n > 1000 {
			return 0, 0, invalid("limit must be an integer between 1 and 1000")
		}
		limit = min(n, s.cfg.PageSize)
	}
	if v := qv.Get("page"); v != "" {
		n, e := strconv.Atoi(v)
		if e != nil || n < 0 {
			return 0, 0, invalid("The page token '%s' is not valid", clip(v))
		}
		start = n
	}
	return limit, start, nil
}
