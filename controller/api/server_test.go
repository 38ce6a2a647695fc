package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/controller/api/apitest"
	"github.com/mcnlab/mcnlab/controller/store"
)

// call makes one request and returns the status, the body and the headers.
func call(t *testing.T, base, token, method, path, body string) (int, string, http.Header) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// errorOf decodes a JSON error body, failing the test when it is not one.
func errorOf(t *testing.T, body string) api.ErrorBody {
	t.Helper()
	var e api.ErrorBody
	if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error == "" {
		t.Errorf("body %q is not a JSON error: %v", body, err)
	}
	return e
}

var gets = []string{"/v1/status", "/v1/routes/pending", "/v1/routes/approved", "/v1/route-tables", "/v1/segmentation"}

func TestUnauthorized(t *testing.T) {
	s := apitest.NewServer(t)
	for _, path := range append(gets, "/v1/tokens") {
		for _, auth := range []string{"", "Bearer", "Bearer ", "Basic " + s.Admin, "Bearer mcn_wrong", "Bearer " + s.Admin + "x"} {
			req, _ := http.NewRequest("GET", s.URL+path, nil)
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 401 {
				t.Errorf("GET %s with %q: %d, want 401", path, auth, resp.StatusCode)
			}
			if h := resp.Header.Get("WWW-Authenticate"); h != `Bearer realm="mcnlab"` {
				t.Errorf("GET %s with %q: WWW-Authenticate %q", path, auth, h)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			errorOf(t, string(b))
		}
	}
	// Lower-case scheme is allowed (RFC 7235: schemes are case-insensitive).
	if code, _, _ := call(t, s.URL, "", "GET", "/v1/status", ""); code != 401 {
		t.Errorf("no token: %d", code)
	}
	req, _ := http.NewRequest("GET", s.URL+"/v1/status", nil)
	req.Header.Set("Authorization", "bearer "+s.ReadOnly)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Errorf("lower-case bearer: %v %v", resp.StatusCode, err)
	}
}

func TestReadOnly(t *testing.T) {
	s := apitest.NewServer(t)
	for _, path := range gets {
		code, body, h := call(t, s.URL, s.ReadOnly, "GET", path, "")
		if code != 200 || !json.Valid([]byte(body)) || h.Get("Content-Type") != "application/json" {
			t.Errorf("GET %s as read-only: %d %q", path, code, body)
		}
	}
	for _, c := range []struct {
		method, path, body string
		need               store.Role
	}{
		{"POST", "/v1/routes/approve", `{"site":"dc1","prefix":"172.16.0.0/16"}`, store.RoleOperator},
		{"DELETE", "/v1/routes/approved/dc1/172.16.0.0%2F16", "", store.RoleOperator},
		{"POST", "/v1/diagnostics/ping", `{"from":"sp1-vm","to":"dc1-host"}`, store.RoleOperator},
		{"GET", "/v1/tokens", "", store.RoleAdmin},
		{"POST", "/v1/tokens", `{"name":"x","role":"admin"}`, store.RoleAdmin},
		{"DELETE", "/v1/tokens/admin", "", store.RoleAdmin},
	} {
		code, body, _ := call(t, s.URL, s.ReadOnly, c.method, c.path, c.body)
		e := errorOf(t, body)
		if code != 403 || e.Role != c.need || !strings.Contains(e.Error, "needs role "+string(c.need)) {
			t.Errorf("%s %s as read-only: %d %q; want 403 naming %s", c.method, c.path, code, body, c.need)
		}
	}
	if len(s.Fake.ApprovedRoutes) != 0 {
		t.Error("a read-only token approved a route")
	}
}

func TestStatusBody(t *testing.T) {
	s := apitest.NewServer(t)
	_, body, _ := call(t, s.URL, s.ReadOnly, "GET", "/v1/status", "")
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatal(err)
	}
	gw := m["gateways"].([]any)
	first, second := gw[0].(map[string]any), gw[1].(map[string]any)
	if first["public_ip"] != "198.51.100.10" || first["private_ip"] != "10.0.0.4" || first["role"] != "transit" || first["instance_id"] != "i-0a1" {
		t.Errorf("gateway JSON %v", first)
	}
	if _, ok := second["public_ip"]; ok {
		t.Errorf("a gateway without a public IP has public_ip: %v", second)
	}
}

