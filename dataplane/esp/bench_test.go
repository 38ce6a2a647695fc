package esp

import (
	"net"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/tun/tuntest"
)

const benchSize = 1400

func BenchmarkSeal(b *testing.B) {
	out, _ := mustPair(b, testSA(b, false))
	out.g.esn = true // so b.N may exceed 2^32 without exhausting the SA
	buf := make([]byte, HeaderLen+benchSize+MaxOverhead)
	b.SetBytes(benchSize)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := out.Seal(buf[:0], buf[HeaderLen:HeaderLen+benchSize], NextHeaderIPv4); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	sa := testSA(b, false)
	out, in := mustPair(b, sa)
	pkt, _ := out.Seal(nil, innerPacket(benchSize, false), NextHeaderIPv4)
	work := make([]byte, len(pkt))
	b.SetBytes(benchSize)
	b.ReportAllocs()
	for b.Loop() {
		copy(work, pkt)
		// Replay protection would reject the same packet twice; reset the
		// window (under the lock, as Open takes it) so each Open decrypts.
		in.mu.Lock()
		in.replay = newReplayWindowNoAlloc(in.replay)
		in.mu.Unlock()
		if _, _, err := in.Open(work); err != nil {
			b.Fatal(err)
		}
	}
}

// newReplayWindowNoAlloc clears a window for reuse without allocating.
func newReplayWindowNoAlloc(w replayWindow) replayWindow {
	clear(w.bitmap)
	w.top = 0
	return w
}

// BenchmarkTunnel pushes 1400-byte packets from A's TUN through A's
// encrypting goroutine, UDP on 127.0.0.1 and B's decrypting goroutine into
// B's TUN, with a bounded number in flight. The channel TUN copies each
// packet and hands over one at a time, so this is a floor for the engine, not
// a measure of ESP itself (see BenchmarkSeal/BenchmarkOpen).
func BenchmarkTunnel(b *testing.B) {
	ca, cb := listenB(b), listenB(b)
	ab := SA{SPI: 0xA0B0, Key: make([]byte, 16), ESN: true, Local: addrOf(ca), Remote: addrOf(cb)}
	ba := SA{SPI: 0xB0A0, Key: make([]byte, 16), ESN: true, Local: addrOf(cb), Remote: addrOf(ca)}
	ta, tb := tuntest.NewChannelTUN(), tuntest.NewChannelTUN()
	a, err := New(Config{TUN: ta.TUN(), Conn: ca, Outbound: ab, Inbound: []SA{ba}})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	bt, err := New(Config{TUN: tb.TUN(), Conn: cb, Outbound: ba, Inbound: []SA{ab}})
	if err != nil {
		b.Fatal(err)
	}
	defer bt.Close()
	if err := a.Start(); err != nil {
		b.Fatal(err)
	}
	if err := bt.Start(); err != nil {
		b.Fatal(err)
	}
	pkt := innerPacket(benchSize, false)
	// Flow control: at most `window` packets in flight, so that the
	// loopback socket buffer never overflows and every packet is counted.
	const window = 32
	credit := make(chan struct{}, window)
	done := make(chan struct{})
	b.SetBytes(benchSize)
	b.ResetTimer()
	go func() {
		defer close(done)
		for range b.N {
			<-tb.Inbound
			credit <- struct{}{}
		}
	}()
	for i := range b.N {
		if i >= window {
			select {
			case <-credit:
			case <-time.After(5 * time.Second):
				b.Fatalf("packet lost after %d sent: %+v %+v", i, a.Stats(), bt.Stats())
			}
		}
		ta.Outbound <- pkt
	}
	<-done
}
func listenB(b *testing.B) *net.UDPConn {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	return c
}
