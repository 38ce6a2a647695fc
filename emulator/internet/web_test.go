package internet

import (
	"context"
	"crypto/x509"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"testing"
)

// serveTestWeb serves h on loopback listeners and returns the server,
// closed with the test.
func serveTestWeb(t *testing.T, h Host, ca CA) *WebServer {
	t.Helper()
	w, err := NewWeb(h, ca)
	if err != nil {
		t.Fatal(err)
	}
	var ls [2]net.Listener
	for i, on := range [2]bool{h.HTTP, h.HTTPS} {
		if on {
			l, err := net.Listen("tcp", net.JoinHostPort(h.Address.String(), "0"))
			if err != nil {
				t.Fatal(err)
			}
			ls[i] = l
		}
	}
	s, err := ServeWeb(w, ls[0], ls[1], nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

// toServer dials the server's HTTP or HTTPS address, whatever name the
// URL holds (a stand-in for DNS).
func toServer(s *WebServer) func(ctx context.Context, hostport string) (net.Conn, error) {
	return func(ctx context.Context, hostport string) (net.Conn, error) {
		addr := s.HTTPAddr()
		if _, port, _ := net.SplitHostPort(hostport); port == "443" {
			addr = s.HTTPSAddr()
		}
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr.String())
	}
}

// TestWebSNI fetches each name of a host over HTTPS on loopback,
// verifying the certificate against the CA, and checks that each name
// gets its own certificate (chosen by SNI) and the body names the host
// and the name; a name the host does not serve gets a certificate that
// does not verify for it.
func TestWebSNI(t *testing.T) {
	leakCheck(t)
	ca := testCA(t)
	s := serveTestWeb(t, Host{Name: "web1", Address: netip.MustParseAddr("127.0.0.1"),
		Names: []string{"api.example.com", "Blocked.Example.net"}, HTTP: true, HTTPS: true}, ca)
	c := client(t, ca, toServer(s))
	for _, tc := range []struct {
		url, body string
		cert      []string
	}{
		{"https://api.example.com/path", "web1 api.example.com /path\n", []string{"api.example.com"}},
		{"https://blocked.example.net/a%20b?q=1", "web1 blocked.example.net /a%20b\n", []string{"blocked.example.net"}},
		{"https://API.example.com./", "web1 api.example.com /\n", []string{"api.example.com"}},
		{"http://api.example.com/x", "web1 api.example.com /x\n", nil},
	} {
		status, body, cert := get(t, c, tc.url)
		if status != http.StatusOK || body != tc.body || !slices.Equal(cert, tc.cert) {
			t.Errorf("GET %s = %d %q, certificate for %q; want 200 %q, certificate for %q", tc.url, status, body, cert, tc.body, tc.cert)
		}
	}
	getFails(t, c, "https://other.example.org/", "certificate is not valid for any names, but wanted to match other.example.org")

	// Without SNI (an address in the URL), the host's own certificate.
	ip := client(t, ca, func(ctx context.Context, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", s.HTTPSAddr().String())
	})
	resp, err := ip.Get("https://127.0.0.1/by-ip")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get(HeaderName); resp.StatusCode != http.StatusOK || got != "127.0.0.1" || resp.Header.Get(HeaderHost) != "web1" {
		t.Errorf("GET by address: %s, name %q, host %q", resp.Status, got, resp.Header.Get(HeaderHost))
	}
}

// TestWebMisdirected checks that a Host the site does not serve gets 421,
// and that a name's certificate with another Host header (domain
// fronting) answers for the Host, naming the SNI in a header.
func TestWebMisdirected(t *testing.T) {
	leakCheck(t)
	ca := testCA(t)
	s := serveTestWeb(t, Host{Name: "web1", Address: netip.MustParseAddr("127.0.0.1"),
		Names: []string{"api.example.com", "blocked.example.net"}, HTTP: true, HTTPS: true}, ca)
	c := client(t, ca, toServer(s))
	req, _ := http.NewRequest("GET", "http://api.example.com/", nil)
	req.Host = "elsewhere.example.org"
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMisdirectedRequest || resp.Header.Get(HeaderHost) != "web1" {
		t.Errorf("unknown Host: %s, host %q; want 421 from web1", resp.Status, resp.Header.Get(HeaderHost))
	}
	req, _ = http.NewRequest("GET", "https://api.example.com/", nil)
	req.Host = "blocked.example.net"
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get(HeaderName) != "blocked.example.net" || resp.Header.Get(HeaderSNI) != "api.example.com" {
		t.Errorf("fronted: name %q, sni %q", resp.Header.Get(HeaderName), resp.Header.Get(HeaderSNI))
	}
}

// TestNewWebRefuses checks the errors of NewWeb and ServeWeb.
func TestNewWebRefuses(t *testing.T) {
	ca := testCA(t)
	a := netip.MustParseAddr("127.0.0.1")
	for _, tc := range []struct {
		h  Host
		ca CA
	}{
		{Host{Name: "noaddr", HTTP: true}, ca},
		{Host{Name: "badname", Address: a, Names: []string{"a..b"}}, ca},
		{Host{Name: "noca", Address: a, HTTPS: true}, CA{}},
		{Host{Name: "notca", Address: a, HTTPS: true}, CA{Cert: &x509Leaf, Key: ca.Key}},
	} {
		if _, err := NewWeb(tc.h, tc.ca); err == nil {
			t.Errorf("NewWeb(%s) succeeded", tc.h.Name)
		}
	}
	w, err := NewWeb(Host{Name: "plain", Address: a, HTTP: true}, ca)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ServeWeb(w, nil, l, nil); err == nil {
		t.Errorf("ServeWeb with an HTTPS listener for a host without HTTPS succeeded")
	}
	if _, err := l.Accept(); err == nil {
		t.Errorf("ServeWeb left the listener open on failure")
	}
}

// x509Leaf is a certificate that is no CA.
var x509Leaf = x509.Certificate{IsCA: false}
