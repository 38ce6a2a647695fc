package egress

import (
	"crypto/tls"
	"encoding/binary"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/egress/nfqueue"
	"github.com/mcnlab/mcnlab/dataplane/egress/sniff"
	"github.com/mcnlab/mcnlab/dataplane/policy"
)

// fakeQueue is a PacketQueue fed by the test; verdicts come out of a
// channel.
type fakeQueue struct {
	in       chan []nfqueue.Packet
	verdicts chan verdict
	once     sync.Once
	done     chan struct{}
}

type verdict struct {
	id   uint32
	v    nfqueue.Verdict
	mark uint32
}

func newFakeQueue() *fakeQueue {
	return &fakeQueue{in: make(chan []nfqueue.Packet), verdicts: make(chan verdict, 64), done: make(chan struct{})}
}

func (q *fakeQueue) Read() ([]nfqueue.Packet, error) {
	select {
	case p := <-q.in:
		return p, nil
	case <-q.done:
		return nil, nfqueue.ErrClosed
	}
}

func (q *fakeQueue) SetVerdict(id uint32, v nfqueue.Verdict, mark uint32) error {
	q.verdicts <- verdict{id, v, mark}
	return nil
}

func (q *fakeQueue) Close() error {
	q.once.Do(func() { close(q.done) })
	return nil
}

// next is the next verdict, within a deadline.
func (q *fakeQueue) next(t *testing.T) verdict {
	t.Helper()
	select {
	case v := <-q.verdicts:
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("no verdict within 5 s")
	}
	return verdict{}
}

// none fails if a verdict is waiting.
func (q *fakeQueue) none(t *testing.T) {
	t.Helper()
	select {
	case v := <-q.verdicts:
		t.Fatalf("unexpected verdict %+v", v)
	default:
	}
}

// startFake starts a filter on a Fake and a fakeQueue, closed (and
// checked for leaked goroutines) when the test ends.
func startFake(t *testing.T, p Policy) (*policy.Fake, *Filter) {
	t.Helper()
	nft, q := policy.NewFake(), newFakeQueue()
	before := runtime.NumGoroutine()
	f, err := Start(nft, q, Config{Table: "egress", Queue: 5, Policy: p, HoldTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		f.Close()
		leakCheck(t, before)
	})
	return nft, f
}

