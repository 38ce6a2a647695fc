package esp

import (
	"encoding/binary"
	"errors"
	"sync"
	"testing"

	"golang.zx2c4.com/wireguard/tun/tuntest"
)

// TestSealConcurrentUniqueSequence: concurrent Seal calls on one SA never
// reuse a sequence number, hence never reuse a GCM nonce.
func TestSealConcurrentUniqueSequence(t *testing.T) {
	// Without ESN a packet left of the window is ErrReplay; with ESN it is
	// read as belonging to the next 2^32 subspace and fails the ICV
	// instead (RFC 4303 Appendix A2.2), which TestESNWrapEndToEnd covers.
	out, in := mustPair(t, testSA(t, false))
	const workers, each = 8, 500
	pkts := make([][][]byte, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for range each {
				p, err := out.Seal(nil, []byte("concurrent"), NextHeaderIPv4)
				if err != nil {
					t.Error(err)
					return
				}
				pkts[w] = append(pkts[w], p)
			}
		})
	}
	wg.Wait()
	seen := map[uint64]bool{}
	for _, ps := range pkts {
		for _, p := range ps {
			iv := binary.BigEndian.Uint64(p[8:16])
			if seen[iv] {
				t.Fatalf("IV %d used twice", iv)
			}
			seen[iv] = true
		}
	}
	if len(seen) != workers*each || out.Seq() != workers*each {
		t.Fatalf("%d distinct IVs, counter %d; want %d", len(seen), out.Seq(), workers*each)
	}
	// Concurrent receivers over one SA: every packet opens exactly once.
	var mu sync.Mutex
	opened := 0
	for w := range workers {
		wg.Go(func() {
			for _, p := range pkts[w] {
				if _, _, err := in.Open(p); err == nil {
					mu.Lock()
					opened++
					mu.Unlock()
				} else if !errors.Is(err, ErrReplay) {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	// Packets more than a window behind the highest are legitimately stale
	// when receivers race, so only duplicates are impossible.
	if opened == 0 || opened > workers*each {
		t.Fatalf("opened %d of %d", opened, workers*each)
	}
}

// TestSADBConcurrentReaders runs lookups while SAs come and go (a rekey).
func TestSADBConcurrentReaders(t *testing.T) {
	db := NewSADB()
	base := testSA(t, false)
	in, _ := NewInbound(base)
	if err := db.Add(in); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if db.Lookup(base.SPI) == nil {
					t.Error("stable SA vanished during churn")
					return
				}
			}
		})
	}
	for i := range uint32(200) {
		sa := base
		sa.SPI = 0x1000 + i
		n, _ := NewInbound(sa)
		if err := db.Add(n); err != nil {
			t.Fatal(err)
		}
		if !db.Remove(sa.SPI) {
			t.Fatal("remove failed")
		}
	}
	close(stop)
	wg.Wait()
	if db.Len() != 1 {
		t.Fatalf("SADB holds %d SAs, want 1", db.Len())
	}
}

func TestTunnelCloseWithoutStart(t *testing.T) {
	checkGoroutines(t)
	c := listen(t)
	sa := SA{SPI: 7, Key: make([]byte, 16), Local: addrOf(c), Remote: addrOf(c)}
	ct := tuntest.NewChannelTUN()
	tn, err := New(Config{TUN: ct.TUN(), Conn: c, Outbound: sa, Inbound: []SA{sa}})
	if err != nil {
		t.Fatal(err)
	}
	if err := tn.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tn.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WriteToUDPAddrPort([]byte{1}, addrOf(c)); err == nil {
		t.Error("socket still open after Close")
	}
}
