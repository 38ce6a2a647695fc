package api

import (
	"context"
	"net/http"
	"net/netip"
	"net/url"
	"time"

	"github.com/mcnlab/mcnlab/controller/store"
)

// VPNBackend is the part of a Backend that serves the user VPN's
// endpoints. (Signing in is not here: the SAML endpoints /v1/vpn/saml/
// and the IdP's /v1/vpn/idp/ are served beside the API, without tokens.)
type VPNBackend interface {
	// VPNUsers answers GET /v1/vpn/users: the IdP's users with their
	// groups and profile.
	VPNUsers(ctx context.Context) ([]VPNUser, error)
	// VPNSessions answers GET /v1/vpn/sessions: who is connected where.
	VPNSessions(ctx context.Context) ([]VPNSession, error)
	// VPNDisconnect answers POST /v1/vpn/sessions/{name}/disconnect: it
	// ends user name's sessions and returns once their rules are gone
	// from the gateways, on behalf of by. A user connected nowhere wraps
	// ErrNotFound.
	VPNDisconnect(ctx context.Context, name, by string) (VPNDisconnectResult, error)
}

// VPNUser is a user of the lab's IdP.
type VPNUser struct {
	Name   string   `json:"name"`
	Groups []string `json:"groups"`
	// Profile is the profile its credentials are bound to; empty when it
	// has none (it gets no credential).
	Profile string `json:"profile,omitempty"`
}

// VPNSession is a user connected to a VPN gateway.
type VPNSession struct {
	Gateway string     `json:"gateway"`
	User    string     `json:"user"`
	Profile string     `json:"profile"`
	Address netip.Addr `json:"address"`
	Remote  string     `json:"remote"`
	Since   time.Time  `json:"since"`
}

// VPNDisconnectResult says where a user was disconnected.
type VPNDisconnectResult struct {
	User     string   `json:"user"`
	Gateways []string `json:"gateways"`
}

// vpnRoutes are the user VPN's endpoints.
func (h *handler) vpnRoutes() []route {
	return []route{
		{"GET", "/v1/vpn/users", store.RoleReadOnly, h.vpnUsers},
		{"GET", "/v1/vpn/sessions", store.RoleReadOnly, h.vpnSessions},
		{"POST", "/v1/vpn/sessions/{name}/disconnect", store.RoleOperator, h.vpnDisconnect},
	}
}

func (h *handler) vpnBackend(w http.ResponseWriter) VPNBackend {
	return backendPart[VPNBackend](h, w, "this controller has no user VPN")
}

func (h *handler) vpnUsers(w http.ResponseWriter, r *http.Request, _ caller) {
	if vb := h.vpnBackend(w); vb != nil {
		us, err := vb.VPNUsers(r.Context())
		for i := range us {
			us[i].Groups = list(us[i].Groups)
		}
		answer(w, list(us), err)
	}
}

func (h *handler) vpnSessions(w http.ResponseWriter, r *http.Request, _ caller) {
	if vb := h.vpnBackend(w); vb != nil {
		ss, err := vb.VPNSessions(r.Context())
		answer(w, list(ss), err)
	}
}

func (h *handler) vpnDisconnect(w http.ResponseWriter, r *http.Request, c caller) {
	if vb := h.vpnBackend(w); vb != nil {
		res, err := vb.VPNDisconnect(r.Context(), r.PathValue("name"), c.by())
		res.Gateways = list(res.Gateways)
		answer(w, res, err)
	}
}

// VPNUsers calls GET /v1/vpn/users.
func (c *Client) VPNUsers(ctx context.Context) ([]VPNUser, error) {
	var v []VPNUser
	return v, c.do(ctx, "GET", "/v1/vpn/users", nil, &v)
}

// VPNSessions calls GET /v1/vpn/sessions.
func (c *Client) VPNSessions(ctx context.Context) ([]VPNSession, error) {
	var v []VPNSession
	return v, c.do(ctx, "GET", "/v1/vpn/sessions", nil, &v)
}

// VPNDisconnect calls POST /v1/vpn/sessions/{name}/disconnect.
func (c *Client) VPNDisconnect(ctx context.Context, user string) (VPNDisconnectResult, error) {
	var v VPNDisconnectResult
	return v, c.do(ctx, "POST", "/v1/vpn/sessions/"+url.PathEscape(user)+"/disconnect", nil, &v)
}
