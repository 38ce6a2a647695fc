package api

import (
	"context"
	"net/http"
	"net/netip"
	"net/url"
	"time"

	"github.com/mcnlab/mcnlab/controller/store"
)

// EgressBackend is the part of a Backend that serves the FQDN egress
// gateways' endpoints.
type EgressBackend interface {
	// EgressGateways answers GET /v1/egress.
	EgressGateways(ctx context.Context) ([]EgressGateway, error)
	// EgressLog answers GET /v1/egress/{name}/log: the gateway's last
	// decisions, oldest first. An unknown gateway wraps ErrNotFound.
	EgressLog(ctx context.Context, name string) ([]EgressDecision, error)
	// SetEgressBase answers PUT /v1/egress/{name}/base: it makes base
	// ("allow-list" or "deny-list") the gateway's base policy, kept
	// across controller restarts, on behalf of by. An unknown gateway
	// wraps ErrNotFound, an unknown base ErrInvalid.
	SetEgressBase(ctx context.Context, name, base, by string) (EgressGateway, error)
}

// EgressGateway is an FQDN egress gateway as the controller sees it.
type EgressGateway struct {
	Name string `json:"name"`
	VPC  string `json:"vpc"`
	// Instance is its instance's ID, PublicIP its elastic IP (empty
	// before they exist).
	Instance string     `json:"instance,omitempty"`
	PublicIP netip.Addr `json:"public_ip,omitzero"`
	// Base is the base policy it is to hold (allow-list or deny-list),
	// Applied the one it holds now (empty when it does not answer).
	Base    string `json:"base"`
	Applied string `json:"applied,omitempty"`
	// Subnets are the private subnets whose default route points at it.
	Subnets []string `json:"subnets"`
	// Allowed and Denied count its decisions since it started.
	Allowed uint64 `json:"allowed"`
	Denied  uint64 `json:"denied"`
}

// EgressDecision is one decision of an egress gateway.
type EgressDecision struct {
	Time  time.Time      `json:"time"`
	Src   netip.AddrPort `json:"src"`
	Dst   netip.AddrPort `json:"dst"`
	Proto string         `json:"proto"`
	// Name is the server name asked for (TLS SNI, HTTP Host), or the
	// rule name whose resolved address matched.
	Name string `json:"name,omitempty"`
	// By is what was read: sni, host, address, no rule, or why no name
	// was.
	By      string `json:"by"`
	Verdict string `json:"verdict"`
	// Tag and Rule name the rule that decided; Rule is "base
	// allow-list" or "base deny-list" when none did.
	Tag  string `json:"tag,omitempty"`
	Rule string `json:"rule"`
}

// EgressBaseRequest is the body of PUT /v1/egress/{name}/base.
type EgressBaseRequest struct {
	Base string `json:"base"`
}

// egressRoutes are the endpoints of the egress gateways.
func (h *handler) egressRoutes() []route {
	return []route{
		{"GET", "/v1/egress", store.RoleReadOnly, h.egressGateways},
		{"GET", "/v1/egress/{name}/log", store.RoleReadOnly, h.egressLog},
		{"PUT", "/v1/egress/{name}/base", store.RoleOperator, h.setEgressBase},
	}
}

// egressBackend is h's backend's egress part, or nil.
func (h *handler) egressBackend(w http.ResponseWriter) EgressBackend {
	return backendPart[EgressBackend](h, w, "this controller has no egress gateways")
}

// backendPart is h's backend as the optional part T, or T's zero value
// after answering 501 with why when the backend lacks it.
func backendPart[T any](h *handler, w http.ResponseWriter, why string) T {
	p, ok := h.b.(T)
	if !ok {
		writeError(w, http.StatusNotImplemented, why)
	}
	return p
}

func (h *handler) egressGateways(w http.ResponseWriter, r *http.Request, _ caller) {
	if eb := h.egressBackend(w); eb != nil {
		gs, err := eb.EgressGateways(r.Context())
		for i := range gs {
			gs[i].Subnets = list(gs[i].Subnets)
		}
		answer(w, list(gs), err)
	}
}

func (h *handler) egressLog(w http.ResponseWriter, r *http.Request, _ caller) {
	if eb := h.egressBackend(w); eb != nil {
		es, err := eb.EgressLog(r.Context(), r.PathValue("name"))
		answer(w, list(es), err)
	}
}

func (h *handler) setEgressBase(w http.ResponseWriter, r *http.Request, c caller) {
	var req EgressBaseRequest
	if !decode(w, r, &req) {
		return
	}
	if eb := h.egressBackend(w); eb != nil {
		g, err := eb.SetEgressBase(r.Context(), r.PathValue("name"), req.Base, c.by())
		g.Subnets = list(g.Subnets)
		answer(w, g, err)
	}
}

// EgressGateways calls GET /v1/egress.
func (c *Client) EgressGateways(ctx context.Context) ([]EgressGateway, error) {
	var v []EgressGateway
	return v, c.do(ctx, "GET", "/v1/egress", nil, &v)
}

// EgressLog calls GET /v1/egress/{name}/log.
func (c *Client) EgressLog(ctx context.Context, name string) ([]EgressDecision, error) {
	var v []EgressDecision
	return v, c.do(ctx, "GET", "/v1/egress/"+url.PathEscape(name)+"/log", nil, &v)
}

// SetEgressBase calls PUT /v1/egress/{name}/base.
func (c *Client) SetEgressBase(ctx context.Context, name, base string) (EgressGateway, error) {
	var v EgressGateway
	return v, c.do(ctx, "PUT", "/v1/egress/"+url.PathEscape(name)+"/base", EgressBaseRequest{Base: base}, &v)
}
