package fwmgmt

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/firewall"
)

// Engine is what the server drives; *firewall.Engine implements it.
type Engine interface {
	Apply(firewall.Config) error
	Counters() (firewall.Counts, error)
	Flows() ([]firewall.Flow, error)
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
		Established: Count(c.Established), Invalid: Count(c.Invalid), DefaultCount: Count(c.Default)}
	for _, r := range cfg.Rules {
		st.Rules = append(st.Rules, RuleCount{Rule: r, Count: Count(c.Rules[r.Name])})
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

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// Server serves the API on a unix socket.
type Server struct {
	path string
	srv  *http.Server
	wg   sync.WaitGroup
	once sync.Once
	err  error
}

// Listen creates the unix socket at path (mode 0600), replacing a stale
// socket file, and serves b on it until Close.
func Listen(path string, b *Backend, logger *slog.Logger) (*Server, error) {
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode()&os.ModeSocket == 0 {
			return nil, fmt.Errorf("listen on %s: exists and is not a socket", path)
		}
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("listen on %s: another process serves it", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("listen on %s: remove stale socket: %w", path, err)
		}
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	s := &Server{path: path, srv: &http.Server{Handler: Handler(b), ReadHeaderTimeout: 10 * time.Second}}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) && logger != nil {
			logger.Error("firewall API stopped", "socket", path, "err", err)
		}
	}()
	return s, nil
}

// Close stops serving (waiting up to 5 s for requests in flight) and
// removes the socket file; it is idempotent.
func (s *Server) Close() error {
	s.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil {
			s.err = fmt.Errorf("close firewall API %s: %w", s.path, err)
			s.srv.Close()
		}
		s.wg.Wait()
		if err := os.Remove(s.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.err = errors.Join(s.err, fmt.Errorf("remove socket: %w", err))
		}
	})
	return s.err
}
