package firenet_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/firewall"
	"github.com/mcnlab/mcnlab/internal/tcpload"
)

// rate runs 4 TCP streams from the client to the sink for window once the
// first bytes arrived, and returns the bits per second received.
func rate(t *testing.T, l *lab, sink *tcpload.Sink, window time.Duration) float64 {
	t.Helper()
	load, err := tcpload.Start(l.cli.Name, sink.Addr(), 4)
	if err != nil {
		t.Fatal(err)
	}
	defer load.Close()
	deadline := time.Now().Add(3 * time.Second)
	for sink.Bytes() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no bytes reached the sink")
		}
		time.Sleep(5 * time.Millisecond)
	}
	b0, t0 := sink.Bytes(), time.Now()
	time.Sleep(window) // the measuring window itself
	return float64(sink.Bytes()-b0) * 8 / time.Since(t0).Seconds()
}

// TestThroughputThroughFirewalls reports TCP throughput through the
// firewall pair beside plain forwarding on the same gateway, in one run
// (the same lab once the steerer is closed). It asserts only that both
// carry traffic: the machine is shared, the numbers are for the log.
func TestThroughputThroughFirewalls(t *testing.T) {
	if testing.Short() {
		t.Skip("measures for seconds")
	}
	l := newLab(t, firewall.Config{})
	sink, err := tcpload.NewSink(l.srv.Name, netip.AddrPortFrom(srvAddr, 5001))
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	before := forwarded(t, l.engines[0]) + forwarded(t, l.engines[1])
	through := rate(t, l, sink, time.Second)
	if forwarded(t, l.engines[0])+forwarded(t, l.engines[1]) == before {
		t.Fatal("the load did not cross the firewalls")
	}
	if err := l.steer.Close(); err != nil {
		t.Fatal(err)
	}
	before = forwarded(t, l.engines[0]) + forwarded(t, l.engines[1])
	plain := rate(t, l, sink, time.Second)
	if after := forwarded(t, l.engines[0]) + forwarded(t, l.engines[1]); after != before {
		t.Errorf("plain forwarding crossed the firewalls (%d packets)", after-before)
	}
	t.Logf("4 TCP streams: through the firewall pair %.2f Gbit/s, plain forwarding %.2f Gbit/s", through/1e9, plain/1e9)
}
