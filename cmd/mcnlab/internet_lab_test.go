package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/emulator/state"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

// inetWeb is web1's address in testdata/aws-internet.yaml.
var inetWeb = netip.MustParseAddr("192.0.2.20")

// askA asks the DNS server at server, from namespace ns's locked thread,
// for name's IPv4 addresses (Go's resolver and http.Transport dial on
// goroutines of their own, which would run outside the namespace).
func askA(ns string, server netip.Addr, name string, timeout time.Duration) ([]netip.Addr, error) {
	var out []netip.Addr
	err := netns.Do(ns, func() error {
		m := new(dns.Msg)
		m.SetQuestion(dns.Fqdn(name), dns.TypeA)
		r, _, err := (&dns.Client{Timeout: timeout}).Exchange(m, netip.AddrPortFrom(server, 53).String())
		if err != nil {
			return err
		}
		for _, rr := range r.Answer {
			if a, ok := rr.(*dns.A); ok {
				out = append(out, netip.MustParseAddr(a.A.String()))
			}
		}
		return nil
	})
	return out, err
}

// fetchHTTPS gets https://name/ from namespace ns at addr, verifying
// against pool, on the namespace's locked thread.
func fetchHTTPS(ns string, addr netip.Addr, name string, pool *x509.CertPool, timeout time.Duration) (string, error) {
	var body []byte
	err := netns.Do(ns, func() error {
		raw, err := net.DialTimeout("tcp4", netip.AddrPortFrom(addr, 443).String(), timeout)
		if err != nil {
			return err
		}
		c := tls.Client(raw, &tls.Config{ServerName: name, RootCAs: pool})
		defer c.Close()
		c.SetDeadline(time.Now().Add(timeout))
		req, _ := http.NewRequest(http.MethodGet, "https://"+name+"/", nil)
		if err := req.Write(c); err != nil {
			return err
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, err = io.ReadAll(resp.Body)
		return err
	})
	return string(body), err
}

// internetAnswers checks, from namespace ns, that the VPC's resolver at
// vpcDNS answers api.example.com with web1's address and that web1 serves
// both of its names over HTTPS with certificates from pool's CA.
func internetAnswers(ns string, vpcDNS netip.Addr, pool *x509.CertPool, timeout time.Duration) error {
	got, err := askA(ns, vpcDNS, "api.example.com", timeout)
	if err != nil || len(got) != 1 || got[0] != inetWeb {
		return fmt.Errorf("api.example.com at %s: %v, %v; want %s", vpcDNS, got, err, inetWeb)
	}
	for _, name := range []string{"api.example.com", "blocked.example.net"} {
		body, err := fetchHTTPS(ns, got[0], name, pool, timeout)
		if want := "web1 " + name + " /\n"; err != nil || body != want {
			return fmt.Errorf("GET https://%s/: %q, %v; want %q", name, body, err, want)
		}
	}
	return nil
}

// TestCloudLabInternet deploys one VPC with a transit gateway (an instance
// with an elastic IP) and an internet block: from the gateway's namespace
// the VPC's resolver (base+2) answers the internet's names, web1 answers
// both of its names over HTTPS verified against the lab CA, and `mcnlab
// exec` resolves and fetches through the instance's resolv.conf. The
// cloud is SIGKILLed: its successor brings the services back (measured).
// Destroy leaves no /etc/netns entry.
func TestCloudLabInternet(t *testing.T) {
	var lab string
	t.Cleanup(func() { // after the destroy deployCloudLab registers
		if lab == "" {
			return
		}
		left, _ := filepath.Glob(filepath.Join(netns.EtcDir, emulator.NamespaceName(lab, "")+"*"))
		if len(left) > 0 {
			t.Errorf("destroy left %v", left)
		}
	})
	lab = deployCloudLab(t, "testdata/aws-internet.yaml", "ain")
	ns := workloadNS(t, lab, "transit-1")
	vpcDNS := netip.MustParseAddr("10.10.0.2")
	ca, err := mcnlab.LoadCA(lab)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(netns.EtcDir, ns, "resolv.conf")); err != nil || !strings.Contains(string(b), "nameserver 10.10.0.2\n") {
		t.Errorf("resolv.conf of %s: %q, %v", ns, b, err)
	}
	if err := internetAnswers(ns, vpcDNS, ca.Pool(), 2*time.Second); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		argv []string
		want string
	}{
		{[]string{"getent", "hosts", "api.example.com"}, "192.0.2.20"},
		{[]string{"curl", "-sS", "--max-time", "5", "--cacert", mcnlab.CAFile(lab), "https://blocked.example.net/x"}, "web1 blocked.example.net /x"},
	} {
		cmd := exec.Command(labBase.Self, append([]string{"exec", "--lab", lab, "transit-1", "--"}, c.argv...)...)
		cmd.Env = append(os.Environ(), mcnlab.StateRootEnv+"="+state.Root)
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), c.want) {
			t.Errorf("mcnlab exec transit-1 -- %s: %q, %v; want %q", strings.Join(c.argv, " "), out, err, c.want)
		}
	}

	// A ping stream to web1's address crosses the kill untouched: the
	// internet namespace and its addresses are adopted, not remade.
	r := probeDuring(t, ns, inetWeb, func() {
		killed, _, again := killDaemon(t, lab, mcnlab.CloudDaemon)
		restarted := time.Since(killed)
		for internetAnswers(ns, vpcDNS, ca.Pool(), 200*time.Millisecond) != nil {
			if time.Since(killed) > 30*time.Second {
				t.Fatalf("the internet's services are not back 30 s after the cloud was killed: %v", internetAnswers(ns, vpcDNS, ca.Pool(), time.Second))
			}
			time.Sleep(20 * time.Millisecond) // polling the services, bounded
		}
		t.Logf("cloud killed: restarted as pid %d in %s; the resolver and web1 answer again %s after the kill", again.PID,
			restarted.Round(time.Millisecond), time.Since(killed).Round(time.Millisecond))
	})
	if r.Lost > 0 {
		t.Errorf("%d of %d pings to web1's address lost across the cloud's restart", r.Lost, r.Sent)
	}
}
