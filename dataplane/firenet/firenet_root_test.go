package firenet_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/nftables"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/dataplane/firenet"
	"github.com/mcnlab/mcnlab/dataplane/firewall"
	"github.com/mcnlab/mcnlab/dataplane/policy"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/emulator/probe"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// The lab of the root tests: a client in prod (10.1.1.5) and a server in
// shared (10.2.1.5) on either side of a transit gateway, which reaches two
// one-armed firewalls, each on a link of its own; each firewall sends what
// it passes back to the gateway on the same link.
var (
	cliAddr = netip.MustParseAddr("10.1.1.5")
	srvAddr = netip.MustParseAddr("10.2.1.5")
)

type lab struct {
	cli, gw, srv *roottest.NS
	fws          []*roottest.NS
	engines      []*firewall.Engine
	steer        *firenet.Steerer
}

// newLab builds the namespaces and links, starts the servers, a firewall
// engine with fwCfg in each firewall and the steerer in the gateway; all
// go when the test ends, also when it fails.
func newLab(t *testing.T, fwCfg firewall.Config) *lab { return newLabOf(t, fwCfg, false) }

// newLabOf is newLab, dual-stack when dual says so: prod fd00:1::/48 and
// shared fd00:2::/48 beside the IPv4 prefixes, each firewall with an IPv6
// address too.
func newLabOf(t *testing.T, fwCfg firewall.Config, dual bool) *lab {
	t.Helper()
	roottest.Require(t)
	checkGoroutines(t)
	nss := roottest.NewNamespaces(t, "cli", "gw", "srv", "fw1", "fw2")
	l := &lab{cli: nss[0], gw: nss[1], srv: nss[2], fws: nss[3:]}
	v6 := func(v4 []string, v6 ...string) []string {
		if dual {
			return append(v4, v6...)
		}
		return v4
	}
	roottest.VethPair(t, l.cli, l.gw, "eth0", "eth0", v6([]string{"10.1.1.5/24"}, "fd00:1::5/64"), v6([]string{"10.1.1.1/24"}, "fd00:1::1/64"))
	roottest.VethPair(t, l.gw, l.srv, "eth1", "eth0", v6([]string{"10.2.1.1/24"}, "fd00:2::1/64"), v6([]string{"10.2.1.5/24"}, "fd00:2::5/64"))
	addDefault(t, l.cli, v6([]string{"10.1.1.1"}, "fd00:1::1")...)
	addDefault(t, l.srv, v6([]string{"10.2.1.1"}, "fd00:2::1")...)
	for i, fw := range l.fws {
		n := i + 1
		roottest.VethPair(t, l.gw, fw, fmt.Sprintf("fw%d", n), "eth0", v6([]string{fmt.Sprintf("169.254.%d0.1/30", n)}, fmt.Sprintf("fd00:f%d::1/64", n)),
			v6([]string{fmt.Sprintf("169.254.%d0.2/30", n)}, fmt.Sprintf("fd00:f%d::2/64", n)))
		addDefault(t, fw, v6([]string{fmt.Sprintf("169.254.%d0.1", n)}, fmt.Sprintf("fd00:f%d::1", n))...)
		e, err := firewall.StartIn(int(fw.Handle), fwCfg, l7Dir(t, fwCfg, fw.Name))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		l.engines = append(l.engines, e)
	}
	if err := netns.DoHandle(l.gw.Handle, func() error {
		for _, k := range []string{"net/ipv4/ip_forward", "net/ipv6/conf/all/forwarding"} {
			if err := os.WriteFile("/proc/sys/"+k, []byte("1"), 0o644); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	l.serve(t)
	cfg := pairConfig()
	cfg.Exclude = nil
	if dual {
		cfg.Domains[0].Prefixes = append(cfg.Domains[0].Prefixes, netip.MustParsePrefix("fd00:1::/48"))
		cfg.Domains[1].Prefixes = append(cfg.Domains[1].Prefixes, netip.MustParsePrefix("fd00:2::/48"))
		for i := range cfg.Firewalls {
			cfg.Firewalls[i].Addr6 = netip.MustParseAddr(fmt.Sprintf("fd00:f%d::2", i+1))
		}
	}
	cfg.Health = firenet.Health{Interval: 100 * time.Millisecond, Fall: 3, Rise: 2}
	if fwCfg.L7 != nil {
		// The proxy connects on from a port of its own: only the
		// 2-tuple hash sends that connection's replies to it.
		cfg.Hash = firenet.TwoTuple
	}
	s, err := firenet.StartIn(int(l.gw.Handle), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close steerer: %v", err)
		}
	})
	l.steer = s
	return l
}

func addDefault(t *testing.T, ns *roottest.NS, gws ...string) {
	t.Helper()
	for _, gw := range gws {
		if err := ns.NL.RouteAdd(&netlink.Route{Gw: net.ParseIP(gw)}); err != nil {
			t.Fatalf("default route via %s in %s: %v", gw, ns.Name, err)
		}
	}
}

// serve runs in the server's namespace: on tcp/7 and tcp/22 a greeter that
// answers each line with the address the connection came from, on udp/9
// an echo that does the same; they stop when the test ends.
func (l *lab) serve(t *testing.T) {
	var lns []net.Listener
	var udp net.PacketConn
	err := netns.DoHandle(l.srv.Handle, func() error {
		for _, port := range []int{7, 22} {
			ln, err := net.Listen("tcp4", fmt.Sprintf(":%d", port))
			if err != nil {
				return err
			}
			lns = append(lns, ln)
		}
		var err error
		udp, err = net.ListenPacket("udp4", ":9")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, ln := range lns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer c.Close()
					r := bufio.NewScanner(c)
					for r.Scan() {
						fmt.Fprintf(c, "%s\n", c.RemoteAddr().(*net.TCPAddr).IP)
					}
				}()
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		buf := make([]byte, 1500)
		for {
			n, from, err := udp.ReadFrom(buf)
			if err != nil {
				return
			}
			udp.WriteTo(append([]byte(from.(*net.UDPAddr).IP.String()+" "), buf[:n]...), from)
		}
	}()
	t.Cleanup(func() {
		for _, ln := range lns {
			ln.Close()
		}
		udp.Close()
		wg.Wait()
	})
}

// dial opens a TCP connection from the client to the server's port.
func (l *lab) dial(port int, timeout time.Duration) (net.Conn, error) {
	var c net.Conn
	err := netns.DoHandle(l.cli.Handle, func() (err error) {
		c, err = (&net.Dialer{Timeout: timeout}).Dial("tcp4", netip.AddrPortFrom(srvAddr, uint16(port)).String())
		return err
	})
	return c, err
}

// dialMany opens n connections to the server's echo port (7), each
// checked to arrive from the client's own address (no SNAT on the way);
// they are closed when the test ends.
func (l *lab) dialMany(t *testing.T, n int) []net.Conn {
	t.Helper()
	var conns []net.Conn
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	for range n {
		c, err := l.dial(7, 3*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		if src, err := whoami(c); err != nil || src != cliAddr.String() {
			t.Fatalf("server saw %q, %v", src, err)
		}
	}
	return conns
}

// whoami sends a line on c and returns the server's answer: the source
// address it saw.
func whoami(c net.Conn) (string, error) {
	c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := fmt.Fprintln(c, "who"); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return "", err
	}
	return line[:len(line)-1], nil
}

// forwarded sums a firewall's forward counters: every packet it passed or
// dropped.
func forwarded(t *testing.T, e *firewall.Engine) uint64 {
	t.Helper()
	c, err := e.Counters()
	if err != nil {
		t.Fatal(err)
	}
	n := c.Established.Packets + c.Invalid.Packets + c.Default.Packets
	for _, r := range c.Rules {
		n += r.Packets
	}
	return n
}

func steered(t *testing.T, s *firenet.Steerer) uint64 {
	t.Helper()
	st, err := s.Status()
	if err != nil {
		t.Fatal(err)
	}
	var n uint64
	for _, f := range st.Firewalls {
		n += f.Steered.Packets
	}
	return n
}

// TestPairCrossesFirewallWithRealSource: pings from prod to shared raise
// the firewalls' counters by exactly the packets sent and answered (and
// the gateway's steered counters alike); a TCP connection reaches the
// server from the client's own address, and the firewall that carried it
// holds it in its conntrack table with that source.
func TestPairCrossesFirewallWithRealSource(t *testing.T) {
	l := newLab(t, firewall.Config{})
	p, err := probe.NewPinger(l.cli.Name)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := probe.WaitReachable(ctx, l.cli.Name, srvAddr, 200*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	fwBefore := forwarded(t, l.engines[0]) + forwarded(t, l.engines[1])
	gwBefore := steered(t, l.steer)
	const pings = 5
	for i := range pings {
		if _, err := p.Ping(srvAddr, 100+i, time.Second); err != nil {
			t.Fatal(err)
		}
	}
	fwDelta := forwarded(t, l.engines[0]) + forwarded(t, l.engines[1]) - fwBefore
	gwDelta := steered(t, l.steer) - gwBefore
	if fwDelta != 2*pings || gwDelta != 2*pings {
		t.Errorf("%d pings: firewalls forwarded %d packets, the gateway steered %d; want %d each", pings, fwDelta, gwDelta, 2*pings)
	}
	c, err := l.dial(7, 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if src, err := whoami(c); err != nil || src != cliAddr.String() {
		t.Fatalf("server saw %q, %v; want the client's own address %s", src, err, cliAddr)
	}
	local := netip.MustParseAddrPort(c.LocalAddr().String())
	carried := 0
	for i, e := range l.engines {
		flows, err := e.Flows()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range flows {
			if f.Src == local && f.Dst.Port() == 7 {
				carried++
				t.Logf("fw%d carried %s → %s (%d packets out, %d back)", i+1, f.Src, f.Dst, f.Packets, f.ReplyPackets)
			}
		}
	}
	if carried != 1 {
		t.Errorf("the connection from %s is in %d firewalls' tables, want 1", local, carried)
	}
}

// TestKernelHoldsSteering: the gateway's kernel holds the table that the
// fake renders for the same config, each firewall's ip rule (once, also
// after a new config installs it again) and its table's default route.
func TestKernelHoldsSteering(t *testing.T) {
	l := newLab(t, firewall.Config{})
	again := pairConfig()
	again.Exclude, again.Health.Interval = nil, 150*time.Millisecond
	if err := l.steer.Apply(again); err != nil {
		t.Fatal(err)
	}
	c, err := nftables.New(nftables.WithNetNSFd(int(l.gw.Handle)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := policy.Dump(c, policy.Table{Name: firenet.TableName})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.ReplaceAll(bothHealthy, "\tset exclude4 { type ipv4_addr; flags interval; elements = { 10.0.0.1/32 } }\n", "")
	want = strings.ReplaceAll(want, "\t\tip daddr @exclude4 return\n", "")
	if got != want {
		t.Errorf("kernel holds:\n%s\nwant:\n%s", got, want)
	}
	rules, err := l.gw.NL.RuleList(unix.AF_INET)
	if err != nil {
		t.Fatal(err)
	}
	for i, fw := range []string{"169.254.10.2", "169.254.20.2"} {
		mark, table := uint32(firenet.DefaultMarkBase+i+1), firenet.DefaultTableBase+i+1
		if n := len(slices.DeleteFunc(slices.Clone(rules), func(r netlink.Rule) bool { return r.Mark != mark || r.Table != table })); n != 1 {
			t.Errorf("%d ip rules fwmark 0x%x lookup %d, want 1: %+v", n, mark, table, rules)
		}
		routes, err := l.gw.NL.RouteListFiltered(unix.AF_INET, &netlink.Route{Table: table}, netlink.RT_FILTER_TABLE)
		if err != nil || len(routes) != 1 || routes[0].Gw.String() != fw {
			t.Errorf("table %d = %+v, %v; want a default via %s", table, routes, err, fw)
		}
	}
}

// TestIPv6CrossesFirewall: in a dual-stack lab, pings from prod's IPv6
// address to shared's cross one firewall (its conntrack shows the client's
// own address) and are counted by the gateway, as IPv4 is.
func TestIPv6CrossesFirewall(t *testing.T) {
	l := newLabOf(t, firewall.Config{}, true)
	cli6, srv6 := netip.MustParseAddr("fd00:1::5"), netip.MustParseAddr("fd00:2::5")
	before := steered(t, l.steer)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := probe.WaitReachable(ctx, l.cli.Name, srv6, 200*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if steered(t, l.steer) <= before {
		t.Error("the gateway steered no IPv6 packet")
	}
	n := 0
	for _, flows := range l.flowsOf(t) {
		for _, f := range flows {
			if f.Src.Addr() == cli6 && f.Dst.Addr() == srv6 && f.ReplyPackets > 0 {
				n++
			}
		}
	}
	if n != 1 {
		t.Errorf("the IPv6 echo flow is in %d firewalls' tables both ways, want 1", n)
	}
	// IPv4 still crosses too.
	if _, err := probe.WaitReachable(ctx, l.cli.Name, srvAddr, 200*time.Millisecond); err != nil {
		t.Fatal(err)
	}
}
