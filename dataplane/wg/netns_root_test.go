package wg

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/internal/roottest"
	"golang.zx2c4.com/wireguard/conn"
	"golang.zx2c4.com/wireguard/tun"
)

// TestUDPThroughRealTUNBetweenNamespaces runs the real thing: a kernel TUN
// in each of two namespaces joined by a veth, WireGuard over UDP on the veth,
// and a UDP datagram from a socket in one namespace to a socket in the other
// through the tunnel.
func TestUDPThroughRealTUNBetweenNamespaces(t *testing.T) {
	roottest.Require(t)
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		roottest.Missing(t, "no TUN device: %v", err)
	}
	goroutineLeakCheck(t)
	nss := roottest.NewNamespaces(t, "a", "b")
	a, b := nss[0], nss[1]
	roottest.VethPair(t, a, b, "va", "vb", []string{"10.99.0.1/24"}, []string{"10.99.0.2/24"})

	keyA, _ := GenerateKey()
	keyB, _ := GenerateKey()
	cfgA := Config{PrivateKey: keyA, ListenPort: 51820, Peers: []Peer{{
		PublicKey: keyB.PublicKey(), Endpoint: netip.MustParseAddrPort("10.99.0.2:51820"),
		AllowedIPs: []netip.Prefix{netip.MustParsePrefix("10.200.0.2/32")},
	}}}
	cfgB := Config{PrivateKey: keyB, ListenPort: 51820, Peers: []Peer{{
		PublicKey: keyA.PublicKey(), Endpoint: netip.MustParseAddrPort("10.99.0.1:51820"),
		AllowedIPs: []netip.Prefix{netip.MustParsePrefix("10.200.0.1/32")},
	}}}

	startTunnel(t, a, cfgA, "10.200.0.1/24")
	startTunnel(t, b, cfgB, "10.200.0.2/24")

	var rx net.PacketConn
	err := netns.Do(b.Name, func() (err error) {
		rx, err = net.ListenPacket("udp4", "10.200.0.2:9999")
		return err
	})
	if err != nil {
		t.Fatalf("listen in b: %v", err)
	}
	t.Cleanup(func() { rx.Close() })
	var tx net.Conn
	err = netns.Do(a.Name, func() (err error) {
		tx, err = net.Dial("udp4", "10.200.0.2:9999")
		return err
	})
	if err != nil {
		t.Fatalf("dial in a: %v", err)
	}
	t.Cleanup(func() { tx.Close() })

	// Send until one arrives: the first datagram may race the TUN
	// coming up.
	const msg = "hello through wireguard"
	deadline := time.Now().Add(10 * time.Second)
	buf := make([]byte, 1500)
	for {
		if time.Now().After(deadline) {
			t.Fatal("no datagram arrived through the tunnel within 10s")
		}
		if _, err := tx.Write([]byte(msg)); err != nil {
			t.Fatalf("send: %v", err)
		}
		rx.SetReadDeadline(time.Now().Add(250 * time.Millisecond))
		n, from, err := rx.ReadFrom(buf)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			continue
		}
		if err != nil {
			t.Fatalf("receive: %v", err)
		}
		if string(buf[:n]) != msg || from.(*net.UDPAddr).IP.String() != "10.200.0.1" {
			t.Fatalf("received %q from %s, want %q from 10.200.0.1", buf[:n], from, msg)
		}
		break
	}
}

// startTunnel makes wg0 in ns (the TUN and the UDP sockets inside the
// namespace), configures it, checks its MTU, addresses it and sets it up;
// it is closed in t.Cleanup.
func startTunnel(t *testing.T, ns *roottest.NS, cfg Config, addr string) {
	t.Helper()
	err := netns.Do(ns.Name, func() error {
		tdev, err := tun.CreateTUN("wg0", DefaultMTU)
		if err != nil {
			return err
		}
		tn, err := New(tdev, conn.NewDefaultBind(), nil)
		if err != nil {
			return err
		}
		t.Cleanup(func() { tn.Close() })
		return tn.Apply(cfg)
	})
	if err != nil {
		t.Fatalf("tunnel in %s: %v", ns.Name, err)
	}
	link, err := ns.NL.LinkByName("wg0")
	if err != nil {
		t.Fatalf("wg0 in %s: %v", ns.Name, err)
	}
	if mtu := link.Attrs().MTU; mtu != DefaultMTU {
		t.Fatalf("wg0 MTU = %d, want %d", mtu, DefaultMTU)
	}
	roottest.AddAddr(t, ns.NL, link, addr)
	if err := ns.NL.LinkSetUp(link); err != nil {
		t.Fatalf("set wg0 up: %v", err)
	}
}
