package internet

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"testing"

	"github.com/vishvananda/netlink"

	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/internal/roottest"
	"github.com/mcnlab/mcnlab/topologies"
)

// inNS returns a dial function whose sockets are opened inside the named
// namespace (on a locked thread, by netns.Do); the connection stays there.
func inNS(ns string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		var c net.Conn
		err := netns.Do(ns, func() error {
			var d net.Dialer
			var err error
			c, err = d.DialContext(ctx, network, addr)
			return err
		})
		return c, err
	}
}

// TestInternetInNamespace runs a topology's internet inside a namespace
// that holds its addresses on lo, joined by a veth to a client namespace
// (addressed like a site's uplink); a Go client in the client namespace
// resolves api.example.com through the lab's resolver and fetches
// https://api.example.com, verifying the certificate against the CA, and
// blocked.example.net from the same address with its own certificate.
func TestInternetInNamespace(t *testing.T) {
	roottest.Require(t)
	leakCheck(t)
	topo, err := topologies.Parse("inet.yaml", []byte(`name: inet
version: 1
nodes: {h1: {kind: host}}
internet:
  hosts:
    web1: {address: 192.0.2.20, names: [api.example.com, blocked.example.net]}
    attacker: {address: 192.0.2.66, role: client}
`))
	if err != nil {
		t.Fatal(err)
	}
	nss := roottest.NewNamespaces(t, "inet", "client")
	inet, cli := nss[0], nss[1]
	roottest.VethPair(t, inet, cli, "u-client", "eth0", []string{"198.51.100.1/30"}, []string{"198.51.100.2/30"})
	lo, err := inet.NL.LinkByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	roottest.AddAddr(t, inet.NL, lo, topo.Internet.DNS.String()+"/32")
	for _, h := range topo.Internet.Hosts {
		roottest.AddAddr(t, inet.NL, lo, h.Address.String()+"/32")
	}
	gw := netip.MustParseAddr("198.51.100.1")
	if err := cli.NL.RouteAdd(&netlink.Route{Gw: gw.AsSlice()}); err != nil {
		t.Fatalf("client default route: %v", err)
	}

	ca := testCA(t)
	in, err := Start(inet.Name, FromTopology(topo.Internet, ca))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := in.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})

	dial := inNS(cli.Name)
	r := resolver(net.JoinHostPort(topo.Internet.DNS.String(), "53"), dial)
	ips, err := r.LookupNetIP(context.Background(), "ip4", "api.example.com")
	if err != nil || !slices.Equal(ips, []netip.Addr{netip.MustParseAddr("192.0.2.20")}) {
		t.Fatalf("resolve api.example.com from the client: %v, %v", ips, err)
	}
	if _, err := r.LookupNetIP(context.Background(), "ip4", "nope.example.com"); !isNotFound(err) {
		t.Errorf("resolve nope.example.com: %v; want not found", err)
	}
	c := client(t, ca, viaDNS(r, dial))
	for _, tc := range []struct{ url, body, cert string }{
		{"https://api.example.com/path", "web1 api.example.com /path\n", "api.example.com"},
		{"https://blocked.example.net/", "web1 blocked.example.net /\n", "blocked.example.net"},
		{"http://api.example.com/plain", "web1 api.example.com /plain\n", ""},
	} {
		status, body, cert := get(t, c, tc.url)
		if want := []string{tc.cert}; status != http.StatusOK || body != tc.body || (tc.cert != "" && !slices.Equal(cert, want)) {
			t.Errorf("GET %s = %d %q, certificate for %q; want 200 %q, certificate for %q", tc.url, status, body, cert, tc.body, tc.cert)
		}
	}
}
