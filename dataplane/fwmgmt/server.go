package fwmgmt

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"

	"github.com/mcnlab/mcnlab/dataplane/firewall"
	"github.com/mcnlab/mcnlab/dataplane/l7proxy"
	"github.com/mcnlab/mcnlab/dataplane/sockapi"
)

// Engine is what the server drives; *firewall.Engine implements it.
type Engine interface {
	Apply(firewall.Config) error
	Counters() (firewall.Counts, error)
	Flows() ([]firewall.Flow, error)
	// Decisions are the l7 engine's, oldest first (none without it).
	Decisions() ([]l7proxy.Decision, error)
}

// Backend serves one engine under a name; it keeps the policy in place
// in wire form. Safe for concurrent use.
type Backend struct {
	name, boot string
	eng        Engine

	mu  sync.Mutex // guards cfg and serializes Apply
	cfg Config
}

// NewBackend serves eng, which holds the allow-all policy.
func NewBackend(name string, eng Engine) *Backend {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return &Backend{name: name, boot: hex.EncodeToString(b), eng: eng, cfg: Config{Rules: []Rule{}, Default: "allow"}}
}

// Apply makes cfg the policy; an error wrapping ErrInvalid changed nothing.
func (b *Backend) Apply(cfg Config) (Config, error) {
	ec, err := cfg.Engine()
	if err != nil {
		return Config{}, err
	}
	if cfg.Rules == nil {
		cfg.Rules = []Rule{}
	}
	if cfg.Default == "" {
		cfg.Default = "allow"
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.eng.Apply(ec); err != nil {
		return Config{}, err
	}
	b.cfg = cfg
	return cfg, nil
}

// Config is the policy in place.
func (b *Backend) Config() Config {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.cfg
}

// Status reads the counters and the connection table.
func (b *Backend) Status() (Status, error) {
	cfg := b.Config()
	c, err := b.eng.Counters()
	if err != nil {
		return Status{}, err
	}
	flows, err := b.eng.Flows()
	if err != nil {
		return Status{}, err
	}
	st := Status{Name: b.name, Boot: b.boot, Default: cfg.Default, Rules: []RuleCount{}, Connections: len(flows),
		Established: Count(c.Established), Invalid: Count(c.Invalid), DefaultCount: Count(c.Default), Engine: cfg.EngineName}
	if st.Engine == "" {
		st.Engine = "stateful"
	}
	requests := map[string]uint64{}
	if cfg.EngineName == EngineL7 {
		ds, err := b.eng.Decisions()
		if err != nil {
			return Status{}, err
		}
		st.L7 = &L7Status{HTTP: Count(c.L7HTTP), TLS: Count(c.L7TLS), Decisions: ds[max(0, len(ds)-MaxDecisions):]}
		for _, d := range ds {
			if d.Rule == "" {
				if !d.Denied {
					st.L7.Passed++
				}
				continue
			}
			requests[d.Rule]++
		}
		if st.L7.Decisions == nil {
			st.L7.Decisions = []l7proxy.Decision{}
		}
	}
	for _, r := range cfg.Rules {
		st.Rules = append(st.Rules, RuleCount{Rule: r, Count: Count(c.Rules[r.Name]), Requests: requests[r.Name]})
	}
	if cfg.Egress != nil {
		out, in := Count(c.EgressOut), Count(c.EgressIn)
		st.EgressOut, st.EgressIn = &out, &in
	}
	return st, nil
}

// Handler is the API over b.
func Handler(b *Backend) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, Health{Status: "ok", Name: b.name})
	})
	mux.HandleFunc("GET /v1/config", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, b.Config()) })
	mux.HandleFunc("PUT /v1/config", func(w http.ResponseWriter, r *http.Request) {
		dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
		dec.DisallowUnknownFields()
		var cfg Config
		if err := dec.Decode(&cfg); err != nil {
			writeJSON(w, http.StatusBadRequest, Error{Error: "decode config: " + err.Error()})
			return
		}
		got, err := b.Apply(cfg)
		switch {
		case errors.Is(err, ErrInvalid):
			writeJSON(w, http.StatusBadRequest, Error{Error: err.Error()})
		case err != nil:
			writeJSON(w, http.StatusInternalServerError, Error{Error: err.Error()})
		default:
			writeJSON(w, http.StatusOK, got)
		}
	})
	mux.HandleFunc("GET /v1/status", func(w http.ResponseWriter, _ *http.Request) {
		st, err := b.Status()
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, Error{Error: err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, st)
	})
	return mux
}

func writeJSON(w http.ResponseWriter, code int, v any) { sockapi.WriteJSON(w, code, v) }

// Server serves the API on a unix socket.
type Server = sockapi.Server

// Listen creates the unix socket at path (mode 0600), replacing a stale
// socket file, and serves b on it until Close.
func Listen(path string, b *Backend, logger *slog.Logger) (*Server, error) {
	return sockapi.Listen(path, "firewall API", Handler(b), logger)
}