func TestOperator(t *testing.T) {
	s := apitest.NewServer(t)
	code, body, _ := call(t, s.URL, s.Operator, "POST", "/v1/routes/approve", `{"site":"dc1","prefix":"172.16.0.0/16"}`)
	var res api.ApproveResult
	if code != 200 || json.Unmarshal([]byte(body), &res) != nil || !res.Approved || res.Transit != "tr1" || res.Prefix != netip.MustParsePrefix("172.16.0.0/16") {
		t.Fatalf("approve: %d %s", code, body)
	}
	code, body, _ = call(t, s.URL, s.Operator, "POST", "/v1/routes/approve", `{"site":"dc1","prefix":"172.16.0.0/16"}`)
	if code != 200 || json.Unmarshal([]byte(body), &res) != nil || res.Approved {
		t.Errorf("approve again: %d %s; want approved false", code, body)
	}
	_, body, _ = call(t, s.URL, s.Operator, "GET", "/v1/routes/approved", "")
	var ap []api.ApprovedRoute
	if json.Unmarshal([]byte(body), &ap) != nil || len(ap) != 1 || ap[0].By != "operator" || ap[0].At.IsZero() {
		t.Errorf("approved routes %s; want one by operator", body)
	}
	for _, c := range []struct {
		body string
		code int
	}{
		{`{"site":"dc1","prefix":"172.16.0.0"}`, 400},
		{`{"site":"dc1","prefix":"172.16.0.1/16"}`, 400},
		{`{"site":"dc1","prefix":"banana"}`, 400},
		{`{"site":"","prefix":"10.0.0.0/8"}`, 400},
		{`{"site":"dc1","prefix":"10.0.0.0/8","extra":1}`, 400},
		{`{"site":"dc1","prefix":"10.0.0.0/8"} {}`, 400},
		{`not json`, 400},
		{`{"site":"dc9","prefix":"10.0.0.0/8"}`, 404},
		{`{"site":"dc1","prefix":"10.0.0.0/8"}`, 422}, // not advertised by dc1
	} {
		code, body, _ := call(t, s.URL, s.Operator, "POST", "/v1/routes/approve", c.body)
		if code != c.code {
			t.Errorf("approve %s: %d %s, want %d", c.body, code, body, c.code)
		}
		errorOf(t, body)
	}

	// A refusal answers 422 with the backend's reason alone.
	code, body, _ = call(t, s.URL, s.Operator, "POST", "/v1/routes/approve", `{"site":"dc1","prefix":"0.0.0.0/0"}`)
	if got, want := errorOf(t, body).Error, "0.0.0.0/0 is not inside anything site dc1 advertises ([172.16.0.0/15])"; code != 422 || got != want {
		t.Errorf("approve 0.0.0.0/0: %d %q, want 422 %q", code, got, want)
	}

	// Revoking: the prefix's slash escaped or not; twice is 404.
	code, body, _ = call(t, s.URL, s.Operator, "DELETE", "/v1/routes/approved/dc1/172.16.0.0%2F16", "")
	var rv api.RevokeResult
	if code != 200 || json.Unmarshal([]byte(body), &rv) != nil || rv != (api.RevokeResult{Transit: "tr1", Site: "dc1", Prefix: netip.MustParsePrefix("172.16.0.0/16")}) {
		t.Errorf("revoke: %d %s", code, body)
	}
	if len(s.Fake.ApprovedRoutes) != 0 {
		t.Errorf("approved routes after revoking: %+v", s.Fake.ApprovedRoutes)
	}
	for _, c := range []struct {
		path string
		code int
	}{
		{"/v1/routes/approved/dc1/172.16.0.0%2F16", 404},
		{"/v1/routes/approved/dc1/172.16.0.0/16", 404},
		{"/v1/routes/approved/dc9/172.16.0.0%2F16", 404},
		{"/v1/routes/approved/dc1/172.16.0.1%2F16", 400},
		{"/v1/routes/approved/dc1/banana", 400},
		{"/v1/routes/approved/dc1/", 400}, // no prefix
	} {
		code, body, _ := call(t, s.URL, s.Operator, "DELETE", c.path, "")
		if code != c.code {
			t.Errorf("DELETE %s: %d %s, want %d", c.path, code, body, c.code)
		}
		errorOf(t, body)
	}

	code, body, _ = call(t, s.URL, s.Operator, "POST", "/v1/diagnostics/ping", `{"from":"sp2-vm","to":"sp1-vm"}`)
	var pr api.PingResult
	if code != 200 || json.Unmarshal([]byte(body), &pr) != nil || pr.Sent != api.DefaultPingCount || pr.Received != 0 || pr.Reason == "" {
		t.Errorf("ping: %d %s", code, body)
	}
	for _, c := range []struct {
		body string
		code int
	}{
		{`{"from":"sp1-vm","to":"nowhere","count":1}`, 404},
		{`{"from":"sp1-vm","to":"sp2-vm","count":1000}`, 400},
		{`{"from":"sp1-vm","to":"sp2-vm","count":-1}`, 400},
		{`{"from":"sp1-vm"}`, 400},
	} {
		if code, body, _ := call(t, s.URL, s.Operator, "POST", "/v1/diagnostics/ping", c.body); code != c.code {
			t.Errorf("ping %s: %d %s, want %d", c.body, code, body, c.code)
		}
	}
	if code, body, _ := call(t, s.URL, s.Operator, "GET", "/v1/tokens", ""); code != 403 || errorOf(t, body).Role != store.RoleAdmin {
		t.Errorf("operator lists tokens: %d %s", code, body)
	}
}

