package daemon

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/emulator"
)

// fakeBackend applies any config but one named "bad".
type fakeBackend struct{ cfg mgmt.Config }

func (f *fakeBackend) Name() string        { return "gw" }
func (f *fakeBackend) Config() mgmt.Config { return f.cfg }
func (f *fakeBackend) Status(context.Context) (mgmt.Status, error) {
	return mgmt.Status{}, nil
}
func (f *fakeBackend) Apply(_ context.Context, c mgmt.Config) (mgmt.Config, error) {
	if c.Name == "bad" {
		return mgmt.Config{}, mgmt.ErrInvalid
	}
	f.cfg = c
	return c, nil
}

func TestPersistingSavesWhatWasApplied(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gateway.json")
	if _, ok, err := loadConfig(path); ok || err != nil {
		t.Fatalf("loadConfig of a missing file: ok %v, err %v", ok, err)
	}
	p := &persisting{Backend: &fakeBackend{}, path: path}
	cfg := mgmt.Config{Name: "gw", ASN: 65001, PrivateKey: "secret", Prefixes: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/16")}}
	if _, err := p.Apply(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("config file mode %v, want 0600 (it holds the private key)", fi.Mode().Perm())
	}
	got, ok, err := loadConfig(path)
	if err != nil || !ok || !reflect.DeepEqual(got, cfg) {
		t.Fatalf("loadConfig = %+v, %v, %v; want %+v", got, ok, err, cfg)
	}
	// A refused config leaves the file as it was.
	if _, err := p.Apply(context.Background(), mgmt.Config{Name: "bad"}); !errors.Is(err, mgmt.ErrInvalid) {
		t.Fatalf("Apply of a refused config: %v", err)
	}
	if got, _, _ := loadConfig(path); !reflect.DeepEqual(got, cfg) {
		t.Errorf("after a refused config the file holds %+v", got)
	}
	if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 1 {
		t.Errorf("directory holds %d entries, want only gateway.json (no temporary files)", len(ents))
	}
	// restoreConfig applies the saved file to a fresh backend.
	fresh := &fakeBackend{}
	restoreConfig(context.Background(), fresh, path, discardLogger())
	if !reflect.DeepEqual(fresh.cfg, cfg) {
		t.Errorf("restored %+v, want %+v", fresh.cfg, cfg)
	}
	// A corrupt file is refused, not half applied.
	if err := os.WriteFile(path, []byte(`{"name": "gw", "bogus": 1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := loadConfig(path); err == nil {
		t.Error("loadConfig of a file with an unknown field: no error")
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// The daemon's namespace check knows the lab namespaces by the emulator's
// prefix.
func TestNamespacePrefix(t *testing.T) {
	if nsPrefix != emulator.Prefix {
		t.Errorf("nsPrefix %q, emulator.Prefix %q", nsPrefix, emulator.Prefix)
	}
}

// Outside a lab namespace (here: the test's own) the daemon refuses to
// start, before it touches anything.
func TestRunRefusesOutsideLab(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the root check answers first")
	}
	err := Run(context.Background(), Options{Socket: filepath.Join(t.TempDir(), "gw.sock"), Level: "info"})
	if err == nil || !strings.Contains(err.Error(), "refusing to run outside a lab namespace") {
		t.Errorf("Run in the root namespace: %v; want a refusal", err)
	}
}
