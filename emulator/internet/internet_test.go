package internet

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"reflect"
	"strconv"
	"testing"

	"github.com/mcnlab/mcnlab/topologies"
)

// TestFromTopology checks the Config made of a topology's internet block:
// records for every host's names (a shared name with both addresses),
// web hosts for the servers that serve something.
func TestFromTopology(t *testing.T) {
	topo, err := topologies.Parse("inet.yaml", []byte(`name: inet
version: 1
nodes: {h1: {kind: host}}
internet:
  hosts:
    web1: {address: 192.0.2.20, names: [api.example.com, blocked.example.net]}
    web2: {address: 192.0.2.21, names: [cdn.example.org], serve: [https], shared: true}
    web3: {address: 192.0.2.22, names: [cdn.example.org], serve: [], shared: true}
    attacker: {address: 192.0.2.66, role: client, names: [bad.example.net]}
`))
	if err != nil {
		t.Fatal(err)
	}
	ca := testCA(t)
	cfg := FromTopology(topo.Internet, ca)
	a := netip.MustParseAddr
	want := Config{
		DNS: a("192.0.2.53"),
		Records: map[string][]netip.Addr{
			"api.example.com": {a("192.0.2.20")}, "blocked.example.net": {a("192.0.2.20")},
			"cdn.example.org": {a("192.0.2.21"), a("192.0.2.22")}, "bad.example.net": {a("192.0.2.66")},
		},
		Hosts: []Host{
			{Name: "web1", Address: a("192.0.2.20"), Names: []string{"api.example.com", "blocked.example.net"}, HTTP: true, HTTPS: true},
			{Name: "web2", Address: a("192.0.2.21"), Names: []string{"cdn.example.org"}, HTTPS: true},
		},
		CA: ca,
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("FromTopology =\n%+v\nwant\n%+v", cfg, want)
	}
}

// freePort returns a TCP port that is free on loopback now.
func freePort(t *testing.T) uint16 {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return uint16(l.Addr().(*net.TCPAddr).Port)
}

// resolver is a Go resolver that asks only the DNS server at addr, over
// dial (which opens the socket where the client lives).
func resolver(addr string, dial func(ctx context.Context, network, addr string) (net.Conn, error)) *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return dial(ctx, network, addr)
	}}
}

// viaDNS dials host:port by resolving host with r (IPv4) and dialing the
// first address with dial.
func viaDNS(r *net.Resolver, dial func(ctx context.Context, network, addr string) (net.Conn, error)) func(ctx context.Context, hostport string) (net.Conn, error) {
	return func(ctx context.Context, hostport string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(hostport)
		if err != nil {
			return nil, err
		}
		ips, err := r.LookupNetIP(ctx, "ip4", host)
		if err != nil {
			return nil, err
		}
		return dial(ctx, "tcp", net.JoinHostPort(ips[0].String(), port))
	}
}

// TestStartLoopback starts a whole internet on loopback addresses (no
// root needed: 127.0.0.0/8 is local, and the ports are high ones) and
// resolves and fetches its names through it the way a client would.
func TestStartLoopback(t *testing.T) {
	leakCheck(t)
	ca := testCA(t)
	a := netip.MustParseAddr
	ports := Ports{DNS: freePort(t), HTTP: freePort(t), HTTPS: freePort(t)}
	in, err := Start("", Config{
		DNS: a("127.0.0.53"),
		Records: map[string][]netip.Addr{
			"api.example.com": {a("127.0.0.20")}, "blocked.example.net": {a("127.0.0.20")}, "plain.example.org": {a("127.0.0.21")},
		},
		Hosts: []Host{
			{Name: "web1", Address: a("127.0.0.20"), Names: []string{"api.example.com", "blocked.example.net"}, HTTP: true, HTTPS: true},
			{Name: "web2", Address: a("127.0.0.21"), Names: []string{"plain.example.org"}, HTTP: true},
		},
		CA: ca, Ports: ports,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := in.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	if in.Web("web2").HTTPSAddr() != nil || in.Web("nope") != nil || in.DNS() == nil {
		t.Errorf("Web/DNS accessors are wrong")
	}
	var d net.Dialer
	r := resolver(net.JoinHostPort("127.0.0.53", strconv.Itoa(int(ports.DNS))), d.DialContext)
	if _, err := r.LookupNetIP(context.Background(), "ip4", "nope.example.com"); !isNotFound(err) {
		t.Errorf("lookup of an unknown name: %v; want not found", err)
	}
	c := client(t, ca, viaDNS(r, d.DialContext))
	for _, tc := range []struct{ url, body string }{
		{"https://api.example.com:" + strconv.Itoa(int(ports.HTTPS)) + "/p", "web1 api.example.com /p\n"},
		{"https://blocked.example.net:" + strconv.Itoa(int(ports.HTTPS)) + "/", "web1 blocked.example.net /\n"},
		{"http://plain.example.org:" + strconv.Itoa(int(ports.HTTP)) + "/q", "web2 plain.example.org /q\n"},
	} {
		if status, body, _ := get(t, c, tc.url); status != http.StatusOK || body != tc.body {
			t.Errorf("GET %s = %d %q, want 200 %q", tc.url, status, body, tc.body)
		}
	}
	if err := in.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Dial("tcp", in.Web("web1").HTTPSAddr().String()); err == nil {
		t.Errorf("web1 still accepts connections after Close")
	}
}

// isNotFound reports whether err is a lookup's "no such host".
func isNotFound(err error) bool {
	dnsErr, ok := err.(*net.DNSError)
	return ok && dnsErr.IsNotFound
}

// TestStartFailsClean checks that a Start that cannot open a socket
// leaves nothing open or running.
func TestStartFailsClean(t *testing.T) {
	leakCheck(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	port := uint16(taken.Addr().(*net.TCPAddr).Port)
	a := netip.MustParseAddr
	dnsPort := freePort(t)
	_, err = Start("", Config{
		DNS:   a("127.0.0.53"),
		Hosts: []Host{{Name: "web1", Address: a("127.0.0.20"), HTTP: true}, {Name: "web2", Address: a("127.0.0.1"), HTTP: true}},
		Ports: Ports{DNS: dnsPort, HTTP: port},
	})
	if err == nil {
		t.Fatal("Start succeeded on a taken port")
	}
	// What it opened before the taken port is closed again.
	for _, addr := range []string{"127.0.0.53:" + strconv.Itoa(int(dnsPort)), "127.0.0.20:" + strconv.Itoa(int(port))} {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Errorf("after the failed Start, %s is still taken: %v", addr, err)
			continue
		}
		l.Close()
	}
	if _, err := Start("mcn-no-such-namespace", Config{}); err == nil {
		t.Errorf("Start in a missing namespace succeeded")
	}
}