func TestAdminTokens(t *testing.T) {
	s := apitest.NewServer(t)
	code, body, _ := call(t, s.URL, s.Admin, "POST", "/v1/tokens", `{"name":"ci","role":"operator"}`)
	var nt api.NewToken
	if code != 201 || json.Unmarshal([]byte(body), &nt) != nil || nt.Name != "ci" || nt.Role != store.RoleOperator || !strings.HasPrefix(nt.Token, "mcn_") {
		t.Fatalf("create token: %d %s", code, body)
	}
	code, body, _ = call(t, s.URL, s.Admin, "GET", "/v1/tokens", "")
	var list []store.TokenInfo
	if code != 200 || json.Unmarshal([]byte(body), &list) != nil || len(list) != 4 {
		t.Errorf("list tokens: %d %s", code, body)
	}
	for _, tk := range []string{s.Admin, s.Operator, s.ReadOnly, nt.Token} {
		if strings.Contains(body, strings.TrimPrefix(tk, "mcn_")) {
			t.Error("token list shows a secret")
		}
	}
	if code, body, _ := call(t, s.URL, nt.Token, "POST", "/v1/routes/approve", `{"site":"dc2","prefix":"192.168.10.0/24"}`); code != 200 {
		t.Errorf("new operator token approves: %d %s", code, body)
	}
	for _, c := range []struct {
		method, path, body string
		code               int
	}{
		{"POST", "/v1/tokens", `{"name":"ci","role":"operator"}`, 409},
		{"POST", "/v1/tokens", `{"name":"x","role":"root"}`, 400},
		{"POST", "/v1/tokens", `{"name":"a b","role":"admin"}`, 400},
		{"DELETE", "/v1/tokens/nobody", "", 404},
		{"DELETE", "/v1/tokens/admin", "", 409}, // the token in use
	} {
		code, body, _ := call(t, s.URL, s.Admin, c.method, c.path, c.body)
		if code != c.code {
			t.Errorf("%s %s %s: %d %s, want %d", c.method, c.path, c.body, code, body, c.code)
		}
		errorOf(t, body)
	}
	if code, body, _ := call(t, s.URL, s.Admin, "DELETE", "/v1/tokens/ci", ""); code != 204 || body != "" {
		t.Fatalf("revoke: %d %q", code, body)
	}
	code, body, h := call(t, s.URL, nt.Token, "GET", "/v1/status", "")
	if code != 401 || h.Get("WWW-Authenticate") == "" {
		t.Errorf("revoked token: %d %s; want 401", code, body)
	}
}

func TestNotFoundAndMethod(t *testing.T) {
	s := apitest.NewServer(t)
	code, body, _ := call(t, s.URL, s.Admin, "GET", "/v1/nothing", "")
	if code != 404 {
		t.Errorf("GET /v1/nothing: %d", code)
	}
	errorOf(t, body)
	code, body, h := call(t, s.URL, s.Admin, "PUT", "/v1/status", "")
	if code != 405 || !strings.Contains(h.Get("Allow"), "GET") {
		t.Errorf("PUT /v1/status: %d, Allow %q", code, h.Get("Allow"))
	}
	errorOf(t, body)
}

func TestOpenAPIServedWithoutToken(t *testing.T) {
	s := apitest.NewServer(t)
	code, body, h := call(t, s.URL, "", "GET", "/v1/openapi.yaml", "")
	if code != 200 || body != string(api.OpenAPI) || !strings.Contains(h.Get("Content-Type"), "yaml") {
		t.Errorf("GET /v1/openapi.yaml: %d %q", code, h.Get("Content-Type"))
	}
}

