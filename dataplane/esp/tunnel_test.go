package esp

import (
	"bytes"
	"net"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/tun/tuntest"
)

// checkGoroutines fails the test if, after it, more goroutines run than
// before it, polling for stragglers up to a deadline (as wireguard-go's
// goroutineLeakCheck does).
func checkGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				t.Fatalf("%d goroutines before, %d after:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
			}
			runtime.Gosched()
			time.Sleep(time.Millisecond)
		}
	})
}

// peer is one end of a test tunnel: its channel TUN and its engine.
type peer struct {
	tun *tuntest.ChannelTUN
	t   *Tunnel
}

// listen opens a UDP socket on a free loopback port.
func listen(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func addrOf(c *net.UDPConn) netip.AddrPort { return c.LocalAddr().(*net.UDPAddr).AddrPort() }

// tunnelPair builds two started tunnels A and B over real UDP sockets on
// 127.0.0.1, A→B with SPI 0xA0B0 and B→A with SPI 0xB0A0. mod may adjust
// the configs before New.
func tunnelPair(t *testing.T, mod func(a, b *Config)) (a, b peer) {
	t.Helper()
	ca, cb := listen(t), listen(t)
	ab := SA{SPI: 0xA0B0, Key: bytes.Repeat([]byte{1}, 16), Salt: [4]byte{1, 1, 1, 1}, Local: addrOf(ca), Remote: addrOf(cb)}
	ba := SA{SPI: 0xB0A0, Key: bytes.Repeat([]byte{2}, 32), Salt: [4]byte{2, 2, 2, 2}, ESN: true, Local: addrOf(cb), Remote: addrOf(ca)}
	a.tun, b.tun = tuntest.NewChannelTUN(), tuntest.NewChannelTUN()
	cfgA := Config{TUN: a.tun.TUN(), Conn: ca, Outbound: ab, Inbound: []SA{ba}}
	cfgB := Config{TUN: b.tun.TUN(), Conn: cb, Outbound: ba, Inbound: []SA{ab}}
	if mod != nil {
		mod(&cfgA, &cfgB)
	}
	var err error
	if a.t, err = New(cfgA); err != nil {
		t.Fatal(err)
	}
	if b.t, err = New(cfgB); err != nil {
		t.Fatal(err)
	}
	for _, p := range []peer{a, b} {
		if err := p.t.Start(); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		a.t.Close()
		b.t.Close()
	})
	return a, b
}

// expect waits for the next packet that the tunnel writes into p's TUN.
func expect(t *testing.T, p peer, want []byte) {
	t.Helper()
	select {
	case got := <-p.tun.Inbound:
		if !bytes.Equal(got, want) {
			t.Fatalf("TUN got %x\nwant %x", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no packet of %d bytes arrived", len(want))
	}
}

func send(t *testing.T, p peer, pkt []byte) {
	t.Helper()
	select {
	case p.tun.Outbound <- pkt:
	case <-time.After(5 * time.Second):
		t.Fatal("tunnel did not read from TUN")
	}
}

// waitStats polls the tunnel's counters until cond holds.
func waitStats(t *testing.T, tn *Tunnel, what string, cond func(Stats) bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond(tn.Stats()) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: stats %+v", what, tn.Stats())
		}
		time.Sleep(time.Millisecond)
	}
}

func ipv6Packet(src, dst string, payload []byte) []byte {
	p := make([]byte, 40+len(payload))
	p[0] = 0x60
	p[4], p[5] = byte(len(payload)>>8), byte(len(payload))
	p[6], p[7] = 59, 64 // no next header, hop limit
	s, d := netip.MustParseAddr(src).As16(), netip.MustParseAddr(dst).As16()
	copy(p[8:], s[:])
	copy(p[24:], d[:])
	copy(p[40:], payload)
	return p
}

func TestTunnelExchangesPacketsBothWays(t *testing.T) {
	checkGoroutines(t)
	a, b := tunnelPair(t, nil)
	a1, b1 := netip.MustParseAddr("10.1.0.1"), netip.MustParseAddr("10.2.0.1")
	var sentAB, sentBA uint64
	for i := range 20 {
		ping := tuntest.Ping(b1, a1)
		send(t, a, ping)
		expect(t, b, ping)
		sentAB += uint64(len(ping))
		pong := tuntest.Ping(a1, b1)
		if i%2 == 1 {
			pong = ipv6Packet("fd00::2", "fd00::1", bytes.Repeat([]byte{byte(i)}, 1000+i))
		}
		send(t, b, pong)
		expect(t, a, pong)
		sentBA += uint64(len(pong))
	}
	waitStats(t, b.t, "B received 20", func(s Stats) bool { return s.RxPackets == 20 && s.TxPackets == 20 })
	waitStats(t, a.t, "A received 20", func(s Stats) bool { return s.RxPackets == 20 && s.TxPackets == 20 })
	sa, sb := a.t.Stats(), b.t.Stats()
	if sa.TxBytes != sentAB || sb.RxBytes != sentAB || sb.TxBytes != sentBA || sa.RxBytes != sentBA {
		t.Errorf("byte counters: A %+v, B %+v; sent A→B %d, B→A %d", sa, sb, sentAB, sentBA)
	}
	if sa.AuthFailures+sa.ReplayDrops+sb.AuthFailures+sb.ReplayDrops != 0 {
		t.Errorf("unexpected drops: A %+v, B %+v", sa, sb)
	}
	if err := a.t.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if err := a.t.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
	if err := a.t.Start(); err == nil {
		t.Error("Start after Close succeeded")
	}
}

