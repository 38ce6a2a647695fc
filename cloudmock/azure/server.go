package azure

import (
	"crypto/rand"
	"net/http"
	"strings"
	"sync"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// Principal is a service principal (an app registration with a client
// secret) and the one subscription it may use.
type Principal struct {
	ClientID     string
	Secret       string
	Subscription string // a model account with the azure profile
}

// Server serves ARM and its identity endpoint over the model. Make one
// with New; it is an http.Handler for an HTTPS listener (az refuses plain
// HTTP; the Go SDK accepts it only with InsecureAllowCredentialWithHTTP).
type Server struct {
	cloud  *model.Cloud
	tenant string
	key    []byte // signs tokens (token.go)

	mu         sync.RWMutex         // guards principals
	principals map[string]Principal // by client ID

	// writes serializes the ARM writes (PUT, PATCH, DELETE): one write is
	// several model calls (a VNet, its prefixes, its subnets and their
	// associations), which no other write may interleave with.
	writes sync.Mutex

	// PageSize is the most items one list response holds before a
	// nextLink (100 when 0); tests make it small.
	PageSize int
}

// New returns a server for the cloud's azure accounts. tenant is the
// directory (tenant) ID that tokens and subscriptions name.
func New(c *model.Cloud, tenant string, principals ...Principal) *Server {
	s := &Server{cloud: c, tenant: tenant, key: make([]byte, 32), principals: map[string]Principal{}}
	if _, err := rand.Read(s.key); err != nil {
		panic("azure: crypto/rand failed: " + err.Error())
	}
	for _, p := range principals {
		s.AddPrincipal(p)
	}
	return s
}

// AddPrincipal adds or replaces a service principal.
func (s *Server) AddPrincipal(p Principal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.principals[p.ClientID] = p
}

func (s *Server) principal(clientID string) (Principal, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, ok := s.principals[clientID]
	return p, ok
}

// request is one ARM call: its path words (case kept; compare with
// lower), the caller and the base URL links are made from.
type request struct {
	*http.Request
	w     http.ResponseWriter
	words []string
	base  string // https://host, for nextLink and operation URLs
	sub   string // the subscription in the path
	ns    string // the resource provider namespace its operations are under; empty is Microsoft.Network
}

// ServeHTTP routes a request: identity endpoints need no token; every
// ARM path needs a valid bearer token of a principal of the subscription.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Azure CLI: a resource type given with a trailing slash makes "//" (cloud-clients.md §1.1.3); ARM takes it as "/".
	words := splitPath(r.URL.Path)
	scheme := "https"
	if r.TLS == nil {
		scheme = "http"
	}
	q := &request{Request: r, w: w, words: words, base: scheme + "://" + r.Host}
	if s.serveIdentity(q) {
		return
	}
	if len(words) == 2 && lower(words[0]) == "metadata" && lower(words[1]) == "endpoints" {
		s.metadataEndpoints(q)
		return
	}
	p, err := s.authenticate(r)
	if err != nil {
		writeError(w, err)
		return
	}
	if len(words) == 0 || lower(words[0]) != "subscriptions" {
		writeError(w, fail(http.StatusNotFound, "InvalidResourceType", "The resource type '%s' could not be found.", clip(r.URL.Path)))
		return
	}
	if len(words) == 1 {
		s.listSubscriptions(q, p)
		return
	}
	q.sub = words[1]
	if !strings.EqualFold(q.sub, p.Subscription) {
		// Azure: https://learn.microsoft.com/en-us/azure/role-based-access-control/troubleshooting — AuthorizationFailed: the client does not have authorization over the scope
		writeError(w, fail(http.StatusForbidden, "AuthorizationFailed",
			"The client '%s' with object id '%s' does not have authorization to perform action over scope '/subscriptions/%s' or the scope is invalid.",
			p.ClientID, p.ClientID, clip(q.sub)))
		return
	}
	q.sub = p.Subscription
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		s.writes.Lock()
		defer s.writes.Unlock()
	}
	s.serveSubscription(q)
}

// splitPath splits a URL path into its words, dropping empty ones (so
// "//" is "/").
func splitPath(p string) []string {
	var out []string
	for _, w := range strings.Split(p, "/") {
		if w != "" {
			out = append(out, w)
		}
	}
	return out
}

// serveSubscription routes /subscriptions/S/...
func (s *Server) serveSubscription(q *request) {
	w := q.words[2:]
	switch {
	case len(w) == 0:
		s.getSubscription(q)
	case lower(w[0]) == "resourcegroups":
		s.serveGroups(q, w[1:])
	case lower(w[0]) == "operationresults" && len(w) == 2:
		q.w.WriteHeader(http.StatusOK)
	case lower(w[0]) == "providers" && len(w) >= 2 && lower(w[1]) == "microsoft.network":
		s.serveNetworkProvider(q, w[2:])
	case lower(w[0]) == "providers" && len(w) >= 3 && lower(w[1]) == "microsoft.compute":
		q.ns = computeNS
		s.serveComputeProvider(q, w[2:])
	case lower(w[0]) == "providers" && len(w) == 2:
		s.providerMetadata(q, w[1])
	default:
		writeError(q.w, fail(http.StatusNotFound, "InvalidResourceType", "The resource type '%s' could not be found.", clip(q.URL.Path)))
	}
}

// serveNetworkProvider routes /subscriptions/S/providers/Microsoft.Network/...
func (s *Server) serveNetworkProvider(q *request, w []string) {
	switch {
	case len(w) == 0:
		s.providerMetadata(q, "Microsoft.Network")
	case len(w) == 4 && lower(w[0]) == "locations" && (lower(w[2]) == "operations" || lower(w[2]) == "operationresults"):
		s.operation(q, lower(w[2]), w[3])
	case len(w) == 1:
		s.listNetwork(q, "", w[0])
	default:
		writeError(q.w, fail(http.StatusNotFound, "InvalidResourceType", "The resource type '%s' could not be found in the namespace 'Microsoft.Network'.", clip(strings.Join(w, "/"))))
	}
}

// LabTenant is the directory (tenant) ID of a lab's Azure cloud: the one
// its subscriptions name and `mcnlab cloudmock env` logs in to.
const LabTenant = "4d6c616e-6d63-4e6c-a162-000000000001"
