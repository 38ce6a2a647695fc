package bfd

import "time"

// machine is a session's state variables (RFC 5880 section 6.8.1) and its
// state machine, with no clock and no sockets so that tests drive it.
type machine struct {
	state, remoteState State
	diag               Diag
	localDiscr         uint32
	remoteDiscr        uint32
	desiredMinTx       time.Duration
	requiredMinRx      time.Duration
	detectMult         uint8
	remoteDesiredMinTx time.Duration // 0 until the first packet
	remoteMinRx        time.Duration
	remoteDetectMult   uint8
}

func newMachine(discr uint32, desiredMinTx, requiredMinRx time.Duration, mult uint8) machine {
	return machine{
		state: Down, remoteState: Down, localDiscr: discr,
		desiredMinTx: desiredMinTx, requiredMinRx: requiredMinRx, detectMult: mult,
		// RFC 5880 6.8.1: bfd.RemoteMinRxInterval starts at 1 microsecond.
		remoteMinRx: time.Microsecond,
	}
}

// receive applies a parsed packet that passed the discriminator checks
// (RFC 5880 section 6.8.6, after the checks Parse does) and reports
// whether the state changed. sendFinal is set when the packet polls and a
// Final must go back at once.
func (m *machine) receive(p Packet) (changed, sendFinal bool) {
	m.remoteDiscr = p.MyDiscriminator
	m.remoteState = p.State
	m.remoteDesiredMinTx = p.DesiredMinTx
	m.remoteMinRx = p.RequiredMinRx
	m.remoteDetectMult = p.DetectMult
	sendFinal = p.Poll
	if m.state == AdminDown {
		return false, sendFinal
	}
	old := m.state
	switch {
	case p.State == AdminDown:
		if m.state != Down {
			m.state, m.diag = Down, DiagNeighborDown
		}
	case m.state == Down:
		switch p.State {
		case Down:
			m.state = Init
		case Init:
			m.state = Up
		}
	case m.state == Init:
		if p.State == Init || p.State == Up {
			m.state = Up
		}
	case m.state == Up:
		if p.State == Down {
			m.state, m.diag = Down, DiagNeighborDown
		}
	}
	return m.state != old, sendFinal
}

// expire applies the detection time passing without a packet and reports
// whether the state changed (RFC 5880 section 6.8.4).
func (m *machine) expire() bool {
	m.remoteDiscr = 0
	if m.state == Init || m.state == Up {
		m.state, m.diag = Down, DiagDetectExpired
		return true
	}
	return false
}

// txInterval is the negotiated transmit interval before jitter: the larger
// of our Desired Min TX and the remote's Required Min RX (section 6.8.2).
// Zero means the remote wants no packets.
func (m *machine) txInterval() time.Duration {
	if m.remoteMinRx == 0 {
		return 0
	}
	return max(m.desiredMinTx, m.remoteMinRx)
}

// detectTime is the asynchronous-mode detection time: the remote's Detect
// Mult times the larger of our Required Min RX and the remote's Desired Min
// TX (section 6.8.4). It is zero before the first packet.
func (m *machine) detectTime() time.Duration {
	if m.remoteDetectMult == 0 {
		return 0
	}
	return time.Duration(m.remoteDetectMult) * max(m.requiredMinRx, m.remoteDesiredMinTx)
}

// packet is the control packet to send now.
func (m *machine) packet() Packet {
	return Packet{
		Diag: m.diag, State: m.state, DetectMult: m.detectMult,
		MyDiscriminator: m.localDiscr, YourDiscriminator: m.remoteDiscr,
		DesiredMinTx: m.desiredMinTx, RequiredMinRx: m.requiredMinRx,
	}
}
