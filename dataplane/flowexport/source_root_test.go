package flowexport

import (
	"net"
	"testing"
	"time"

	"github.com/google/nftables"
	"github.com/vishvananda/netlink"

	"github.com/mcnlab/mcnlab/dataplane/policy"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// TestKernelSourceReadsTrackerOnDemand: an idle namespace's connection
// tracker is not dumped at all; a connection's start makes the next
// reading dump it, every reading dumps while it lives, and once it is
// gone the readings stop dumping again.
func TestKernelSourceReadsTrackerOnDemand(t *testing.T) {
	roottest.Require(t)
	ns := roottest.NewNamespaces(t, "ct")[0]
	nc, err := nftables.New(nftables.WithNetNSFd(int(ns.Handle)))
	if err != nil {
		t.Fatal(err)
	}
	// The exporter's table makes the kernel track the namespace's
	// connections, as in a gateway.
	if err := policy.Apply(nc, Table); err != nil {
		t.Fatal(err)
	}
	lo, err := ns.NL.LinkByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	if err := ns.NL.LinkSetUp(lo); err != nil {
		t.Fatal(err)
	}
	var src *KernelSource
	if err := netns.DoHandle(ns.Handle, func() (err error) { src, err = NewKernelSource(nc); return err }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	if src.events == nil {
		t.Fatal("no conntrack events in the namespace")
	}
	read := func() {
		t.Helper()
		if _, err := src.Read(); err != nil {
			t.Fatal(err)
		}
	}
	for range 5 {
		read()
	}
	if src.dumps != 0 {
		t.Fatalf("idle: the tracker was dumped %d times in 5 readings, want 0", src.dumps)
	}
	// A connection (UDP on the loopback) starts.
	if err := netns.DoHandle(ns.Handle, func() error {
		c, err := net.Dial("udp4", "127.0.0.1:9")
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = c.Write([]byte("x"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !src.tracked {
		if time.Now().After(deadline) {
			t.Fatalf("a connection started, and after 5 s of readings the tracker was dumped %d times and held none", src.dumps)
		}
		read()
		time.Sleep(10 * time.Millisecond)
	}
	before := src.dumps
	read()
	read()
	if src.dumps != before+2 {
		t.Errorf("while a connection lives: %d dumps in 2 readings, want 2", src.dumps-before)
	}
	// It ends.
	if err := ns.NL.ConntrackTableFlush(netlink.ConntrackTable); err != nil {
		t.Fatal(err)
	}
	for deadline = time.Now().Add(5 * time.Second); src.tracked; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the tracker was flushed, and after 5 s its readings still held a connection")
		}
		read()
	}
	read() // the flush's event, if it came after the last dump
	before = src.dumps
	for range 5 {
		read()
	}
	if src.dumps != before {
		t.Errorf("idle again: %d dumps in 5 readings, want 0", src.dumps-before)
	}
}
