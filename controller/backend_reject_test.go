package controller

import (
	"encoding/json"
	"net/netip"
	"testing"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
)

// TestRejectOverAPI: a transit gateway holds dc1's two prefixes; a
// read-only token may not reject (403); an operator rejects one and it
// leaves the pending list while the other stays; rejecting it again, or
// a prefix not pending, is 404 naming what is; approving the rejected one
// works and forgets the rejection.
func TestRejectOverAPI(t *testing.T) {
	p := demoPlan(t)
	l := newAPILab(t, p)
	gw := p.GatewaysOf("transit")[0].Key
	l.c.mu.Lock()
	l.c.status[gw] = mgmt.Status{Sessions: []mgmt.Session{{Name: p.SiteNeighbor("dc1"), State: "established",
		Filtered: []netip.Prefix{pfx("10.100.0.0/24"), pfx("10.101.0.0/24")}}}}
	l.c.mu.Unlock()
	pending := func() []string {
		t.Helper()
		code, body := l.do(t, l.viewer, "GET", "/v1/routes/pending", "")
		var ps []api.PendingRoute
		if code != 200 || json.Unmarshal([]byte(body), &ps) != nil {
			t.Fatalf("pending: %d %s", code, body)
		}
		var out []string
		for _, r := range ps {
			out = append(out, r.Prefix.String())
		}
		return out
	}
	if code, body := l.do(t, l.viewer, "POST", "/v1/routes/reject", `{"site":"dc1","prefix":"10.101.0.0/24"}`); code != 403 {
		t.Errorf("reject as read-only: %d %s, want 403", code, body)
	}
	code, body := l.do(t, l.operator, "POST", "/v1/routes/reject", `{"site":"dc1","prefix":"10.101.0.0/24"}`)
	var res api.RejectResult
	if code != 200 || json.Unmarshal([]byte(body), &res) != nil || res != (api.RejectResult{Transit: "transit", Site: "dc1", Prefix: pfx("10.101.0.0/24")}) {
		t.Fatalf("reject as operator: %d %s", code, body)
	}
	if got := pending(); len(got) != 1 || got[0] != "10.100.0.0/24" {
		t.Errorf("pending after rejecting 10.101.0.0/24: %v, want 10.100.0.0/24 alone", got)
	}
	code, body = l.do(t, l.operator, "POST", "/v1/routes/reject", `{"site":"dc1","prefix":"10.101.0.0/24"}`)
	if got, want := errorText(t, body), "reject 10.101.0.0/24 from site dc1: it is not pending approval at transit transit (pending from dc1: 10.100.0.0/24): not found"; code != 404 || got != want {
		t.Errorf("reject again: %d %q\n want 404 %q", code, got, want)
	}
	if code, body := l.do(t, l.operator, "POST", "/v1/routes/approve", `{"site":"dc1","prefix":"10.101.0.0/24"}`); code != 200 {
		t.Fatalf("approve the rejected route: %d %s", code, body)
	}
	if keys, err := l.st.Keys("rejected/"); err != nil || len(keys) != 0 {
		t.Errorf("rejections left after approving: %v, %v", keys, err)
	}
}
