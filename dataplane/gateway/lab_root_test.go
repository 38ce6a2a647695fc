package gateway_test

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/fib"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/dataplane/wg"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/emulator/probe"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/internal/roottest"
	"github.com/mcnlab/mcnlab/topologies"
)

// converge bounds BGP convergence and tunnel handshakes on a loaded
// two-core machine.
const converge = 20 * time.Second

func TestMain(m *testing.M) {
	code := m.Run()
	roottest.Cleanup()
	os.Exit(code)
}

// gw is one running gateway daemon of a test lab.
type gw struct {
	i      int
	name   string
	ns     string
	key    wg.Key
	client *mgmt.Client
	proc   state.Process
	log    string
}

type lab struct {
	name string
	gws  []*gw // gws[i-1] is gw<i>
	// direct: gw1 and gw2 share one underlay link; otherwise each gateway
	// hangs off the router "inet".
	direct               bool
	bin, sockDir, logDir string
}

// startDaemon starts `mcnlab gateway --name NODE` in the node's namespace
// and waits for its management socket.
func (l *lab) startDaemon(t *testing.T, node string) *gw {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), converge)
	defer cancel()
	key, err := wg.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	g := &gw{name: node, key: key}
	g.ns = emulator.NamespaceName(l.name, node)
	g.log = filepath.Join(l.logDir, node+".log")
	sock := filepath.Join(l.sockDir, node+".sock")
	g.proc, err = emulator.StartDaemon(ctx, g.ns, []string{l.bin, "gateway", "--socket", sock, "--name", node}, g.log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(g.log)
			t.Logf("log of %s (pid %d):\n%s", node, g.proc.PID, tail(string(b), 60))
		}
	})
	if err := emulator.WaitSocket(ctx, sock, g.proc); err != nil {
		t.Fatal(err)
	}
	g.client = mgmt.NewClient(sock)
	t.Cleanup(func() { g.client.Close() })
	h, err := g.client.Health(ctx)
	if err != nil || h.Name != node {
		t.Fatalf("healthz of %s: %+v, %v", node, h, err)
	}
	return g
}

func (l *lab) underlay(i int) netip.Addr {
	if l.direct {
		return netip.AddrFrom4([4]byte{198, 18, 0, byte(i)})
	}
	return netip.AddrFrom4([4]byte{198, 18, byte(i), 2})
}

func lan(i int) netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i), 0, 0}), 24)
}
func host(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, byte(i), 0, 10}) }

// inner returns gateway i's inner address on its tunnel to j, and j's.
func inner(i, j int) (netip.Prefix, netip.Addr) {
	a, b := min(i, j), max(i, j)
	base := [4]byte{10, 255, byte(a*10 + b), 0}
	lo, hi := netip.AddrFrom4(base), netip.AddrFrom4(base).Next()
	if i == a {
		return netip.PrefixFrom(lo, 31), hi
	}
	return netip.PrefixFrom(hi, 31), lo
}

func port(i int) uint16 { return uint16(51800 + i) }

