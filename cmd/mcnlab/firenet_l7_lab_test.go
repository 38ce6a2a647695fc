package main

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/emulator/netns"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

// serveWebIn serves, in namespace ns on addr, HTTP on tcp/80 (answering
// "PATH from CLIENT") and TLS on tcp/443 with the lab's certificate,
// until the test ends; hits counts the requests of a path.
func serveWebIn(t *testing.T, lab, ns string, addr netip.Addr) (hits func(string) int) {
	t.Helper()
	cfg, err := mcnlab.ServerTLS(lab)
	if err != nil {
		t.Fatal(err)
	}
	var hl, tl net.Listener
	if err := netns.Do(ns, func() (err error) {
		if hl, err = net.Listen("tcp4", netip.AddrPortFrom(addr, 80).String()); err != nil {
			return err
		}
		tl, err = net.Listen("tcp4", netip.AddrPortFrom(addr, 443).String())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	seen := make(chan map[string]int, 1)
	seen <- map[string]int{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := <-seen
		m[r.URL.Path]++
		seen <- m
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		fmt.Fprintf(w, "%s from %s", r.URL.Path, host)
	})
	hs, ts := &http.Server{Handler: h}, &http.Server{Handler: h}
	go hs.Serve(hl)
	go ts.Serve(tls.NewListener(tl, cfg))
	t.Cleanup(func() { hs.Close(); ts.Close() })
	return func(p string) int {
		m := <-seen
		defer func() { seen <- m }()
		return m[p]
	}
}

// curlFrom runs curl in node's namespace with the lab's commands and
// returns what it printed (stdout, then stderr) and its exit status.
func curlFrom(lab, node string, args ...string) (string, error) {
	return labExec(lab, node, append([]string{"curl", "-sS", "--max-time", "5"}, args...)...)
}

// l7Blocks checks the l7 engine of the firewalls between client (prod)
// and server (shared, at dst): an HTTP GET of /ok passes and the server
// sees the client's own address src; /admin on www.example.com gets
// squid's 403 and never reaches the server; a TLS connection naming
// blocked.example.net is cut after its ClientHello, while TLS to the
// same address without that name completes; inspect shows the
// decisions with their rules.
func l7Blocks(t *testing.T, lab, client, server string, src, dst netip.Addr) {
	t.Helper()
	hits := serveWebIn(t, lab, server, dst)
	resolve := func(name string, port int) string { return fmt.Sprintf("%s:%d:%s", name, port, dst) }

	start := time.Now()
	out, err := curlFrom(lab, client, "--resolve", resolve("www.example.com", 80), "http://www.example.com/ok")
	if want := "/ok from " + src.String(); err != nil || out != want {
		t.Errorf("curl http://www.example.com/ok: %q, %v; want %q (the server sees the client's own address)", out, err, want)
	}
	t.Logf("GET /ok through squid took %s", time.Since(start).Round(time.Millisecond))
	out, err = curlFrom(lab, client, "-o", "/dev/null", "-w", "%{http_code}", "--resolve", resolve("www.example.com", 80), "http://www.example.com/admin")
	if err != nil || out != "403" {
		t.Errorf("curl http://www.example.com/admin: %q, %v; want status 403 (squid's Forbidden)", out, err)
	}
	if n := hits("/admin"); n != 0 {
		t.Errorf("the server got /admin %d times", n)
	}

	out, err = curlFrom(lab, client, "-k", "--resolve", resolve("blocked.example.net", 443), "https://blocked.example.net/")
	code := -1
	if ee, ok := err.(interface{ ExitCode() int }); ok {
		code = ee.ExitCode()
	}
	// squid closes the connection after the ClientHello.
	if want := "curl: (35) OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to blocked.example.net:443 \n"; code != 35 || out != want {
		t.Errorf("curl https://blocked.example.net/: exit %d, %q; want exit 35, %q", code, out, want)
	}
	out, err = curlFrom(lab, client, "-k", "https://"+dst.String()+"/tls")
	if want := "/tls from " + src.String(); err != nil || out != want {
		t.Errorf("curl https://%s/tls: %q, %v; want %q", dst, out, err, want)
	}

	out, _, err = run(t, "inspect", "--lab", lab)
	for _, want := range []string{
		`\s10\.1\.1\.10\s+10\.3\.1\.10\s+http www\.example\.com/ok\s+allow \(200\)\s+none matched\n`,
		`\s10\.1\.1\.10\s+10\.3\.1\.10\s+http www\.example\.com/admin\s+deny \(403\)\s+3\n`,
		`\s10\.1\.1\.10\s+10\.3\.1\.10\s+tls blocked\.example\.net\s+deny\s+4\n`,
		`\s3\s+http host www\.example\.com path /admin\*\s+deny\s+1 requests\s`,
	} {
		if err != nil || !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("inspect lacks %s: %v", want, err)
		}
	}
	if _, l7, ok := strings.Cut(out, "FIREWALL  TIME"); ok {
		t.Logf("inspect:\nFIREWALL  TIME%s", l7)
	}
}
