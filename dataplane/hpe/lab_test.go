package hpe

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/probe"
	"github.com/mcnlab/mcnlab/internal/roottest"
	"github.com/mcnlab/mcnlab/internal/tcpload"
	"github.com/mcnlab/mcnlab/topologies"
)

var (
	hostAAddr = netip.MustParseAddr("198.18.1.2")
	hostBAddr = netip.MustParseAddr("198.18.2.2")
	gwAUnder  = netip.MustParseAddr("203.0.113.1")
	gwBUnder  = netip.MustParseAddr("203.0.113.2")
	netA      = netip.MustParsePrefix("198.18.1.0/24")
	netB      = netip.MustParsePrefix("198.18.2.0/24")
)

// testLab is hostA -- gwA -- gwB -- hostB, with no route between the inner
// networks until a group adds one.
type testLab struct {
	name       string
	hostA, gwA string // namespaces
	gwB, hostB string
}

func deployLab(t *testing.T) *testLab {
	t.Helper()
	roottest.Require(t)
	roottest.UseTempState(t)
	lab := roottest.LabName(t, "hp")
	p := func(s string) netip.Prefix { return netip.MustParsePrefix(s) }
	topo := &topologies.Topology{Name: lab, Version: topologies.FormatVersion, Defaults: topologies.Defaults{MTU: 1500},
		Nodes: []*topologies.Node{
			{Name: "ha", Kind: topologies.KindHost, Routes: []topologies.Route{{To: p("0.0.0.0/0"), Via: netip.MustParseAddr("198.18.1.1")}}},
			{Name: "ga", Kind: topologies.KindRouter},
			{Name: "gb", Kind: topologies.KindRouter},
			{Name: "hb", Kind: topologies.KindHost, Routes: []topologies.Route{{To: p("0.0.0.0/0"), Via: netip.MustParseAddr("198.18.2.1")}}},
		},
		Links: []*topologies.Link{
			{A: topologies.Endpoint{Node: "ha", Interface: "eth0", Address: p("198.18.1.2/24")}, B: topologies.Endpoint{Node: "ga", Interface: "lan", Address: p("198.18.1.1/24")}, MTU: DefaultMTU},
			{A: topologies.Endpoint{Node: "ga", Interface: "wan", Address: p("203.0.113.1/24")}, B: topologies.Endpoint{Node: "gb", Interface: "wan", Address: p("203.0.113.2/24")}, MTU: 1500},
			{A: topologies.Endpoint{Node: "gb", Interface: "lan", Address: p("198.18.2.1/24")}, B: topologies.Endpoint{Node: "hb", Interface: "eth0", Address: p("198.18.2.2/24")}, MTU: DefaultMTU},
		},
	}
	plan, err := emulator.NewPlan(lab, topo)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = emulator.Destroy(context.Background(), lab, nil)
		roottest.AssertGone(t, lab)
	})
	if err := emulator.Deploy(context.Background(), plan, emulator.Options{}); err != nil {
		t.Fatal(err)
	}
	ns := func(n string) string { return emulator.NamespaceName(lab, n) }
	return &testLab{name: lab, hostA: ns("ha"), gwA: ns("ga"), gwB: ns("gb"), hostB: ns("hb")}
}

func (l *testLab) config(kind Kind, n int) Config {
	return Config{
		Kind: kind, Tunnels: n,
		A: Side{Namespace: l.gwA, Underlay: gwAUnder, Prefixes: []netip.Prefix{netA}},
		B: Side{Namespace: l.gwB, Underlay: gwBUnder, Prefixes: []netip.Prefix{netB}},
	}
}

func newGroup(t *testing.T, cfg Config) *Group {
	t.Helper()
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := g.Close(); err != nil {
			t.Errorf("close group: %v", err)
		}
	})
	return g
}

// waitReachable pings hostB from hostA until it answers (a WireGuard
// tunnel first shakes hands).
func (l *testLab) waitReachable(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if _, err := probe.WaitReachable(ctx, l.hostA, hostBAddr, 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
}

// streams starts n TCP streams from hostA to a sink in hostB.
func (l *testLab) streams(t *testing.T, n int) (*tcpload.Sink, *tcpload.Load) {
	t.Helper()
	sink, err := tcpload.NewSink(l.hostB, netip.AddrPortFrom(hostBAddr, 5201))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	load, err := tcpload.Start(l.hostA, sink.Addr(), n)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { load.Close() })
	return sink, load
}

// waitFor polls cond every 10 ms until it holds or the deadline passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
