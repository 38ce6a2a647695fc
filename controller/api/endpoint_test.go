package api_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

func TestEndpointFiles(t *testing.T) {
	roottest.UseTempState(t)
	if _, _, err := api.ControllerEndpoint("lab1"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("no controller: %v, want ErrNotExist", err)
	}
	if err := api.WriteEndpoint("lab1", "ftp://x", "t"); err == nil {
		t.Error("WriteEndpoint accepted an ftp URL")
	}
	if err := api.WriteEndpoint("lab1", "http://127.0.0.1:7443", "mcn_secret"); err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(api.EndpointFile("lab1")) != state.Dir("lab1") || filepath.Dir(api.TokenFile("lab1")) != state.Dir("lab1") {
		t.Errorf("files %s, %s are not in the lab's state directory", api.EndpointFile("lab1"), api.TokenFile("lab1"))
	}
	if fi, err := os.Stat(api.TokenFile("lab1")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("token file: %v, mode %v; want 0600", err, fi.Mode())
	}
	if fi, err := os.Stat(api.EndpointFile("lab1")); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("endpoint file: %v, mode %v; want 0644", err, fi.Mode())
	}
	u, tok, err := api.ControllerEndpoint("lab1")
	if err != nil || u != "http://127.0.0.1:7443" || tok != "mcn_secret" {
		t.Errorf("ControllerEndpoint = %q %q %v", u, tok, err)
	}
	// Rewriting replaces both.
	if err := api.WriteEndpoint("lab1", "http://127.0.0.1:9000", "mcn_other"); err != nil {
		t.Fatal(err)
	}
	if u, tok, _ := api.ControllerEndpoint("lab1"); u != "http://127.0.0.1:9000" || tok != "mcn_other" {
		t.Errorf("after rewrite: %q %q", u, tok)
	}
	ents, _ := os.ReadDir(state.Dir("lab1"))
	if len(ents) != 2 {
		t.Errorf("state dir holds %d entries, want the 2 files (no temporaries)", len(ents))
	}
	// A missing token file: the URL alone is still readable.
	os.Remove(api.TokenFile("lab1"))
	if _, _, err := api.ControllerEndpoint("lab1"); err == nil {
		t.Error("ControllerEndpoint without a token file succeeded")
	}
	if u, err := api.ControllerURL("lab1"); err != nil || u != "http://127.0.0.1:9000" {
		t.Errorf("ControllerURL = %q %v", u, err)
	}
	os.WriteFile(api.EndpointFile("lab1"), []byte(`{"url": 5}`), 0o644)
	if _, err := api.ControllerURL("lab1"); err == nil {
		t.Error("a malformed controller.json was accepted")
	}
	if err := api.RemoveEndpoint("lab1"); err != nil {
		t.Fatal(err)
	}
	if err := api.RemoveEndpoint("lab1"); err != nil {
		t.Errorf("second RemoveEndpoint: %v", err)
	}
	if _, err := api.ControllerURL("lab1"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after RemoveEndpoint: %v", err)
	}
}
