package nfqueue_test

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/google/nftables"

	"github.com/mcnlab/mcnlab/dataplane/egress/nfqueue"
	"github.com/mcnlab/mcnlab/dataplane/policy"
	"github.com/mcnlab/mcnlab/emulator/probe"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// TestQueueVerdicts: pings that b's input chain queues reach the program
// with their mark and payload; accepted ones are answered, dropped ones
// not, and one repeated with a mark is seen by the rule that matches it.
// Close ends a blocked Read.
func TestQueueVerdicts(t *testing.T) {
	roottest.Require(t)
	nss := roottest.NewNamespaces(t, "a", "b")
	a, b := nss[0], nss[1]
	roottest.VethPair(t, a, b, "eth0", "eth0", []string{"10.9.0.1/24"}, []string{"10.9.0.2/24"})
	c, err := nftables.New(nftables.WithNetNSFd(int(b.Handle)))
	if err != nil {
		t.Fatal(err)
	}
	tab := policy.Table{Name: "q", Counters: []string{"repeated"}, Chains: []policy.Chain{{Name: "input", Hook: policy.HookInput, Rules: []policy.Rule{
		{Match: policy.Match{Mark: 0x77}, CounterName: "repeated", Verdict: policy.Accept},
		{Match: policy.Match{Proto: policy.ProtoICMP}, SetMark: 0x5, Verdict: policy.Queue(3)},
	}}}}
	if err := policy.Apply(c, tab); err != nil {
		t.Fatal(err)
	}
	q, err := nfqueue.Open(3, nfqueue.Config{NetNS: int(b.Handle)})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	p, err := probe.NewPinger(a.Name)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	type answer struct {
		v    nfqueue.Verdict
		mark uint32
	}
	answers := make(chan answer, 3)
	done := make(chan error, 1)
	go func() {
		for {
			pkts, err := q.Read()
			if errors.Is(err, nfqueue.ErrClosed) {
				done <- nil
				return
			}
			if err != nil {
				done <- err
				return
			}
			for _, pk := range pkts {
				if pk.Mark != 0x5 || len(pk.Data) < 20 || pk.Data[9] != 1 {
					done <- errors.New("queued packet without its mark or not ICMP")
					return
				}
				a := <-answers
				if err := q.SetVerdict(pk.ID, a.v, a.mark); err != nil {
					done <- err
					return
				}
			}
		}
	}()
	dst := netip.MustParseAddr("10.9.0.2")
	answers <- answer{nfqueue.Accept, 0}
	if _, err := p.Ping(dst, 1, 2*time.Second); err != nil {
		t.Errorf("accepted ping: %v", err)
	}
	answers <- answer{nfqueue.Drop, 0}
	if rtt, err := p.Ping(dst, 2, 300*time.Millisecond); err == nil {
		t.Errorf("dropped ping answered in %s", rtt)
	}
	answers <- answer{nfqueue.Repeat, 0x77}
	if _, err := p.Ping(dst, 3, 2*time.Second); err != nil {
		t.Errorf("repeated ping: %v", err)
	}
	if got, err := policy.Counters(c, tab); err != nil || got["repeated"].Packets != 1 {
		t.Errorf("repeated counter = %v, %v; want 1 packet", got, err)
	}
	q.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Read still blocked 5 s after Close")
	}
}
