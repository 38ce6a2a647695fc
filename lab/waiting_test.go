package lab

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/controller/api"
)

// A deploy that waits says what for, again only when that changed, and
// one that times out names what was missing (issue 22: it said "20 of 22
// BGP sessions established" and nothing more).
func TestWaitingReport(t *testing.T) {
	st := api.Status{Gateways: []api.Gateway{{Sessions: 3, SessionsUp: 2}},
		Waiting: []string{"gateway t1-1 (transit t1): BGP session s0 to dc1 (169.254.240.2, AS 65100) is active, not established"}}
	var b bytes.Buffer
	prev := waitingReport(&b, st, nil)
	want := "  waiting: 2 of 3 BGP sessions established\n    - gateway t1-1 (transit t1): BGP session s0 to dc1 (169.254.240.2, AS 65100) is active, not established\n"
	if b.String() != want {
		t.Errorf("first report:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	waitingReport(&b, st, prev)
	if b.String() != "  waiting: 2 of 3 BGP sessions established\n" {
		t.Errorf("unchanged report repeats the list:\n%s", b.String())
	}
	err := notConverged("lab1", "1m30s", st.Waiting)
	if !strings.Contains(err.Error(), "lab lab1 did not converge within 1m30s; it was waiting for:\n  - gateway t1-1 (transit t1): BGP session s0 to dc1") {
		t.Errorf("timeout error: %v", err)
	}
	var many []string
	for i := range maxWaitingLines + 5 {
		many = append(many, fmt.Sprintf("line %d", i))
	}
	if s := WaitingLines(many, ""); !strings.Contains(s, "(and 5 more: `mcnlab inspect` lists them all)") || strings.Contains(s, "line 20") {
		t.Errorf("long list not cut:\n%s", s)
	}
}
