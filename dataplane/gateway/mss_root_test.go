package gateway_test

import (
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/netns"
)

// checkMSS opens a TCP connection from host h<from> to a listener on host
// h<to> (both on 1500-byte links) through the tunnel between their gateways
// and returns the MSS the accepting side negotiated: the gateways clamp it
// to what the tunnel carries (MTU 1420 - 40 = 1380).
func (l *lab) acceptedMSS(t *testing.T, from, to int) int {
	t.Helper()
	var ln net.Listener
	if err := netns.Do(emulator.NamespaceName(l.name, fmt.Sprintf("h%d", to)), func() (err error) {
		ln, err = net.Listen("tcp4", netip.AddrPortFrom(host(to), 0).String())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var conn net.Conn
	if err := netns.Do(emulator.NamespaceName(l.name, fmt.Sprintf("h%d", from)), func() (err error) {
		conn, err = net.DialTimeout("tcp4", ln.Addr().String(), 10*time.Second)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	srv, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	raw, err := srv.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	mss := 0
	var serr error
	raw.Control(func(fd uintptr) { mss, serr = unix.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, unix.TCP_MAXSEG) })
	if serr != nil {
		t.Fatal(serr)
	}
	return mss
}

func TestMSSClampedThroughTunnel(t *testing.T) {
	l := startLab(t, "ms", 2, true)
	l.put(t, 1, 2)
	l.put(t, 2, 1)
	for i, peer := range map[int]int{1: 2, 2: 1} {
		eventually(t, converge, func() string { return l.sessionsUp(t, i, peer) })
	}
	l.waitReachable(t, 1, 2)
	if mss := l.acceptedMSS(t, 1, 2); mss > 1380 || mss < 1200 {
		t.Errorf("TCP MSS across the tunnel = %d; want at most 1380 (tunnel MTU 1420), not the hosts' 1460", mss)
	}
}
