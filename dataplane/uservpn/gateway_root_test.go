package uservpn

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/nftables"

	"github.com/mcnlab/mcnlab/dataplane/policy"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// vpnLab is laptop -- gw -- srv: the laptop reaches the gateway's
// 192.0.2.1 only; srv (10.9.0.10 and 10.9.0.11) is behind it.
type vpnLab struct {
	laptop, gw, srv *roottest.NS
	ca              *testCA
	g               *Gateway
	nft             *nftables.Conn
	cfg             Config
}

func newVPNLab(t *testing.T, tunnel string) *vpnLab {
	t.Helper()
	roottest.Require(t)
	if _, err := exec.LookPath("openvpn"); err != nil {
		roottest.Missing(t, "openvpn is not installed (apt-get install openvpn): %v", err)
	}
	nss := roottest.NewNamespaces(t, "laptop", "gw", "srv")
	l := &vpnLab{laptop: nss[0], gw: nss[1], srv: nss[2], ca: newTestCA(t)}
	roottest.VethPair(t, l.laptop, l.gw, "eth0", "eth0", []string{"192.0.2.100/24"}, []string{"192.0.2.1/24"})
	roottest.VethPair(t, l.gw, l.srv, "eth1", "eth0", []string{"10.9.0.1/24"}, []string{"10.9.0.10/24", "10.9.0.11/24"})
	if err := netns.DoHandle(l.gw.Handle, func() error {
		return os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("1"), 0o644)
	}); err != nil {
		t.Fatal(err)
	}
	for _, port := range []int{8080, 8081} {
		var ln net.Listener
		if err := netns.DoHandle(l.srv.Handle, func() (err error) {
			ln, err = net.Listen("tcp4", fmt.Sprintf(":%d", port))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				fmt.Fprintf(c, "hello %d\n", port)
				c.Close()
			}
		}()
	}
	var err error
	if l.nft, err = nftables.New(nftables.WithNetNSFd(int(l.gw.Handle))); err != nil {
		t.Fatal(err)
	}
	cert, key := l.ca.issue(t, "gw1", "server", true, time.Now().Add(time.Hour))
	l.cfg = Config{Name: "gw1", Pool: netip.MustParsePrefix("192.168.43.0/24"), Tunnel: tunnel,
		Routes: []netip.Prefix{netip.MustParsePrefix("10.9.0.0/24")}, Uplink: "eth1", CA: l.ca.pem, Cert: cert, Key: key,
		Profiles: map[string]Profile{
			"contractor": {Base: BaseDenyAll, Rules: []Rule{{CIDR: netip.MustParsePrefix("10.9.0.10/32"), Protocol: "tcp", Port: 8080}}},
			"employee":   {Base: BaseAllowAll},
		}}
	l.g = New(Options{Dir: t.TempDir(), NetNS: l.gw.Name, Nft: l.nft})
	t.Cleanup(func() {
		if err := l.g.Close(); err != nil {
			t.Error(err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := l.g.Apply(ctx, l.cfg); err != nil {
		t.Fatal(err)
	}
	return l
}

// client starts the stock OpenVPN client in the laptop with a
// certificate for user and profile ou valid until notAfter; it is
// stopped (SIGTERM: it tells the server) when the test ends. It returns
// the client's log file and the process.
func (l *vpnLab) client(t *testing.T, user, ou string, notAfter time.Time) (string, *exec.Cmd) {
	t.Helper()
	cert, key := l.ca.issue(t, user, ou, false, notAfter)
	conf, err := ClientConf(ClientParams{Server: netip.MustParseAddr("192.0.2.1"), ServerName: "gw1", CA: l.ca.pem, Cert: cert, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, user+".ovpn")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "client.log")
	t.Cleanup(func() { logOnFailure(t, logPath, filepath.Join(l.g.opts.Dir, "openvpn.log")) })
	cmd := roottest.StartIn(t, l.laptop.Name, "openvpn", "--config", path, "--log", logPath)
	return logPath, cmd
}

// waitFor polls cond every 20 ms until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (l *vpnLab) session(user string) (Session, bool) {
	for _, s := range l.g.Sessions() {
		if s.User == user {
			return s, true
		}
	}
	return Session{}, false
}

// reach reports whether a TCP connection from the laptop to addr is
// answered within a second.
func (l *vpnLab) reach(addr string) bool {
	var ok bool
	_ = netns.DoHandle(l.laptop.Handle, func() error {
		c, err := net.DialTimeout("tcp4", addr, time.Second)
		if err == nil {
			b := make([]byte, 16)
			_ = c.SetReadDeadline(time.Now().Add(time.Second))
			n, _ := c.Read(b)
			ok = strings.HasPrefix(string(b[:n]), "hello")
			c.Close()
		}
		return nil
	})
	return ok
}

func (l *vpnLab) ruleset(t *testing.T) string {
	t.Helper()
	s, err := policy.Dump(l.nft, policy.Table{Family: policy.FamilyIPv4, Name: TableName})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestGatewayProfileRules: a contractor reaches only 10.9.0.10 port 8080
// through the real OpenVPN server and client; its chain is in the
// gateway's ruleset while it is connected and gone after Disconnect; an
// employee (allow-all) reaches both ports and addresses, and its rules go
// when its client exits.
func TestGatewayProfileRules(t *testing.T) {
	l := newVPNLab(t, TunnelSplit)
	l.client(t, "carol", "contractor", time.Now().Add(time.Hour))
	waitFor(t, 15*time.Second, "carol connected", func() bool { _, ok := l.session("carol"); return ok })
	s, _ := l.session("carol")
	if s.Profile != "contractor" || !l.cfg.Pool.Contains(s.Address) {
		t.Fatalf("session %+v: want profile contractor and an address of %s", s, l.cfg.Pool)
	}
	waitFor(t, 10*time.Second, "carol reaches 10.9.0.10:8080", func() bool { return l.reach("10.9.0.10:8080") })
	for _, a := range []string{"10.9.0.10:8081", "10.9.0.11:8080"} {
		if l.reach(a) {
			t.Errorf("contractor reached %s: its profile allows 10.9.0.10 tcp/8080 only", a)
		}
	}
	rs := l.ruleset(t)
	if !strings.Contains(rs, "chain "+UserChain("carol")) || !strings.Contains(rs, "ip saddr "+s.Address.String()) {
		t.Fatalf("ruleset while carol is connected lacks her chain or address:\n%s", rs)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := l.g.Disconnect(ctx, "carol"); err != nil {
		t.Fatal(err)
	}
	if rs := l.ruleset(t); strings.Contains(rs, UserChain("carol")) || strings.Contains(rs, s.Address.String()) {
		t.Fatalf("carol's rules are still in the ruleset after disconnect:\n%s", rs)
	}
	if l.reach("10.9.0.10:8080") {
		t.Error("carol still reaches 10.9.0.10:8080 after disconnect")
	}

	_, emp := l.client(t, "erin", "employee", time.Now().Add(time.Hour))
	waitFor(t, 15*time.Second, "erin connected", func() bool { _, ok := l.session("erin"); return ok })
	for _, a := range []string{"10.9.0.10:8080", "10.9.0.10:8081", "10.9.0.11:8080"} {
		waitFor(t, 10*time.Second, "erin reaches "+a, func() bool { return l.reach(a) })
	}
	_ = emp.Process.Signal(syscall.SIGTERM) // explicit-exit-notify tells the server
	waitFor(t, 10*time.Second, "erin's rules gone after her client exits", func() bool {
		return !strings.Contains(l.ruleset(t), UserChain("erin"))
	})
	var kinds []string
	for _, e := range l.g.Events(0) {
		kinds = append(kinds, e.Kind+" "+e.User)
	}
	if got, want := strings.Join(kinds, ", "), "connect carol, disconnect carol, connect erin, disconnect erin"; got != want {
		t.Errorf("events %q, want %q", got, want)
	}
}

// TestGatewayRefusesExpiredAndUnknown: OpenVPN refuses a client
// certificate past its NotAfter (no session, no rules, the server's log
// says why), and the gateway denies one whose profile it does not know.
func TestGatewayRefusesExpiredAndUnknown(t *testing.T) {
	l := newVPNLab(t, TunnelSplit)
	l.client(t, "eve", "employee", time.Now().Add(-time.Minute))
	logFile := filepath.Join(l.g.opts.Dir, "openvpn.log")
	waitFor(t, 15*time.Second, "the server log names the expired certificate", func() bool {
		b, _ := os.ReadFile(logFile)
		return strings.Contains(string(b), "certificate has expired")
	})
	if _, ok := l.session("eve"); ok {
		t.Fatal("a client with an expired certificate has a session")
	}
	l.client(t, "mallory", "admin", time.Now().Add(time.Hour))
	waitFor(t, 15*time.Second, "mallory denied", func() bool {
		for _, e := range l.g.Events(0) {
			if e.Kind == "deny" && e.User == "mallory" {
				return true
			}
		}
		return false
	})
	if rs := l.ruleset(t); strings.Contains(rs, "user-") {
		t.Fatalf("ruleset has a user chain though nobody was let in:\n%s", rs)
	}
}

// logOnFailure prints the ends of the logs when the test failed.
func logOnFailure(t *testing.T, files ...string) {
	if !t.Failed() {
		return
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if len(b) > 3000 {
			b = b[len(b)-3000:]
		}
		t.Logf("%s:\n%s", f, b)
	}
}
