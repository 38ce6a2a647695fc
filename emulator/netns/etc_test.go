package netns

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// WriteEtc writes a namespace's file once (a second write of the same
// bytes is no write), Delete removes the namespace's directory with it,
// and names that are no single path element are refused.
func TestWriteEtcAndDelete(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipped: needs root to write /etc/netns (CI runs it as root)")
	}
	name := fmt.Sprintf("mcn-t%d-etc", os.Getpid())
	t.Cleanup(func() { os.RemoveAll(filepath.Join(EtcDir, name)) })
	data := []byte("nameserver 10.0.0.2\n")
	for i, want := range []bool{true, false} {
		wrote, err := WriteEtc(name, "resolv.conf", data)
		if err != nil || wrote != want {
			t.Fatalf("write %d: wrote %v, %v; want %v", i, wrote, err, want)
		}
	}
	if b, err := os.ReadFile(filepath.Join(EtcDir, name, "resolv.conf")); err != nil || string(b) != string(data) {
		t.Fatalf("resolv.conf = %q, %v", b, err)
	}
	if err := Delete(name); err != nil { // the namespace itself does not exist: no error
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(EtcDir, name)); !os.IsNotExist(err) {
		t.Errorf("%s/%s left behind (%v)", EtcDir, name, err)
	}
	for _, bad := range [][2]string{{"", "resolv.conf"}, {"..", "resolv.conf"}, {"a/b", "x"}, {name, "../x"}} {
		if _, err := WriteEtc(bad[0], bad[1], data); err == nil {
			t.Errorf("WriteEtc(%q, %q) succeeded", bad[0], bad[1])
		}
	}
	if err := Delete(""); err == nil {
		t.Error(`Delete("") succeeded`)
	}
}
