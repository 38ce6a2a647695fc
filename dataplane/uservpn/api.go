package uservpn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/sockapi"
)

// Status is a gateway's state as its API reports it.
type Status struct {
	Name       string `json:"name"`
	Configured bool   `json:"configured"`
	Sessions   int    `json:"sessions"`
}

// Handler is the gateway's management API:
//
//	GET  /v1/healthz           200 while it serves (the realizer waits for it)
//	GET  /v1/status
//	GET  /v1/config            the configuration in force (keys left out)
//	PUT  /v1/config            apply a configuration
//	GET  /v1/sessions
//	POST /v1/sessions/{user}/disconnect
//	GET  /v1/events?after=N
func Handler(g *Gateway) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/healthz", func(w http.ResponseWriter, _ *http.Request) {
		sockapi.WriteJSON(w, http.StatusOK, map[string]bool{"ok": true})
	})
	mux.HandleFunc("GET /v1/status", func(w http.ResponseWriter, _ *http.Request) {
		cfg, ok := g.Config()
		sockapi.WriteJSON(w, http.StatusOK, Status{Name: cfg.Name, Configured: ok, Sessions: len(g.Sessions())})
	})
	mux.HandleFunc("GET /v1/config", func(w http.ResponseWriter, _ *http.Request) {
		cfg, _ := g.Config()
		cfg.Key = ""
		sockapi.WriteJSON(w, http.StatusOK, cfg)
	})
	mux.HandleFunc("PUT /v1/config", func(w http.ResponseWriter, r *http.Request) {
		var cfg Config
		dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cfg); err != nil {
			sockapi.WriteError(w, http.StatusBadRequest, fmt.Errorf("config: %w", err))
			return
		}
		if err := cfg.Validate(); err != nil {
			sockapi.WriteError(w, http.StatusBadRequest, err)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 20*time.Second)
		defer cancel()
		if err := g.Apply(ctx, cfg); err != nil {
			sockapi.WriteError(w, http.StatusInternalServerError, err)
			return
		}
		sockapi.WriteJSON(w, http.StatusOK, Status{Name: cfg.Name, Configured: true, Sessions: len(g.Sessions())})
	})
	mux.HandleFunc("GET /v1/sessions", func(w http.ResponseWriter, _ *http.Request) {
		sockapi.WriteJSON(w, http.StatusOK, g.Sessions())
	})
	mux.HandleFunc("POST /v1/sessions/{user}/disconnect", func(w http.ResponseWriter, r *http.Request) {
		if !ValidName(r.PathValue("user")) {
			sockapi.WriteError(w, http.StatusBadRequest, fmt.Errorf("user %q: not a valid name", r.PathValue("user")))
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		defer cancel()
		err := g.Disconnect(ctx, r.PathValue("user"))
		switch {
		case errors.Is(err, ErrNoSession):
			sockapi.WriteError(w, http.StatusNotFound, err)
		case err != nil:
			sockapi.WriteError(w, http.StatusInternalServerError, err)
		default:
			sockapi.WriteJSON(w, http.StatusOK, map[string]string{"disconnected": r.PathValue("user")})
		}
	})
	mux.HandleFunc("GET /v1/events", func(w http.ResponseWriter, r *http.Request) {
		after, _ := strconv.ParseUint(r.URL.Query().Get("after"), 10, 64)
		sockapi.WriteJSON(w, http.StatusOK, g.Events(after))
	})
	return mux
}

// Listen serves g's API on the unix socket at path until Close.
func Listen(path string, g *Gateway, logger *slog.Logger) (*sockapi.Server, error) {
	return sockapi.Listen(path, "vpn gateway API", Handler(g), logger)
}

// Client talks to one VPN gateway's management socket. It is safe for
// concurrent use; Close releases its idle connections.
type Client struct {
	sc *sockapi.Client
}

// NewClient returns a client of the socket at path; it connects lazily.
func NewClient(path string) *Client { return &Client{sc: sockapi.NewClient(path)} }

// Close closes idle connections; it is idempotent.
func (c *Client) Close() error { return c.sc.Close() }

// Status returns the gateway's state.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var st Status
	return st, c.sc.Do(ctx, http.MethodGet, "/v1/status", nil, &st)
}

// Config returns the configuration in force, without the server key.
func (c *Client) Config(ctx context.Context) (Config, error) {
	var cfg Config
	return cfg, c.sc.Do(ctx, http.MethodGet, "/v1/config", nil, &cfg)
}

// PutConfig applies cfg.
func (c *Client) PutConfig(ctx context.Context, cfg Config) error {
	var st Status
	return c.sc.Do(ctx, http.MethodPut, "/v1/config", cfg, &st)
}

// Sessions lists the connected users.
func (c *Client) Sessions(ctx context.Context) ([]Session, error) {
	var ss []Session
	return ss, c.sc.Do(ctx, http.MethodGet, "/v1/sessions", nil, &ss)
}

// Disconnect ends user's session; it returns once the rules are gone.
func (c *Client) Disconnect(ctx context.Context, user string) error {
	var out map[string]string
	return c.sc.Do(ctx, http.MethodPost, "/v1/sessions/"+url.PathEscape(user)+"/disconnect", nil, &out)
}

// Events returns the events after seq.
func (c *Client) Events(ctx context.Context, after uint64) ([]SessionEvent, error) {
	var es []SessionEvent
	return es, c.sc.Do(ctx, http.MethodGet, "/v1/events?after="+strconv.FormatUint(after, 10), nil, &es)
}
