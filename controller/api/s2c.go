package api

import (
	"context"
	"net/http"
	"net/url"

	"github.com/mcnlab/mcnlab/controller/store"
)

// S2CBackend is the part of a Backend that serves the site2cloud
// connections' endpoints.
type S2CBackend interface {
	// S2CConfig answers GET /v1/site2cloud/{name}/config?vendor=V: the
	// configuration the on-prem device of connection name needs, for
	// its make vendor (strongswan, the default; cisco-ios; frr): the text
	// `mcnlab s2c config` prints. An unknown connection wraps
	// ErrNotFound, an unknown vendor ErrInvalid.
	S2CConfig(ctx context.Context, name, vendor string) (S2CConfig, error)
}

// S2CConfig is the on-prem device's configuration of a site2cloud
// connection.
type S2CConfig struct {
	Connection string `json:"connection"`
	Vendor     string `json:"vendor"`
	// Config is the configuration text, as `mcnlab s2c config` prints it.
	Config string `json:"config"`
}

// s2cRoutes are the site2cloud connections' endpoints.
func (h *handler) s2cRoutes() []route {
	return []route{
		{"GET", "/v1/site2cloud/{name}/config", store.RoleReadOnly, h.s2cConfig},
	}
}

func (h *handler) s2cConfig(w http.ResponseWriter, r *http.Request, _ caller) {
	if b := backendPart[S2CBackend](h, w, "this controller has no site2cloud connections"); b != nil {
		vendor := r.URL.Query().Get("vendor")
		if vendor == "" {
			vendor = "strongswan"
		}
		c, err := b.S2CConfig(r.Context(), r.PathValue("name"), vendor)
		answer(w, c, err)
	}
}

// S2CConfig calls GET /v1/site2cloud/{name}/config?vendor=V.
func (c *Client) S2CConfig(ctx context.Context, name, vendor string) (S2CConfig, error) {
	var v S2CConfig
	return v, c.do(ctx, "GET", "/v1/site2cloud/"+url.PathEscape(name)+"/config?vendor="+url.QueryEscape(vendor), nil, &v)
}
