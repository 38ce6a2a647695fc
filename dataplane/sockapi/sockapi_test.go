package sockapi

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A server answers a client's call, a non-2xx answer is a *StatusError,
// the socket is 0600, a live socket is not taken over, a stale one is,
// and Close removes it.
func TestServerAndClient(t *testing.T) {
	path := filepath.Join(t.TempDir(), "api.sock")
	mux := http.NewServeMux()
	mux.HandleFunc("PUT /v1/echo", func(w http.ResponseWriter, r *http.Request) {
		var in map[string]string
		if err := jsonDecode(r, &in); err != nil {
			WriteError(w, http.StatusBadRequest, err)
			return
		}
		WriteJSON(w, http.StatusOK, in)
	})
	mux.HandleFunc("GET /v1/fail", func(w http.ResponseWriter, _ *http.Request) {
		WriteError(w, http.StatusConflict, errors.New("busy"))
	})
	s, err := Listen(path, "test API", mux, nil)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	c := NewClient(path)
	defer c.Close()
	var out map[string]string
	if err := c.Do(context.Background(), http.MethodPut, "/v1/echo", map[string]string{"a": "b"}, &out); err != nil || out["a"] != "b" {
		t.Errorf("echo = %v, %v", out, err)
	}
	err = c.Do(context.Background(), http.MethodGet, "/v1/fail", nil, &out)
	var se *StatusError
	if !errors.As(err, &se) || se.StatusCode != http.StatusConflict || se.Message != "busy" {
		t.Errorf("failing call: %v; want a *StatusError 409 busy", err)
	}
	if _, err := Listen(path, "test API", mux, nil); err == nil || !strings.Contains(err.Error(), "another process serves it") {
		t.Errorf("second Listen on a live socket: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("socket still there after Close: %v", err)
	}
	// A stale socket (nobody listens) is replaced.
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	s2, err := Listen(path, "test API", mux, nil)
	if err != nil {
		t.Fatalf("Listen over a stale socket: %v", err)
	}
	s2.Close()
	// A file that is not a socket is left alone.
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(path, "test API", mux, nil); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Errorf("Listen over a plain file: %v", err)
	}
}

func jsonDecode(r *http.Request, v any) error {
	return json.NewDecoder(r.Body).Decode(v)
}
