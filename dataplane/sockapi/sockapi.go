// Package sockapi is the transport of the daemons' management APIs
// (dataplane/mgmt for gateways, dataplane/fwmgmt for firewalls): JSON over
// HTTP on a unix socket of mode 0600. Server creates the socket, replacing
// a stale one left by a dead daemon but refusing one that still answers,
// and removes it on Close; Client makes one call and turns a non-2xx
// answer into a *StatusError. It knows no API's paths or types.
package sockapi

import (
	"bytes"
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

// maxAnswer bounds an answer's body.
const maxAnswer = 16 << 20

// ErrorBody is the body of a non-2xx answer: {"error": "..."}.
type ErrorBody struct {
	Error string `json:"error"`
}

// StatusError is a non-2xx answer.
type StatusError struct {
	StatusCode int
	Message    string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("HTTP %d: %s", e.StatusCode, e.Message)
}

// WriteJSON answers v as JSON with the status code.
func WriteJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// WriteError answers err as an ErrorBody with the status code.
func WriteError(w http.ResponseWriter, code int, err error) {
	WriteJSON(w, code, ErrorBody{Error: err.Error()})
}

// Client calls one socket's API. It is safe for concurrent use; Close
// releases its idle connections.
type Client struct {
	path string
	hc   *http.Client
}

// NewClient returns a client of the socket at path; it connects lazily.
func NewClient(path string) *Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
		MaxIdleConns: 2,
	}
	return &Client{path: path, hc: &http.Client{Transport: tr}}
}

// Path is the socket's path.
func (c *Client) Path() string { return c.path }

// Close closes idle connections. It is idempotent.
func (c *Client) Close() error {
	c.hc.CloseIdleConnections()
	return nil
}

// Do sends in (nil: no body) as JSON with method to path and decodes the
// answer into out (a *[]byte takes the body as it is). A non-2xx answer is an error wrapping a *StatusError.
func (c *Client) Do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://socket"+path, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s on %s: %w", method, path, c.path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		var e ErrorBody
		if json.Unmarshal(b, &e) != nil || e.Error == "" {
			e.Error = string(b)
		}
		return fmt.Errorf("%s %s on %s: %w", method, path, c.path, &StatusError{StatusCode: resp.StatusCode, Message: e.Error})
	}
	if raw, ok := out.(*[]byte); ok { // a file, not JSON
		*raw = b
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
	}
	return nil
}

// Server serves an API on a unix socket.
type Server struct {
	path, what string
	srv        *http.Server

	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// Listen creates the unix socket at path (mode 0600), replacing a stale
// socket file left by a dead daemon but refusing one that still answers,
// and serves h on it until Close. what names the API in logs and errors.
func Listen(path, what string, h http.Handler, logger *slog.Logger) (*Server, error) {
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
	s := &Server{path: path, what: what, srv: &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error(what+" stopped", "socket", path, "err", err)
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
			s.closeErr = fmt.Errorf("close %s %s: %w", s.what, s.path, err)
			s.srv.Close()
		}
		s.wg.Wait()
		if err := os.Remove(s.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.closeErr = errors.Join(s.closeErr, fmt.Errorf("remove socket: %w", err))
		}
	})
	return s.closeErr
}
