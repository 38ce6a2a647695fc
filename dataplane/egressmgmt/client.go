package egressmgmt

import (
	"context"
	"net/http"

	"github.com/mcnlab/mcnlab/dataplane/sockapi"
)

// Client talks to one egress gateway's management socket. It is safe for
// concurrent use; Close releases its idle connections.
type Client struct {
	sc *sockapi.Client
}

// NewClient returns a client of the socket at path; it connects lazily.
func NewClient(path string) *Client { return &Client{sc: sockapi.NewClient(path)} }

// Close closes idle connections; it is idempotent.
func (c *Client) Close() error { return c.sc.Close() }

// Config returns the policy in place.
func (c *Client) Config(ctx context.Context) (Config, error) {
	var cfg Config
	return cfg, c.sc.Do(ctx, http.MethodGet, "/v1/config", nil, &cfg)
}

// PutConfig applies cfg and returns the policy in place afterwards.
func (c *Client) PutConfig(ctx context.Context, cfg Config) (Config, error) {
	var got Config
	return got, c.sc.Do(ctx, http.MethodPut, "/v1/config", cfg, &got)
}

// Log returns the last decisions, oldest first.
func (c *Client) Log(ctx context.Context) ([]Entry, error) {
	var es []Entry
	return es, c.sc.Do(ctx, http.MethodGet, "/v1/log", nil, &es)
}

// Status returns the gateway's state.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var st Status
	return st, c.sc.Do(ctx, http.MethodGet, "/v1/status", nil, &st)
}
