package api

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/mcnlab/mcnlab/controller/store"
)

// OpenAPI is the OpenAPI 3.0 document of the API, served at
// GET /v1/openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPI []byte

// Realm is the realm named in WWW-Authenticate on a 401.
const Realm = "mcnlab"

// maxBody bounds a request body.
const maxBody = 64 << 10

// caller is who makes a request: the token's name (empty when the
// Authenticator cannot name it) and role.
type caller struct {
	name string
	role store.Role
}

// by is how an approval records the caller.
func (c caller) by() string {
	if c.name != "" {
		return c.name
	}
	return "role:" + string(c.role)
}

// route is one endpoint: its method and path (a net/http pattern), the
// role it needs ("" for none: no token asked) and its handler.
type route struct {
	method, path string
	need         store.Role
	serve        func(w http.ResponseWriter, r *http.Request, c caller)
}

// handler serves the API.
type handler struct {
	b      Backend
	auth   Authenticator
	tokens TokenStore // nil when auth is not one
	routes []route
	mux    *http.ServeMux
	// metrics times every route and serves /metrics (metrics.go).
	metrics *metrics
}

// NewHandler returns the API's handler over b, checking tokens with auth.
// When auth is also a TokenStore (as *store.Store is) it serves the token
// endpoints; otherwise they answer 501. Every answer, errors included, is
// JSON, except the OpenAPI document.
func NewHandler(b Backend, auth Authenticator) http.Handler {
	return newHandler(b, auth)
}

func newHandler(b Backend, auth Authenticator) *handler {
	h := &handler{b: b, auth: auth, metrics: newMetrics()}
	h.tokens, _ = auth.(TokenStore)
	h.routes = []route{
		{"GET", "/v1/openapi.yaml", "", h.openapi},
		{"GET", "/v1/status", store.RoleReadOnly, h.status},
		{"GET", "/v1/routes/pending", store.RoleReadOnly, h.pending},
		{"GET", "/v1/routes/approved", store.RoleReadOnly, h.approved},
		{"POST", "/v1/routes/approve", store.RoleOperator, h.approve},
		// The prefix's slash may come as is or as %2F: {prefix...} takes
		// the rest of the path either way.
		{"DELETE", "/v1/routes/approved/{site}/{prefix...}", store.RoleOperator, h.revoke},
		{"GET", "/v1/route-tables", store.RoleReadOnly, h.routeTables},
		{"GET", "/v1/segmentation", store.RoleReadOnly, h.segmentation},
		{"POST", "/v1/diagnostics/ping", store.RoleOperator, h.ping},
		{"GET", "/v1/tokens", store.RoleAdmin, h.listTokens},
		{"POST", "/v1/tokens", store.RoleAdmin, h.createToken},
		{"DELETE", "/v1/tokens/{name}", store.RoleAdmin, h.revokeToken},
		{"GET", metricsPath, store.RoleReadOnly, h.serveMetrics},
	}
	h.routes = append(h.routes, h.egressRoutes()...)
	h.routes = append(h.routes, h.flightPathRoutes()...)
	h.routes = append(h.routes, h.vpnRoutes()...)
	h.routes = append(h.routes, h.captureRoutes()...)
	h.routes = append(h.routes, h.flowRoutes()...)
	h.routes = append(h.routes, h.s2cRoutes()...)
	h.routes = append(h.routes, h.consoleRoutes()...)
	h.routes = append(h.routes, h.rejectRoutes()...)
	h.mux = http.NewServeMux()
	for _, rt := range h.routes {
		h.mux.HandleFunc(rt.method+" "+rt.path, h.metrics.instrument(rt, h.guard(rt)))
	}
	return h
}

// ServeHTTP answers unknown paths and methods with a JSON 404 or 405 and
// hands the rest to the routes.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if inner, pattern := h.mux.Handler(r); pattern == "" {
		// Maybe the mux's own 404 or 405 (with Allow): keep its status
		// and headers, write the body as JSON.
		rec := &headerRecorder{h: http.Header{}}
		inner.ServeHTTP(rec, r)
		if rec.code == http.StatusNotFound || rec.code == http.StatusMethodNotAllowed {
			if a := rec.h.Get("Allow"); a != "" {
				w.Header().Set("Allow", a)
			}
			writeError(w, rec.code, fmt.Sprintf("%s %s: %s", r.Method, r.URL.Path, strings.ToLower(http.StatusText(rec.code))))
			return
		}
	}
	h.mux.ServeHTTP(w, r)
}

