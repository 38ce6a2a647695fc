package topologies

import (
	"errors"
	"path/filepath"
	"testing"
)

// FuzzParse checks that Parse never panics, that it fails only with an
// ErrorList of positioned errors, and that what it accepts round-trips
// through Marshal.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*/*.yaml")
	examples, _ := filepath.Glob("*.yaml")
	for _, s := range append(seeds, examples...) {
		f.Add(readFile(f, s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		topo, err := Parse("fuzz.yaml", data)
		if err != nil {
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("Parse error %T is not a non-empty ErrorList: %v", err, err)
			}
			for _, e := range list {
				if e.Line < 1 || e.Col < 1 || e.File != "fuzz.yaml" {
					t.Fatalf("error without a position: %+v", e)
				}
			}
			return
		}
		roundTrip(t, topo)
	})
}

// FuzzParseProposal: a proposal ParseProposal accepts prints back as
// itself and holds only the algorithms it knows, joined by '-'.
func FuzzParseProposal(f *testing.F) {
	for _, s := range []string{DefaultIKEProposal, DefaultESPProposal, "aes128gcm16-prfsha256-ecp256", "aes256-sha256-modp2048 }\n", "-", ""} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, ike bool) {
		p, err := ParseProposal(s, ike)
		if err != nil {
			return
		}
		if p.String() != s {
			t.Errorf("ParseProposal(%q) prints as %q", s, p.String())
		}
		for _, r := range s {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				t.Errorf("ParseProposal accepted %q with %q in it", s, r)
			}
		}
	})
}
