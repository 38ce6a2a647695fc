package azure

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"
)

// do sends a raw request with the test principal's token (or tok when
// not empty) and returns the response and its decoded JSON body.
func (e *env) do(t *testing.T, method, path, body, tok string) (*http.Response, map[string]any) {
	t.Helper()
	if tok == "" {
		tok = e.srv.sign(testApp, time.Now().Add(time.Hour))
	}
	req, _ := http.NewRequest(method, e.ts.URL+path, strings.NewReader(body))
	if tok != "-" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return resp, m
}

func errCode(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

const net1 = "/subscriptions/" + testSub + "/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/v1"

// TestAPIVersions: every published api-version is answered with one
// shape (az's 2018-11-01 and 2022-07-01, the SDK's 2025-05-01); an
// unknown one is 400 NoRegisteredProviderFound, a missing one 400
// MissingApiVersionParameter.
func TestAPIVersions(t *testing.T) {
	e := newEnv(t)
	if r, m := e.do(t, "PUT", "/subscriptions/"+testSub+"/resourcegroups/rg1?api-version=2019-10-01", `{"location":"eastus"}`, ""); r.StatusCode != 201 {
		t.Fatalf("az's resource group PUT: %d %v", r.StatusCode, m)
	}
	body := `{"location":"eastus","tags":{},"properties":{"addressSpace":{"addressPrefixes":["10.0.0.0/16"]},"dhcpOptions":{},"subnets":[{"name":"s1","properties":{"addressPrefix":"10.0.1.0/24"}}]}}`
	r, m := e.do(t, "PUT", net1+"?api-version=2022-07-01", body, "")
	if r.StatusCode != 201 || r.Header.Get("Azure-AsyncOperation") == "" || r.Header.Get("Retry-After") != "0" {
		t.Fatalf("az's vnet PUT: %d %v %v", r.StatusCode, r.Header, m)
	}
	// The operation has succeeded.
	op, _ := url.Parse(r.Header.Get("Azure-AsyncOperation"))
	if r, m := e.do(t, "GET", op.RequestURI(), "", ""); r.StatusCode != 200 || m["status"] != "Succeeded" {
		t.Fatalf("operation: %d %v", r.StatusCode, m)
	}
	var shapes []string
	for _, v := range []string{"2018-11-01", "2022-01-01", "2025-05-01"} {
		r, m := e.do(t, "GET", net1+"?api-version="+v, "", "")
		delete(m, "etag")
		b, _ := json.Marshal(m)
		if r.StatusCode != 200 {
			t.Fatalf("api-version %s: %d %s", v, r.StatusCode, b)
		}
		shapes = append(shapes, string(b))
	}
	if shapes[0] != shapes[1] || shapes[1] != shapes[2] {
		t.Fatalf("shapes differ:\n%s\n%s", shapes[0], shapes[2])
	}
	if r, m := e.do(t, "GET", net1+"?api-version=2099-01-01", "", ""); r.StatusCode != 400 || errCode(m) != "NoRegisteredProviderFound" {
		t.Fatalf("unknown api-version: %d %v", r.StatusCode, m)
	}
	if r, m := e.do(t, "GET", net1, "", ""); r.StatusCode != 400 || errCode(m) != "MissingApiVersionParameter" {
		t.Fatalf("no api-version: %d %v", r.StatusCode, m)
	}
	// IDs are case-insensitive and "//" is "/" (az resource's double slash).
	lowerPath := "/subscriptions/" + testSub + "/resourcegroups/RG1/providers/microsoft.network//VIRTUALNETWORKS/V1/subnets/S1?api-version=2018-11-01"
	if r, m := e.do(t, "GET", lowerPath, "", ""); r.StatusCode != 200 || m["id"] != net1+"/subnets/s1" {
		t.Fatalf("case-folded subnet GET: %d %v", r.StatusCode, m)
	}
	// A DELETE answers 202 with the operation headers.
	if r, _ := e.do(t, "DELETE", net1+"?api-version=2018-11-01", "", ""); r.StatusCode != 202 || r.Header.Get("Location") == "" || r.Header.Get("Retry-After") != "0" {
		t.Fatalf("DELETE: %d %v", r.StatusCode, r.Header)
	}
	if r, _ := e.do(t, "DELETE", net1+"?api-version=2018-11-01", "", ""); r.StatusCode != 204 {
		t.Fatalf("DELETE of nothing: %d", r.StatusCode)
	}
}

// TestProviderAndMetadata: provider metadata lists the resource types
// with their api-versions newest first; /metadata/endpoints and
// /subscriptions answer as az needs.
func TestProviderAndMetadata(t *testing.T) {
	e := newEnv(t)
	r, m := e.do(t, "GET", "/subscriptions/"+testSub+"/providers/Microsoft.Network?api-version=2019-10-01", "", "")
	rts, _ := m["resourceTypes"].([]any)
	if r.StatusCode != 200 || m["namespace"] != "Microsoft.Network" || len(rts) == 0 {
		t.Fatalf("provider: %d %v", r.StatusCode, m)
	}
	found := false
	for _, x := range rts {
		rt := x.(map[string]any)
		if rt["resourceType"] == "virtualNetworks" {
			found = rt["apiVersions"].([]any)[0] == "2025-05-01"
		}
	}
	if !found {
		t.Fatalf("virtualNetworks' newest api-version is not first: %v", rts)
	}
	r, m = e.do(t, "GET", "/metadata/endpoints?api-version=2015-01-01", "", "-")
	if r.StatusCode != 200 || m["authentication"].(map[string]any)["loginEndpoint"] != e.ts.URL+"/adfs" {
		t.Fatalf("metadata: %d %v", r.StatusCode, m)
	}
	r, m = e.do(t, "GET", "/subscriptions?api-version=2019-11-01", "", "")
	v, _ := m["value"].([]any)
	if r.StatusCode != 200 || len(v) != 1 || v[0].(map[string]any)["tenantId"] != testTenant {
		t.Fatalf("subscriptions: %d %v", r.StatusCode, m)
	}
}

// TestIdentityAndAuthorization: the ADFS-shaped OpenID configuration az
// reads; a wrong secret and an unknown app are refused by the token
// endpoint; ARM refuses a missing or forged token (401) and a principal
// of another subscription (403 AuthorizationFailed).
func TestIdentityAndAuthorization(t *testing.T) {
	e := newEnv(t)
	r, m := e.do(t, "GET", "/adfs/.well-known/openid-configuration", "", "-")
	if r.StatusCode != 200 || m["token_endpoint"] != e.ts.URL+"/adfs/oauth2/token" {
		t.Fatalf("ADFS configuration: %d %v", r.StatusCode, m)
	}
	form := func(secret string) string {
		return url.Values{"client_id": {testApp}, "client_secret": {secret}, "grant_type": {"client_credentials"},
			"scope": {"https://management.core.windows.net//.default"}}.Encode()
	}
	post := func(path, body string) (int, map[string]any) {
		resp, err := e.ts.Client().Post(e.ts.URL+path, "application/x-www-form-urlencoded", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	if st, m := post("/adfs/oauth2/token", form(testSecret)); st != 200 || m["access_token"] == nil || m["token_type"] != "Bearer" {
		t.Fatalf("az's token request: %d %v", st, m)
	}
	if st, m := post("/"+testTenant+"/oauth2/v2.0/token", form("wrong")); st != 401 || m["error"] != "invalid_client" {
		t.Fatalf("wrong secret: %d %v", st, m)
	}
	if st, m := post("/"+testTenant+"/oauth2/v2.0/token", strings.Replace(form(testSecret), testApp, "nobody", 1)); st != 400 || m["error"] != "unauthorized_client" {
		t.Fatalf("unknown app: %d %v", st, m)
	}
	rgs := "/subscriptions/" + testSub + "/resourcegroups?api-version=2021-04-01"
	if r, m := e.do(t, "GET", rgs, "", "-"); r.StatusCode != 401 || errCode(m) != "AuthenticationFailed" {
		t.Fatalf("no token: %d %v", r.StatusCode, m)
	}
	if r, m := e.do(t, "GET", rgs, "", "mcn.Zm9v.bad"); r.StatusCode != 401 || errCode(m) != "InvalidAuthenticationToken" {
		t.Fatalf("forged token: %d %v", r.StatusCode, m)
	}
	if r, m := e.do(t, "GET", rgs, "", e.srv.sign(testApp, time.Now().Add(-time.Minute))); r.StatusCode != 401 || errCode(m) != "ExpiredAuthenticationToken" {
		t.Fatalf("expired token: %d %v", r.StatusCode, m)
	}
	// The SDK, with our principal's credential, on another subscription.
	vc, err := armnetwork.NewVirtualNetworksClient(otherSub, e.cred, e.opts)
	if err != nil {
		t.Fatal(err)
	}
	_, err = vc.Get(context.Background(), "rg1", "v1", nil)
	wantCode(t, err, "AuthorizationFailed", 403)
	// A token the credential got is accepted.
	tok, err := e.cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{"https://management.core.windows.net//.default"}})
	if err != nil {
		t.Fatal(err)
	}
	if r, m := e.do(t, "GET", rgs, "", tok.Token); r.StatusCode != 200 {
		t.Fatalf("the SDK's token: %d %v", r.StatusCode, m)
	}
}

// TestPagingNextLink: a list longer than a page carries an absolute
// nextLink, and the SDK's pager follows it to the end.
func TestPagingNextLink(t *testing.T) {
	e := newEnv(t)
	e.srv.PageSize = 2
	makeGroup(t, e, "rg1")
	c := newClients(t, e)
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		poll(c.vnets.BeginCreateOrUpdate(context.Background(), "rg1", n, vnet("10.0.0.0/16"), nil)).must(t)
	}
	r, m := e.do(t, "GET", "/subscriptions/"+testSub+"/providers/Microsoft.Network/virtualNetworks?api-version=2025-05-01", "", "")
	if next, _ := m["nextLink"].(string); r.StatusCode != 200 || !strings.HasPrefix(next, e.ts.URL+"/subscriptions/") || len(m["value"].([]any)) != 2 {
		t.Fatalf("first page: %d %v", r.StatusCode, m)
	}
	pages, n := 0, 0
	for pg := c.vnets.NewListAllPager(nil); pg.More(); pages++ {
		p, err := pg.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		n += len(p.Value)
	}
	if pages != 3 || n != 5 {
		t.Fatalf("%d VNets on %d pages, want 5 on 3", n, pages)
	}
}
