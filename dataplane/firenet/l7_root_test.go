package firenet_test

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/firewall"
	"github.com/mcnlab/mcnlab/dataplane/l7proxy"
	"github.com/mcnlab/mcnlab/dataplane/policy"
	"github.com/mcnlab/mcnlab/emulator/internet"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// l7Dir is the directory of a firewall's squid when fwCfg has L7 rules
// ("" otherwise): under a test directory that squid's user can reach.
func l7Dir(t *testing.T, fwCfg firewall.Config, name string) string {
	if fwCfg.L7 == nil {
		return ""
	}
	return filepath.Join(roottest.ReachableDir(t), name)
}

// l7Config denies tcp/22 by the stateful rules and, by the L7 rules,
// HTTP requests for /admin* on www.example.com and TLS to
// blocked.example.net.
var l7Config = firewall.Config{
	Rules: []firewall.Rule{{Name: "1", Proto: policy.ProtoTCP, DstPort: policy.Port(22), Action: firewall.Deny}},
	L7: &l7proxy.Policy{Rules: []l7proxy.Rule{
		{Name: "2", Deny: true, Protocol: l7proxy.HTTP, Host: "www.example.com", Path: "/admin*"},
		{Name: "3", Deny: true, Protocol: l7proxy.TLS, SNI: "blocked.example.net"},
	}},
}

// TestL7Firewall: through a firewall running squid, an HTTP GET of /ok
// reaches the server from the client's own address while /admin is
// answered 403 by the proxy (the server never sees it); a TLS connection
// named api.example.com completes with the server while one named
// blocked.example.net, to the same address, is cut; tcp/22 is still
// dropped by the stateful rules; the decisions name their rules.
func TestL7Firewall(t *testing.T) {
	roottest.Require(t)
	if err := l7proxy.CheckSquid(); err != nil {
		roottest.Missing(t, "%v", err)
	}
	cfg := l7Config
	pol := *cfg.L7
	pol.Resolvers = []netip.Addr{srvAddr}
	cfg.L7 = &pol
	l := newLab(t, cfg)
	seen := l.serveWeb(t)

	if code, body := l.get(t, "/ok"); code != 200 || body != "/ok from "+cliAddr.String() {
		t.Errorf("GET /ok: %d %q; want 200 from the client's own address", code, body)
	}
	if code, body := l.get(t, "/admin"); code != 403 {
		t.Errorf("GET /admin: %d %q; want 403 from the proxy", code, body)
	}
	if n := seen("/admin"); n != 0 {
		t.Errorf("the server saw /admin %d times", n)
	}
	if err := l.hello("api.example.com"); err != nil {
		t.Errorf("TLS to api.example.com: %v", err)
	}
	if err := l.hello("blocked.example.net"); err == nil || err.Error() != "EOF" {
		t.Errorf("TLS to blocked.example.net: %v; want EOF (squid closes the connection after the ClientHello)", err)
	}
	if c, err := l.dial(22, time.Second); err == nil || !strings.Contains(err.Error(), "timeout") {
		if c != nil {
			c.Close()
		}
		t.Errorf("tcp/22: %v, want a timeout", err)
	}
	var diverted uint64
	for _, e := range l.engines {
		c, err := e.Counters()
		if err != nil {
			t.Fatal(err)
		}
		diverted += c.L7HTTP.Packets + c.L7TLS.Packets
	}
	if diverted != 4 {
		t.Errorf("%d packets diverted to squid, want the 4 SYNs of 2 HTTP and 2 TLS connections", diverted)
	}
	var ds []l7proxy.Decision
	for _, e := range l.engines {
		d, err := e.Decisions()
		if err != nil {
			t.Fatal(err)
		}
		ds = append(ds, d...)
	}
	var got []string
	for _, d := range ds {
		got = append(got, fmt.Sprintf("%s %s %s%s%s %d denied=%t rule=%q", d.Protocol, d.Client, d.Host, d.Path, d.SNI, d.Status, d.Denied, d.Rule))
	}
	want := []string{
		`http 10.1.1.5 www.example.com/ok 200 denied=false rule=""`,
		`http 10.1.1.5 www.example.com/admin 403 denied=true rule="2"`,
		`tls 10.1.1.5 api.example.com 0 denied=false rule=""`,
		`tls 10.1.1.5 blocked.example.net 0 denied=true rule="3"`,
	}
	// A spliced connection is logged when it ends, maybe after the next.
	slices.Sort(got)
	slices.Sort(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("decisions:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// get sends GET path for www.example.com from the client over tcp/80 and
// returns the status and body.
func (l *lab) get(t *testing.T, path string) (int, string) {
	t.Helper()
	c, err := l.dial(80, 3*time.Second) // in the client's namespace
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	req, _ := http.NewRequest(http.MethodGet, "http://www.example.com"+path, nil)
	if err := req.Write(c); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// hello opens TLS to the server's tcp/443 from the client with the SNI
// name and checks the certificate names it.
func (l *lab) hello(name string) error {
	return netns.DoHandle(l.cli.Handle, func() error {
		d := &net.Dialer{Timeout: 3 * time.Second}
		c, err := tls.DialWithDialer(d, "tcp4", netip.AddrPortFrom(srvAddr, 443).String(), &tls.Config{ServerName: name, InsecureSkipVerify: true})
		if err != nil {
			return err
		}
		defer c.Close()
		if got := c.ConnectionState().PeerCertificates[0].Subject.CommonName; got != name {
			return fmt.Errorf("certificate of %q", got)
		}
		return nil
	})
}

// serveWeb serves HTTP on tcp/80 (answering the path and the client's
// address) and TLS on tcp/443 (a certificate named after the SNI) in the
// server's namespace; seen counts the requests of a path.
func (l *lab) serveWeb(t *testing.T) (seen func(string) int) {
	t.Helper()
	var hl, tl net.Listener
	if err := netns.DoHandle(l.srv.Handle, func() (err error) {
		if hl, err = net.Listen("tcp4", ":80"); err != nil {
			return err
		}
		tl, err = net.Listen("tcp4", ":443")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	zone, err := internet.NewZone(map[string][]netip.Addr{"www.example.com": {srvAddr}, "api.example.com": {srvAddr}, "blocked.example.net": {srvAddr}})
	if err != nil {
		t.Fatal(err)
	}
	var pc net.PacketConn
	if err := netns.DoHandle(l.srv.Handle, func() (err error) { pc, err = net.ListenPacket("udp4", ":53"); return err }); err != nil {
		t.Fatal(err)
	}
	dnsSrv, err := internet.ServeDNS(zone, pc, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dnsSrv.Close() })
	counts := map[string]int{}
	var mu = make(chan struct{}, 1)
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu <- struct{}{}
		counts[r.URL.Path]++
		<-mu
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		fmt.Fprintf(w, "%s from %s", r.URL.Path, host)
	})}
	go hs.Serve(hl)
	go func() {
		for {
			c, err := tl.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				s := tls.Server(c, &tls.Config{GetCertificate: func(h *tls.ClientHelloInfo) (*tls.Certificate, error) { return certFor(h.ServerName) }})
				s.SetDeadline(time.Now().Add(5 * time.Second))
				s.Handshake()
				io.Copy(io.Discard, s)
			}()
		}
	}()
	t.Cleanup(func() { hs.Close(); tl.Close() })
	return func(p string) int {
		mu <- struct{}{}
		defer func() { <-mu }()
		return counts[p]
	}
}

// certFor is a self-signed certificate named name.
func certFor(name string) (*tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
