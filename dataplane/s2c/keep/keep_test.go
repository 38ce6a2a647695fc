package keep

import (
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestSpecFile: the spec lies beside the daemon's socket, named as it is.
func TestSpecFile(t *testing.T) {
	if got := SpecFile("/run/mcnlab/l/gw/i-0abc.sock"); got != "/run/mcnlab/l/gw/i-0abc.s2c.json" {
		t.Errorf("SpecFile = %s", got)
	}
}

// TestSaveLoad: a saved spec reads back the same, 0600; no file is no
// spec and no error; a relative directory or a file that is no JSON is
// refused with the file's name.
func TestSaveLoad(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "gw.s2c.json")
	if _, ok, err := load(f); ok || err != nil {
		t.Fatalf("missing file: ok %v err %v", ok, err)
	}
	s := Spec{Dir: "/run/mcnlab/l/nodes/gw1/charon", Inside: []netip.Prefix{netip.MustParsePrefix("169.254.10.1/30")},
		Routes: []netip.Prefix{netip.MustParsePrefix("100.65.0.0/16")}}
	if err := Save(f, s); err != nil {
		t.Fatal(err)
	}
	got, ok, err := load(f)
	if err != nil || !ok || !reflect.DeepEqual(got, s) {
		t.Fatalf("load = %+v %v %v, want %+v", got, ok, err, s)
	}
	if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v (%v), want 0600", fi.Mode(), err)
	}
	for content, want := range map[string]string{`{"dir": "charon"}`: "not absolute", `{`: "gw.s2c.json"} {
		if err := os.WriteFile(f, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := load(f); ok || err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("load(%q) = %v %v, want an error with %q", content, ok, err, want)
		}
	}
}
