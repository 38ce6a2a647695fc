package gateway

import (
	"context"
	"errors"
	"maps"
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/bfd"
	"github.com/mcnlab/mcnlab/dataplane/bgp"
	"github.com/mcnlab/mcnlab/dataplane/policy"
)

// startFake starts an engine on a fakeSys and closes it at the end.
func startFake(t *testing.T) (*Engine, *fakeSys) {
	t.Helper()
	f := newFakeSys()
	e, err := newEngine(Options{Name: "gw0", Logger: discard()}, f.sys())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e, f
}

// applyStep applies c and checks the calls the engine made, in order.
func applyStep(t *testing.T, e *Engine, f *fakeSys, c Config, want ...string) {
	t.Helper()
	if err := e.Apply(context.Background(), c); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if got := f.take(); !slices.Equal(got, want) {
		t.Errorf("calls:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

func overlayNeighbor(vni uint32) Neighbor {
	a := netip.MustParseAddr
	return Neighbor{Name: "dx", Address: a("169.254.10.1"), ASN: 64512, NoBFD: true, VXLAN: &VXLAN{
		VNI: vni, Local: a("192.0.2.10"), Remote: a("192.0.2.20"), Port: DefaultVXLANPort,
		Address: netip.MustParsePrefix("169.254.10.0/31"), MTU: DefaultVXLANMTU}}
}

// TestApplyDecisions: config A, then B, C…: the tunnels, overlays and BGP
// calls each Apply makes, removals before changes before additions, and
// only for what changed.
func TestApplyDecisions(t *testing.T) {
	e, f := startFake(t)
	a := testConfig(1, 2)
	a.Neighbors = []Neighbor{overlayNeighbor(100)}
	applyStep(t, e, f, a,
		"bgp start: as 65000 router-id 10.255.255.0",
		"tunnel wg-gw1 open: address 10.255.1.0/31 mtu 1420",
		"tunnel wg-gw1 wireguard: key 100 peer 1 endpoint 198.18.0.1:51820 listen 51801",
		"bgp add peer 10.255.1.1 as 65001",
		"tunnel wg-gw2 open: address 10.255.2.0/31 mtu 1420",
		"tunnel wg-gw2 wireguard: key 100 peer 2 endpoint 198.18.0.2:51820 listen 51802",
		"bgp add peer 10.255.2.1 as 65002",
		"vxlan vx-dx open: vni 100 192.0.2.10 -> 192.0.2.20:4789 address 169.254.10.0/31 mtu 1450",
		"bgp add peer 169.254.10.1 as 64512",
		"bgp advertise 10.0.0.0/24",
	)
	applyStep(t, e, f, a) // the same again: nothing

	// B: gw1 goes, gw2 moves, gw3 comes, the overlay gets a new VNI under
	// its session, a prefix is swapped, gw2's session prepends.
	b := testConfig(2, 3)
	b.Peers[0].Endpoint = netip.MustParseAddrPort("198.18.9.2:51820")
	b.Peers[0].Prepend = 2
	b.Neighbors = []Neighbor{overlayNeighbor(200)}
	b.Prefixes = []netip.Prefix{netip.MustParsePrefix("10.0.1.0/24")}
	applyStep(t, e, f, b,
		"bgp delete peer 10.255.1.1",
		"tunnel wg-gw1 close",
		"bgp withdraw 10.0.0.0/24",
		"tunnel wg-gw2 wireguard: key 100 peer 2 endpoint 198.18.9.2:51820 listen 51802",
		"bgp update peer 10.255.2.1 as 65002 prepend 2",
		"vxlan vx-dx open: vni 200 192.0.2.10 -> 192.0.2.20:4789 address 169.254.10.0/31 mtu 1450",
		"tunnel wg-gw3 open: address 10.255.3.0/31 mtu 1420",
		"tunnel wg-gw3 wireguard: key 100 peer 3 endpoint 198.18.0.3:51820 listen 51803",
		"bgp add peer 10.255.3.1 as 65003",
		"bgp advertise 10.0.1.0/24",
	)

	// C: a new key and MTU touch every tunnel; the neighbour goes.
	c := b
	c.Neighbors = nil
	c.PrivateKey, c.MTU = testKey(101), 1380
	applyStep(t, e, f, c,
		"bgp delete peer 169.254.10.1",
		"vxlan vx-dx close",
		"tunnel wg-gw2 wireguard: key 101 peer 2 endpoint 198.18.9.2:51820 listen 51802",
		"tunnel wg-gw2 mtu 1380",
		"tunnel wg-gw3 wireguard: key 101 peer 3 endpoint 198.18.0.3:51820 listen 51803",
		"tunnel wg-gw3 mtu 1380",
	)

	// D: a new ASN restarts everything.
	d := c
	d.ASN = 65010
	applyStep(t, e, f, d,
		"bgp stop",
		"tunnel wg-gw2 close",
		"tunnel wg-gw3 close",
		"bgp start: as 65010 router-id 10.255.255.0",
		"tunnel wg-gw2 open: address 10.255.2.0/31 mtu 1380",
		"tunnel wg-gw2 wireguard: key 101 peer 2 endpoint 198.18.9.2:51820 listen 51802",
		"bgp add peer 10.255.2.1 as 65002 prepend 2",
		"tunnel wg-gw3 open: address 10.255.3.0/31 mtu 1380",
		"tunnel wg-gw3 wireguard: key 101 peer 3 endpoint 198.18.0.3:51820 listen 51803",
		"bgp add peer 10.255.3.1 as 65003",
		"bgp advertise 10.0.1.0/24",
	)
	if got := e.Config(); !slices.EqualFunc(got.Peers, d.Peers, func(x, y Peer) bool { return x.Name == y.Name }) {
		t.Errorf("Config peers = %v", got.Peers)
	}
}

// TestApplyLeavesOutWhatFails: a peer whose tunnel cannot be made is left
// out whole (its session is never added), the others apply, the error
// names it and Config lacks it; applying again retries only it.
func TestApplyLeavesOutWhatFails(t *testing.T) {
	e, f := startFake(t)
	f.fail("tunnel wg-gw2 open", errors.New("file exists"))
	err := e.Apply(context.Background(), testConfig(1, 2))
	if err == nil || !strings.Contains(err.Error(), "add peer gw2") || !strings.Contains(err.Error(), "file exists") {
		t.Fatalf("Apply = %v; want the failure of gw2", err)
	}
	if got := f.take(); slices.Contains(got, "bgp add peer 10.255.2.1 as 65002") || !slices.Contains(got, "bgp add peer 10.255.1.1 as 65001") {
		t.Errorf("calls = %q; want gw1's session and none for gw2", got)
	}
	if got := e.Config(); len(got.Peers) != 1 || got.Peers[0].Name != "gw1" {
		t.Errorf("Config peers = %v; want gw1 only", got.Peers)
	}
	f.fail("tunnel wg-gw2 open", nil)
	applyStep(t, e, f, testConfig(1, 2),
		"tunnel wg-gw2 open: address 10.255.2.0/31 mtu 1420",
		"tunnel wg-gw2 wireguard: key 100 peer 2 endpoint 198.18.0.2:51820 listen 51802",
		"bgp add peer 10.255.2.1 as 65002",
	)

	// A session that cannot be updated takes its peer down whole.
	c := testConfig(1, 2)
	c.Peers[1].Prepend = 1
	f.fail("bgp update peer 10.255.2.1", errors.New("refused"))
	if err := e.Apply(context.Background(), c); err == nil {
		t.Fatal("Apply succeeded through a failed session update")
	}
	want := []string{"bgp update peer 10.255.2.1 as 65002 prepend 1", "bgp delete peer 10.255.2.1", "tunnel wg-gw2 close"}
	if got := f.take(); !slices.Equal(got, want) {
		t.Errorf("calls = %q, want %q", got, want)
	}
}

// TestApplyPolicy: the segmentation policy reaches nftables with the MSS
// clamp beside it, is replaced when it changes, survives a restart and
// goes with Close.
func TestApplyPolicy(t *testing.T) {
	f := newFakeSys()
	e, err := newEngine(Options{Logger: discard()}, f.sys())
	if err != nil {
		t.Fatal(err)
	}
	mss := "table inet mcnlab-gateway {\n\tchain forward { type filter hook forward priority -150; policy accept;\n\t\tmeta l4proto tcp tcp flags & (syn|rst) == syn tcp option maxseg size set rt mtu\n\t}\n}\n"
	if got := f.nft.String(); got != mss {
		t.Fatalf("after New:\n%s", got)
	}
	c := testConfig()
	c.Segmentation = &Segmentation{Domains: []Domain{
		{Name: "dev", Prefixes: []netip.Prefix{netip.MustParsePrefix("fd00:2::/48")}},
		{Name: "prod", Prefixes: []netip.Prefix{netip.MustParsePrefix("fd00:1::/48")}},
	}}
	if err := e.Apply(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	seg, err := policy.Dump(f.nft, segTable)
	if err != nil || !strings.Contains(seg, `ip6 daddr fd00:2::/48 counter name "prod_dev" drop`) {
		t.Fatalf("segmentation table (%v):\n%s", err, seg)
	}
	c.ASN++ // a restart keeps the policy
	if err := e.Apply(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if again, _ := policy.Dump(f.nft, segTable); again != seg {
		t.Errorf("after a restart the policy is:\n%s\nwant unchanged:\n%s", again, seg)
	}
	st, err := e.Status(context.Background())
	if err != nil || len(st.Segmentation) != 2 {
		t.Errorf("Status segmentation = %v, %v; want both denied pairs", st.Segmentation, err)
	}
	c.Segmentation = nil
	if err := e.Apply(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if got := f.nft.String(); got != mss {
		t.Errorf("without segmentation:\n%s", got)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if got := f.nft.String(); got != "" {
		t.Errorf("after Close:\n%s", got)
	}
}

// TestCloseStopsEverything: Close undoes what the engine made (the
// speaker, every tunnel and overlay, its tables) and its goroutines end.
func TestCloseStopsEverything(t *testing.T) {
	before := runtime.NumGoroutine()
	f := newFakeSys()
	e, err := newEngine(Options{Logger: discard()}, f.sys())
	if err != nil {
		t.Fatal(err)
	}
	c := testConfig(1)
	c.Neighbors = []Neighbor{overlayNeighbor(100)}
	if err := e.Apply(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	f.take()
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	want := []string{"bgp stop", "tunnel wg-gw1 close", "vxlan vx-dx close", "fib close"}
	if got := f.take(); !slices.Equal(got, want) {
		t.Errorf("Close calls = %q, want %q", got, want)
	}
	if got := f.nft.String(); got != "" {
		t.Errorf("Close left nftables state:\n%s", got)
	}
	if err := e.Close(); err != nil || len(f.take()) != 0 {
		t.Errorf("second Close = %v; want a no-op", err)
	}
	if err := e.Apply(context.Background(), c); !errors.Is(err, ErrClosed) {
		t.Errorf("Apply after Close = %v, want ErrClosed", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines before, %d after Close:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

// TestApplyRoutes: the FIB gets the best paths of the configured sessions
// (ECMP where two peers offer a prefix); removing a peer takes its next hop
// out of the FIB before its tunnel goes, in the same Apply.
func TestApplyRoutes(t *testing.T) {
	e, f := startFake(t)
	a, p := netip.MustParseAddr, netip.MustParsePrefix
	gw1, gw2 := a("10.255.1.1"), a("10.255.2.1")
	f.learn(
		bgp.Path{Prefix: p("10.1.0.0/24"), NextHop: gw1, Peer: gw1},
		bgp.Path{Prefix: p("10.9.0.0/24"), NextHop: gw1, Peer: gw1},
		bgp.Path{Prefix: p("10.9.0.0/24"), NextHop: gw2, Peer: gw2},
		bgp.Path{Prefix: p("10.0.0.0/24"), NextHop: netip.IPv4Unspecified()}, // our own
	)
	if err := e.Apply(context.Background(), testConfig(1, 2)); err != nil {
		t.Fatal(err)
	}
	want := map[netip.Prefix][]netip.Addr{p("10.1.0.0/24"): {gw1}, p("10.9.0.0/24"): {gw1, gw2}}
	deadline := time.Now().Add(5 * time.Second)
	for !maps.EqualFunc(f.installed(), want, slices.Equal) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := f.installed(); !maps.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("routes = %v, want %v", got, want)
	}
	// The status's routes version stays while the routes do.
	st1, err := Backend{E: e}.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	st2, err := Backend{E: e}.Status(context.Background())
	if err != nil || st2.RoutesVersion != st1.RoutesVersion || len(st1.Routes) != 2 {
		t.Fatalf("routes version %q with %d routes, then %q (%v); want the same", st1.RoutesVersion, len(st1.Routes), st2.RoutesVersion, err)
	}
	f.take()
	if err := e.Apply(context.Background(), testConfig(2)); err != nil {
		t.Fatal(err)
	}
	if got, want := f.take(), []string{"bgp delete peer 10.255.1.1", "tunnel wg-gw1 close"}; !slices.Equal(got, want) {
		t.Errorf("calls = %q, want %q", got, want)
	}
	want = map[netip.Prefix][]netip.Addr{p("10.9.0.0/24"): {gw2}}
	if got := f.installed(); !maps.EqualFunc(got, want, slices.Equal) {
		t.Errorf("routes right after the Apply = %v, want %v", got, want)
	}
	st3, err := Backend{E: e}.Status(context.Background())
	if err != nil || st3.RoutesVersion == st1.RoutesVersion || len(st3.Routes) != 1 {
		t.Errorf("after the routes changed: version %q with %d routes (%v); want other than %q, 1 route", st3.RoutesVersion, len(st3.Routes), err, st1.RoutesVersion)
	}
}

// waitUntil polls cond until it holds or 5 s pass.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestNeighborBFD: a neighbour's BFD session starts only once its BGP
// session has been established for bfdStartDelay; while BFD is down after
// being up, the neighbour's next hop leaves the FIB (BGP still up) and it
// comes back with BFD; the session stops when BGP goes down. A NoBFD
// neighbour never gets one.
func TestNeighborBFD(t *testing.T) {
	e, f := startFake(t)
	a, p := netip.MustParseAddr, netip.MustParsePrefix
	r, q := a("192.0.2.1"), a("192.0.2.2")
	c := testConfig()
	c.Neighbors = []Neighbor{{Name: "r", Address: r, ASN: 65100}, {Name: "q", Address: q, ASN: 65101, NoBFD: true}}
	f.learn(bgp.Path{Prefix: p("10.9.0.0/24"), NextHop: r, Peer: r}, bgp.Path{Prefix: p("10.8.0.0/24"), NextHop: q, Peer: q})
	both := map[netip.Prefix][]netip.Addr{p("10.9.0.0/24"): {r}, p("10.8.0.0/24"): {q}}
	var calls []string
	seen := func(line string) bool { calls = append(calls, f.take()...); return slices.Contains(calls, line) }
	routesAre := func(want map[netip.Prefix][]netip.Addr) func() bool {
		return func() bool { return maps.EqualFunc(f.installed(), want, slices.Equal) }
	}
	if err := e.Apply(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "both neighbours' routes installed", routesAre(both))

	established := time.Now()
	f.setEstablished(r, true)
	f.setEstablished(q, true)
	e.kickFIB()
	waitUntil(t, "r's BFD session started", func() bool { return seen("bfd start 192.0.2.1 local 192.0.2.254") })
	if d := time.Since(established); d < bfdStartDelay {
		t.Errorf("BFD started %s after BGP was established, before bfdStartDelay %s", d, bfdStartDelay)
	}
	f.setBFD(r, bfd.Up)
	f.setBFD(r, bfd.Down)
	waitUntil(t, "r's route out of the FIB while its BFD is down", routesAre(map[netip.Prefix][]netip.Addr{p("10.8.0.0/24"): {q}}))
	f.setBFD(r, bfd.Up)
	waitUntil(t, "r's route back with BFD up", routesAre(both))

	f.setEstablished(r, false)
	e.kickFIB()
	waitUntil(t, "r's BFD session stopped with BGP down", func() bool { return seen("bfd stop 192.0.2.1") })
	if slices.ContainsFunc(calls, func(l string) bool { return strings.HasPrefix(l, "bfd start 192.0.2.2") }) {
		t.Errorf("calls %q start BFD for the NoBFD neighbour q", calls)
	}
}
