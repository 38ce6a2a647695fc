package gcp

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// Config configures a Server.
type Config struct {
	// Tokens maps bearer tokens to the one project each may use; a token
	// for another project is refused as GCP refuses a caller without the
	// permission (403 forbidden).
	Tokens map[string]string
	// Anonymous admits requests without an Authorization header to every
	// project (gcloud with auth/disable_credentials sends none).
	Anonymous bool
	// PageSize is the most items one list answers when the request asks
	// for more or for none (500, GCP's maximum, when 0).
	PageSize int
	// PartnerDelay is how long the lab's partner provider takes to
	// provision a new Partner Interconnect attachment (PENDING_PARTNER
	// until then); 0 provisions at once.
	PartnerDelay time.Duration
}

// Server serves the Compute Engine API over the model. Make one with New;
// it is an http.Handler for HTTP or HTTPS (all of GCP's clients accept a
// plain-HTTP endpoint override).
type Server struct {
	cloud *model.Cloud
	cfg   Config
	now   func() time.Time

	// writes serializes mutations: one is several model calls (a network
	// and its default route, an auto-mode network's subnets) that no other
	// may interleave with.
	writes sync.Mutex

	ops operations // the operations mutations answered (ops.go)
}

// New returns a server for the cloud's gcp projects.
func New(c *model.Cloud, cfg Config) *Server {
	if cfg.PageSize <= 0 || cfg.PageSize > 500 {
		cfg.PageSize = 500
	}
	return &Server{cloud: c, cfg: cfg, now: time.Now, ops: operations{byName: map[string]*operation{}}}
}

// maxBody bounds a request body; Compute resources are small.
const maxBody = 1 << 20

// request is one API call: the project, the path words after it, and the
// base links are made from.
type request struct {
	*http.Request
	w       http.ResponseWriter
	project string
	words   []string // after projects/PROJECT
	base    string   // scheme://host/compute/v1/
}

// ServeHTTP authenticates and routes one request.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1 — service endpoint https://compute.googleapis.com, paths /compute/v1/projects/{project}/...
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	base := scheme + "://" + r.Host + "/compute/v1/"
	path := strings.Trim(r.URL.Path, "/")
	if path == "discovery/v1/apis/compute/v1/rest" {
		s.serveDiscovery(w, scheme+"://"+r.Host+"/")
		return
	}
	rest, ok := strings.CutPrefix(path, "compute/v1/projects/")
	if !ok {
		writeError(w, fail(http.StatusNotFound, "notFound", "The requested URL /%s was not found on this server.", clip(path)))
		return
	}
	words := strings.Split(rest, "/")
	q := &request{Request: r, w: w, project: words[0], words: words[1:], base: base}
	if err := s.authorize(r, q.project); err != nil {
		writeError(w, err)
		return
	}
	if r.Method != http.MethodGet {
		s.writes.Lock()
		defer s.writes.Unlock()
	}
	if err := s.route(q); err != nil {
		writeError(w, err)
	}
}

// authorize checks the caller may use the project.
// GCP: https://cloud.google.com/compute/docs/access/iam — a caller without the permission on the project gets 403
func (s *Server) authorize(r *http.Request, project string) *apiError {
	h := r.Header.Get("Authorization")
	if h == "" {
		if s.cfg.Anonymous {
			return s.checkProject(project)
		}
		return fail(http.StatusUnauthorized, "required", "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.")
	}
	tok, ok := strings.CutPrefix(h, "Bearer ")
	p, known := s.cfg.Tokens[strings.TrimSpace(tok)]
	if !ok || !known {
		return fail(http.StatusUnauthorized, "authError", "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.")
	}
	if p != project {
		return fail(http.StatusForbidden, "forbidden", "Required 'compute.projects.get' permission for 'projects/%s'", clip(project))
	}
	return s.checkProject(project)
}

// checkProject answers 404 for a project the cloud does not have.
func (s *Server) checkProject(project string) *apiError {
	a, err := s.cloud.Account(project)
	if err != nil || a.Provider != model.ProviderGCP {
		return fail(http.StatusNotFound, "notFound", "The resource 'projects/%s' was not found", clip(project))
	}
	return nil
}

