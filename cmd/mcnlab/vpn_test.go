package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadPassword: the first line of standard input or of the file,
// without its line end; an empty one is refused.
func TestReadPassword(t *testing.T) {
	f := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(f, []byte("from-file\r\nsecond line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		in, file, want, err string
	}{
		{in: "carol-pw\n", want: "carol-pw"},
		{in: "no newline", want: "no newline"},
		{in: "ignored\n", file: f, want: "from-file"},
		{in: "\n", err: "password: empty"},
		{in: "", err: "password: empty"},
		{file: filepath.Join(t.TempDir(), "missing"), err: "no such file"},
	} {
		got, err := readPassword(strings.NewReader(tc.in), tc.file)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("in %q file %q: %q, %v; want error %q", tc.in, tc.file, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("in %q file %q: %q, %v; want %q", tc.in, tc.file, got, err, tc.want)
		}
	}
}
