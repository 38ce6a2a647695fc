package gateway

import (
	"log/slog"
	"net"
	"testing"
	"time"
)

// TestProberLateRound: a round of hellos that comes long after its time
// (the gateway was not scheduled) keeps telling the peer that it is heard
// and declares nothing down, though no hello came within the detect
// time; the next round on time does both.
func TestProberLateRound(t *testing.T) {
	checkGoroutines(t)
	const detect = 100 * time.Millisecond
	a, b := freePort(t), freePort(t)
	peer, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(b))
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	// An interval of an hour: only the rounds the test runs send.
	pa, err := startProber(a, b, time.Hour, detect, proberHooks{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer pa.Close()
	read := func() hello {
		t.Helper()
		buf := make([]byte, 64)
		if err := peer.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
			t.Fatal(err)
		}
		n, _, err := peer.ReadFromUDPAddrPort(buf)
		if err != nil {
			t.Fatal(err)
		}
		h, ok := parseHello(buf[:n])
		if !ok {
			t.Fatalf("not a hello: %q", buf[:n])
		}
		return h
	}
	read() // the first round's, at start
	if _, err := peer.WriteToUDPAddrPort(hello{Hear: true, Incarnation: 7}.marshal(), a); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "up after a hearing hello", pa.Up)
	later := time.Now().Add(10 * detect)
	if said := pa.round(later, true, true); !said {
		t.Error("late round said it does not hear the peer")
	}
	if h := read(); !h.Hear {
		t.Error("late round's hello does not hear the peer")
	}
	if !pa.Up() {
		t.Fatal("late round declared the tunnel down")
	}
	if said := pa.round(later, false, true); said {
		t.Error("round on time said it hears a peer silent for 10 detect times")
	}
	if h := read(); h.Hear {
		t.Error("round on time's hello hears a silent peer")
	}
	if pa.Up() {
		t.Error("round on time left a silent peer's tunnel up")
	}
}
