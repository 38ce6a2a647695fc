package oci

import (
	"bytes"
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
	// Users are the API keys requests may be signed with; each sees only
	// its tenancy (a model account of provider oci).
	Users []User
	// PageSize is the most items a list answers when the request asks for
	// more or for none (1000 when 0).
	PageSize int
	// Region is the region the server's resources are made in: one
	// endpoint serves one region, as OCI's do (us-ashburn-1 when empty).
	// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/ — the endpoint https://iaas.{region}.oraclecloud.com is per region
	Region string
}

// Server serves the Core Services API over the model. Make one with New;
// it is an http.Handler for HTTP or HTTPS (the OCI SDKs accept a plain
// HTTP endpoint).
type Server struct {
	cloud *model.Cloud
	cfg   Config
	users map[string]User // by keyId
	now   func() time.Time

	// beside is what the server keeps beside the model, shared with the
	// servers of the cloud's other regions (InRegion).
	*beside
}

// beside is what the servers of one cloud's regions keep beside the
// model.
type beside struct {
	// writes serializes mutations: one is several model calls (a VCN and
	// its extra CIDRs, a subnet and its lists) that no other may
	// interleave with.
	writes sync.Mutex
	state  state // lifecycle states, tombstones and retry tokens (state.go)
	works  works // work requests (workreq.go)
	dists  dists // DRG route distributions (drgdist.go)
	lpgs   lpgs  // local peering gateways (lpg.go)
	rpcs   rpcs  // remote peering connections (rpc.go)
	vcs    vcs   // virtual circuits (vc.go)
}

// InRegion returns the server of another region of the same cloud: the
// same users, and the same state beside the model, so that what spans
// regions (remote peering) sees both ends.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/scenario_e.htm — remote peering connects DRGs of two regions of one realm
func (s *Server) InRegion(region string) *Server {
	cfg := s.cfg
	cfg.Region = region
	return &Server{cloud: s.cloud, cfg: cfg, users: s.users, now: s.now, beside: s.beside}
}

// New returns a server for the cloud's oci tenancies.
func New(c *model.Cloud, cfg Config) *Server {
	if cfg.PageSize <= 0 || cfg.PageSize > 1000 {
		cfg.PageSize = 1000
	}
	if cfg.Region == "" {
		cfg.Region = "us-ashburn-1"
	}
	s := &Server{cloud: c, cfg: cfg, users: map[string]User{}, now: time.Now, beside: &beside{state: newState()}}
	for _, u := range cfg.Users {
		s.users[u.KeyID()] = u
	}
	return s
}

// maxBody bounds a request body; Core Services resources are small.
const maxBody = 1 << 20

// apiVersion is the path prefix of Core Services and Identity.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/ — the API version 20160918
const apiVersion = "20160918"

// request is one authenticated API call.
type request struct {
	*http.Request
	w       http.ResponseWriter
	tenancy string
	body    []byte
	coll    string
	rest    []string // after the collection
}

// ServeHTTP authenticates and routes one request; every answer carries
// an opc-request-id.
// OCI: https://docs.oracle.com/en-us/iaas/Content/API/Concepts/usingapi.htm — opc-request-id on every response
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("opc-request-id", requestID(r))
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		writeError(w, invalid("Could not read the request body"))
		return
	}
	if len(body) > maxBody {
		writeError(w, fail(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "The request body is larger than %d bytes", maxBody))
		return
	}
	u, aerr := s.authenticate(r, body)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	if a, err := s.cloud.Account(u.Tenancy); err != nil || a.Provider != model.ProviderOCI {
		writeError(w, fail(http.StatusUnauthorized, codeNotAuthenticated, "The tenancy of the key is not known"))
		return
	}
	words := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(words) < 2 || words[0] != apiVersion {
		writeError(w, fail(http.StatusNotFound, "NotFound", "Not found: %s", clip(r.URL.Path)))
		return
	}
	q := &request{Request: r, w: w, tenancy: u.Tenancy, body: body, coll: words[1], rest: words[2:]}
	if r.Method != http.MethodGet {
		s.writes.Lock()
		defer s.writes.Unlock()
	}
	if aerr := s.route(q); aerr != nil {
		writeError(w, aerr)
	}
}