// topology: h<i> -- gw<i> on 10.<i>.0.0/24, and the underlay on
// 198.18.0.0/15 (only underlay routes: LANs are reachable only through the
// tunnels).
func (l *lab) topology(n int) *topologies.Topology {
	p, a := netip.MustParsePrefix, netip.MustParseAddr
	topo := &topologies.Topology{Name: l.name, Version: 1, Defaults: topologies.Defaults{MTU: 1500}}
	if !l.direct {
		topo.Nodes = append(topo.Nodes, &topologies.Node{Name: "inet", Kind: topologies.KindRouter})
	}
	for i := 1; i <= n; i++ {
		g := &topologies.Node{Name: fmt.Sprintf("gw%d", i), Kind: topologies.KindRouter}
		h := &topologies.Node{Name: fmt.Sprintf("h%d", i), Kind: topologies.KindHost,
			Routes: []topologies.Route{{To: p("0.0.0.0/0"), Via: a(fmt.Sprintf("10.%d.0.1", i))}}}
		topo.Nodes = append(topo.Nodes, g, h)
		topo.Links = append(topo.Links, &topologies.Link{
			A: topologies.Endpoint{Node: h.Name, Interface: "eth0", Address: p(fmt.Sprintf("10.%d.0.10/24", i))},
			B: topologies.Endpoint{Node: g.Name, Interface: "lan0", Address: p(fmt.Sprintf("10.%d.0.1/24", i))},
		})
		if !l.direct {
			g.Routes = []topologies.Route{{To: p("198.18.0.0/15"), Via: a(fmt.Sprintf("198.18.%d.1", i))}}
			topo.Links = append(topo.Links, &topologies.Link{
				A: topologies.Endpoint{Node: g.Name, Interface: "eth0", Address: p(fmt.Sprintf("198.18.%d.2/24", i))},
				B: topologies.Endpoint{Node: "inet", Interface: fmt.Sprintf("eth%d", i), Address: p(fmt.Sprintf("198.18.%d.1/24", i))},
			})
		}
	}
	if l.direct {
		topo.Links = append(topo.Links, &topologies.Link{
			A: topologies.Endpoint{Node: "gw1", Interface: "eth0", Address: p("198.18.0.1/24")},
			B: topologies.Endpoint{Node: "gw2", Interface: "eth0", Address: p("198.18.0.2/24")},
		})
	}
	return topo
}

// startLab deploys n gateways with a host each and starts `mcnlab gateway`
// in every gateway namespace, waiting for each management socket.
func startLab(t *testing.T, prefix string, n int, direct bool) *lab {
	t.Helper()
	l := deployLab(t, prefix, direct, func(l *lab) *topologies.Topology { return l.topology(n) })
	for i := 1; i <= n; i++ {
		g := l.startDaemon(t, fmt.Sprintf("gw%d", i))
		g.i = i
		l.gws = append(l.gws, g)
	}
	return l
}

// deployLab deploys the topology that topo makes for the lab (named after
// prefix) and readies what startDaemon needs; it starts no daemon.
func deployLab(t *testing.T, prefix string, direct bool, topo func(*lab) *topologies.Topology) *lab {
	t.Helper()
	roottest.Require(t)
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		roottest.Missing(t, "no TUN device: %v", err)
	}
	bin := roottest.MCNLab(t)
	roottest.UseTempState(t)
	l := &lab{name: roottest.LabName(t, prefix), direct: direct}
	plan, err := emulator.NewPlan(l.name, topo(l))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := emulator.Destroy(context.Background(), l.name, nil); err != nil {
			t.Errorf("destroy: %v", err)
		}
		roottest.AssertGone(t, l.name)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := emulator.Deploy(ctx, plan, emulator.Options{}); err != nil {
		t.Fatal(err)
	}
	// Unix socket paths are limited to 108 bytes: keep them short.
	l.sockDir, err = os.MkdirTemp("", "mcngw")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(l.sockDir) })
	l.logDir, l.bin = t.TempDir(), bin
	return l
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// config is gateway i's configuration with tunnels to the given peers.
func (l *lab) config(i int, peers ...int) mgmt.Config {
	g := l.gws[i-1]
	c := mgmt.Config{
		Name: g.name, ASN: uint32(65000 + i),
		RouterID:   netip.AddrFrom4([4]byte{10, 255, 255, byte(i)}),
		Prefixes:   []netip.Prefix{lan(i)},
		PrivateKey: g.key.String(),
	}
	for _, j := range peers {
		addr, peerAddr := inner(i, j)
		c.Peers = append(c.Peers, mgmt.Peer{
			Name: l.gws[j-1].name, PublicKey: l.gws[j-1].key.PublicKey().String(),
			Endpoint:   netip.AddrPortFrom(l.underlay(j), port(i)),
			ListenPort: port(j), Address: addr, PeerAddress: peerAddr, ASN: uint32(65000 + j),
		})
	}
	return c
}

