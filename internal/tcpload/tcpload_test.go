package tcpload

import (
	"context"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/internal/roottest"
	"github.com/mcnlab/mcnlab/topologies"
)

// TestLoadReachesSink runs 4 streams to a sink over the loopback of one lab
// namespace and checks that every stream delivers data, that the sink's
// totals agree with its per-connection counts, and that Close ends every
// goroutine.
func TestLoadReachesSink(t *testing.T) {
	roottest.Require(t)
	roottest.UseTempState(t)
	lab := roottest.LabName(t, "tl")
	t.Cleanup(func() { _ = emulator.Destroy(context.Background(), lab, nil); roottest.AssertGone(t, lab) })
	topo := &topologies.Topology{Name: lab, Version: topologies.FormatVersion, Defaults: topologies.Defaults{MTU: 1500},
		Nodes: []*topologies.Node{{Name: "h", Kind: topologies.KindHost}}}
	plan, err := emulator.NewPlan(lab, topo)
	if err != nil {
		t.Fatal(err)
	}
	if err := emulator.Deploy(context.Background(), plan, emulator.Options{}); err != nil {
		t.Fatal(err)
	}
	ns := emulator.NamespaceName(lab, "h")
	before := runtime.NumGoroutine()
	sink, err := NewSink(ns, netip.MustParseAddrPort("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	load, err := Start(ns, sink.Addr(), 4)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		per := sink.PerConn()
		ok := len(per) == 4
		for _, a := range load.Local() {
			ok = ok && per[a] > 0
		}
		if ok && sink.Bytes() > 1<<20 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sink got %d bytes, per connection %v", sink.Bytes(), per)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := load.Close(); err != nil {
		t.Error(err)
	}
	if err := sink.Close(); err != nil {
		t.Error(err)
	}
	var sum uint64
	for _, n := range sink.PerConn() {
		sum += n
	}
	if sum != sink.Bytes() || load.Sent() < sum {
		t.Errorf("sink total %d, per-connection sum %d, sent %d", sink.Bytes(), sum, load.Sent())
	}
	if _, err := Start(ns, sink.Addr(), 0); err == nil {
		t.Error("Start with 0 streams succeeded")
	}
	for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > before; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines before, %d after Close", before, runtime.NumGoroutine())
		}
	}
}
