package controller

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/controller/store"
	"github.com/mcnlab/mcnlab/dataplane/wg"
	"github.com/mcnlab/mcnlab/topologies"
)

// apiLab serves the real Backend of a controller of the demo topology
// (not running: no cloud, no gateways) with a real store, and holds a
// token of each role.
type apiLab struct {
	c                       *Controller
	st                      *store.Store
	url                     string
	admin, operator, viewer string
}

func newAPILab(t *testing.T, p *intent.Plan) *apiLab {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "controller.db"))
	if err != nil {
		t.Fatal(err)
	}
	l := &apiLab{st: st, c: New(p, Options{Store: st, Providers: map[string]cloud.Provider{"aws-lab": &fakeProvider{}}})}
	for _, tk := range []struct {
		p    *string
		role store.Role
	}{{&l.admin, store.RoleAdmin}, {&l.operator, store.RoleOperator}, {&l.viewer, store.RoleReadOnly}} {
		if *tk.p, err = st.CreateToken(tk.role, string(tk.role)); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(api.NewHandler(NewBackend(l.c, "t"), st))
	l.url = srv.URL
	t.Cleanup(func() {
		srv.Close()
		st.Close()
	})
	return l
}

// do makes one request and returns the status and body.
func (l *apiLab) do(t *testing.T, token, method, path, body string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, l.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// errorText decodes a JSON error answer.
func errorText(t *testing.T, body string) string {
	t.Helper()
	var e api.ErrorBody
	if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error == "" {
		t.Errorf("answer %q is not a JSON error: %v", body, err)
	}
	return e.Error
}

// approvedHere lists the run-time approvals in the store as "site prefix".
func (l *apiLab) approvedHere(t *testing.T) []string {
	t.Helper()
	as, err := l.st.Approvals("")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range as {
		out = append(out, a.Site+" "+a.Prefix.String())
	}
	return out
}

// transitApproved is the approved list of dc1's neighbour in the
// configuration that the controller would push to transit-1 now.
func (l *apiLab) transitApproved(t *testing.T) []netip.Prefix {
	t.Helper()
	approved, err := l.c.liveApprovals()
	if err != nil {
		t.Fatal(err)
	}
	p := l.c.plan
	live := intent.Live{Instances: map[string]cloud.InstanceInfo{}, Names: map[string]string{}, Keys: map[string]wg.Key{}, Approved: approved}
	for i, g := range p.Gateways {
		k, err := wg.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		live.Keys[g.Key], live.Names[g.Key] = k, g.Key
		live.Instances[g.Key] = cloud.InstanceInfo{ID: g.Key, PrivateIP: g.PrivateIP, PublicIP: netip.AddrFrom4([4]byte{198, 51, 100, byte(10 + i)})}
	}
	cfgs, err := p.Configs(live)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range cfgs["transit-1"].Neighbors {
		if n.Name == p.SiteNeighbor("dc1") {
			if n.Approval != "manual" {
				t.Errorf("transit-1's neighbour dc1 has approval %q, want manual", n.Approval)
			}
			return n.Approved
		}
	}
	t.Fatalf("transit-1 has no neighbour for dc1: %+v", cfgs["transit-1"].Neighbors)
	return nil
}

// Approving through the API applies the topology's rules: the default
// route, a prefix that dc1 does not advertise, one inside a VPC and an IPv6
// one are refused with 422 and a reason that says what would be valid, and
// nothing is stored; an advertised prefix is approved.
func TestApproveRefusedOverAPI(t *testing.T) {
	l := newAPILab(t, demoPlan(t))
	adv := "site dc1 advertises 10.100.0.0/24, 10.101.0.0/24"
	for _, c := range []struct{ prefix, want string }{
		{"0.0.0.0/0", "0.0.0.0/0 is not inside anything site dc1 advertises (10.100.0.0/24, 10.101.0.0/24); approve one of those or a prefix inside one"},
		{"10.102.0.0/24", "10.102.0.0/24 is not inside anything site dc1 advertises (10.100.0.0/24, 10.101.0.0/24); approve one of those or a prefix inside one"},
		{"10.3.1.0/24", "10.3.1.0/24 overlaps VPC shared-vpc (10.3.0.0/16): a cloud route table cannot hold a route inside its VPC's own range; " + adv},
		{"10.1.0.0/16", "10.1.0.0/16 overlaps VPC prod-vpc (10.1.0.0/16): a cloud route table cannot hold a route inside its VPC's own range; " + adv},
		{"::/0", "::/0 is IPv6; site dc1 advertises IPv4 prefixes only (10.100.0.0/24, 10.101.0.0/24): the cloud intent is IPv4 only, so approve one of those or a prefix inside one"},
	} {
		code, body := l.do(t, l.operator, "POST", "/v1/routes/approve", `{"site":"dc1","prefix":"`+c.prefix+`"}`)
		if got := errorText(t, body); code != http.StatusUnprocessableEntity || got != c.want {
			t.Errorf("approve %s: %d %q\n want 422 %q", c.prefix, code, got, c.want)
		}
	}
	if got := l.approvedHere(t); len(got) != 0 {
		t.Fatalf("refused approvals were stored: %v", got)
	}
	code, body := l.do(t, l.operator, "POST", "/v1/routes/approve", `{"site":"dc1","prefix":"10.100.0.0/24"}`)
	var res api.ApproveResult
	if code != 200 || json.Unmarshal([]byte(body), &res) != nil || !res.Approved || res.Transit != "transit" {
		t.Fatalf("approve 10.100.0.0/24: %d %s", code, body)
	}
	if code, body := l.do(t, l.operator, "POST", "/v1/routes/approve", `{"site":"dc9","prefix":"10.100.0.0/24"}`); code != 404 {
		t.Errorf("approve at an unknown site: %d %s, want 404", code, body)
	}
	if got := l.approvedHere(t); !slices.Equal(got, []string{"dc1 10.100.0.0/24"}) {
		t.Errorf("stored approvals %v, want only dc1 10.100.0.0/24", got)
	}
}

// An approval is withdrawn with DELETE /v1/routes/approved/{site}/{prefix}
// by an operator or an admin, not a read-only token; the transit's
// approved list loses it; revoking what is not approved is 404 saying what
// is, and an approval in the topology file or under auto approval is 409.
func TestRevokeOverAPI(t *testing.T) {
	p := demoPlan(t)
	l := newAPILab(t, p)
	approve := func(prefix string) {
		t.Helper()
		if code, body := l.do(t, l.operator, "POST", "/v1/routes/approve", `{"site":"dc1","prefix":"`+prefix+`"}`); code != 200 {
			t.Fatalf("approve %s: %d %s", prefix, code, body)
		}
	}
	approve("10.100.0.0/24")
	approve("10.101.0.0/24")
	if got := l.transitApproved(t); len(got) != 2 {
		t.Fatalf("transit's approved list %v, want both of dc1's prefixes", got)
	}
	code, body := l.do(t, l.viewer, "DELETE", "/v1/routes/approved/dc1/10.100.0.0%2F24", "")
	if got := errorText(t, body); code != 403 || !strings.Contains(got, "needs role operator") {
		t.Errorf("revoke as read-only: %d %q, want 403 naming operator", code, got)
	}
	code, body = l.do(t, l.operator, "DELETE", "/v1/routes/approved/dc1/10.100.0.0%2F24", "")
	var res api.RevokeResult
	if code != 200 || json.Unmarshal([]byte(body), &res) != nil || res != (api.RevokeResult{Transit: "transit", Site: "dc1", Prefix: pfx("10.100.0.0/24")}) {
		t.Fatalf("revoke as operator: %d %s", code, body)
	}
	if got := l.transitApproved(t); !slices.Equal(got, []netip.Prefix{pfx("10.101.0.0/24")}) {
		t.Errorf("after revoking 10.100.0.0/24 the transit's approved list is %v, want only 10.101.0.0/24", got)
	}
	code, body = l.do(t, l.operator, "DELETE", "/v1/routes/approved/dc1/10.100.0.0%2F24", "")
	if got, want := errorText(t, body), "revoke 10.100.0.0/24 from site dc1: it is not approved at transit transit (approved from dc1 at run time: 10.101.0.0/24): not found"; code != 404 || got != want {
		t.Errorf("revoke again: %d %q\n want 404 %q", code, got, want)
	}
	// An admin may revoke too, and the prefix's slash may come unescaped.
	if code, body := l.do(t, l.admin, "DELETE", "/v1/routes/approved/dc1/10.101.0.0/24", ""); code != 200 {
		t.Errorf("revoke as admin: %d %s", code, body)
	}
	if got := l.approvedHere(t); len(got) != 0 {
		t.Errorf("approvals left after revoking both: %v", got)
	}
	for _, c := range []struct {
		path string
		code int
	}{
		{"/v1/routes/approved/dc9/10.100.0.0%2F24", 404},
		{"/v1/routes/approved/dc1/10.100.0.1%2F24", 400},
		{"/v1/routes/approved/dc1/banana", 400},
		{"/v1/routes/approved/dc1/", 400},
	} {
		code, body := l.do(t, l.operator, "DELETE", c.path, "")
		if code != c.code {
			t.Errorf("DELETE %s: %d %s, want %d", c.path, code, body, c.code)
		}
		errorText(t, body)
	}

	// Approved in the file: the file is the intent.
	tr := p.Topology.Cloud.Transits[0]
	tr.Approval.Approved = []topologies.ApprovedRoute{{Site: "dc1", Prefix: pfx("10.101.0.0/24")}}
	code, body = l.do(t, l.operator, "DELETE", "/v1/routes/approved/dc1/10.101.0.0%2F24", "")
	if got, want := errorText(t, body), "revoke 10.101.0.0/24 from site dc1: it is approved in the topology file (transits.transit.approval.approved); remove it there: conflict"; code != 409 || got != want {
		t.Errorf("revoke a file approval: %d %q\n want 409 %q", code, got, want)
	}
	tr.Approval = topologies.Approval{Mode: topologies.ApprovalAuto}
	code, body = l.do(t, l.operator, "DELETE", "/v1/routes/approved/dc1/10.101.0.0%2F24", "")
	if got := errorText(t, body); code != 409 || !strings.Contains(got, "approval mode auto") {
		t.Errorf("revoke under auto approval: %d %q, want 409", code, got)
	}
}

// An approval stored before the API applied the rules (0.0.0.0/0 here) is
// never pushed to the transit gateways; the valid ones are.
func TestLiveApprovalsLeaveOutRefused(t *testing.T) {
	l := newAPILab(t, demoPlan(t))
	for _, pr := range []string{"0.0.0.0/0", "10.3.1.0/24", "10.100.0.0/24"} {
		if _, err := l.st.Approve("transit", "dc1", pfx(pr), "old"); err != nil {
			t.Fatal(err)
		}
	}
	if got := l.transitApproved(t); !slices.Equal(got, []netip.Prefix{pfx("10.100.0.0/24")}) {
		t.Errorf("approved list pushed to the transit %v, want only 10.100.0.0/24", got)
	}
}