// headerRecorder keeps the status and headers that a handler writes and
// drops its body.
type headerRecorder struct {
	h    http.Header
	code int
}

func (r *headerRecorder) Header() http.Header { return r.h }
func (r *headerRecorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
}
func (r *headerRecorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return len(b), nil
}

// guard checks the caller's token and role before rt's handler runs: no or
// an unknown token gives 401, a role that is not enough 403.
func (h *handler) guard(rt route) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if rt.need == "" {
			rt.serve(w, r, caller{})
			return
		}
		token, ok := bearer(r)
		if !ok {
			unauthorized(w, "missing bearer token: send the header Authorization: Bearer <token>")
			return
		}
		c, ok, err := h.identify(token)
		if err != nil {
			writeError(w, http.StatusInternalServerError, fmt.Sprintf("check token: %v", err))
			return
		}
		if !ok {
			unauthorized(w, "unknown or revoked token")
			return
		}
		if !c.role.Allows(rt.need) {
			writeJSON(w, http.StatusForbidden, ErrorBody{
				Error: fmt.Sprintf("needs role %s or above; this token has role %s", rt.need, c.role),
				Role:  rt.need,
			})
			return
		}
		rt.serve(w, r, c)
	}
}

func (h *handler) identify(token string) (caller, bool, error) {
	if id, ok := h.auth.(Identifier); ok {
		ti, ok, err := id.Identify(token)
		return caller{name: ti.Name, role: ti.Role}, ok, err
	}
	role, ok, err := h.auth.TokenRole(token)
	return caller{role: role}, ok, err
}

// bearer returns the token of an "Authorization: Bearer" header.
func bearer(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}

