package internet

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/netip"
	"testing"
	"time"
)

// A host serving both HTTP and HTTPS answers HTTP/2 over TLS (as curl asks
// by ALPN): each listener has its own server, since net/http sets a
// server up for HTTP/2 once, and a plain HTTP Serve that came first would
// leave it accepting h2 without speaking it.
func TestWebHTTP2(t *testing.T) {
	leakCheck(t)
	ca := testCA(t)
	h := Host{Name: "web1", Address: netip.MustParseAddr("127.0.0.1"), Names: []string{"api.example.com"}, HTTP: true, HTTPS: true}
	for range 5 { // the two Serve calls start in either order
		s := serveTestWeb(t, h, ca)
		dial := toServer(s)
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool()}, ForceAttemptHTTP2: true,
			DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) { return dial(ctx, addr) }}
		c := &http.Client{Transport: tr, Timeout: 5 * time.Second}
		resp, err := c.Get("https://api.example.com/h2")
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		tr.CloseIdleConnections()
		if err != nil || resp.ProtoMajor != 2 || string(body) != "web1 api.example.com /h2\n" {
			t.Fatalf("GET over HTTP/2: %s %q, %v; want HTTP/2 and the host's answer", resp.Proto, body, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
