package realize

import (
	"bufio"
	"context"
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
	"os"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/emulator/internet"
	"github.com/mcnlab/mcnlab/emulator/netns"
)

// webAddr is the internet's web host in these tests.
var webAddr = netip.MustParseAddr("192.0.2.20")

// internetConfig is an internet with one web host serving two names, as
// FromTopology makes it, with a CA made for the test.
func internetConfig(t testing.TB) *internet.Config {
	t.Helper()
	key := must[*ecdsa.PrivateKey](t)(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true}
	der := must[[]byte](t)(x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key))
	cert := must[*x509.Certificate](t)(x509.ParseCertificate(der))
	names := []string{"api.example.com", "blocked.example.net"}
	return &internet.Config{DNS: netip.MustParseAddr("192.0.2.53"),
		Records: map[string][]netip.Addr{names[0]: {webAddr}, names[1]: {webAddr}},
		Hosts:   []internet.Host{{Name: "web1", Address: webAddr, Names: names, HTTP: true, HTTPS: true}},
		CA:      internet.CA{Cert: cert, Key: key}}
}

// lookup asks the resolver at server, from namespace ns, for name's
// IPv4 addresses. The query is sent from the namespace's locked thread
// (Go's own resolver and http.Transport dial on goroutines of their own,
// which would run outside the namespace).
func lookup(ns string, server netip.Addr, name string) ([]netip.Addr, error) {
	var out []netip.Addr
	err := netns.Do(ns, func() error {
		m := new(dns.Msg)
		m.SetQuestion(dns.Fqdn(name), dns.TypeA)
		// Two tries of 2 s, as a stub resolver retries a query over UDP
		// (the first may wait for the router's address to be resolved on
		// a loaded machine).
		c := &dns.Client{Timeout: 2 * time.Second}
		r, _, err := c.Exchange(m, netip.AddrPortFrom(server, 53).String())
		if err != nil {
			if r, _, err = c.Exchange(m, netip.AddrPortFrom(server, 53).String()); err != nil {
				return err
			}
		}
		if r.Rcode != dns.RcodeSuccess {
			return fmt.Errorf("lookup %s at %s: %s", name, server, dns.RcodeToString[r.Rcode])
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

// getHTTPS fetches https://name/ from namespace ns, connecting to the
// address the resolver at server gives and verifying against pool, all on
// the namespace's locked thread.
func getHTTPS(ns string, server netip.Addr, pool *x509.CertPool, name string) (string, error) {
	addrs, err := lookup(ns, server, name)
	if err != nil {
		return "", err
	}
	if len(addrs) == 0 {
		return "", fmt.Errorf("%s has no address", name)
	}
	var body []byte
	err = netns.Do(ns, func() error {
		raw, err := net.DialTimeout("tcp4", netip.AddrPortFrom(addrs[0], 443).String(), 2*time.Second)
		if err != nil {
			return err
		}
		c := tls.Client(raw, &tls.Config{ServerName: name, RootCAs: pool})
		defer c.Close()
		c.SetDeadline(time.Now().Add(3 * time.Second))
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

// With an internet configured, its servers run in the internet namespace
// and each VPC's resolver answers the internet's names: an instance
// behind a NAT gateway resolves api.example.com at the VPC's base+2 and at
// 169.254.169.253, fetches both of the web host's names over HTTPS with
// their certificates from the CA, and has a resolv.conf naming the
// resolver; with the VPC's DNS support off the resolver is gone.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/AmazonDNS-concepts.html — AmazonProvidedDNS at base+2 and 169.254.169.253, answering while enableDnsSupport is true
func TestInternetServicesAndVPCResolver(t *testing.T) {
	cfg := internetConfig(t)
	var resolv string // the instance's resolv.conf, gone once the realizer closes
	t.Cleanup(func() {
		if _, err := os.Stat(resolv); resolv != "" && !os.IsNotExist(err) {
			t.Errorf("%s left behind (%v)", resolv, err)
		}
	})
	attacker := netip.MustParseAddr("192.0.2.66")
	l := newLabWith(t, func(o *Options) { o.Internet, o.InternetAddresses = cfg, []netip.Addr{attacker} })
	v := l.vpc("10.0.0.0/16")
	pub, priv := l.subnet(v, "10.0.1.0/24"), l.subnet(v, "10.0.2.0/24")
	q := l.instance(priv, l.openGroup(v, "open", "10.0.0.0/16").ID)
	l.sync()
	vpcDNS := netip.MustParseAddr("10.0.0.2")
	// No internet gateway: the resolver answers all the same, in process.
	for _, server := range []netip.Addr{vpcDNS, ResolverLinkLocal} {
		got, err := lookup(l.ns(q), server, "api.example.com")
		if err != nil || len(got) != 1 || got[0] != webAddr {
			t.Fatalf("lookup api.example.com at %s = %v, %v; want %s", server, got, err, webAddr)
		}
	}
	resolv = "/etc/netns/" + l.ns(q) + "/resolv.conf"
	if b, err := os.ReadFile(resolv); err != nil || string(b) != string(resolvConf(vpcDNS)) {
		t.Errorf("%s = %q, %v; want nameserver %s", resolv, b, err, vpcDNS)
	}

	igw := must[model.InternetGateway](t)(l.cloud.CreateInternetGateway(acct, nil))
	l.ok(l.cloud.AttachInternetGateway(acct, igw.ID, v.ID))
	rtPub := must[model.RouteTable](t)(l.cloud.CreateRouteTable(acct, v.ID, nil))
	must[model.RouteTableAssociation](t)(l.cloud.AssociateRouteTable(acct, rtPub.ID, pub.ID))
	l.ok(l.cloud.CreateRoute(acct, rtPub.ID, anyIPv4, model.Target{Kind: model.TargetInternetGateway, ID: igw.ID}))
	eip := must[model.ElasticIP](t)(l.cloud.AllocateAddress(acct, nil))
	nat := must[model.NATGateway](t)(l.cloud.CreateNATGateway(acct, pub.ID, eip.ID, nil))
	l.ok(l.cloud.CreateRoute(acct, v.MainRouteTableID, anyIPv4, model.Target{Kind: model.TargetNATGateway, ID: nat.ID}))
	l.sync()
	for _, name := range []string{"api.example.com", "blocked.example.net"} {
		body, err := getHTTPS(l.ns(q), vpcDNS, cfg.CA.Pool(), name)
		if want := "web1 " + name + " /\n"; err != nil || body != want {
			t.Errorf("GET https://%s/ = %q, %v; want %q", name, body, err, want)
		}
	}
	l.pingOK(l.ns(q), attacker)                                 // a client host's address is on the internet too
	got, err := lookup(l.ns(q), cfg.DNS, "blocked.example.net") // the internet's own resolver
	if err != nil || len(got) != 1 || got[0] != webAddr {
		t.Errorf("lookup at the internet's resolver %s = %v, %v", cfg.DNS, got, err)
	}

	off := false
	l.ok(l.cloud.SetNetworkDNS(acct, v.ID, &off, nil))
	l.sync()
	if got, err := lookup(l.ns(q), vpcDNS, "api.example.com"); err == nil {
		t.Errorf("with DNS support off the resolver answered %v", got)
	}
}

// A realizer that adopts the dataplane of one that died (its sockets
// closed with it, its addresses left) serves the internet and the VPC's
// resolver again.
func TestInternetServicesAdopted(t *testing.T) {
	cfg := internetConfig(t)
	l := newLabWith(t, func(o *Options) { o.Internet = cfg })
	v := l.vpc("10.0.0.0/16")
	q := l.instance(l.subnet(v, "10.0.2.0/24"), l.openGroup(v, "open", "10.0.0.0/16").ID)
	l.sync()
	vpcDNS := netip.MustParseAddr("10.0.0.2")
	if _, err := lookup(l.ns(q), vpcDNS, "api.example.com"); err != nil {
		t.Fatal(err)
	}
	l.r.abandon()
	l.ok(l.r.svc.close()) // as the kernel closes a killed process's sockets; its handles are closed, so no address goes
	if got, err := lookup(l.ns(q), vpcDNS, "api.example.com"); err == nil {
		t.Fatalf("the dead realizer's resolver answered %v", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r2, err := New(ctx, l.cloud, Options{Lab: l.name, Adopt: true, Internet: cfg,
		Record: func(ns string) error { l.mu.Lock(); l.recorded[ns] = true; l.mu.Unlock(); return nil },
		Forget: func(ns string) { l.mu.Lock(); delete(l.recorded, ns); l.mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r2.Close(); err != nil {
			t.Errorf("close the adopting realizer: %v", err)
		}
	})
	if got, err := lookup(l.ns(q), vpcDNS, "api.example.com"); err != nil || len(got) != 1 || got[0] != webAddr {
		t.Errorf("after adoption: lookup api.example.com = %v, %v", got, err)
	}
	if got, err := lookup(r2.internetNS(), cfg.DNS, "blocked.example.net"); err != nil || len(got) != 1 || got[0] != webAddr {
		t.Errorf("after adoption: the internet's resolver: %v, %v", got, err)
	}
}

// Security groups do not filter traffic to or from the VPC's resolver: an
// instance whose group allows no egress at all still resolves names at the
// VPC's base plus two and at 169.254.169.253, while its other traffic
// leaves no more.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html — security groups do not filter traffic to or from the Amazon DNS server
func TestResolverIgnoresSecurityGroups(t *testing.T) {
	cfg := internetConfig(t)
	l := newLabWith(t, func(o *Options) { o.Internet = cfg })
	v := l.vpc("10.0.0.0/16")
	sub := l.subnet(v, "10.0.2.0/24")
	shut := l.openGroup(v, "shut", "10.0.0.0/16")
	_, _, err := l.cloud.RemoveRules(acct, model.FlavorSecurityGroup, shut.ID, model.RuleRemoval{Rules: shut.Out()})
	l.ok(err)
	q := l.instance(sub, shut.ID)
	peer := l.instance(sub, l.openGroup(v, "open", "10.0.0.0/16").ID)
	l.sync()
	l.pingFails(l.ns(q), peer.PrivateIP) // no egress rule: nothing else leaves
	for _, server := range []netip.Addr{netip.MustParseAddr("10.0.0.2"), ResolverLinkLocal} {
		got, err := lookup(l.ns(q), server, "api.example.com")
		if err != nil || len(got) != 1 || got[0] != webAddr {
			t.Errorf("with no egress rule, lookup api.example.com at %s = %v, %v; want %s", server, got, err, webAddr)
		}
	}
}
