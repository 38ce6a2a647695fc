package wg

import (
	"bytes"
	"net/netip"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/conn"
	"golang.zx2c4.com/wireguard/tun/tuntest"
)

// end is one tunnel over a channel TUN, with its inner address.
type end struct {
	tun  *tuntest.ChannelTUN
	t    *Tunnel
	key  Key
	addr netip.Addr
}

func newEnd(t *testing.T, bind conn.Bind, addr string) *end {
	t.Helper()
	key, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	ct := tuntest.NewChannelTUN()
	tn, err := New(ct.TUN(), bind, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { tn.Close() })
	return &end{tun: ct, t: tn, key: key, addr: netip.MustParseAddr(addr)}
}

func (e *end) port(t *testing.T) uint16 {
	t.Helper()
	p, err := e.t.ListenPort()
	if err != nil {
		t.Fatalf("ListenPort: %v", err)
	}
	return p
}

func (e *end) apply(t *testing.T, peers ...Peer) {
	t.Helper()
	if err := e.t.Apply(Config{PrivateKey: e.key, Peers: peers}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
}

// peerOf describes e as a peer reachable at 127.0.0.1:port.
func peerOf(e *end, port uint16, allowed ...string) Peer {
	p := Peer{PublicKey: e.key.PublicKey(), Endpoint: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port)}
	for _, a := range allowed {
		p.AllowedIPs = append(p.AllowedIPs, netip.MustParsePrefix(a))
	}
	return p
}

// ping writes an ICMP echo into from's TUN and expects it, byte for byte,
// out of to's TUN.
func ping(t *testing.T, from, to *end) {
	t.Helper()
	msg := tuntest.Ping(to.addr, from.addr)
	select {
	case from.tun.Outbound <- msg:
	case <-time.After(5 * time.Second):
		t.Fatalf("ping %s→%s: tunnel did not take the packet", from.addr, to.addr)
	}
	select {
	case got := <-to.tun.Inbound:
		if !bytes.Equal(got, msg) {
			t.Fatalf("ping %s→%s: packet changed in transit", from.addr, to.addr)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("ping %s→%s: did not arrive within 5s", from.addr, to.addr)
	}
}

func stats(t *testing.T, e *end) map[Key]PeerStats {
	t.Helper()
	ss, err := e.t.Stats()
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	m := make(map[Key]PeerStats)
	for _, s := range ss {
		m[s.PublicKey] = s
	}
	return m
}

// goroutineLeakCheck fails the test if goroutines started during it are
// still running a while after its cleanups (as wireguard-go's own tests
// check). Register it first so it runs last.
func goroutineLeakCheck(t *testing.T) {
	t.Helper()
	before := goroutines()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		var extra []string
		for {
			extra = extra[:0]
			for id, g := range goroutines() {
				if _, ok := before[id]; !ok {
					extra = append(extra, g)
				}
			}
			if len(extra) == 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if len(extra) > 0 {
			t.Errorf("%d goroutines leaked:\n%s", len(extra), strings.Join(extra, "\n\n"))
		}
	})
}

func goroutines() map[string]string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	out := make(map[string]string)
	for _, g := range strings.Split(string(buf), "\n\n") {
		header, _, _ := strings.Cut(g, " [")
		out[header] = g
	}
	return out
}
