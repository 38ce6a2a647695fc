package esp

import (
	"bytes"
	"encoding/binary"
	"os"
	"sync"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/tun"
)

// batchTUN is a fake TUN that behaves like wireguard-go's real one where
// the channel TUN does not: one Read returns a whole batch (as a TSO
// super-packet split by the kernel TUN does) and Write returns the bytes
// written, not the packet count.
type batchTUN struct {
	reads  chan [][]byte // each Read returns one of these
	writes chan []byte   // every packet written, copied
	events chan tun.Event
	done   chan struct{}
	once   sync.Once
}

func newBatchTUN() *batchTUN {
	return &batchTUN{reads: make(chan [][]byte), writes: make(chan []byte, 1024), events: make(chan tun.Event), done: make(chan struct{})}
}

func (b *batchTUN) File() *os.File { return nil }

func (b *batchTUN) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	select {
	case <-b.done:
		return 0, os.ErrClosed
	case batch := <-b.reads:
		if len(batch) > len(bufs) {
			return 0, tun.ErrTooManySegments
		}
		for i, p := range batch {
			sizes[i] = copy(bufs[i][offset:], p)
		}
		return len(batch), nil
	}
}

func (b *batchTUN) Write(bufs [][]byte, offset int) (int, error) {
	total := 0
	for _, p := range bufs {
		select {
		case <-b.done:
			return total, os.ErrClosed
		case b.writes <- bytes.Clone(p[offset:]):
		}
		total += len(p) - offset
	}
	return total, nil
}

func (b *batchTUN) MTU() (int, error)        { return maxInner, nil }
func (b *batchTUN) Name() (string, error)    { return "batch", nil }
func (b *batchTUN) Events() <-chan tun.Event { return b.events }
func (b *batchTUN) BatchSize() int           { return 128 }
func (b *batchTUN) Close() error {
	b.once.Do(func() { close(b.done) })
	return nil
}

// numbered returns an IPv6 packet of size bytes whose payload starts with k.
func numbered(k, size int) []byte {
	body := make([]byte, size-40)
	binary.BigEndian.PutUint32(body, uint32(k))
	for i := 4; i < len(body); i++ {
		body[i] = byte(k + i)
	}
	return ipv6Packet("fd00::1", "fd00::2", body)
}

// TestTunnelBatchesKeepEveryPacket sends batches shaped like split TSO
// super-packets (runs of equal sizes, a shorter tail, a size that grows
// again) through a pair of tunnels whose TUNs report bytes from Write. With
// UDP segmentation and receive offload on loopback, runs travel as one
// message each; every packet must still arrive whole, in order, and be
// counted once.
func TestTunnelBatchesKeepEveryPacket(t *testing.T) {
	checkGoroutines(t)
	ta, tb := newBatchTUN(), newBatchTUN()
	a, b := tunnelPair(t, func(ca, cb *Config) { ca.TUN, cb.TUN = ta, tb })
	t.Logf("A: UDP_SEGMENT %v; B: UDP_GRO %v", a.t.gso, b.t.gro)
	var shapes [][]int
	run := func(size, n int) []int {
		s := make([]int, n)
		for i := range s {
			s[i] = size
		}
		return s
	}
	shapes = append(shapes,
		append(run(1420, 45), 333),                           // one TSO segment train and its tail
		append(append(run(1000, 3), 1420), run(1420, 80)...), // grows, then more than one message can hold
		run(9000, 20),                 // jumbo: the 64 KiB payload limit splits it
		[]int{44, 1420, 44, 44, 1420}, // no two neighbours alike
		run(1420, 128),                // a full batch
	)
	var want [][]byte
	k := 0
	for _, shape := range shapes {
		var batch [][]byte
		for _, size := range shape {
			batch = append(batch, numbered(k, size))
			k++
		}
		want = append(want, batch...)
		select {
		case ta.reads <- batch:
		case <-time.After(5 * time.Second):
			t.Fatal("tunnel A did not read from TUN")
		}
	}
	var bytesSent uint64
	for i, w := range want {
		bytesSent += uint64(len(w))
		select {
		case got := <-tb.writes:
			if !bytes.Equal(got, w) {
				t.Fatalf("packet %d: got %d bytes %x…, want %d bytes %x…", i, len(got), got[:min(48, len(got))], len(w), w[:48])
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("packet %d of %d did not arrive; A %+v, B %+v", i, len(want), a.t.Stats(), b.t.Stats())
		}
	}
	n := uint64(len(want))
	// A counts after sendmmsg returns, which may be after B delivered.
	waitStats(t, a.t, "A counted every packet", func(s Stats) bool { return s.TxPackets == n })
	waitStats(t, b.t, "B counted every packet", func(s Stats) bool { return s.RxPackets == n })
	sa, sb := a.t.Stats(), b.t.Stats()
	if sa.TxPackets != n || sa.TxBytes != bytesSent || sb.RxBytes != bytesSent {
		t.Errorf("counters: A %+v, B %+v; sent %d packets, %d bytes", sa, sb, n, bytesSent)
	}
	if sb.Malformed+sb.AuthFailures+sb.ReplayDrops+sb.TUNErrors+sa.SendErrors != 0 {
		t.Errorf("unexpected drops: A %+v, B %+v", sa, sb)
	}
}

// TestSealFromMatchesSeal checks that sealing from the TUN buffer into
// another gives the same bytes as Seal, for every padding length.
func TestSealFromMatchesSeal(t *testing.T) {
	sa := SA{SPI: 0x1234, Key: bytes.Repeat([]byte{7}, 32), Salt: [4]byte{1, 2, 3, 4}, ESN: true}
	o1, err := NewOutbound(sa)
	if err != nil {
		t.Fatal(err)
	}
	o2, _ := NewOutbound(sa)
	for size := 44; size < 52; size++ {
		pkt := numbered(size, size)
		want, err := o1.Seal(nil, pkt, NextHeaderIPv6)
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, size+5)
		copy(buf, pkt)
		got, err := o2.sealFrom(make([]byte, 3, 3+len(want)), buf, size, NextHeaderIPv6)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got[3:], want) || len(got) != 3+len(want) {
			t.Fatalf("size %d: sealFrom gave\n%x\nSeal gave\n%x", size, got[3:], want)
		}
	}
}
