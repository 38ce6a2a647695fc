package main

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/nftables"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/dataplane/policy"
	"github.com/mcnlab/mcnlab/dataplane/uservpn"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/internal/roottest"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

// uvpnLab is a deployed topologies/access.yaml.
type uvpnLab struct {
	lab string
	api *api.Client
	dir string
}

// listenIn serves TCP on port in namespace ns: each connection gets
// "hello PORT"; it stops when the test ends.
func listenIn(t *testing.T, ns string, port int) {
	t.Helper()
	var ln net.Listener
	if err := netns.Do(ns, func() (err error) {
		ln, err = net.Listen("tcp4", fmt.Sprintf(":%d", port))
		return err
	}); err != nil {
		t.Fatalf("listen on %d in %s: %v", port, ns, err)
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

// dialFrom reports whether a TCP connection from namespace ns to addr
// gets the listener's greeting within a second.
func dialFrom(ns, addr string) bool {
	ok := false
	_ = netns.Do(ns, func() error {
		c, err := net.DialTimeout("tcp4", addr, time.Second)
		if err != nil {
			return nil
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(time.Second))
		// web1 answers once asked; the greeters ignore what they get.
		_, _ = c.Write([]byte("GET / HTTP/1.0\r\nHost: www.example.com\r\n\r\n"))
		b := make([]byte, 32)
		n, _ := c.Read(b)
		ok = strings.HasPrefix(string(b[:n]), "hello") || strings.HasPrefix(string(b[:n]), "HTTP/")
		return nil
	})
	return ok
}

// login runs `mcnlab vpn login` with the password in a file and returns
// the client configuration's path.
func (u *uvpnLab) login(t *testing.T, user, password string, extra ...string) (string, error) {
	t.Helper()
	pw := filepath.Join(u.dir, user+".pw")
	if err := os.WriteFile(pw, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(u.dir, fmt.Sprintf("%s-%d.ovpn", user, time.Now().UnixNano()))
	args := append([]string{"vpn", "login", user, "--lab", u.lab, "--password-file", pw, "-o", conf}, extra...)
	out, errOut, err := run(t, args...)
	if err != nil {
		return conf, fmt.Errorf("%w: %s%s", err, out, errOut)
	}
	t.Logf("%s", strings.TrimSpace(out))
	return conf, nil
}

// connect starts the stock OpenVPN client with conf in laptop; it is
// stopped when the test ends. It returns the client's log file.
func (u *uvpnLab) connect(t *testing.T, laptop, conf string) string {
	t.Helper()
	logFile := filepath.Join(u.dir, laptop+fmt.Sprintf("-%d.log", time.Now().UnixNano()))
	roottest.StartIn(t, emulator.NamespaceName(u.lab, laptop), "openvpn", "--config", conf, "--log", logFile)
	t.Cleanup(func() { // runs first: the client still runs
		if t.Failed() {
			t.Logf("%s:\n%s", logFile, mcnlab.Tail(logFile, 15))
		}
	})
	return logFile
}

// session is user's session as the API lists it.
func (u *uvpnLab) session(t *testing.T, user string) (api.VPNSession, bool) {
	t.Helper()
	ss, err := u.api.VPNSessions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ss {
		if s.User == user {
			return s, true
		}
	}
	return api.VPNSession{}, false
}

// until polls cond every 50 ms for up to d.
func until(d time.Duration, cond func() bool) bool {
	for end := time.Now().Add(d); ; time.Sleep(50 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(end) {
			return false
		}
	}
}

// ruleset is a VPN gateway's nftables table, read from its namespace.
func ruleset(t *testing.T, ns string) string {
	t.Helper()
	h, err := netns.Open(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	c, err := nftables.New(nftables.WithNetNSFd(int(h)))
	if err != nil {
		t.Fatal(err)
	}
	s, err := policy.Dump(c, policy.Table{Family: policy.FamilyIPv4, Name: uservpn.TableName})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// natted reports whether namespace ns tracks a connection from src's
// pool to dst whose answer comes back to the gateway's own address
// (translated).
func natted(t *testing.T, ns string, pool netip.Prefix, dst netip.AddrPort) bool {
	t.Helper()
	h, err := netns.Open(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	nl, err := netlink.NewHandleAt(h, unix.NETLINK_NETFILTER)
	if err != nil {
		t.Fatal(err)
	}
	defer nl.Close()
	flows, err := nl.ConntrackTableList(netlink.ConntrackTable, netlink.FAMILY_V4)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range flows {
		src, _ := netip.AddrFromSlice(f.Forward.SrcIP)
		d, _ := netip.AddrFromSlice(f.Forward.DstIP)
		back, _ := netip.AddrFromSlice(f.Reverse.DstIP)
		if pool.Contains(src.Unmap()) && d.Unmap() == dst.Addr() && f.Forward.DstPort == dst.Port() && !pool.Contains(back.Unmap()) {
			return true
		}
	}
	return false
}

// instanceID is the ID of the lab's instance name.
func instanceID(t *testing.T, lab, name string) string {
	t.Helper()
	_, instances, err := mcnlab.PlanAndInstances(context.Background(), lab)
	if err != nil {
		t.Fatal(err)
	}
	in, ok := instances[name]
	if !ok {
		t.Fatalf("no instance %s in the lab's cloud", name)
	}
	return in.ID
}

// reachCase is a TCP connection a laptop must, or must not, make.
type reachCase struct {
	laptop, addr string
	want         bool
}

// checkUserVPN plays the personas of topologies/access.yaml (deployed as
// lab) through the SAML IdP and the stock OpenVPN client: a wrong password
// gets no credential; carol (contractor) reaches only the contractor
// spoke on tcp/80, paul (partner) only the partner spoke, erin (employee,
// allow-all but ssh into the partner spoke) everything else; the full
// tunnel sends erin's internet traffic out through vpn-full (translated
// there), the split tunnel leaves carol's on her own uplink; after
// `vpn disconnect` carol's chain is gone from vpn-split's ruleset; an
// expired credential is refused; the controller's log has the events.
func checkUserVPN(t *testing.T, lab string) {
	c, err := mcnlab.API(lab)
	if err != nil {
		t.Fatal(err)
	}
	u := &uvpnLab{lab: lab, api: c, dir: t.TempDir()}
	for name, ports := range map[string][]int{"contractor-app": {80, 81}, "partner-app": {80, 22}, "corp-app": {80}} {
		for _, p := range ports {
			listenIn(t, workloadNS(t, lab, name), p)
		}
	}
	if conf, err := u.login(t, "carol", "not-carols"); err == nil || !strings.Contains(err.Error(), "the identity provider refused the user name or password") {
		t.Errorf("login with a wrong password: %v", err)
	} else if _, serr := os.Stat(conf); serr == nil {
		t.Errorf("a wrong password left a client configuration at %s", conf)
	}
	for _, p := range []struct{ user, pw, laptop, gateway string }{
		{"carol", "carol-pw", "laptop1", "vpn-split"}, {"paul", "paul-pw", "laptop2", "vpn-split"}, {"erin", "erin-pw", "laptop3", "vpn-full"},
	} {
		conf, err := u.login(t, p.user, p.pw, "--gateway", p.gateway)
		if err != nil {
			t.Fatal(err)
		}
		u.connect(t, p.laptop, conf)
	}
	for _, user := range []string{"carol", "paul", "erin"} {
		if !until(30*time.Second, func() bool { _, ok := u.session(t, user); return ok }) {
			t.Fatalf("%s has no session within 30s", user)
		}
	}
	u.checkPersonas(t)
	u.checkTunnels(t)
	u.checkDisconnect(t)
	u.checkExpired(t)
	log := mcnlab.Tail(controllerLog(lab), 200)
	for _, want := range []string{"vpn gateway vpn-split: user carol connected from 198.51.100.", "vpn gateway vpn-split: user carol disconnected",
		"vpn gateway vpn-full: user erin connected from", "vpn: user paul signed in at the IdP"} {
		if !strings.Contains(log, want) {
			t.Errorf("the controller's log lacks %q", want)
		}
	}
	// Configured once: a push of what a gateway holds would restart its
	// OpenVPN and drop every session.
	full, _ := os.ReadFile(controllerLog(lab))
	for _, gw := range []string{"vpn-split", "vpn-full"} {
		if n := strings.Count(string(full), "configured vpn gateway "+gw+":"); n != 1 {
			t.Errorf("the controller configured %s %d times, want once", gw, n)
		}
	}
}

// checkPersonas checks what each persona reaches through its tunnel.
func (u *uvpnLab) checkPersonas(t *testing.T) {
	t.Helper()
	ns := func(l string) string { return emulator.NamespaceName(u.lab, l) }
	cases := []reachCase{
		{"laptop1", "10.21.1.10:80", true}, {"laptop1", "10.21.1.10:81", false}, {"laptop1", "10.22.1.10:80", false}, {"laptop1", "10.23.1.10:80", false},
		{"laptop2", "10.22.1.10:80", true}, {"laptop2", "10.22.1.10:22", true}, {"laptop2", "10.21.1.10:80", false}, {"laptop2", "10.23.1.10:80", false},
		{"laptop3", "10.21.1.10:80", true}, {"laptop3", "10.21.1.10:81", true}, {"laptop3", "10.23.1.10:80", true}, {"laptop3", "10.22.1.10:80", true},
		{"laptop3", "10.22.1.10:22", false},
	}
	for _, c := range cases { // the allowed first: they show the tunnels are up
		if c.want && !until(20*time.Second, func() bool { return dialFrom(ns(c.laptop), c.addr) }) {
			t.Errorf("%s does not reach %s within 20s; its profile allows it", c.laptop, c.addr)
		}
	}
	for _, c := range cases {
		if !c.want && dialFrom(ns(c.laptop), c.addr) {
			t.Errorf("%s reaches %s; its profile does not allow it", c.laptop, c.addr)
		}
	}
}

// checkTunnels: erin's full tunnel takes her internet traffic through
// vpn-full, which translates it; carol's split tunnel leaves hers on her
// own uplink, so vpn-split never sees it.
func (u *uvpnLab) checkTunnels(t *testing.T) {
	t.Helper()
	web := netip.MustParseAddrPort("192.0.2.20:80")
	for _, l := range []string{"laptop3", "laptop1"} {
		if !until(10*time.Second, func() bool { return dialFrom(emulator.NamespaceName(u.lab, l), web.String()) }) {
			t.Errorf("%s does not reach web1 on the internet", l)
		}
	}
	if !natted(t, workloadNS(t, u.lab, "vpn-full"), netip.MustParsePrefix("192.168.44.0/24"), web) {
		t.Error("vpn-full tracks no translated connection from its pool to web1: the full tunnel did not carry erin's internet traffic")
	}
	if natted(t, workloadNS(t, u.lab, "vpn-split"), netip.MustParsePrefix("192.168.43.0/24"), web) {
		t.Error("vpn-split carried carol's internet traffic: a split tunnel must not")
	}
}

// checkDisconnect disconnects carol through the API: her chain leaves
// vpn-split's ruleset (paul's stays) and she reaches nothing.
func (u *uvpnLab) checkDisconnect(t *testing.T) {
	t.Helper()
	gw := workloadNS(t, u.lab, "vpn-split")
	if rs := ruleset(t, gw); !strings.Contains(rs, "chain user-carol") || !strings.Contains(rs, "chain user-paul") {
		t.Fatalf("vpn-split's ruleset lacks carol's or paul's chain while they are connected:\n%s", rs)
	}
	out, _, err := run(t, "vpn", "disconnect", "carol", "--lab", u.lab)
	if err != nil || !strings.Contains(out, "user carol disconnected from vpn-split") {
		t.Fatalf("vpn disconnect carol: %q, %v", out, err)
	}
	rs := ruleset(t, gw)
	if strings.Contains(rs, "user-carol") || !strings.Contains(rs, "chain user-paul") {
		t.Errorf("after disconnect, vpn-split's ruleset still has carol's chain (or lost paul's):\n%s", rs)
	}
	if _, ok := u.session(t, "carol"); ok {
		t.Error("carol still has a session after disconnect")
	}
	if dialFrom(emulator.NamespaceName(u.lab, "laptop1"), "10.21.1.10:80") {
		t.Error("carol still reaches 10.21.1.10:80 after disconnect")
	}
	if _, _, err := run(t, "vpn", "disconnect", "carol", "--lab", u.lab); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("disconnecting carol again: %v, want 404", err)
	}
}

// checkExpired signs carol in for 5 s, waits out her certificate's
// NotAfter, and connects with it: vpn-split's OpenVPN refuses it.
func (u *uvpnLab) checkExpired(t *testing.T) {
	t.Helper()
	conf, err := u.login(t, "carol", "carol-pw", "--lifetime", "5s")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	notAfter := certNotAfter(t, string(b))
	if d := time.Until(notAfter); d > 6*time.Second {
		t.Fatalf("a 5s credential is valid %v more", d)
	}
	for time.Now().Before(notAfter.Add(time.Second)) { // the credential's own end, not a guess
		time.Sleep(100 * time.Millisecond)
	}
	u.connect(t, "laptop1", conf)
	serverLog := emulator.GatewaySocket(u.lab, instanceID(t, u.lab, "vpn-split")) + ".d/openvpn.log"
	if !until(20*time.Second, func() bool {
		b, _ := os.ReadFile(serverLog)
		return strings.Contains(string(b), "error=certificate has expired: O=mcnlab user VPN, OU=contractor, CN=carol")
	}) {
		t.Errorf("vpn-split's OpenVPN log does not refuse carol's expired certificate:\n%s", mcnlab.Tail(serverLog, 10))
	}
	if _, ok := u.session(t, "carol"); ok {
		t.Error("an expired credential got a session")
	}
}

// certNotAfter is the NotAfter of the client certificate inline in conf.
func certNotAfter(t *testing.T, conf string) time.Time {
	t.Helper()
	_, after, _ := strings.Cut(conf, "<cert>\n")
	blk, _ := pem.Decode([]byte(after))
	if blk == nil {
		t.Fatalf("no certificate in\n%s", conf)
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c.NotAfter
}
