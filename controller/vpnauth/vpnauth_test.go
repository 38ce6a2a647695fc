package vpnauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crewjam/saml"
)

// env is an IdP and an SP on two loopback servers.
type env struct {
	idpSrv, spSrv *httptest.Server
	sp            *SP
	ca            CA
	issued        []Credential
}

var testUsers = []User{
	{Name: "carol", Password: "carol-pw", Groups: []string{"contractors"}},
	{Name: "erin", Password: "erin-pw", Groups: []string{"staff", "admins"}},
	{Name: "nobody", Password: "nobody-pw"},
}

func testCA(t *testing.T) CA {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return CA{Cert: c, Signer: key}
}

// newEnv serves an SP (at /saml below its server) and an IdP that knows
// it; idpUsers are the IdP's users.
func newEnv(t *testing.T, idpUsers []User) *env {
	t.Helper()
	e := &env{ca: testCA(t)}
	spMux := http.NewServeMux()
	e.spSrv = httptest.NewServer(spMux)
	t.Cleanup(e.spSrv.Close)
	idpMux := http.NewServeMux()
	e.idpSrv = httptest.NewServer(idpMux)
	t.Cleanup(e.idpSrv.Close)
	base, _ := url.Parse(e.spSrv.URL + "/saml")
	sp, err := NewSP(SPOptions{Base: *base, CA: e.ca, MaxLifetime: time.Hour,
		Profile: func(user string, groups []string) (string, error) {
			if slices.Contains(groups, "contractors") {
				return "contractor", nil
			}
			if slices.Contains(groups, "staff") {
				return "employee", nil
			}
			return "", fmt.Errorf("user %s has no profile", user)
		},
		Gateway: func(name string) (Endpoint, error) {
			if name != "" && name != "vpn-1" {
				return Endpoint{}, fmt.Errorf("no VPN gateway %q", name)
			}
			return Endpoint{Name: "vpn-1", Address: netip.MustParseAddr("203.0.113.7")}, nil
		},
		Issued: func(c Credential) { e.issued = append(e.issued, c) }})
	if err != nil {
		t.Fatal(err)
	}
	e.sp = sp
	idpBase, _ := url.Parse(e.idpSrv.URL)
	idp, err := NewIdP(*idpBase, idpUsers, []*saml.EntityDescriptor{sp.Metadata()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	idpMux.Handle("/", idp.Handler())
	spMux.Handle("/saml/login", sp.LoginHandler())
	spMux.Handle("/saml/acs", sp.ACSHandler())
	sp.SetIdP(idp.Metadata())
	return e
}

func (e *env) start(q string) *url.URL {
	u, _ := url.Parse(e.spSrv.URL + "/saml/login" + q)
	return u
}

func certOf(t *testing.T, conf string) *x509.Certificate {
	t.Helper()
	_, after, ok := strings.Cut(conf, "<cert>\n")
	if !ok {
		t.Fatalf("no <cert> in\n%s", conf)
	}
	b, _ := pem.Decode([]byte(after))
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestLoginIssuesProfileBoundCredential: a user signs in at the IdP's form
// and gets a client configuration whose certificate names the user and
// the profile of its group, from the lab CA, expiring when asked.
func TestLoginIssuesProfileBoundCredential(t *testing.T) {
	e := newEnvWithSP(t)
	ctx := context.Background()
	c, err := Login(ctx, nil, e.start("?lifetime=90s"), "carol", "carol-pw")
	if err != nil {
		t.Fatal(err)
	}
	cert := certOf(t, c.Config)
	if cert.Subject.CommonName != "carol" || !slices.Equal(cert.Subject.OrganizationalUnit, []string{"contractor"}) || c.Profile != "contractor" {
		t.Errorf("certificate %v, credential profile %q: want carol in contractor", cert.Subject, c.Profile)
	}
	if err := cert.CheckSignatureFrom(e.ca.Cert); err != nil {
		t.Errorf("not signed by the CA: %v", err)
	}
	if left := time.Until(cert.NotAfter); left < 80*time.Second || left > 91*time.Second {
		t.Errorf("certificate valid %v more, want about 90s", left)
	}
	if !strings.Contains(c.Config, "remote 203.0.113.7 1194\n") || !strings.Contains(c.Config, "verify-x509-name vpn-1 name") {
		t.Errorf("client configuration:\n%s", c.Config)
	}
	c2, err := Login(ctx, nil, e.start(""), "erin", "erin-pw")
	if err != nil {
		t.Fatal(err)
	}
	if c2.Profile != "employee" || !slices.Equal(c2.Groups, []string{"staff", "admins"}) {
		t.Errorf("erin: %+v", c2)
	}
}

// newEnvWithSP is newEnv with the test users.
func newEnvWithSP(t *testing.T) *env { return newEnv(t, testUsers) }

// TestLoginRefusals: a wrong password or an unknown user gets no
// credential (the IdP's form again, ErrBadPassword); a user without a
// profile, a bad lifetime and an unknown gateway get none either.
func TestLoginRefusals(t *testing.T) {
	e := newEnvWithSP(t)
	ctx := context.Background()
	for _, tc := range []struct{ user, pw string }{{"carol", "wrong"}, {"mallory", "carol-pw"}, {"carol", ""}} {
		_, err := Login(ctx, nil, e.start(""), tc.user, tc.pw)
		if !errors.Is(err, ErrBadPassword) || !strings.Contains(err.Error(), "Invalid username or password") {
			t.Errorf("%s/%q: %v, want ErrBadPassword", tc.user, tc.pw, err)
		}
	}
	if _, err := Login(ctx, nil, e.start(""), "nobody", "nobody-pw"); err == nil || !strings.Contains(err.Error(), "403 Forbidden: assertion refused: user nobody has no profile") {
		t.Errorf("user without a profile: %v", err)
	}
	for q, want := range map[string]string{
		"?lifetime=1s":   "400 Bad Request: lifetime \"1s\": want a duration from 5s to 1h0m0s",
		"?lifetime=2h":   "400 Bad Request: lifetime \"2h\"",
		"?lifetime=x":    "400 Bad Request: lifetime \"x\"",
		"?gateway=other": "404 Not Found: no VPN gateway \"other\"",
	} {
		if _, err := Login(ctx, nil, e.start(q), "carol", "carol-pw"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", q, err, want)
		}
	}
	if len(e.issued) != 0 {
		t.Errorf("credentials issued: %+v", e.issued)
	}
}

// response signs carol in at the IdP and returns the ACS URL and the form
// the IdP answered, without posting it.
func (e *env) response(t *testing.T, user, pw string) (*url.URL, url.Values) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	acs, vals, err := signIn(context.Background(), &http.Client{Jar: jar}, e.start(""), user, pw)
	if err != nil {
		t.Fatal(err)
	}
	return acs, vals
}

// responseFrom does the IdP steps at the IdP served at idp (whatever URL
// its pages name) for a request of the SP, and returns the form the IdP
// answered.
func (e *env) responseFrom(t *testing.T, idp, user, pw string) url.Values {
	t.Helper()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(e.start("").String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	u, _ := url.Parse(resp.Header.Get("Location"))
	host := mustURL(idp).Host
	u.Host = host
	page, _, err := fetch(http.DefaultClient, mustReq(t, u))
	if err != nil {
		t.Fatal(err)
	}
	f, err := parseForm(page)
	if err != nil {
		t.Fatal(err)
	}
	f.set("user", user)
	f.set("password", pw)
	action, _ := url.Parse(f.action)
	action.Host = host
	page, _, err = post(context.Background(), http.DefaultClient, action, f.values())
	if err != nil {
		t.Fatal(err)
	}
	if f, err = parseForm(page); err != nil || !f.has("SAMLResponse") {
		t.Fatalf("no SAMLResponse form: %v\n%s", err, page)
	}
	return f.values()
}

func mustReq(t *testing.T, u *url.URL) *http.Request {
	req, err := http.NewRequest(http.MethodGet, u.String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func postACS(t *testing.T, acs *url.URL, v url.Values) (int, string) {
	t.Helper()
	resp, err := http.PostForm(acs.String(), v)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

// TestACSHostileInput: the SP refuses, with 403 and the reason, every
// response it must not trust: a replay of a good one, one whose user was
// edited after signing, one signed by another IdP, one that answers no
// request of ours, garbage, and the artifact binding.
func TestACSHostileInput(t *testing.T) {
	e := newEnvWithSP(t)
	acs, good := e.response(t, "carol", "carol-pw")
	if code, body := postACS(t, acs, good); code != http.StatusOK {
		t.Fatalf("good response: %d %s", code, body)
	}
	xmlOf := func(v url.Values) string {
		b, err := base64.StdEncoding.DecodeString(v.Get("SAMLResponse"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	with := func(v url.Values, xml string) url.Values {
		out := url.Values{}
		for k := range v {
			out.Set(k, v.Get(k))
		}
		out.Set("SAMLResponse", base64.StdEncoding.EncodeToString([]byte(xml)))
		return out
	}
	_, fresh := e.response(t, "carol", "carol-pw")
	// The assertion is encrypted for the SP inside the signed response:
	// edit its ciphertext, as one would to change the user.
	tampered := xmlOf(fresh)
	k := strings.LastIndex(tampered, "<xenc:CipherValue>") + len("<xenc:CipherValue>") + 40
	flip := byte('A')
	if tampered[k] == 'A' {
		flip = 'B'
	}
	tampered = tampered[:k] + string(flip) + tampered[k+1:]

	// Another IdP, with the same users and knowing our SP, that our SP
	// does not trust: it answers one of our requests, signed with its key.
	foreignMux := http.NewServeMux()
	foreignSrv := httptest.NewServer(foreignMux)
	defer foreignSrv.Close()
	// It is served elsewhere under the trusted IdP's URLs (which the
	// request names as its destination).
	foreignIdP, err := NewIdP(mustURL(e.idpSrv.URL), testUsers, []*saml.EntityDescriptor{e.sp.Metadata()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	foreignMux.Handle("/", foreignIdP.Handler())
	foreign := e.responseFrom(t, foreignSrv.URL, "erin", "erin-pw")

	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"replay", good, "assertion refused: it answers no pending request of this service provider (replayed, expired or unsolicited)"},
		{"user edited after signing", with(fresh, tampered), "assertion refused: cannot validate signature on Response: Signature could not be verified"},
		{"signed by an IdP not trusted", foreign, "assertion refused: cannot validate signature on Response: Could not verify certificate against trusted certs"},
		{"not base64", url.Values{"SAMLResponse": {"%%%not base64"}}, "assertion refused: cannot parse base64"},
		{"not XML", url.Values{"SAMLResponse": {base64.StdEncoding.EncodeToString([]byte("<Response"))}}, "assertion refused: invalid xml"},
		{"empty", url.Values{}, "assertion refused: invalid xml: no root"},
		{"artifact", url.Values{"SAMLart": {"AAQAAA"}}, "assertion refused: the artifact binding is not accepted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := postACS(t, acs, tc.form)
			if code != http.StatusForbidden || !strings.Contains(body, tc.want) {
				t.Errorf("%d %q, want 403 with %q", code, body, tc.want)
			}
			if strings.Contains(body, "id-") {
				t.Errorf("the refusal %q shows request IDs", body)
			}
		})
	}
	if len(e.issued) != 1 {
		t.Errorf("%d credentials issued, want the good one only", len(e.issued))
	}
	// The untouched response is still good: the refused copy did not use
	// its request up.
	if code, body := postACS(t, acs, fresh); code != http.StatusOK {
		t.Errorf("fresh response after the refusals: %d %s", code, body)
	}
}

func mustURL(s string) url.URL {
	u, _ := url.Parse(s)
	return *u
}

// FuzzParseForm: the sign-in's HTML form reader never panics and never
// returns more inputs than its limit.
func FuzzParseForm(f *testing.F) {
	f.Add(`<form method="post" action="/sso"><input name="user"/><input name="password" type="password"/></form>`)
	f.Add(`<html><body><p>x</p><form action="http://a/acs"><input type="hidden" name="SAMLResponse" value="PD94"/></form>`)
	f.Add(`<form><form><input name=a value="<script>">`)
	f.Fuzz(func(t *testing.T, page string) {
		fm, err := parseForm([]byte(page))
		if err == nil && len(fm.names) > maxInputs {
			t.Fatalf("%d inputs", len(fm.names))
		}
	})
}