// route dispatches on the collection.
func (s *Server) route(q *request) *apiError {
	var k *kind
	switch q.coll {
	case "vcns":
		k = s.vcns()
	case "subnets":
		k = s.subnets()
	case "securityLists":
		k = s.securityLists()
	case "routeTables":
		k = s.routeTables()
	case "internetGateways":
		k = s.internetGateways()
	case "natGateways":
		k = s.natGateways()
	case "networkSecurityGroups":
		k = s.nsgs()
	case "drgs":
		k = s.drgs()
	case "dhcps":
		k = s.dhcpOptionSets()
	case "drgAttachments":
		k = s.drgAttachments()
	case "drgRouteTables":
		k = s.drgRouteTables()
	case "drgRouteDistributions":
		k = s.distributions()
	case "instances":
		k = s.instances()
	case "vnicAttachments":
		k = s.vnicAttachments()
	case "vnics":
		k = s.vnics()
	case "privateIps":
		k = s.privateIPs()
		if len(q.rest) == 0 && q.Method == http.MethodGet {
			return s.listPrivateIPs(q, k)
		}
	case "publicIps":
		k = s.publicIPs()
		if len(q.rest) == 0 && q.Method == http.MethodGet {
			return s.listPublicIPs(q, k)
		}
		if len(q.rest) == 2 && q.rest[0] == "actions" && q.Method == http.MethodPost && (q.rest[1] == "getByPrivateIpId" || q.rest[1] == "getByIpAddress") {
			return s.publicIPBy(q, k, q.rest[1])
		}
	case "serviceGateways":
		k = s.serviceGateways()
	case "services":
		return s.serveServices(q)
	case "virtualCircuits":
		k = s.virtualCircuits()
	case "remotePeeringConnections":
		k = s.remotePeerings()
	case "localPeeringGateways":
		k = s.localPeeringGateways()
	case "cpes":
		k = s.cpes()
	case "ipsecConnections":
		if len(q.rest) >= 2 && q.rest[1] == "tunnels" {
			return s.serveTunnels(q)
		}
		k = s.ipsecConnections()
	case "workRequests":
		return s.serveWorkRequests(q)
	case "compartments":
		if len(q.rest) > 1 {
			return fail(http.StatusNotFound, "NotFound", "Not found: %s", clip(q.URL.Path))
		}
		return s.serveCompartments(q)
	case "tenancies":
		return s.serveTenancy(q)
	case "availabilityDomains":
		return s.serveAvailabilityDomains(q)
	default:
		return fail(http.StatusNotFound, "NotFound", "Not found: %s", clip(q.URL.Path))
	}
	return s.serveKind(q, k)
}

// decode reads a JSON body into v; a body that is not one is
// InvalidParameter.
// OCI: https://docs.oracle.com/en-us/iaas/Content/API/References/apierrors.htm — 400 InvalidParameter for a malformed request
func decode(body []byte, v any) *apiError {
	d := json.NewDecoder(bytes.NewReader(body))
	if err := d.Decode(v); err != nil {
		return invalid("The request body is not valid JSON: %s", clip(err.Error()))
	}
	return nil
}

// checkCompartment answers 404 for a compartment the tenancy does not
// have: the tenancy's OCID itself (its root compartment) or one of its
// compartments.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Identity/compartments/managingcompartments.htm — the root compartment is the tenancy
func (s *Server) checkCompartment(q *request, id string) *apiError {
	if id == "" {
		return fail(http.StatusBadRequest, codeMissingParameter, "compartmentId is required")
	}
	if id == q.tenancy {
		return nil
	}
	if _, err := s.cloud.ScopeOf(q.tenancy, id); err != nil {
		return notFound("compartment", id)
	}
	return nil
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }
