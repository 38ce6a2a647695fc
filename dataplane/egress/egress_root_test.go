package egress_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"maps"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"os"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/nftables"
	"github.com/vishvananda/netlink"

	"github.com/mcnlab/mcnlab/dataplane/egress"
	"github.com/mcnlab/mcnlab/dataplane/egress/nfqueue"
	"github.com/mcnlab/mcnlab/dataplane/policy"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// The lab of the root tests: a client subnet behind the egress gateway
// (the filter's namespace, forwarding) and one internet server address
// that serves HTTPS and HTTP for several names, and a plain TCP port.
var (
	serverAddr  = netip.MustParseAddr("198.51.100.20")
	serverAddr6 = netip.MustParseAddr("2001:db8:20::20")
	devNet      = netip.MustParsePrefix("10.1.1.0/24")
	devNet6     = netip.MustParsePrefix("fd00:1::/64")
	names       = []string{"api.example.com", "blocked.example.net", "www.example.com"}
)

type lab struct {
	cli, gw, srv *roottest.NS
	client       *http.Client
	// target is the server address that every name resolves to: set it
	// before requests, not during them.
	target netip.Addr
}

// newLab builds the three namespaces, the server (certificates from a CA
// made here), and an http.Client whose sockets live in the client's
// namespace and that reaches every name at the server's address.
func newLab(t *testing.T) *lab {
	t.Helper()
	roottest.Require(t)
	nss := roottest.NewNamespaces(t, "cli", "gw", "srv")
	l := &lab{cli: nss[0], gw: nss[1], srv: nss[2], target: serverAddr}
	roottest.VethPair(t, l.cli, l.gw, "eth0", "eth0", []string{"10.1.1.5/24", "fd00:1::5/64"}, []string{"10.1.1.1/24", "fd00:1::1/64"})
	roottest.VethPair(t, l.gw, l.srv, "eth1", "eth0", []string{"198.51.100.1/24", "2001:db8:20::1/64"}, []string{"198.51.100.20/24", "2001:db8:20::20/64"})
	addDefault(t, l.cli, "10.1.1.1", "fd00:1::1")
	addDefault(t, l.srv, "198.51.100.1", "2001:db8:20::1")
	if err := netns.DoHandle(l.gw.Handle, func() error {
		for _, s := range []string{"net/ipv4/ip_forward", "net/ipv6/conf/all/forwarding"} {
			if err := os.WriteFile("/proc/sys/"+s, []byte("1"), 0o644); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	cert, roots := testCA(t, names)
	l.serve(t, cert)
	dialer := &net.Dialer{Timeout: 3 * time.Second}
	l.client = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DisableKeepAlives: true,
		TLSClientConfig:   &tls.Config{RootCAs: roots},
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return l.dial(ctx, dialer, addr)
		},
	}}
	return l
}

// dial connects from the client's namespace to the server's address, at
// addr's port (every name resolves to the one server).
func (l *lab) dial(ctx context.Context, d *net.Dialer, addr string) (net.Conn, error) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	var c net.Conn
	err = netns.DoHandle(l.cli.Handle, func() (err error) {
		c, err = d.DialContext(ctx, "tcp", net.JoinHostPort(l.target.String(), port))
		return err
	})
	return c, err
}

func addDefault(t *testing.T, ns *roottest.NS, gws ...string) {
	t.Helper()
	for _, gw := range gws {
		if err := ns.NL.RouteAdd(&netlink.Route{Gw: net.ParseIP(gw)}); err != nil {
			t.Fatalf("default route via %s in %s: %v", gw, ns.Name, err)
		}
	}
}

// serve runs, in the server's namespace, on both addresses, HTTPS on 443 and HTTP on 80 for
// every name (answering with the name asked for), and a TCP greeter on
// 2222; all stop when the test ends.
func (l *lab) serve(t *testing.T, cert tls.Certificate) {
	t.Helper()
	listen := func(port int) net.Listener {
		var ln net.Listener
		if err := netns.DoHandle(l.srv.Handle, func() (err error) {
			ln, err = net.Listen("tcp", fmt.Sprintf(":%d", port)) // both families
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return ln
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintf(w, "hello from %s", r.Host) })
	// Refused connections end the server's handshakes: not worth a line.
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	go srv.Serve(listen(80))
	go srv.Serve(tls.NewListener(listen(443), &tls.Config{Certificates: []tls.Certificate{cert}}))
	greeter := listen(2222)
	go func() {
		for {
			c, err := greeter.Accept()
			if err != nil {
				return
			}
			io.WriteString(c, "hi\n")
			c.Close()
		}
	}()
	t.Cleanup(func() {
		srv.Close()
		greeter.Close()
	})
}

// testCA makes a CA and a server certificate for names signed by it.
func testCA(t *testing.T, names []string) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mcnlab egress test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// get fetches url from the client's namespace: its body, or the error.
func (l *lab) get(url string) (string, error) {
	resp, err := l.client.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// expect checks that url is answered (by the server, for its name) or
// refused with a reset, not left to time out.
func (l *lab) expect(t *testing.T, url, host string, pass bool) {
	t.Helper()
	body, err := l.get(url)
	switch {
	case pass && err != nil:
		t.Errorf("GET %s: %v, want an answer", url, err)
	case pass && body != "hello from "+host:
		t.Errorf("GET %s answered %q", url, body)
	case !pass && err == nil:
		t.Errorf("GET %s answered %q, want it refused", url, body)
	case !pass && !errors.Is(err, syscall.ECONNRESET):
		t.Errorf("GET %s: %v, want a connection reset", url, err)
	}
}

// startFilter starts the filter in the gateway's namespace, closed when
// the test ends.
func (l *lab) startFilter(t *testing.T, p egress.Policy) *egress.Filter {
	t.Helper()
	f, err := egress.StartIn(int(l.gw.Handle), egress.Config{Table: "mcn-egress", Queue: 9, Policy: p})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	})
	return f
}

// lastDecision words the filter's last logged decision.
func lastDecision(f *egress.Filter) string {
	entries := f.Log()
	if len(entries) == 0 {
		return "no decision"
	}
	e := entries[len(entries)-1]
	return fmt.Sprintf("%s %s by %s/%s (%s)", e.Name, e.Verdict, e.Tag, e.Rule, e.By)
}

type step struct {
	url, host string
	pass      bool
	logged    string // the decision's words, as lastDecision has them
}

func (l *lab) run(t *testing.T, f *egress.Filter, stage string, steps []step) {
	t.Helper()
	for _, s := range steps {
		l.expect(t, s.url, s.host, s.pass)
		if got := lastDecision(f); got != s.logged {
			t.Errorf("%s: GET %s logged %q, want %q", stage, s.url, got, s.logged)
		}
	}
}

func devPolicy(base egress.Base, rules ...egress.Rule) egress.Policy {
	return egress.Policy{Base: base, Tags: []egress.Tag{{Name: "dev", Sources: []netip.Prefix{devNet, devNet6}, Rules: rules}}}
}

// TestFilterTellsNamesApartOnOneAddress: behind the egress gateway,
// https://api.example.com passes and https://blocked.example.net, served
// from the same address, is reset; a wildcard rule admits *.example.com;
// switching the base policy to a deny-list flips every result; HTTP Host
// is filtered the same way; the log names the rule of each decision.
// Go's ClientHello (1.5 KiB with its post-quantum key share) crosses the
// gateway in two segments, so the held-segment path runs too.
func TestFilterTellsNamesApartOnOneAddress(t *testing.T) {
	l := newLab(t)
	api := egress.Rule{Name: "api.example.com", Proto: egress.ProtoTCP, Port: 443}
	wild := egress.Rule{Name: "*.example.com", Proto: egress.ProtoTCP}
	f := l.startFilter(t, devPolicy(egress.AllowList, api))
	l.run(t, f, "allow-list", []step{
		{"https://api.example.com/", "api.example.com", true, "api.example.com allow by dev/api.example.com tcp/443 (sni)"},
		{"https://blocked.example.net/", "", false, "blocked.example.net deny by /base allow-list (sni)"},
		{"https://www.example.com/", "", false, "www.example.com deny by /base allow-list (sni)"},
		{"http://api.example.com/", "", false, "api.example.com deny by /base allow-list (host)"},
	})
	if err := f.SetPolicy(devPolicy(egress.AllowList, api, wild)); err != nil {
		t.Fatal(err)
	}
	l.run(t, f, "allow-list with a wildcard", []step{
		{"https://www.example.com/", "www.example.com", true, "www.example.com allow by dev/*.example.com tcp/all (sni)"},
		{"http://www.example.com/", "www.example.com", true, "www.example.com allow by dev/*.example.com tcp/all (host)"},
		{"https://api.example.com/", "api.example.com", true, "api.example.com allow by dev/api.example.com tcp/443 (sni)"},
		{"https://blocked.example.net/", "", false, "blocked.example.net deny by /base allow-list (sni)"},
	})
	if err := f.SetPolicy(devPolicy(egress.DenyList, api, wild)); err != nil {
		t.Fatal(err)
	}
	l.run(t, f, "deny-list", []step{
		{"https://api.example.com/", "", false, "api.example.com deny by dev/api.example.com tcp/443 (sni)"},
		{"https://www.example.com/", "", false, "www.example.com deny by dev/*.example.com tcp/all (sni)"},
		{"http://www.example.com/", "", false, "www.example.com deny by dev/*.example.com tcp/all (host)"},
		{"https://blocked.example.net/", "blocked.example.net", true, "blocked.example.net allow by /base deny-list (sni)"},
		{"http://blocked.example.net/", "blocked.example.net", true, "blocked.example.net allow by /base deny-list (host)"},
	})
}

