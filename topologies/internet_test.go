package topologies

import (
	"errors"
	"net/netip"
	"reflect"
	"testing"
)

// TestInternetDecode checks the decoded internet block of a file that uses
// every key, and the defaults.
func TestInternetDecode(t *testing.T) {
	topo, err := Load("testdata/good/internet.yaml")
	if err != nil {
		t.Fatal(err)
	}
	in := topo.Internet
	if in == nil || in.DNS != netip.MustParseAddr("192.0.2.53") || in.Pos != (Pos{Line: 7, Col: 3}) {
		t.Fatalf("internet = %+v", in)
	}
	want := []InternetHost{
		{Name: "web1", Address: netip.MustParseAddr("192.0.2.20"), Role: RoleServer,
			Names: []string{"api.example.com", "blocked.example.net"}, Serve: []Service{ServeHTTP, ServeHTTPS}, Pos: Pos{Line: 9, Col: 5}},
		{Name: "web2", Address: netip.MustParseAddr("192.0.2.21"), Role: RoleServer,
			Names: []string{"cdn.example.org"}, Serve: []Service{ServeHTTPS}, Shared: true, Pos: Pos{Line: 13, Col: 5}},
		{Name: "web3", Address: netip.MustParseAddr("192.0.2.22"), Role: RoleServer,
			Names: []string{"cdn.example.org", "plain.example.org"}, Serve: []Service{ServeHTTP}, Shared: true, Pos: Pos{Line: 14, Col: 5}},
		{Name: "quiet", Address: netip.MustParseAddr("192.0.2.23"), Role: RoleServer, Serve: []Service{}, Pos: Pos{Line: 15, Col: 5}},
		{Name: "attacker", Address: netip.MustParseAddr("192.0.2.66"), Role: RoleClient, Pos: Pos{Line: 16, Col: 5}},
		{Name: "scanner", Address: netip.MustParseAddr("192.0.2.67"), Role: RoleClient, Names: []string{"scanner.example.net"}, Pos: Pos{Line: 17, Col: 5}},
	}
	if len(in.Hosts) != len(want) {
		t.Fatalf("%d hosts, want %d", len(in.Hosts), len(want))
	}
	for i, h := range in.Hosts {
		if !reflect.DeepEqual(*h, want[i]) {
			t.Errorf("host %d = %+v\nwant %+v", i, *h, want[i])
		}
	}
	if in.Host("web3") != in.Hosts[2] || in.Host("nope") != nil {
		t.Errorf("Host lookup is wrong")
	}
	if !in.Hosts[0].Serves(ServeHTTPS) || in.Hosts[2].Serves(ServeHTTPS) {
		t.Errorf("Serves is wrong")
	}

	topo, err = Load("testdata/good/internet-defaults.yaml")
	if err != nil {
		t.Fatal(err)
	}
	h := topo.Internet.Hosts[0]
	if topo.Internet.DNS != DefaultInternetDNS || h.Role != RoleServer || !reflect.DeepEqual(h.Serve, []Service{ServeHTTP, ServeHTTPS}) {
		t.Errorf("defaults: dns %s, host %+v", topo.Internet.DNS, h)
	}
	if topo, err := Load("two-hosts.yaml"); err != nil || topo.Internet != nil {
		t.Errorf("a file without internet block: internet %+v, err %v", topo.Internet, err)
	}
}

// TestInternetValidateGo checks a Go-built internet block: ApplyDefaults
// fills what Parse would, and Validate reports problems without
// positions.
func TestInternetValidateGo(t *testing.T) {
	topo := &Topology{Name: "go-inet", Version: 1, Nodes: []*Node{{Name: "h1", Kind: KindHost}},
		Internet: &Internet{Hosts: []*InternetHost{
			{Name: "web1", Address: netip.MustParseAddr("192.0.2.20"), Names: []string{"api.example.com"}},
			{Name: "bad", Address: netip.MustParseAddr("203.0.113.5"), Role: RoleClient, Serve: []Service{ServeHTTP}},
		}}}
	topo.ApplyDefaults()
	if topo.Internet.DNS != DefaultInternetDNS || topo.Internet.Hosts[0].Role != RoleServer || len(topo.Internet.Hosts[0].Serve) != 2 {
		t.Fatalf("ApplyDefaults: %+v %+v", topo.Internet, topo.Internet.Hosts[0])
	}
	err := Validate(topo)
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("Validate = %v, want an ErrorList", err)
	}
	want := []string{
		"internet.hosts.bad.address: the host's address 203.0.113.5 is in 203.0.113.0/24, the elastic IP pool (TEST-NET-3): the cloud's public addresses, which the lab hands out itself; use an address in 192.0.2.0/24 (TEST-NET-1, the emulated internet's servers), such as 192.0.2.20",
		"internet.hosts.bad.serve: a client serves nothing; remove serve, or set role: server",
	}
	if len(list) != len(want) {
		t.Fatalf("Validate = %v\nwant %q", err, want)
	}
	for i, e := range list {
		if e.Error() != want[i] {
			t.Errorf("error %d = %s\nwant %s", i, e.Error(), want[i])
		}
	}
	topo.Internet.Hosts = topo.Internet.Hosts[:1]
	if err := Validate(topo); err != nil {
		t.Errorf("Validate(valid) = %v", err)
	}
	roundTrip(t, topo)
}

// TestCheckDNSName checks the DNS name rule on its edges.
func TestCheckDNSName(t *testing.T) {
	long := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = 'a'
		}
		return string(b)
	}
	label := long(63)
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"api.example.com", true},
		{"x.y", true},
		{"a-b.c0", true},
		{"xn--bcher-kva.example", true},
		{label + ".example.com", true},
		{label + "." + label + "." + label + "." + long(61), true},  // 253 bytes
		{label + "." + label + "." + label + "." + long(62), false}, // 254 bytes
		{long(64) + ".com", false},
		{"a.-b.com", false},
		{"a.b-.com", false},
		{"a.b.123", false},
		{"a.b.c.", false},
		{".a.b", false},
		{"*.b.com", false},
		{"Api.b.com", false},
		{"a b.com", false},
		{"é.com", false},
		{"com", false},
	} {
		if msg := checkDNSName(tc.name); (msg == "") != tc.ok {
			t.Errorf("checkDNSName(%q) = %q, want ok=%v", tc.name, msg, tc.ok)
		}
	}
}