func (l *lab) put(t *testing.T, i int, peers ...int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), converge)
	defer cancel()
	want := l.config(i, peers...)
	got, err := l.gws[i-1].client.PutConfig(ctx, want)
	if err != nil {
		t.Fatalf("PUT config of gw%d: %v", i, err)
	}
	if len(got.Peers) != len(peers) || got.ASN != want.ASN {
		t.Fatalf("PUT config of gw%d answered %+v", i, got)
	}
}

func (l *lab) status(t *testing.T, i int) mgmt.Status {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := l.gws[i-1].client.Status(ctx)
	if err != nil {
		t.Fatalf("status of gw%d: %v", i, err)
	}
	return st
}

// session returns gateway i's session called name, or a zero Session.
func (l *lab) session(t *testing.T, i int, name string) mgmt.Session {
	t.Helper()
	for _, s := range l.status(t, i).Sessions {
		if s.Name == name {
			return s
		}
	}
	return mgmt.Session{}
}

// eventually polls cond until it returns "" or timeout passes.
func eventually(t *testing.T, timeout time.Duration, cond func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		msg := cond()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", timeout, msg)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// sessionsUp says what is missing for gateway i to have an up tunnel and
// an established session with every peer in peers, and nothing else.
func (l *lab) sessionsUp(t *testing.T, i int, peers ...int) string {
	st := l.status(t, i)
	if len(st.Tunnels) != len(peers) || len(st.Sessions) != len(peers) {
		return fmt.Sprintf("gw%d has %d tunnels and %d sessions, want %d: %+v", i, len(st.Tunnels), len(st.Sessions), len(peers), st)
	}
	for _, j := range peers {
		name := fmt.Sprintf("gw%d", j)
		ti := slices.IndexFunc(st.Tunnels, func(x mgmt.Tunnel) bool { return x.Peer == name })
		si := slices.IndexFunc(st.Sessions, func(x mgmt.Session) bool { return x.Name == name })
		if ti < 0 || si < 0 {
			return fmt.Sprintf("gw%d: no tunnel or session for %s: %+v", i, name, st)
		}
		if st.Tunnels[ti].State != mgmt.TunnelUp {
			return fmt.Sprintf("gw%d: tunnel to %s is %s", i, name, st.Tunnels[ti].State)
		}
		if st.Sessions[si].State != "established" {
			return fmt.Sprintf("gw%d: session to %s is %s", i, name, st.Sessions[si].State)
		}
	}
	return ""
}

// kernelRoutes reads the BGP routes (protocol 186) of a namespace's main
// table, as "prefix via [next hops]".
func kernelRoutes(t *testing.T, ns string) map[netip.Prefix][]netip.Addr {
	t.Helper()
	nl, err := netns.Netlink(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer nl.Close()
	h, err := netns.Open(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	// Routes only reads; the FIB is never closed here (Close flushes).
	routes, err := fib.New(nl, h, fib.Options{}).Routes()
	if err != nil {
		t.Fatal(err)
	}
	return routes
}

// routeDevice returns the interface the kernel of ns uses towards dst.
func routeDevice(t *testing.T, ns string, dst netip.Addr) string {
	t.Helper()
	nl, err := netns.Netlink(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer nl.Close()
	rs, err := nl.RouteGet(net.IP(dst.AsSlice()))
	if err != nil || len(rs) == 0 {
		return fmt.Sprintf("no route (%v)", err)
	}
	link, err := nl.LinkByIndex(rs[0].LinkIndex)
	if err != nil {
		return fmt.Sprintf("index %d (%v)", rs[0].LinkIndex, err)
	}
	return link.Attrs().Name
}

func (l *lab) waitReachable(t *testing.T, from, to int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), converge)
	defer cancel()
	if _, err := probe.WaitReachable(ctx, emulator.NamespaceName(l.name, fmt.Sprintf("h%d", from)), host(to), 200*time.Millisecond); err != nil {
		t.Fatalf("h%d -> h%d: %v", from, to, err)
	}
}
