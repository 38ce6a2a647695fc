package topologies

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// loadWithin runs Load and fails the test if it takes longer than d (a
// FIFO without a writer would block an ordinary open forever).
func loadWithin(t *testing.T, path string, d time.Duration) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := Load(path)
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("Load(%s) still blocks after %s", path, d)
		return nil
	}
}

// TestLoadRefusesSpecialFiles checks that Load refuses what is not a regular
// file, at once and with a message naming it, instead of blocking on a FIFO
// or reading /dev/zero until memory runs out.
func TestLoadRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "topo.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ path, want string }{
		{fifo, "load topology: " + fifo + " is a named pipe (FIFO), not a regular file; give the path of a topology file (YAML)"},
		{"/dev/zero", "load topology: /dev/zero is a character device, not a regular file; give the path of a topology file (YAML)"},
		{dir, "load topology: " + dir + " is a directory, not a regular file; give the path of a topology file (YAML)"},
	} {
		err := loadWithin(t, c.path, 5*time.Second)
		if err == nil || err.Error() != c.want {
			t.Errorf("Load(%s) = %v\nwant %s", c.path, err, c.want)
		}
	}
	if err := loadWithin(t, filepath.Join(dir, "none.yaml"), 5*time.Second); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load of a missing file = %v; want a not-exist error", err)
	}
}

// TestLoadSizeLimit checks that a file of MaxFileSize bytes loads and one
// byte more is refused with its size and the limit.
func TestLoadSizeLimit(t *testing.T) {
	dir := t.TempDir()
	head := "name: big\nversion: 1\nnodes:\n  h1: {kind: host}\n"
	pad := MaxFileSize - len(head)
	exact := filepath.Join(dir, "exact.yaml")
	// A comment fills the file up to the limit.
	body := head + "#" + strings.Repeat("x", pad-2) + "\n"
	if err := os.WriteFile(exact, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if topo, err := Load(exact); err != nil || topo.Name != "big" {
		t.Errorf("Load of a file of exactly %d bytes: %v", MaxFileSize, err)
	}
	over := filepath.Join(dir, "over.yaml")
	if err := os.WriteFile(over, []byte(body+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("load topology: %s is 4194305 bytes; the limit for a topology file is 4194304 bytes (4 MiB)", over)
	if _, err := Load(over); err == nil || err.Error() != want {
		t.Errorf("Load of a file one byte over: %v\nwant %s", err, want)
	}
	// A sparse 100 MB file is refused from its size, without reading it.
	huge := filepath.Join(dir, "huge.yaml")
	if err := os.WriteFile(huge, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(huge, 100<<20); err != nil {
		t.Fatal(err)
	}
	want = fmt.Sprintf("load topology: %s is 104857600 bytes; the limit for a topology file is 4194304 bytes (4 MiB)", huge)
	if _, err := Load(huge); err == nil || err.Error() != want {
		t.Errorf("Load of a 100 MiB file: %v\nwant %s", err, want)
	}
}

// TestLoadReadsAtMostLimit checks the bound on what is read, for a regular
// file whose size says nothing of its content (as in /proc) or that grew
// after the size check: readLimited stops one byte past the limit.
func TestLoadReadsAtMostLimit(t *testing.T) {
	_, err := readLimited("grows.yaml", endless{})
	want := "load topology: grows.yaml is over the limit of 4194304 bytes (4 MiB) for a topology file"
	if err == nil || err.Error() != want {
		t.Errorf("readLimited of an endless reader: %v\nwant %s", err, want)
	}
}

// endless reads as an unending stream of '#'.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = '#'
	}
	return len(p), nil
}

// TestErrorsAreCapped checks that error messages quote at most
// MaxValueShown bytes of a value and give its length, and that an
// ErrorList prints MaxErrorsShown problems, then counts the rest.
func TestErrorsAreCapped(t *testing.T) {
	long := strings.Repeat("x", 5000)
	src := "name: " + strings.Repeat("q", 1000) + "\nversion: 1\nnodes:\n  h1: {kind: " + long + "}\n  h2: {kind: a" + strings.Repeat("é", 300) + "}\n"
	_, err := Parse("long.yaml", []byte(src))
	want := strings.Join([]string{
		`long.yaml:1:7: name: lab name "` + strings.Repeat("q", 80) + `"… (1000 bytes) is 1000 bytes long; the limit is 24 (namespaces are named mcn-<lab>-<node>)`,
		`long.yaml:4:14: nodes.h1.kind: unknown kind "` + strings.Repeat("x", 80) + `"… (5000 bytes); valid kinds: host, router, frr, bird, gateway, strongswan`,
		// 80 bytes end inside a two-byte character: 79 are shown.
		`long.yaml:5:14: nodes.h2.kind: unknown kind "a` + strings.Repeat("é", 39) + `"… (601 bytes); valid kinds: host, router, frr, bird, gateway, strongswan`,
	}, "\n")
	if err == nil || err.Error() != want {
		t.Errorf("errors with long values:\n%v\nwant\n%s", err, want)
	}

	// A long key makes a long field path: it is cut the same way.
	_, err = Parse("key.yaml", []byte("name: k\nversion: 1\nnodes:\n  "+strings.Repeat("y", 200)+": {kind: host}\n"))
	want = `key.yaml:4:3: nodes.` + strings.Repeat("y", 74) + `… (206 bytes): node name "` + strings.Repeat("y", 80) + `"… (200 bytes) is 200 bytes long; the limit is 32`
	if err == nil || err.Error() != want {
		t.Errorf("error with a long key:\n%v\nwant\n%s", err, want)
	}

	var b strings.Builder
	b.WriteString("name: many\nversion: 1\nnodes:\n")
	for i := range 120 {
		fmt.Fprintf(&b, "  n%d: {kind: hots}\n", i)
	}
	_, err = Parse("many.yaml", []byte(b.String()))
	var list ErrorList
	if !errors.As(err, &list) || len(list) != 120 {
		t.Fatalf("Parse of 120 bad nodes: %d errors (%v); want all 120 in the list", len(list), err)
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != MaxErrorsShown+1 {
		t.Fatalf("printed %d lines; want %d problems and a count", len(lines), MaxErrorsShown)
	}
	if want := `many.yaml:53:15: nodes.n49.kind: unknown kind "hots"; did you mean "host"? valid kinds: host, router, frr, bird, gateway, strongswan`; lines[49] != want {
		t.Errorf("50th line = %s\nwant %s", lines[49], want)
	}
	if want := "and 70 more errors"; lines[50] != want {
		t.Errorf("last line = %q; want %q", lines[50], want)
	}
	one := append(ErrorList{}, list[:MaxErrorsShown+1]...)
	if got := strings.Split(one.Error(), "\n"); got[len(got)-1] != "and 1 more error" {
		t.Errorf("last line with one more = %q", got[len(got)-1])
	}
}