func TestBackendErrors(t *testing.T) {
	s := apitest.NewServer(t)
	for _, c := range []struct {
		err  error
		code int
	}{
		{errors.New("boom"), 500},
		{context.DeadlineExceeded, 504},
		{api.ErrNotFound, 404},
	} {
		s.Fake.Mu.Lock()
		s.Fake.Err = c.err
		s.Fake.Mu.Unlock()
		code, body, _ := call(t, s.URL, s.ReadOnly, "GET", "/v1/status", "")
		if code != c.code || errorOf(t, body).Error != c.err.Error() {
			t.Errorf("backend error %v: %d %s, want %d", c.err, code, body, c.code)
		}
	}
}

// emptyBackend answers every list with nil.
type emptyBackend struct{ apitest.Fake }

func (*emptyBackend) Status(context.Context) (api.Status, error) { return api.Status{}, nil }
func (*emptyBackend) Pending(context.Context) ([]api.PendingRoute, error) {
	return nil, nil
}
func (*emptyBackend) RouteTables(context.Context) ([]api.RouteTable, error) {
	return []api.RouteTable{{VPC: "v"}}, nil
}
func (*emptyBackend) Segmentation(context.Context) (api.Segmentation, error) {
	return api.Segmentation{Domains: []api.Domain{{Name: "d"}}}, nil
}

// roleOnly is an Authenticator that is neither an Identifier nor a
// TokenStore.
type roleOnly map[string]store.Role

func (r roleOnly) TokenRole(token string) (store.Role, bool, error) {
	role, ok := r[token]
	return role, ok, nil
}

func TestEmptyListsAreArrays(t *testing.T) {
	srv := httptest.NewServer(api.NewHandler(&emptyBackend{}, roleOnly{"t": store.RoleReadOnly}))
	defer srv.Close()
	for path, want := range map[string]string{
		"/v1/status":         `"gateways": []`,
		"/v1/routes/pending": `[]`,
		"/v1/route-tables":   `"routes": []`,
		"/v1/segmentation":   `"members": []`,
	} {
		_, body, _ := call(t, srv.URL, "t", "GET", path, "")
		if !strings.Contains(body, want) || strings.Contains(body, "null") {
			t.Errorf("GET %s: %s; want %s and no null", path, body, want)
		}
	}
}

func TestPlainAuthenticator(t *testing.T) {
	f := apitest.NewFake()
	srv := httptest.NewServer(api.NewHandler(f, roleOnly{"op": store.RoleOperator, "adm": store.RoleAdmin}))
	defer srv.Close()
	if code, body, _ := call(t, srv.URL, "op", "POST", "/v1/routes/approve", `{"site":"dc1","prefix":"172.16.0.0/16"}`); code != 200 {
		t.Fatalf("approve: %d %s", code, body)
	}
	if f.ApprovedRoutes[0].By != "role:operator" {
		t.Errorf("approved by %q, want role:operator", f.ApprovedRoutes[0].By)
	}
	if code, body, _ := call(t, srv.URL, "adm", "GET", "/v1/tokens", ""); code != 501 {
		t.Errorf("tokens without a TokenStore: %d %s, want 501", code, body)
	}
}

