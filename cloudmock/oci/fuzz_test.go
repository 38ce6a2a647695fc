package oci

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// FuzzSignatureParser feeds arbitrary Authorization headers: the parser
// returns a signature or an error, and the server answers 401, never a
// 5xx or a panic.
func FuzzSignatureParser(f *testing.F) {
	for _, seed := range []string{
		`Signature version="1",headers="date (request-target) host",keyId="t/u/f",algorithm="rsa-sha256",signature="AAAA"`,
		`Signature headers="x-date (request-target) host Content-Type",keyId="a/b/c",algorithm="rsa-sha256",signature="=="`,
		`Signature keyId="`, `Signature a=b`, `Bearer x`, `Signature keyId="k",signature="not base64!",algorithm="hmac"`,
	} {
		f.Add(seed)
	}
	l := newLab(&testing.T{})
	f.Fuzz(func(t *testing.T, h string) {
		if s, err := parseSignature(h); err == nil && (s.KeyID == "" || len(s.Sig) == 0 && !strings.Contains(h, `signature=""`)) {
			t.Fatalf("parsed %q into %+v", h, s)
		}
		r := httptest.NewRequest(http.MethodGet, "/20160918/vcns?compartmentId="+tenancy1, nil)
		r.Header.Set("Authorization", h)
		r.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
		w := httptest.NewRecorder()
		l.srv.ServeHTTP(w, r)
		if w.Code != http.StatusUnauthorized {
			t.Fatalf("%q: %d %s", h, w.Code, w.Body)
		}
	})
}

// FuzzRequests sends arbitrary methods, paths, queries and bodies signed
// by a real user: the server answers each with an OCI error or a
// success, never a 5xx or a panic.
func FuzzRequests(f *testing.F) {
	vcn := `{"compartmentId":"` + tenancy1 + `","cidrBlocks":["10.0.0.0/16"],"dnsLabel":"a"}`
	for _, seed := range []struct{ method, path, query, body string }{
		{"POST", "vcns", "", vcn},
		{"POST", "subnets", "", `{"compartmentId":"` + tenancy1 + `","vcnId":"x","cidrBlock":"10.0.1.0/24","availabilityDomain":"mcnl:PHX-AD-1"}`},
		{"POST", "securityLists", "", `{"compartmentId":"x","vcnId":"y","ingressSecurityRules":[{"protocol":"6","source":"0.0.0.0/0","tcpOptions":{"destinationPortRange":{"min":1,"max":2}}}],"egressSecurityRules":[]}`},
		{"POST", "routeTables", "", `{"routeRules":[{"destination":"0.0.0.0/0","networkEntityId":"ocid1.internetgateway.oc1..x"}]}`},
		{"GET", "vcns", "compartmentId=" + tenancy1 + "&limit=0&page=-1", ""},
		{"PUT", "vcns/ocid1.vcn.oc1.us-phoenix-1.x", "", `{"displayName":7}`},
		{"DELETE", "internetGateways/x", "", ""},
		{"POST", "natGateways", "", `{"compartmentId":"` + tenancy1 + `","vcnId":"x","blockTraffic":true}`},
		{"GET", "compartments", "compartmentId=" + tenancy1, ""},
		{"POST", "networkSecurityGroups/ocid1.networksecuritygroup.oc1.x/actions/addSecurityRules", "", `{"securityRules":[{"direction":"INGRESS","protocol":"6","sourceType":"NETWORK_SECURITY_GROUP","source":"x"}]}`},
		{"POST", "vcns/x/actions/addCidr", "", `{"cidrBlock":"10.1.0.0/16"}`},
		{"GET", "workRequests/x/logs", "", ""},
		{"POST", "drgs", "", `{"compartmentId":"` + tenancy1 + `"}`},
		{"POST", "drgRouteDistributions/x/actions/addDrgRouteDistributionStatements", "", `{"statements":[{"matchCriteria":[{"matchType":"MATCH_ALL"}],"action":"ACCEPT","priority":1}]}`},
		{"GET", "drgRouteTables", "drgId=x", ""},
		{"POST", "dhcps", "", `{"compartmentId":"` + tenancy1 + `","vcnId":"x","options":[{"type":"DomainNameServer","serverType":"CustomDnsServer","customDnsServers":["10.0.0.2"]}]}`},
	} {
		f.Add(seed.method, seed.path, seed.query, seed.body)
	}
	tt := &testing.T{}
	l := newLab(tt)
	k := testKeys(tt)
	keyID := tenancy1 + "/" + user1 + "/" + Fingerprint(&k[0].PublicKey)
	names := []string{"date", "(request-target)", "host", "content-length", "content-type", "x-content-sha256"}
	f.Fuzz(func(t *testing.T, method, path, query, body string) {
		switch method {
		case "GET", "POST", "PUT", "DELETE":
		default:
			method = "GET"
		}
		target := "/20160918/" + strings.NewReplacer("?", "", "#", "", " ", "", "%", "").Replace(path)
		if query != "" {
			target += "?" + strings.NewReplacer("#", "", " ", "").Replace(query)
		}
		r, err := http.NewRequest(method, "http://127.0.0.1:1"+target, bytes.NewReader([]byte(body)))
		if err != nil {
			return
		}
		signAs(t, r, []byte(body), keyID, k[0], names)
		r.RequestURI = r.URL.RequestURI()
		r.Host = r.URL.Host
		w := httptest.NewRecorder()
		l.srv.ServeHTTP(w, r)
		if w.Code >= 500 || w.Header().Get("opc-request-id") == "" {
			t.Fatalf("%s %s %q: %d %s", method, target, body, w.Code, w.Body)
		}
	})
}
