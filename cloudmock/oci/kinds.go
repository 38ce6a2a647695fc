package oci

import (
	"bytes"
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
	// states renames the lifecycle states for a kind whose own differ
	// (a DRG attachment is ATTACHING, ATTACHED, DETACHING, DETACHED).
	states map[string]string
	// live, when set, names the state of a resource past provisioning
	// from what it holds (a stopped instance, an assigned public IP);
	// empty keeps AVAILABLE (renamed by states).
	live func(r resource) string
	// poll, when set, is told of each GET of one of its resources before
	// it is read (an RPC advances from PENDING to PEERED).
	poll func(tenancy, id string)
	// listBy is the query parameter a list is scoped by when it is not
	// compartmentId (drgId for DRG route tables and distributions).
	listBy string
	// createOp and deleteOp name the work request a create or a delete
	// answers (LaunchInstance, TerminateInstance); empty for none.
	createOp, deleteOp string
	// more are the calls on one resource beyond get, update and delete,
	// by method and the path after its OCID ("POST actions/addCidr",
	// "GET securityRules"); each checks If-Match and writes its answer.
	more map[string]func(q *request, id string) *apiError
}

// entity is the work-request entity type of the kind's resources (vcn,
// instance).
func (k *kind) entity() string { return strings.ToLower(k.noun[:1]) + k.noun[1:] }

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
	case len(q.rest) >= 1:
		if f, ok := k.more[q.Method+" "+strings.Join(q.rest[1:], "/")]; ok {
			if _, err := s.current(q, k, q.rest[0]); err != nil {
				return err
			}
			if q.Method == http.MethodPost {
				return s.idempotent(q, func() *apiError { return f(q, q.rest[0]) })
			}
			return f(q, q.rest[0])
		}
		return fail(http.StatusNotFound, "NotFound", "Not found: %s", clip(q.URL.Path))
	}
	return fail(http.StatusMethodNotAllowed, "MethodNotAllowed", "Method %s is not allowed on %s", q.Method, clip(q.URL.Path))
}

// write answers one resource with its kind's name of its lifecycle
// state, leaving the resource as it was.
func (k *kind) write(w http.ResponseWriter, r resource) {
	b := r.base()
	st := b.LifecycleState
	b.LifecycleState = k.shown(r)
	writeResource(w, http.StatusOK, r)
	b.LifecycleState = st
}

// shown is the lifecycle state a resource is answered with: its live
// state once AVAILABLE, or its state under the kind's name for it.
func (k *kind) shown(r resource) string {
	st := r.base().LifecycleState
	if st == stateAvailable && k.live != nil {
		if v := k.live(r); v != "" {
			return v
		}
	}
	if n, ok := k.states[st]; ok {
		return n
	}
	return st
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
func (s *Server) createKind(q *request, k *kind) *apiError {
	return s.idempotent(q, func() *apiError {
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
		if k.createOp != "" {
			s.accept(q, workOp{op: k.createOp, entity: k.entity(), id: id, action: "CREATED", compartment: r.base().CompartmentID})
		}
		k.write(q.w, r)
		return nil
	})
}

// idempotent does a POST once per opc-retry-token: a token seen before
// answers the status, headers and body it answered then; under another
// request it is 409 Conflict.
// OCI: https://docs.oracle.com/en-us/iaas/Content/API/Concepts/usingapi.htm#retrytoken — a retried request with the same opc-retry-token is not done twice
func (s *Server) idempotent(q *request, do func() *apiError) *apiError {
	token := q.Header.Get("opc-retry-token")
	if token == "" {
		return do()
	}
	key := q.tenancy + "\x00" + token
	req := sha256.Sum256([]byte(q.Method + " " + q.URL.Path + "\x00" + string(q.body)))
	if r, conflict := s.state.replay(key, req, s.now()); conflict {
		return fail(http.StatusConflict, codeConflict, "The retry token '%s' was used for another request", clip(token))
	} else if r != nil {
		for k, v := range r.header {
			q.w.Header()[k] = v
		}
		q.w.WriteHeader(r.status)
		_, _ = q.w.Write(r.body)
		return nil
	}
	rec := &recorder{ResponseWriter: q.w}
	q.w = rec
	defer func() { q.w = rec.ResponseWriter }()
	if err := do(); err != nil {
		return err
	}
	if rec.status < 300 {
		s.state.remember(key, &retried{request: req, status: rec.status, body: rec.body.Bytes(), header: rec.header, at: s.now()})
	}
	return nil
}

// recorder keeps what a handler answers, to replay it for a retry token.
type recorder struct {
	http.ResponseWriter
	status int
	header http.Header
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(status int) {
	r.status = status
	r.header = http.Header{}
	for _, k := range []string{"Etag", "Content-Type", "Opc-Work-Request-Id"} {
		if v, ok := r.ResponseWriter.Header()[k]; ok {
			r.header[k] = v
		}
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.WriteHeader(http.StatusOK)
	}
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

// getKind answers one resource; the GET advances its lifecycle state.
func (s *Server) getKind(q *request, k *kind, id string) *apiError {
	if k.poll != nil {
		k.poll(q.tenancy, id)
	}
	if r, ok := k.get(q.tenancy, id); ok {
		r.base().LifecycleState = s.state.lifecycle(id, true)
		k.write(q.w, r)
		return nil
	}
	if r, ok := s.state.tombstone(q.tenancy, id, true); ok {
		k.write(q.w, r)
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
	k.write(q.w, r)
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
	if k.deleteOp != "" {
		s.accept(q, workOp{op: k.deleteOp, entity: k.entity(), id: id, action: "DELETED", compartment: r.base().CompartmentID})
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

// listKind answers a bare array of the compartment's resources, a page
// at a time, with opc-next-page while more remain.
// OCI: https://docs.oracle.com/en-us/iaas/Content/API/Concepts/usingapi.htm#nine — list pagination: limit, page, opc-next-page
func (s *Server) listKind(q *request, k *kind) *apiError {
	qv := q.URL.Query()
	comp := qv.Get("compartmentId")
	if k.listBy != "" && qv.Get(k.listBy) == "" {
		return fail(http.StatusBadRequest, codeMissingParameter, "%s is required", k.listBy)
	}
	if err := s.checkCompartment(q, comp); k.listBy == "" && err != nil {
		return err
	}
	var out []resource
	for _, r := range k.list(q.tenancy) {
		b := r.base()
		b.LifecycleState = s.state.lifecycle(b.ID, false)
		b.LifecycleState = k.shown(r)
		if (k.listBy == "" && b.CompartmentID != comp) || (qv.Has("displayName") && b.DisplayName != qv.Get("displayName")) ||
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
	return writePage(s, q, out)
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