func TestClient(t *testing.T) {
	s := apitest.NewServer(t)
	ctx := context.Background()
	ro := api.NewClient(s.URL+"/", s.ReadOnly)
	if st, err := ro.Status(ctx); err != nil || st.Lab != "fake" || len(st.Gateways) != 3 || st.Gateways[0].PublicIP != netip.MustParseAddr("198.51.100.10") {
		t.Errorf("Status: %+v %v", st, err)
	}
	if p, err := ro.Pending(ctx); err != nil || len(p) != 3 {
		t.Errorf("Pending: %+v %v", p, err)
	}
	if rt, err := ro.RouteTables(ctx); err != nil || len(rt) != 1 || rt[0].Routes[2].Origin != api.OriginLearned {
		t.Errorf("RouteTables: %+v %v", rt, err)
	}
	if sg, err := ro.Segmentation(ctx); err != nil || sg.Connections[0] != [2]string{"prod", "shared"} || sg.Drops[0].Packets != 12 {
		t.Errorf("Segmentation: %+v %v", sg, err)
	}
	if doc, err := ro.OpenAPI(ctx); err != nil || !bytes.Equal(doc, api.OpenAPI) {
		t.Errorf("OpenAPI: %v", err)
	}
	_, err := ro.Approve(ctx, "dc1", "172.16.0.0/16")
	var ae *api.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 403 || ae.Role != store.RoleOperator || !strings.Contains(err.Error(), "needs role operator") {
		t.Errorf("Approve as read-only: %v", err)
	}
	if _, err := api.NewClient(s.URL, "mcn_bad").Status(ctx); !errors.As(err, &ae) || ae.StatusCode != 401 {
		t.Errorf("bad token: %v", err)
	}

	op := api.NewClient(s.URL, s.Operator)
	if r, err := op.Approve(ctx, "dc1", "172.16.0.0/16"); err != nil || !r.Approved {
		t.Errorf("Approve: %+v %v", r, err)
	}
	if _, err := op.Approve(ctx, "dc1", "x"); !errors.As(err, &ae) || ae.StatusCode != 400 {
		t.Errorf("Approve bad prefix: %v", err)
	}
	if a, err := op.Approved(ctx); err != nil || len(a) != 1 || a[0].By != "operator" {
		t.Errorf("Approved: %+v %v", a, err)
	}
	if r, err := op.Revoke(ctx, "dc1", "172.16.0.0/16"); err != nil || r.Prefix != netip.MustParsePrefix("172.16.0.0/16") || r.Transit != "tr1" {
		t.Errorf("Revoke: %+v %v", r, err)
	}
	if a, err := op.Approved(ctx); err != nil || len(a) != 0 {
		t.Errorf("Approved after Revoke: %+v %v", a, err)
	}
	if _, err := op.Revoke(ctx, "dc1", "172.16.0.0/16"); !errors.As(err, &ae) || ae.StatusCode != 404 {
		t.Errorf("Revoke twice: %v", err)
	}
	if _, err := op.Approve(ctx, "dc1", "0.0.0.0/0"); !errors.As(err, &ae) || ae.StatusCode != 422 || !strings.Contains(err.Error(), "0.0.0.0/0 is not inside anything site dc1 advertises") {
		t.Errorf("Approve 0.0.0.0/0: %v, want 422 with the reason", err)
	}
	if r, err := op.Ping(ctx, api.PingRequest{From: "sp1-vm", To: "dc1-host", Count: 2}); err != nil || r.Received != 2 {
		t.Errorf("Ping: %+v %v", r, err)
	}

	adm := api.NewClient(s.URL, s.Admin)
	nt, err := adm.CreateToken(ctx, "bot", store.RoleReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	if l, err := adm.Tokens(ctx); err != nil || len(l) != 4 || l[1].Name != "bot" {
		t.Errorf("Tokens: %+v %v", l, err)
	}
	if err := adm.RevokeToken(ctx, "bot"); err != nil {
		t.Fatal(err)
	}
	if _, err := api.NewClient(s.URL, nt.Token).Status(ctx); !errors.As(err, &ae) || ae.StatusCode != 401 {
		t.Errorf("revoked token: %v", err)
	}
	if err := adm.RevokeToken(ctx, "bot"); !errors.As(err, &ae) || ae.StatusCode != 404 {
		t.Errorf("revoke twice: %v", err)
	}
}

func TestServe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- api.Serve(ctx, ln, api.NewHandler(apitest.NewFake(), roleOnly{"t": store.RoleReadOnly}))
	}()
	c := api.NewClient("http://"+ln.Addr().String(), "t")
	if st, err := c.Status(context.Background()); err != nil || st.Lab != "fake" {
		t.Errorf("Status over Serve: %+v %v", st, err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after its context was cancelled")
	}
	if _, err := c.Status(context.Background()); err == nil {
		t.Error("server still answers after Serve returned")
	}
}

// FuzzRequestBodies sends arbitrary bodies to the POST endpoints: every
// answer is JSON and none is a 500.
func FuzzRequestBodies(f *testing.F) {
	for _, s := range []string{
		`{"site":"dc1","prefix":"172.16.0.0/16"}`, `{"site":"dc1","prefix":"::/0"}`,
		`{"from":"sp1-vm","to":"dc1-host","count":2}`, `{"name":"x","role":"admin"}`,
		`{}`, `[]`, `null`, `{"site":1}`, "",
	} {
		f.Add(s)
	}
	h := api.NewHandler(apitest.NewFake(), roleOnly{"t": store.RoleAdmin})
	f.Fuzz(func(t *testing.T, body string) {
		for _, path := range []string{"/v1/routes/approve", "/v1/diagnostics/ping", "/v1/tokens"} {
			req := httptest.NewRequest("POST", path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer t")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code == 500 || !json.Valid(w.Body.Bytes()) {
				t.Errorf("POST %s %q: %d %s", path, body, w.Code, w.Body)
			}
		}
	})
}
