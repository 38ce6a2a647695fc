package topologies

import (
	"errors"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestGoodFull checks the decoded values of a file that uses every key.
func TestGoodFull(t *testing.T) {
	topo, err := Load("testdata/good/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if topo.File != "testdata/good/full.yaml" || topo.Name != "full-lab" || topo.Version != 1 || topo.Defaults.MTU != 9000 {
		t.Errorf("header = %q %q v%d mtu %d", topo.File, topo.Name, topo.Version, topo.Defaults.MTU)
	}
	var names []string
	for _, n := range topo.Nodes {
		names = append(names, n.Name)
	}
	if want := []string{"h1", "r1", "2"}; !reflect.DeepEqual(names, want) {
		t.Errorf("node order = %v, want %v", names, want)
	}
	h1 := topo.Node("h1")
	if h1.Kind != KindHost || h1.Pos != (Pos{Line: 6, Col: 3}) {
		t.Errorf("h1 = %s at %v", h1.Kind, h1.Pos)
	}
	wantRoutes := []Route{
		{To: netip.MustParsePrefix("0.0.0.0/0"), Via: netip.MustParseAddr("10.0.1.1")},
		{To: netip.MustParsePrefix("::/0"), Via: netip.MustParseAddr("2001:db8:1::1")},
	}
	for i, r := range h1.Routes {
		r.Pos = Pos{}
		if r != wantRoutes[i] {
			t.Errorf("h1 route %d = %v via %v, want %v via %v", i, r.To, r.Via, wantRoutes[i].To, wantRoutes[i].Via)
		}
	}
	if want := []string{"echo hello", "sysctl -w net.ipv4.ip_forward=0"}; !reflect.DeepEqual(h1.Exec, want) {
		t.Errorf("h1 exec = %q", h1.Exec)
	}
	if len(topo.Links) != 4 {
		t.Fatalf("%d links, want 4", len(topo.Links))
	}
	l0 := topo.Links[0]
	if l0.A != (Endpoint{"h1", "eth0", netip.MustParsePrefix("10.0.1.10/24")}) ||
		l0.B != (Endpoint{"r1", "eth0", netip.MustParsePrefix("10.0.1.1/24")}) {
		t.Errorf("link 0 = %+v - %+v", l0.A, l0.B)
	}
	for i, want := range []struct {
		mtu  int
		rate uint64
	}{{9000, 1_250_000_000}, {1280, 64000}, {9000, 512_000}, {9000, 0}} {
		if l := topo.Links[i]; l.MTU != want.mtu || l.Rate != want.rate {
			t.Errorf("link %d: mtu %d rate %d, want mtu %d rate %d", i, l.MTU, l.Rate, want.mtu, want.rate)
		}
	}
	if l3 := topo.Links[3]; l3.A != (Endpoint{Node: "r1", Interface: "eth3"}) || l3.B != (Endpoint{Node: "2", Interface: "veth-x.1"}) {
		t.Errorf("string endpoints = %+v - %+v", l3.A, l3.B)
	}
}

// TestGoodDefaults checks the defaults applied to a minimal file, and aliases.
func TestGoodDefaults(t *testing.T) {
	topo, err := Load("testdata/good/anchors.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if topo.Defaults.MTU != DefaultMTU {
		t.Errorf("default mtu = %d", topo.Defaults.MTU)
	}
	if topo.Node("b") == nil || topo.Node("b").Kind != KindHost {
		t.Errorf("alias node b = %+v", topo.Node("b"))
	}
	if l := topo.Links[0]; l.MTU != 68 || l.Rate != 0 || l.A.Address.IsValid() {
		t.Errorf("link = %+v", l)
	}
	two, err := Load("two-hosts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if two.Links[0].MTU != 1500 || two.Defaults.MTU != 1500 {
		t.Errorf("two-hosts mtu = %d / %d, want 1500", two.Links[0].MTU, two.Defaults.MTU)
	}
}

// TestExamples parses every example topology and checks that the generic
// one routes every host to every other host.
func TestExamples(t *testing.T) {
	files, _ := filepath.Glob("*.yaml")
	if len(files) < 2 {
		t.Fatalf("examples: %v", files)
	}
	for _, f := range files {
		topo, err := Load(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if want := strings.TrimSuffix(f, ".yaml"); topo.Name != want {
			t.Errorf("%s: name %q, want %q", f, topo.Name, want)
		}
	}
	g, err := Load("generic.yaml")
	if err != nil {
		t.Fatal(err)
	}
	hosts := []string{"h1", "h2", "h3"}
	for _, from := range hosts {
		for _, to := range hosts {
			if from == to {
				continue
			}
			dst := hostAddr(t, g, to)
			if path, ok := trace(g, from, dst); !ok {
				t.Errorf("generic: %s cannot reach %s (%v): %v", from, to, dst, path)
			}
		}
	}
	capped := 0
	for _, l := range g.Links {
		if l.Rate == 100_000_000 {
			capped++
		}
	}
	if capped != 1 {
		t.Errorf("generic: %d links at 100mbit, want 1", capped)
	}
}

// hostAddr is the address of a node's first addressed interface.
func hostAddr(t *testing.T, topo *Topology, node string) netip.Addr {
	for _, l := range topo.Links {
		for _, e := range []Endpoint{l.A, l.B} {
			if e.Node == node && e.Address.IsValid() {
				return e.Address.Addr()
			}
		}
	}
	t.Fatalf("%s has no address", node)
	return netip.Addr{}
}

// trace follows connected networks and static routes (longest prefix first)
// from node to dst, as the kernel would.
func trace(topo *Topology, node string, dst netip.Addr) ([]string, bool) {
	path := []string{node}
	for hops := 0; hops < 16; hops++ {
		var best netip.Prefix
		var next string
		for _, l := range topo.Links {
			for _, pair := range [][2]Endpoint{{l.A, l.B}, {l.B, l.A}} {
				me, peer := pair[0], pair[1]
				if me.Node != node || !me.Address.Contains(dst) {
					continue
				}
				if peer.Address.Addr() == dst {
					return append(path, peer.Node), true
				}
				if me.Address.Addr() == dst {
					return path, true
				}
			}
		}
		n := topo.Node(node)
		for _, r := range n.Routes {
			if r.To.Contains(dst) && (!best.IsValid() || r.To.Bits() > best.Bits()) {
				best, next = r.To, ownerOf(topo, node, r.Via)
			}
		}
		if next == "" {
			return path, false
		}
		node = next
		path = append(path, node)
	}
	return path, false
}

// ownerOf names the neighbour of node that holds address a.
func ownerOf(topo *Topology, node string, a netip.Addr) string {
	for _, l := range topo.Links {
		if l.A.Node == node && l.B.Address.Addr() == a {
			return l.B.Node
		}
		if l.B.Node == node && l.A.Address.Addr() == a {
			return l.A.Node
		}
	}
	return ""
}

// TestErrorFormat checks the text of one error and of a list.
func TestErrorFormat(t *testing.T) {
	e := &Error{File: "lab.yaml", Line: 3, Col: 7, Path: "nodes.h1.routes[0].via", Msg: "bad"}
	if got, want := e.Error(), "lab.yaml:3:7: nodes.h1.routes[0].via: bad"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got, want := (&Error{Path: "name", Msg: "m"}).Error(), "name: m"; got != want {
		t.Errorf("Error() without position = %q, want %q", got, want)
	}
	_, err := Parse("", []byte("name: x\nversion: 3\nnodes: {h1: {kind: hst}}\n"))
	var list ErrorList
	if !errors.As(err, &list) || len(list) != 2 {
		t.Fatalf("Parse error = %v, want 2 errors", err)
	}
	want := "<input>:2:10: version: unsupported version 3; this mcnlab reads version 1\n" +
		`<input>:3:20: nodes.h1.kind: unknown kind "hst"; did you mean "host"? valid kinds: host, router, frr, bird, gateway, strongswan`
	if err.Error() != want {
		t.Errorf("ErrorList =\n%s\nwant\n%s", err, want)
	}
}

// TestValidateGoBuilt checks the semantic checks on a topology built in Go.
func TestValidateGoBuilt(t *testing.T) {
	build := func() *Topology {
		topo := &Topology{Name: "go", Version: 1,
			Nodes: []*Node{{Name: "h1", Kind: KindHost, Routes: []Route{{To: netip.MustParsePrefix("0.0.0.0/0"), Via: netip.MustParseAddr("10.0.0.1")}}}, {Name: "r1", Kind: KindRouter}},
			Links: []*Link{{A: Endpoint{"h1", "eth0", netip.MustParsePrefix("10.0.0.2/24")}, B: Endpoint{"r1", "eth0", netip.MustParsePrefix("10.0.0.1/24")}}},
		}
		topo.ApplyDefaults()
		return topo
	}
	if err := Validate(build()); err != nil {
		t.Fatalf("valid topology: %v", err)
	}
	bad := build()
	bad.Nodes[0].Routes[0].Via = netip.MustParseAddr("10.9.9.9")
	bad.Links[0].MTU = 0
	bad.Nodes[1].Kind = "switch"
	err := Validate(bad)
	// Without positions the errors sort by path.
	want := "links[0].mtu: mtu 0 is out of range; use 68..65535\n" +
		"nodes.h1.routes[0].via: next hop 10.9.9.9 is not on a connected network of h1; its networks are 10.0.0.0/24 (eth0)\n" +
		"nodes.r1.kind: unknown kind \"switch\"; valid kinds: host, router, frr, bird, gateway, strongswan"
	if err == nil || err.Error() != want {
		t.Errorf("Validate =\n%v\nwant\n%s", err, want)
	}
}

// TestRate checks rate parsing at its edges.
func TestRate(t *testing.T) {
	for in, want := range map[string]uint64{
		"1": 1, "100mbit": 100e6, "1.25gbit": 1.25e9, "1.25GBit": 1.25e9, "0.5kbit": 500,
		"10bit": 10, "18446744073709551615": 1<<64 - 1, "1.000mbit": 1e6,
	} {
		got, err := parseRate(in)
		if err != nil || got != want {
			t.Errorf("parseRate(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "mbit", "1.5", "0.0001kbit", "18446744073709551616", "1e6", "-1", "1 mbit", "0gbit"} {
		if got, err := parseRate(in); err == nil {
			t.Errorf("parseRate(%q) = %d, want an error", in, got)
		}
	}
}

// readFile reads a test file or fails the test.
func readFile(t testing.TB, file string) []byte {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestLoadMissing checks that a missing file keeps the os error in the chain.
func TestLoadMissing(t *testing.T) {
	_, err := Load("testdata/no-such-file.yaml")
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "no-such-file.yaml") {
		t.Errorf("Load(missing) = %v, want a wrapped fs.ErrNotExist naming the file", err)
	}
}
