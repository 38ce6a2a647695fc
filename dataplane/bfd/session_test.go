package bfd

import (
	"context"
	"math/rand/v2"
	"net"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"golang.org/x/net/ipv4"
)

// Both sessions run on the loopback interface (127.0.0.0/8 is all local
// on Linux), so no root is needed: port 3784 is unprivileged. The pair of
// addresses is drawn at random so that another program's port 3784 on
// 127.0.0.1 (another test run, a tunnel prober) does not collide.
var addrA, addrB = func() (netip.Addr, netip.Addr) {
	b := [4]byte{127, byte(1 + rand.IntN(254)), byte(rand.IntN(256)), 1}
	a := netip.AddrFrom4(b)
	return a, a.Next()
}()

// startSession starts a session whose changes go to the returned channel.
func startSession(t *testing.T, local, peer netip.Addr) (*Session, <-chan Change) {
	t.Helper()
	ch := make(chan Change, 64)
	s, err := New(Config{Local: local, Peer: peer, OnChange: func(c Change) { ch <- c }})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, ch
}

// waitState waits for a change to want on ch, failing after 10 s.
func waitState(t *testing.T, ch <-chan Change, want State) Change {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		select {
		case c := <-ch:
			if c.New == want {
				return c
			}
		case <-ctx.Done():
			t.Fatalf("no change to %s within 10 s", want)
		}
	}
}

func checkNoLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			runtime.Gosched()
			time.Sleep(10 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<16)
			t.Errorf("%d goroutines before, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
		}
	})
}

func TestSessionsComeUpAndDetectDeath(t *testing.T) {
	checkNoLeak(t)
	a, cha := startSession(t, addrA, addrB)
	b, chb := startSession(t, addrB, addrA)
	waitState(t, cha, Up)
	waitState(t, chb, Up)
	st := a.Stats()
	if st.RemoteDiscr != b.Stats().LocalDiscr || st.TxInterval != DefaultInterval || st.DetectTime != DefaultDetectMult*DefaultInterval {
		t.Fatalf("a's stats %+v; b's discriminator %d", st, b.Stats().LocalDiscr)
	}

	killed := time.Now()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	c := waitState(t, cha, Down)
	took := c.At.Sub(killed)
	t.Logf("a declared b down %v after b stopped (detection time %v)", took, st.DetectTime)
	if c.Diag != DiagDetectExpired {
		t.Errorf("diag %d, want %d (detection time expired)", c.Diag, DiagDetectExpired)
	}
	// The detection time is 300 ms; a loaded machine may delay the timer
	// but never fire it early.
	if took < st.DetectTime-DefaultInterval {
		t.Errorf("down after %v, before the detection time %v less one interval", took, st.DetectTime)
	}
	if err := a.Close(); err != nil || a.Close() != nil {
		t.Fatalf("Close: %v", err)
	}
}

func TestSessionRestartedPeerComesBack(t *testing.T) {
	checkNoLeak(t)
	_, cha := startSession(t, addrA, addrB)
	b, chb := startSession(t, addrB, addrA)
	waitState(t, cha, Up)
	waitState(t, chb, Up)
	b.Close()
	waitState(t, cha, Down)
	_, chb2 := startSession(t, addrB, addrA)
	waitState(t, cha, Up)
	waitState(t, chb2, Up)
}

func TestSessionDropsPacketsWithoutTTL255(t *testing.T) {
	checkNoLeak(t)
	a, _ := startSession(t, addrA, addrB)
	c, err := net.DialUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(addrB, 0)), net.UDPAddrFromAddrPort(netip.AddrPortFrom(addrA, Port)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ipc := ipv4.NewConn(c)
	// A Down packet with TTL 64 would take a to Init: it must be dropped.
	if err := ipc.SetTTL(64); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(Packet{State: Down, DetectMult: 3, MyDiscriminator: 42}.Marshal()); err != nil {
		t.Fatal(err)
	}
	// Then an AdminDown with TTL 255, which leaves a Down.
	if err := ipc.SetTTL(255); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(Packet{State: AdminDown, DetectMult: 3, MyDiscriminator: 42}.Marshal()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for a.Stats().Received == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the TTL 255 packet did not arrive within 10 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	st := a.Stats()
	if st.Received != 1 || st.RemoteState != AdminDown || st.State != Down {
		t.Fatalf("after a TTL 64 Down and a TTL 255 AdminDown: %+v; want only the AdminDown received", st)
	}
}

func TestNewRejects(t *testing.T) {
	for _, cfg := range []Config{
		{},
		{Local: addrA},
		{Local: addrA, Peer: netip.MustParseAddr("::1")},
		{Local: addrA, Peer: addrB, DesiredMinTx: time.Microsecond},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) succeeded", cfg)
		}
	}
}

func TestDuplicateSessionRefused(t *testing.T) {
	checkNoLeak(t)
	startSession(t, addrA, addrB)
	s, err := New(Config{Local: addrA, Peer: addrB})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err == nil {
		t.Error("a second session to the same peer started")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}
