package topologies

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/bad/*.golden from the current output")

// TestBadGolden parses every testdata/bad/*.yaml and compares the full error
// text, one error per line, with NAME.golden.
func TestBadGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/bad/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 25 {
		t.Fatalf("only %d bad cases; want at least 25", len(files))
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			topo, err := Load(file)
			if err == nil {
				t.Fatalf("Load(%s) succeeded with %d nodes; want errors", file, len(topo.Nodes))
			}
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("Load(%s) error %T is not an ErrorList: %v", file, err, err)
			}
			for _, e := range list {
				if e.File != file || e.Line < 1 || e.Col < 1 {
					t.Errorf("error without file:line:col: %+v", e)
				}
			}
			got := err.Error() + "\n"
			golden := strings.TrimSuffix(file, ".yaml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./topologies -update)", err)
			}
			if got != string(want) {
				t.Errorf("errors differ from %s\n--- got\n%s--- want\n%s", golden, got, want)
			}
		})
	}
}