// TestTunnelDropsReplayForgeryAndHandlesIKE attacks B's socket from a third
// socket: a replayed copy of a real packet, a forged one, an unknown SPI, a
// NAT-keepalive, an IKE message and an oversized datagram.
func TestTunnelDropsReplayForgeryAndHandlesIKE(t *testing.T) {
	checkGoroutines(t)
	ikeGot := make(chan []byte, 1)
	var abSA SA
	a, b := tunnelPair(t, func(ca, cb *Config) {
		abSA = ca.Outbound
		cb.OnIKE = func(msg []byte, from netip.AddrPort) {
			ikeGot <- append([]byte(nil), msg...)
		}
	})
	ping := tuntest.Ping(netip.MustParseAddr("10.2.0.1"), netip.MustParseAddr("10.1.0.1"))
	send(t, a, ping)
	expect(t, b, ping)

	// The attacker knows nothing but what the wire shows; to replay we
	// reproduce A's first packet with A's SA (same key, sequence 1).
	clone, err := NewOutbound(abSA)
	if err != nil {
		t.Fatal(err)
	}
	replayed, _ := clone.Seal(nil, ping, NextHeaderIPv4)
	forged, _ := clone.Seal(nil, ping, NextHeaderIPv4)
	forged[HeaderLen] ^= 0x40
	unknown := append([]byte(nil), replayed...)
	unknown[0] = 0x77

	atk := listen(t)
	defer atk.Close()
	dst := net.UDPAddrFromAddrPort(b.t.LocalAddr())
	oversized := append(append([]byte(nil), replayed[:8]...), make([]byte, bufSize+100)...)
	for _, p := range [][]byte{replayed, forged, unknown, {0xFF}, {0, 0, 0, 0, 0xAB, 0xCD}, oversized} {
		if _, err := atk.WriteToUDP(p, dst); err != nil {
			t.Fatal(err)
		}
	}
	waitStats(t, b.t, "B counted each attack", func(s Stats) bool {
		return s.ReplayDrops == 1 && s.AuthFailures == 1 && s.UnknownSPI == 1 && s.Keepalives == 1 && s.IKE == 1 && s.Malformed == 1
	})
	select {
	case msg := <-ikeGot:
		if !bytes.Equal(msg, []byte{0xAB, 0xCD}) {
			t.Errorf("IKE callback got %x, want abcd (marker stripped)", msg)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("IKE callback not called")
	}
	// The forgery (sequence 2) must not have consumed sequence 2: A's real
	// second packet still arrives.
	send(t, a, ping)
	expect(t, b, ping)
	// The counter moves after the TUN write returns, just after expect saw
	// the packet, so poll for it.
	waitStats(t, b.t, "B delivered 2 packets", func(s Stats) bool { return s.RxPackets == 2 })
}

// TestTunnelRateLimit checks that the encrypting side never exceeds its cap.
func TestTunnelRateLimit(t *testing.T) {
	checkGoroutines(t)
	const rateBits = 4e6 // 4 Mbit/s
	a, b := tunnelPair(t, func(ca, cb *Config) { ca.RateLimit = rateBits })
	pkt := ipv6Packet("fd00::1", "fd00::2", make([]byte, 960)) // 1000 bytes inner
	const n = 120
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range n {
			<-b.tun.Inbound
		}
	}()
	start := time.Now()
	for range n {
		send(t, a, pkt)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("packets did not all arrive")
	}
	elapsed := time.Since(start)
	// Each outer packet: ESP header, 1000 inner bytes, padding, pad length
	// and next header, ICV; then UDP and IPv4 headers.
	wireBits := float64(n * (HeaderLen + 1000 + padLen(1000) + 2 + ICVLen + 8 + 20) * 8)
	burst := float64(max(int(rateBits/100), (bufSize+28)*8))
	if minTime := time.Duration((wireBits - burst) / rateBits * float64(time.Second)); elapsed < minTime {
		t.Errorf("%d packets (%.0f bits) took %v at a %.0f bit/s cap, want at least %v", n, wireBits, elapsed, rateBits, minTime)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	c := listen(t)
	defer c.Close()
	good := SA{SPI: 1, Key: make([]byte, 16), Local: addrOf(c), Remote: netip.MustParseAddrPort("127.0.0.1:4500")}
	ct := tuntest.NewChannelTUN()
	defer ct.TUN().Close()
	cases := map[string]Config{
		"no TUN":        {Conn: c, Outbound: good, Inbound: []SA{good}},
		"no inbound":    {TUN: ct.TUN(), Conn: c, Outbound: good},
		"bad outbound":  {TUN: ct.TUN(), Conn: c, Outbound: SA{SPI: 1}, Inbound: []SA{good}},
		"duplicate SPI": {TUN: ct.TUN(), Conn: c, Outbound: good, Inbound: []SA{good, good}},
		"negative rate": {TUN: ct.TUN(), Conn: c, Outbound: good, Inbound: []SA{good}, RateLimit: -1},
	}
	for name, cfg := range cases {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
}
