package bfd

import (
	"net/netip"
	"testing"
	"time"
)

// TestDetectionAppliesQueuedPacket: when the detection timer fires with a
// packet from the remote already queued (both ready when the session's
// goroutine gets a CPU again), the session applies the packet and stays
// Up; with nothing queued it goes Down, detection time expired.
func TestDetectionAppliesQueuedPacket(t *testing.T) {
	var changes []Change
	s, err := New(Config{Local: netip.MustParseAddr("127.0.0.1"), Peer: netip.MustParseAddr("127.0.0.2"), OnChange: func(c Change) { changes = append(changes, c) }})
	if err != nil {
		t.Fatal(err)
	}
	s.m.state, s.m.localDiscr = Up, 1
	ms := 100 * time.Millisecond
	s.rx <- received{p: Packet{State: Up, DetectMult: 3, MyDiscriminator: 2, YourDiscriminator: 1, DesiredMinTx: ms, RequiredMinRx: ms}}
	detect := time.NewTimer(time.Hour)
	defer detect.Stop()

	s.onDetect(detect)
	if st := s.Stats(); st.State != Up || st.Received != 1 || len(changes) != 0 {
		t.Fatalf("with a packet queued: state %s, received %d, changes %v; want Up, 1, none", st.State, st.Received, changes)
	}
	s.onDetect(detect)
	if st := s.Stats(); st.State != Down || st.Diag != DiagDetectExpired || len(changes) != 1 {
		t.Fatalf("with nothing queued: state %s diag %d, changes %v; want Down, detection time expired", st.State, st.Diag, changes)
	}
}
