package mgmt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/sockapi"
)

// maxBody bounds a request body.
const maxBody = 1 << 20

// applyTimeout bounds one PUT's Apply. Apply does not follow the request's
// cancellation: a client that gives up must not leave a change half made.
const applyTimeout = 2 * time.Minute

// Backend is what the server serves: the gateway engine.
type Backend interface {
	// Name is the gateway's name for /v1/healthz; it may be empty.
	Name() string
	// Config returns the configuration in place.
	Config() Config
	// Apply makes cfg the configuration in place and returns what is in
	// place afterwards. An error wrapping ErrInvalid means nothing changed.
	Apply(ctx context.Context, cfg Config) (Config, error)
	// Status reports tunnels, sessions and routes.
	Status(ctx context.Context) (Status, error)
}

// Handler returns the API as an http.Handler over b.
func Handler(b Backend) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Errorf("no such path %q", r.URL.Path))
	})
	route := func(path string, methods map[string]http.HandlerFunc) {
		allow := ""
		for m := range methods {
			if allow != "" {
				allow += ", "
			}
			allow += m
		}
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			h, ok := methods[r.Method]
			if !ok {
				w.Header().Set("Allow", allow)
				writeError(w, http.StatusMethodNotAllowed, fmt.Errorf("method %s not allowed on %s", r.Method, path))
				return
			}
			h(w, r)
		})
	}
	route("/v1/healthz", map[string]http.HandlerFunc{http.MethodGet: func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, Health{Status: "ok", Name: b.Name()})
	}})
	route("/v1/config", map[string]http.HandlerFunc{
		http.MethodGet: func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusOK, b.Config())
		},
		http.MethodPut: func(w http.ResponseWriter, r *http.Request) {
			cfg, err := DecodeConfig(http.MaxBytesReader(w, r.Body, maxBody))
			if err != nil {
				writeError(w, http.StatusBadRequest, err)
				return
			}
			ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), applyTimeout)
			defer cancel()
			got, err := b.Apply(ctx, cfg)
			switch {
			case errors.Is(err, ErrInvalid):
				writeError(w, http.StatusBadRequest, err)
			case err != nil:
				writeError(w, http.StatusInternalServerError, err)
			default:
				writeJSON(w, http.StatusOK, got)
			}
		},
	})
	route("/v1/status", map[string]http.HandlerFunc{http.MethodGet: func(w http.ResponseWriter, r *http.Request) {
		st, err := b.Status(r.Context())
		if err != nil {
			writeError(w, http.StatusInternalServerError, err)
			return
		}
		if v := r.URL.Query().Get("routes_since"); v != "" && v == st.RoutesVersion {
			st.Routes, st.RoutesUnchanged = nil, true
		}
		writeJSON(w, http.StatusOK, st)
	}})
	if cb, ok := b.(Captures); ok {
		captureRoutes(route, cb)
	}
	return mux
}

// DecodeConfig reads one Config, refusing unknown fields and trailing data.
func DecodeConfig(r io.Reader) (Config, error) {
	var cfg Config
	if err := decodeStrict(r, &cfg); err != nil {
		return Config{}, fmt.Errorf("decode config: %w", err)
	}
	return cfg, nil
}

// decodeStrict reads one JSON object into v, refusing unknown fields and
// trailing data.
func decodeStrict(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("data after the JSON object")
	}
	return nil
}

func writeJSON(w http.ResponseWriter, code int, v any) { sockapi.WriteJSON(w, code, v) }

func writeError(w http.ResponseWriter, code int, err error) { sockapi.WriteError(w, code, err) }

// Server serves the API on a unix socket.
type Server = sockapi.Server

// Listen creates the unix socket at path (mode 0600), replacing a stale
// socket file left by a dead daemon but refusing one that still answers,
// and serves b on it until Close.
func Listen(path string, b Backend, logger *slog.Logger) (*Server, error) {
	return sockapi.Listen(path, "management API", Handler(b), logger)
}
