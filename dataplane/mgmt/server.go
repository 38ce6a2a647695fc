package mgmt

import (
	"context"
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
		writeJSON(w, http.StatusOK, st)
	}})
	return mux
}

// DecodeConfig reads one Config, refusing unknown fields and trailing data.
func DecodeConfig(r io.Reader) (Config, error) {
	var cfg Config
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return Config{}, fmt.Errorf("decode config: %w", err)
	}
	if dec.More() {
		return Config{}, errors.New("decode config: data after the JSON object")
	}
	return cfg, nil
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, err error) {
	writeJSON(w, code, Error{Error: err.Error()})
}

// Server serves the API on a unix socket.
type Server struct {
	path string
	srv  *http.Server
	ln   net.Listener

	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// Listen creates the unix socket at path (mode 0600), replacing a stale
// socket file left by a dead daemon but refusing one that still answers,
// and serves b on it until Close.
func Listen(path string, b Backend, logger *slog.Logger) (*Server, error) {
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
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{path: path, ln: ln, srv: &http.Server{
		Handler:           Handler(b),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("management API stopped", "socket", path, "err", err)
		}
	}()
	return s, nil
}

// Path returns the socket's path.
func (s *Server) Path() string { return s.path }

// Close stops accepting, waits up to 5 s for requests in flight, removes
// the socket file and waits for the serving goroutine. It is idempotent.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil {
			s.closeErr = fmt.Errorf("close management API %s: %w", s.path, err)
			s.srv.Close()
		}
		s.wg.Wait()
		if err := os.Remove(s.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.closeErr = errors.Join(s.closeErr, fmt.Errorf("remove socket: %w", err))
		}
	})
	return s.closeErr
}