func unauthorized(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="`+Realm+`"`)
	writeError(w, http.StatusUnauthorized, msg)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the status is sent; a failed write has no one to tell
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, ErrorBody{Error: msg})
}

// fail answers a Backend's or TokenStore's error with the status its
// sentinel asks for.
func fail(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	switch {
	case errors.Is(err, ErrNotFound), errors.Is(err, store.ErrNotFound):
		code = http.StatusNotFound
	case errors.Is(err, ErrInvalid), errors.Is(err, store.ErrInvalid):
		code = http.StatusBadRequest
	case errors.Is(err, ErrRefused):
		code = http.StatusUnprocessableEntity
	case errors.Is(err, store.ErrExists), errors.Is(err, ErrConflict):
		code = http.StatusConflict
	case errors.Is(err, context.DeadlineExceeded):
		code = http.StatusGatewayTimeout
	case errors.Is(err, context.Canceled):
		code = http.StatusServiceUnavailable
	}
	writeError(w, code, err.Error())
}

// decode reads a JSON request body into v, strictly: unknown fields and
// trailing data are errors.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("trailing data after the JSON object")
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("decode request body: %v", err))
		return false
	}
	return true
}

// answer writes v, or the error.
func answer[T any](w http.ResponseWriter, v T, err error) {
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// list makes a nil slice encode as [] rather than null.
func list[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (h *handler) openapi(w http.ResponseWriter, _ *http.Request, _ caller) {
	w.Header().Set("Content-Type", "application/yaml")
	w.Write(OpenAPI)
}

func (h *handler) status(w http.ResponseWriter, r *http.Request, _ caller) {
	st, err := h.b.Status(r.Context())
	st.Gateways = list(st.Gateways)
	answer(w, st, err)
}

func (h *handler) pending(w http.ResponseWriter, r *http.Request, _ caller) {
	p, err := h.b.Pending(r.Context())
	answer(w, list(p), err)
}

func (h *handler) approved(w http.ResponseWriter, r *http.Request, _ caller) {
	a, err := h.b.Approved(r.Context())
	answer(w, list(a), err)
}

func (h *handler) approve(w http.ResponseWriter, r *http.Request, c caller) {
	var req ApproveRequest
	if !decode(w, r, &req) {
		return
	}
	p, ok := routeKey(w, "approve", req.Site, req.Prefix)
	if !ok {
		return
	}
	res, err := h.b.Approve(r.Context(), req.Site, p.String(), c.by())
	answer(w, res, err)
}

func (h *handler) revoke(w http.ResponseWriter, r *http.Request, c caller) {
	site := r.PathValue("site")
	p, ok := routeKey(w, "revoke", site, r.PathValue("prefix"))
	if !ok {
		return
	}
	res, err := h.b.Revoke(r.Context(), site, p.String(), c.by())
	answer(w, res, err)
}

// routeKey checks the site and prefix of an approval, answering 400 when
// the site is empty or the prefix is not canonical CIDR.
func routeKey(w http.ResponseWriter, op, site, prefix string) (netip.Prefix, bool) {
	if site == "" {
		writeError(w, http.StatusBadRequest, op+": site is empty")
		return netip.Prefix{}, false
	}
	if prefix == "" {
		writeError(w, http.StatusBadRequest, op+": prefix is empty; give one in CIDR form, such as 10.100.0.0/24")
		return netip.Prefix{}, false
	}
	p, err := netip.ParsePrefix(prefix)
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("%s: %v", op, err))
		return netip.Prefix{}, false
	}
	if p != p.Masked() {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("%s: prefix %q has host bits set; did you mean %s?", op, prefix, p.Masked()))
		return netip.Prefix{}, false
	}
	return p, true
}

func (h *handler) routeTables(w http.ResponseWriter, r *http.Request, _ caller) {
	t, err := h.b.RouteTables(r.Context())
	for i := range t {
		t[i].Routes = list(t[i].Routes)
	}
	answer(w, list(t), err)
}

func (h *handler) segmentation(w http.ResponseWriter, r *http.Request, _ caller) {
	s, err := h.b.Segmentation(r.Context())
	s.Domains, s.Connections, s.Drops = list(s.Domains), list(s.Connections), list(s.Drops)
	for i := range s.Domains {
		s.Domains[i].Members, s.Domains[i].Prefixes = list(s.Domains[i].Members), list(s.Domains[i].Prefixes)
	}
	answer(w, s, err)
}

func (h *handler) ping(w http.ResponseWriter, r *http.Request, _ caller) {
	var req PingRequest
	if !decode(w, r, &req) {
		return
	}
	if req.Count == 0 {
		req.Count = DefaultPingCount
	}
	switch {
	case req.From == "" || req.To == "":
		writeError(w, http.StatusBadRequest, "ping: from and to must both be set")
		return
	case req.Count < 0 || req.Count > MaxPingCount:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("ping: count %d out of range 1-%d", req.Count, MaxPingCount))
		return
	}
	res, err := h.b.Ping(r.Context(), req)
	answer(w, res, err)
}

// needTokens answers 501 when the handler has no TokenStore.
func (h *handler) needTokens(w http.ResponseWriter) bool {
	if h.tokens == nil {
		writeError(w, http.StatusNotImplemented, "token management is not available on this server")
		return false
	}
	return true
}

func (h *handler) listTokens(w http.ResponseWriter, _ *http.Request, _ caller) {
	if !h.needTokens(w) {
		return
	}
	t, err := h.tokens.Tokens()
	answer(w, list(t), err)
}

func (h *handler) createToken(w http.ResponseWriter, r *http.Request, _ caller) {
	if !h.needTokens(w) {
		return
	}
	var req TokenRequest
	if !decode(w, r, &req) {
		return
	}
	role, err := store.ParseRole(string(req.Role))
	if err != nil {
		fail(w, err)
		return
	}
	tok, err := h.tokens.CreateToken(role, req.Name)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, NewToken{Name: req.Name, Role: role, Token: tok})
}

func (h *handler) revokeToken(w http.ResponseWriter, r *http.Request, c caller) {
	if !h.needTokens(w) {
		return
	}
	name := r.PathValue("name")
	if c.name != "" && name == c.name {
		// Revoking the token in use would lock out an admin who holds
		// only this one: make another admin token first.
		writeError(w, http.StatusConflict, fmt.Sprintf("revoke token %s: it is the token making this request; revoke it with another admin token", name))
		return
	}
	if err := h.tokens.RevokeToken(name); err != nil {
		fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// Serve serves h on ln until ctx is done, then shuts down gracefully
// (in-flight requests see their context cancelled and get five seconds to
// end). It closes ln. It returns nil after a shutdown that ctx asked for,
// and the error otherwise.
func Serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		// No WriteTimeout: a ping takes as long as its count.
		BaseContext: func(net.Listener) context.Context { return ctx },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve API on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	<-errc // http.ErrServerClosed
	if err != nil {
		srv.Close()
		return fmt.Errorf("shut down API on %s: %w", ln.Addr(), err)
	}
	return nil
}
