package bfd

import (
	"testing"
	"time"
)

func TestMachineThreeWayHandshake(t *testing.T) {
	ms := 100 * time.Millisecond
	a, b := newMachine(1, ms, ms, 3), newMachine(2, ms, ms, 3)
	// a -> b (Down): b goes Init; b -> a (Init): a goes Up; a -> b (Up): b Up.
	if ch, _ := b.receive(a.packet()); !ch || b.state != Init {
		t.Fatalf("b after Down: %s changed=%v, want Init", b.state, ch)
	}
	if ch, _ := a.receive(b.packet()); !ch || a.state != Up {
		t.Fatalf("a after Init: %s changed=%v, want Up", a.state, ch)
	}
	if ch, _ := b.receive(a.packet()); !ch || b.state != Up {
		t.Fatalf("b after Up: %s changed=%v, want Up", b.state, ch)
	}
	if a.remoteDiscr != 2 || b.remoteDiscr != 1 {
		t.Fatalf("discriminators: a knows %d, b knows %d", a.remoteDiscr, b.remoteDiscr)
	}
	// The remote says Down: we go Down with Neighbor Signaled Down.
	down := Packet{State: Down, DetectMult: 3, MyDiscriminator: 2, DesiredMinTx: ms, RequiredMinRx: ms}
	if ch, _ := a.receive(down); !ch || a.state != Down || a.diag != DiagNeighborDown {
		t.Fatalf("a after remote Down: %s diag %d", a.state, a.diag)
	}
	// Detection time passing takes Up to Down and forgets the remote.
	if !b.expire() || b.state != Down || b.diag != DiagDetectExpired || b.remoteDiscr != 0 {
		t.Fatalf("b after expiry: %s diag %d remote %d", b.state, b.diag, b.remoteDiscr)
	}
	if b.expire() {
		t.Fatal("expiry in Down changed the state")
	}
}

func TestMachineTransitions(t *testing.T) {
	for _, tc := range []struct {
		local, remote, want State
	}{
		{Down, AdminDown, Down}, {Down, Down, Init}, {Down, Init, Up}, {Down, Up, Down},
		{Init, AdminDown, Down}, {Init, Down, Init}, {Init, Init, Up}, {Init, Up, Up},
		{Up, AdminDown, Down}, {Up, Down, Down}, {Up, Init, Up}, {Up, Up, Up},
		{AdminDown, Down, AdminDown}, {AdminDown, Up, AdminDown},
	} {
		m := newMachine(1, time.Second, time.Second, 3)
		m.state = tc.local
		m.receive(Packet{State: tc.remote, DetectMult: 3, MyDiscriminator: 2, YourDiscriminator: 1})
		if m.state != tc.want {
			t.Errorf("%s receiving %s: %s, want %s", tc.local, tc.remote, m.state, tc.want)
		}
	}
}

func TestMachineNegotiation(t *testing.T) {
	m := newMachine(1, 100*time.Millisecond, 200*time.Millisecond, 3)
	if got := m.detectTime(); got != 0 {
		t.Fatalf("detect time before any packet = %v", got)
	}
	_, final := m.receive(Packet{State: Down, DetectMult: 5, MyDiscriminator: 2, DesiredMinTx: 300 * time.Millisecond, RequiredMinRx: 50 * time.Millisecond, Poll: true})
	if !final {
		t.Error("a Poll did not ask for a Final")
	}
	// TX = max(our desired 100 ms, their required 50 ms).
	if got := m.txInterval(); got != 100*time.Millisecond {
		t.Errorf("tx interval = %v, want 100ms", got)
	}
	// Detect = their mult 5 x max(our required 200 ms, their desired 300 ms).
	if got := m.detectTime(); got != 1500*time.Millisecond {
		t.Errorf("detect time = %v, want 1.5s", got)
	}
	m.receive(Packet{State: Down, DetectMult: 2, MyDiscriminator: 2, DesiredMinTx: 10 * time.Millisecond, RequiredMinRx: time.Second})
	if got := m.txInterval(); got != time.Second {
		t.Errorf("tx interval = %v, want 1s", got)
	}
	if got := m.detectTime(); got != 400*time.Millisecond {
		t.Errorf("detect time = %v, want 400ms", got)
	}
	m.receive(Packet{State: Down, DetectMult: 2, MyDiscriminator: 2})
	if got := m.txInterval(); got != 0 {
		t.Errorf("tx interval with remote min rx 0 = %v, want 0 (send nothing)", got)
	}
}