// route dispatches on the words after projects/PROJECT.
func (s *Server) route(q *request) *apiError {
	w := q.words
	switch {
	case len(w) == 0 || (len(w) == 1 && w[0] == ""):
		return s.getProject(q)
	case w[0] == "global" && len(w) >= 2:
		return s.routeGlobal(q, w[1], w[2:])
	case w[0] == "regions" && len(w) >= 3:
		return s.routeRegional(q, w[1], w[2], w[3:])
	case w[0] == "zones" && len(w) >= 3:
		return s.routeZonal(q, w[1], w[2], w[3:])
	case w[0] == "aggregated" && len(w) == 2 && w[1] == "subnetworks":
		return s.aggregatedSubnetworks(q)
	case w[0] == "aggregated" && len(w) == 2 && w[1] == "instances":
		return s.aggregatedInstances(q)
	case w[0] == "aggregated" && len(w) == 2 && w[1] == "addresses":
		return s.aggregatedAddresses(q)
	case w[0] == "aggregated" && len(w) == 2 && w[1] == "routers":
		return s.aggregatedRouters(q)
	case w[0] == "aggregated" && len(w) == 2 && w[1] == "vpnGateways":
		return s.aggregatedVPNGateways(q)
	case w[0] == "aggregated" && len(w) == 2 && w[1] == "vpnTunnels":
		return s.aggregatedTunnels(q)
	case w[0] == "aggregated" && len(w) == 2 && w[1] == "interconnectAttachments":
		return s.aggregatedAttachments(q)
	}
	return notFound("projects/" + q.project + "/" + strings.Join(w, "/"))
}

func (s *Server) routeGlobal(q *request, coll string, rest []string) *apiError {
	switch coll {
	case "networks":
		return s.serveNetworks(q, rest)
	case "firewalls":
		return s.serveFirewalls(q, rest)
	case "routes":
		return s.serveRoutes(q, rest)
	case "addresses":
		return s.serveAddresses(q, model.GCPGlobal, rest)
	case "externalVpnGateways":
		return s.serveExternalGateways(q, rest)
	case "interconnects":
		return s.serveInterconnects(q, rest)
	case "operations":
		return s.serveOperations(q, model.GCPGlobal, rest)
	}
	return notFound("projects/" + q.project + "/global/" + coll)
}

func (s *Server) routeRegional(q *request, region, coll string, rest []string) *apiError {
	if !s.hasRegion(region) {
		return notFound("projects/" + q.project + "/regions/" + region)
	}
	switch coll {
	case "subnetworks":
		return s.serveSubnetworks(q, region, rest)
	case "addresses":
		return s.serveAddresses(q, model.GCPRegionScope(region), rest)
	case "routers":
		return s.serveRouters(q, region, rest)
	case "vpnGateways":
		return s.serveVPNGateways(q, region, rest)
	case "vpnTunnels":
		return s.serveTunnels(q, region, rest)
	case "interconnectAttachments":
		return s.serveAttachments(q, region, rest)
	case "operations":
		return s.serveOperations(q, model.GCPRegionScope(region), rest)
	}
	return notFound("projects/" + q.project + "/regions/" + region + "/" + coll)
}

func (s *Server) hasRegion(region string) bool {
	p, _ := model.LookupProfile(model.ProviderGCP)
	for _, r := range p.Regions {
		if r == region {
			return true
		}
	}
	return false
}

// decode reads a JSON body into v; a body that is not JSON is GCP's
// parse error.
// GCP: https://cloud.google.com/compute/docs/api/handling-errors — 400 parseError for a malformed body
func decode(r *http.Request, v any) *apiError {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return fail(http.StatusBadRequest, "parseError", "Could not read the request body: %v", err)
	}
	if len(b) > maxBody {
		return fail(http.StatusRequestEntityTooLarge, "invalid", "The request body is larger than %d bytes.", maxBody)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fail(http.StatusBadRequest, "parseError", "Invalid JSON payload received. %s", clip(err.Error()))
	}
	return nil
}

// project answers projects.get, as far as networking clients read it.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/projects/get
func (s *Server) getProject(q *request) *apiError {
	if q.Method != http.MethodGet {
		return fail(http.StatusMethodNotAllowed, "methodNotAllowed", "Method %s is not allowed on projects/%s", q.Method, q.project)
	}
	writeJSON(q.w, http.StatusOK, map[string]any{"kind": "compute#project", "name": q.project, "id": numericID("projects/" + q.project),
		"selfLink": q.base + "projects/" + q.project, "xpnProjectStatus": "UNSPECIFIED_XPN_PROJECT_STATUS",
		"defaultNetworkTier": "PREMIUM", "creationTimestamp": "2024-01-01T00:00:00.000-07:00"})
	return nil
}

// clip shortens what a caller sent before it is quoted back.
func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}