// TestFilterMatchesOtherPortsByLearnedAddress: a rule for a port that is
// not inspected admits its name's learned addresses only: refused before
// Learn, answered after; the log names the rule and the learned name.
func TestFilterMatchesOtherPortsByLearnedAddress(t *testing.T) {
	l := newLab(t)
	f := l.startFilter(t, devPolicy(egress.AllowList, egress.Rule{Name: "greeter.example.org", Proto: egress.ProtoTCP, Port: 2222}))
	greet := func() (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		c, err := l.dial(ctx, &net.Dialer{}, "greeter.example.org:2222")
		if err != nil {
			return "", err
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(3 * time.Second))
		b, err := io.ReadAll(c)
		return string(b), err
	}
	if got, err := greet(); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("before Learn: %q, %v; want the connection refused (reset)", got, err)
	}
	if got, want := lastDecision(f), " deny by /base allow-list (no rule)"; got != want {
		t.Errorf("before Learn logged %q, want %q", got, want)
	}
	if err := f.Learn("greeter.example.org", []netip.Addr{serverAddr}); err != nil {
		t.Fatal(err)
	}
	if got, err := greet(); err != nil || got != "hi\n" {
		t.Errorf("after Learn: %q, %v; want the greeting", got, err)
	}
	if got, want := lastDecision(f), "greeter.example.org allow by dev/greeter.example.org tcp/2222 (address)"; got != want {
		t.Errorf("after Learn logged %q, want %q", got, want)
	}
}

// TestFilterIPv6InParallel: over IPv6 too, the allowed name passes and
// the other one on the same address is reset, for many connections at
// once; each is logged once, with its rule.
func TestFilterIPv6InParallel(t *testing.T) {
	l := newLab(t)
	f := l.startFilter(t, devPolicy(egress.AllowList, egress.Rule{Name: "api.example.com", Proto: egress.ProtoTCP, Port: 443}))
	l.target = serverAddr6
	l.run(t, f, "IPv6", []step{
		{"https://api.example.com/", "api.example.com", true, "api.example.com allow by dev/api.example.com tcp/443 (sni)"},
		{"https://blocked.example.net/", "", false, "blocked.example.net deny by /base allow-list (sni)"},
	})
	start := time.Now()
	const n = 24
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				l.expect(t, "https://api.example.com/", "api.example.com", true)
			} else {
				l.expect(t, "https://blocked.example.net/", "", false)
			}
		}()
	}
	wg.Wait()
	t.Logf("%d connections in %s", n, time.Since(start))
	count := map[string]int{}
	for _, e := range f.Log() {
		if !e.Src.Addr().Is6() || !devNet6.Contains(e.Src.Addr()) || e.Dst.Addr() != serverAddr6 {
			t.Errorf("logged %+v, want IPv6 from %s to %s", e, devNet6, serverAddr6)
		}
		count[fmt.Sprintf("%s %s by %s/%s", e.Name, e.Verdict, e.Tag, e.Rule)]++
	}
	want := map[string]int{
		"api.example.com allow by dev/api.example.com tcp/443": n/2 + 1,
		"blocked.example.net deny by /base allow-list":         n/2 + 1,
	}
	if !maps.Equal(count, want) {
		t.Errorf("decisions logged: %v, want %v", count, want)
	}
}

// TestStartInCloseLeavesNothing: Close ends the filter's goroutines,
// deletes its table and unbinds its queue (another program can bind it).
func TestStartInCloseLeavesNothing(t *testing.T) {
	roottest.Require(t)
	gw := roottest.NewNamespaces(t, "gw")[0]
	before := runtime.NumGoroutine()
	f, err := egress.StartIn(int(gw.Handle), egress.Config{Table: "mcn-egress", Queue: 9, Policy: devPolicy(egress.AllowList)})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := runtime.NumGoroutine(); got > before {
		buf := make([]byte, 1<<16)
		t.Errorf("goroutines leaked: %d > %d\n%s", got, before, buf[:runtime.Stack(buf, true)])
	}
	c, err := nftables.New(nftables.WithNetNSFd(int(gw.Handle)))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := policy.Dump(c, policy.Table{Name: "mcn-egress"}); err != nil || got != "" {
		t.Errorf("after Close the namespace holds %q, %v", got, err)
	}
	q, err := nfqueue.Open(9, nfqueue.Config{NetNS: int(gw.Handle)})
	if err != nil {
		t.Fatalf("queue 9 still bound after Close: %v", err)
	}
	q.Close()
}