// leakCheck fails if more goroutines run than before, after a grace
// period for the exiting ones (wireguard-go's goroutineLeakCheck).
func leakCheck(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Errorf("goroutines leaked: %d > %d\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// tcp4 builds an IPv4 TCP packet.
func tcp4(src, dst netip.AddrPort, seq uint32, flags byte, payload []byte) []byte {
	b := make([]byte, 40+len(payload))
	b[0], b[9] = 0x45, 6
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
	copy(b[12:], src.Addr().AsSlice())
	copy(b[16:], dst.Addr().AsSlice())
	binary.BigEndian.PutUint16(b[20:], src.Port())
	binary.BigEndian.PutUint16(b[22:], dst.Port())
	binary.BigEndian.PutUint32(b[24:], seq)
	b[32], b[33] = 5<<4, flags
	copy(b[40:], payload)
	return b
}

// hello is a real ClientHello for name from Go's TLS client.
func hello(t *testing.T, name string) []byte {
	t.Helper()
	c, s := net.Pipe()
	defer c.Close()
	defer s.Close()
	go tls.Client(c, &tls.Config{ServerName: name}).Handshake()
	s.SetReadDeadline(time.Now().Add(5 * time.Second))
	var buf []byte
	for {
		b := make([]byte, 4096)
		n, err := s.Read(b)
		if err != nil {
			t.Fatal(err)
		}
		buf = append(buf, b[:n]...)
		if _, r := sniff.SNI(buf); r != sniff.NeedMore {
			return buf
		}
	}
}

var (
	client = netip.MustParseAddrPort("10.1.1.5:40000")
	server = netip.MustParseAddrPort("198.51.100.20:443")
	web    = netip.MustParseAddrPort("198.51.100.20:80")
)

// TestFilterDecidesOnSNIAndHost: two names on one address get opposite
// verdicts (carried back as Repeat with the allow or deny mark); a
// ClientHello split over two segments is held until it is whole; the
// log names each decision's rule, and the callback sees them too.
func TestFilterDecidesOnSNIAndHost(t *testing.T) {
	var mu sync.Mutex
	var seen []Entry
	nft, q := policy.NewFake(), newFakeQueue()
	p := Policy{Tags: []Tag{{Name: "dev", Sources: []netip.Prefix{dev}, Rules: []Rule{
		{Name: "api.example.com", Proto: ProtoTCP, Port: 443}, {Name: "*.example.com", Proto: ProtoTCP, Port: 80}}}}}
	f, err := Start(nft, q, Config{Table: "egress", Policy: p, OnDecision: func(e Entry) { mu.Lock(); seen = append(seen, e); mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	send := func(id uint32, data []byte, mark uint32) { q.in <- []nfqueue.Packet{{ID: id, Data: data, Mark: mark}} }

	send(1, tcp4(client, server, 100, tcpSYN, nil), 0)
	if v := q.next(t); v != (verdict{1, nfqueue.Accept, 0}) {
		t.Errorf("SYN: %+v, want accept", v)
	}
	send(2, tcp4(client, server, 101, 0x18, hello(t, "api.example.com")), 0)
	if v := q.next(t); v != (verdict{2, nfqueue.Repeat, MarkAllow}) {
		t.Errorf("api.example.com: %+v, want repeat with the allow mark", v)
	}
	c2 := netip.AddrPortFrom(client.Addr(), 40001)
	h := hello(t, "blocked.example.net")
	send(3, tcp4(c2, server, 500, 0x10, h[:100]), 0)
	q.none(t)
	send(4, tcp4(c2, server, 500, 0x10, h[:100]), 0) // a retransmission
	send(5, tcp4(c2, server, 600, 0x18, h[100:]), 0)
	for _, id := range []uint32{3, 4, 5} {
		if v := q.next(t); v != (verdict{id, nfqueue.Repeat, MarkDeny}) {
			t.Errorf("blocked.example.net packet %d: %+v, want repeat with the deny mark", id, v)
		}
	}
	c3 := netip.AddrPortFrom(client.Addr(), 40002)
	send(6, tcp4(c3, web, 1, 0x18, []byte("GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n")), 0)
	if v := q.next(t); v != (verdict{6, nfqueue.Repeat, MarkAllow}) {
		t.Errorf("Host www.example.com: %+v", v)
	}
	want := []string{
		"10.1.1.5:40000 198.51.100.20:443 api.example.com sni allow dev/api.example.com tcp/443",
		"10.1.1.5:40001 198.51.100.20:443 blocked.example.net sni deny /base allow-list",
		"10.1.1.5:40002 198.51.100.20:80 www.example.com host allow dev/*.example.com tcp/80",
	}
	checkLog(t, f.Log(), want)
	mu.Lock()
	defer mu.Unlock()
	checkLog(t, seen, want)
}

func checkLog(t *testing.T, log []Entry, want []string) {
	t.Helper()
	var got []string
	for _, e := range log {
		got = append(got, strings.Join([]string{e.Src.String(), e.Dst.String(), e.Name, e.By, e.Verdict.String(), e.Tag + "/" + e.Rule}, " "))
		if e.Time.IsZero() {
			t.Errorf("entry without time: %+v", e)
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestFilterNamelessAndTimeouts: what names no server is decided by the
// base policy; a connection whose first segment's rest never comes is
// denied (reset) after HoldTimeout; an address rule's first packet is
// logged with its rule and the learned name.
func TestFilterNamelessAndTimeouts(t *testing.T) {
	nft, q := policy.NewFake(), newFakeQueue()
	p := smallPolicy(DenyList)
	f, err := Start(nft, q, Config{Table: "egress", Policy: p, HoldTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// Two names on one address: the log names the one the rule matched.
	for _, name := range []string{"bad.example.net", "a-alias.test"} {
		if err := f.Learn(name, []netip.Addr{netip.MustParseAddr("::ffff:203.0.113.66")}); err != nil {
			t.Fatal(err)
		}
	}
	send := func(id uint32, data []byte, mark uint32) { q.in <- []nfqueue.Packet{{ID: id, Data: data, Mark: mark}} }
	send(1, tcp4(client, server, 1, 0x18, []byte("SSH-2.0-x\r\n")), 0)
	if v := q.next(t); v != (verdict{1, nfqueue.Repeat, MarkAllow}) {
		t.Errorf("not TLS in a deny-list: %+v, want allowed by the base", v)
	}
	c2 := netip.AddrPortFrom(client.Addr(), 40001)
	send(2, tcp4(c2, server, 1, 0x18, hello(t, "x.example.com")[:50]), 0)
	if v := q.next(t); v != (verdict{2, nfqueue.Repeat, MarkDeny}) {
		t.Errorf("held segment after the timeout: %+v, want the deny mark", v)
	}
	ssh := netip.MustParseAddrPort("203.0.113.66:22")
	// In a deny-list both rules deny; in their order *.example.org is 1.
	send(3, tcp4(netip.AddrPortFrom(client.Addr(), 40002), ssh, 1, tcpSYN, nil), markRule|2)
	if v := q.next(t); v != (verdict{3, nfqueue.Repeat, MarkDeny}) {
		t.Errorf("address rule's packet: %+v, want the deny mark", v)
	}
	send(4, tcp4(netip.AddrPortFrom(client.Addr(), 40003), ssh, 1, tcpSYN, nil), markRule|baseID)
	if v := q.next(t); v != (verdict{4, nfqueue.Repeat, MarkAllow}) {
		t.Errorf("base's packet: %+v, want the allow mark", v)
	}
	checkLog(t, f.Log(), []string{
		"10.1.1.5:40000 198.51.100.20:443  not tls allow /base deny-list",
		"10.1.1.5:40001 198.51.100.20:443  timeout deny /hold limit",
		"10.1.1.5:40002 203.0.113.66:22 bad.example.net address deny dev/bad.example.net all/all deny",
		"10.1.1.5:40003 203.0.113.66:22 a-alias.test no rule allow /base deny-list",
	})
}

// TestFilterBoundsHeldConnections: past MaxHeld held connections, one
// more whose name is incomplete is denied at once; a split name that
// never completes in 33 segments is denied too.
func TestFilterBoundsHeldConnections(t *testing.T) {
	nft, q := policy.NewFake(), newFakeQueue()
	f, err := Start(nft, q, Config{Table: "egress", Policy: smallPolicy(DenyList), MaxHeld: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	send := func(id uint32, data []byte) { q.in <- []nfqueue.Packet{{ID: id, Data: data}} }
	h := hello(t, "x.example.com")
	send(1, tcp4(client, server, 1, 0x10, h[:10]))
	q.none(t)
	c2 := netip.AddrPortFrom(client.Addr(), 40001)
	send(2, tcp4(c2, server, 1, 0x10, h[:10]))
	if v := q.next(t); v != (verdict{2, nfqueue.Repeat, MarkDeny}) {
		t.Errorf("second held connection past MaxHeld 1: %+v, want the deny mark", v)
	}
	for i := range uint32(maxHeldPackets) {
		send(10+i, tcp4(client, server, 1, 0x10, h[:10])) // retransmissions
	}
	for i := range uint32(maxHeldPackets + 1) {
		if v := q.next(t); v.v != nfqueue.Repeat || v.mark != MarkDeny {
			t.Fatalf("held packet %d of a connection past %d segments: %+v, want the deny mark", i, maxHeldPackets, v)
		}
	}
	checkLog(t, f.Log(), []string{
		"10.1.1.5:40001 198.51.100.20:443  too many held deny /hold limit",
		"10.1.1.5:40000 198.51.100.20:443  too many segments deny /hold limit",
	})
}
