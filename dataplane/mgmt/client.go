package mgmt

import (
	"context"
	"net/http"
	"net/url"

	"github.com/mcnlab/mcnlab/dataplane/sockapi"
)

// Client talks to one gateway's management socket. It is safe for
// concurrent use; Close releases its idle connections.
type Client struct {
	sc *sockapi.Client
}

// NewClient returns a client of the socket at path; it connects lazily.
func NewClient(path string) *Client { return &Client{sc: sockapi.NewClient(path)} }

// Close closes idle connections. It is idempotent.
func (c *Client) Close() error { return c.sc.Close() }

// APIError is a non-2xx answer.
type APIError = sockapi.StatusError

// Health asks /v1/healthz.
func (c *Client) Health(ctx context.Context) (Health, error) {
	var h Health
	return h, c.do(ctx, http.MethodGet, "/v1/healthz", nil, &h)
}

// Config returns the configuration in place.
func (c *Client) Config(ctx context.Context) (Config, error) {
	var cfg Config
	return cfg, c.do(ctx, http.MethodGet, "/v1/config", nil, &cfg)
}

// PutConfig applies cfg and returns the configuration in place afterwards.
// A refused config is an *APIError with StatusCode 400.
func (c *Client) PutConfig(ctx context.Context, cfg Config) (Config, error) {
	var got Config
	return got, c.do(ctx, http.MethodPut, "/v1/config", cfg, &got)
}

// Status returns tunnels, sessions and routes.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var st Status
	return st, c.do(ctx, http.MethodGet, "/v1/status", nil, &st)
}

// StatusSince returns the status, leaving its routes out (RoutesUnchanged)
// when they are still those of routesVersion, a RoutesVersion of an
// earlier Status: a gateway holding 10,000 routes then answers in a few
// hundred bytes. An empty routesVersion asks for everything.
func (c *Client) StatusSince(ctx context.Context, routesVersion string) (Status, error) {
	if routesVersion == "" {
		return c.Status(ctx)
	}
	var st Status
	return st, c.do(ctx, http.MethodGet, "/v1/status?routes_since="+url.QueryEscape(routesVersion), nil, &st)
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	return c.sc.Do(ctx, method, path, in, out)
}
