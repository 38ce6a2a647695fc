package bfd

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// State is a session state (RFC 5880 section 4.1, "Sta").
type State uint8

// The session states, with their wire values.
const (
	AdminDown State = 0
	Down      State = 1
	Init      State = 2
	Up        State = 3
)

func (s State) String() string {
	switch s {
	case AdminDown:
		return "AdminDown"
	case Down:
		return "Down"
	case Init:
		return "Init"
	case Up:
		return "Up"
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// Diag is a diagnostic code (RFC 5880 section 4.1): why the session last
// left Up.
type Diag uint8

// The diagnostic codes used here.
const (
	DiagNone             Diag = 0
	DiagDetectExpired    Diag = 1
	DiagNeighborDown     Diag = 3
	DiagAdminDown        Diag = 7
	diagMax              Diag = 31
	packetLen                 = 24
	version                   = 1
	flagPoll                  = 0x20
	flagFinal                 = 0x10
	flagCPI                   = 0x08
	flagAuth                  = 0x04
	flagDemand                = 0x02
	flagMultipoint            = 0x01
	usPerDuration             = int64(time.Microsecond)
	maxIntervalMicrosecs      = 1<<32 - 1
)

// Packet is a BFD control packet's mandatory section (RFC 5880 section
// 4.1). Intervals are in microseconds on the wire and durations here.
type Packet struct {
	Diag  Diag
	State State
	// Poll, Final, ControlPlaneIndependent, Demand are the flags of the
	// same names; Auth and Multipoint are always clear on packets this
	// package accepts.
	Poll, Final, ControlPlaneIndependent, Demand bool
	DetectMult                                   uint8
	MyDiscriminator, YourDiscriminator           uint32
	DesiredMinTx, RequiredMinRx, RequiredMinEcho time.Duration
}

// ErrMalformed is wrapped by Parse's errors.
var ErrMalformed = errors.New("malformed BFD control packet")

// Marshal encodes p; intervals are truncated to microseconds and clamped
// to the field's range.
func (p Packet) Marshal() []byte {
	b := make([]byte, packetLen)
	b[0] = version<<5 | byte(p.Diag&diagMax)
	b[1] = byte(p.State&3) << 6
	for _, f := range []struct {
		on  bool
		bit byte
	}{{p.Poll, flagPoll}, {p.Final, flagFinal}, {p.ControlPlaneIndependent, flagCPI}, {p.Demand, flagDemand}} {
		if f.on {
			b[1] |= f.bit
		}
	}
	b[2] = p.DetectMult
	b[3] = packetLen
	binary.BigEndian.PutUint32(b[4:], p.MyDiscriminator)
	binary.BigEndian.PutUint32(b[8:], p.YourDiscriminator)
	binary.BigEndian.PutUint32(b[12:], micros(p.DesiredMinTx))
	binary.BigEndian.PutUint32(b[16:], micros(p.RequiredMinRx))
	binary.BigEndian.PutUint32(b[20:], micros(p.RequiredMinEcho))
	return b
}

func micros(d time.Duration) uint32 {
	us := int64(d) / usPerDuration
	switch {
	case us < 0:
		return 0
	case us > maxIntervalMicrosecs:
		return maxIntervalMicrosecs
	}
	return uint32(us)
}

// Parse decodes a control packet and applies the checks of RFC 5880
// section 6.8.6 that need no session: version 1, a length that fits, a
// nonzero Detect Mult and My Discriminator, Multipoint clear. Packets with
// the Authentication bit set are rejected since this implementation does
// not authenticate (the RFC says to discard them when no authentication is
// in use). Errors wrap ErrMalformed.
func Parse(b []byte) (Packet, error) {
	if len(b) < packetLen {
		return Packet{}, fmt.Errorf("%w: %d bytes, want at least %d", ErrMalformed, len(b), packetLen)
	}
	if v := b[0] >> 5; v != version {
		return Packet{}, fmt.Errorf("%w: version %d", ErrMalformed, v)
	}
	if n := int(b[3]); n < packetLen || n > len(b) {
		return Packet{}, fmt.Errorf("%w: length field %d with %d bytes", ErrMalformed, n, len(b))
	}
	if b[1]&flagAuth != 0 {
		return Packet{}, fmt.Errorf("%w: authentication present but not in use", ErrMalformed)
	}
	if b[1]&flagMultipoint != 0 {
		return Packet{}, fmt.Errorf("%w: multipoint bit set", ErrMalformed)
	}
	p := Packet{
		Diag:                    Diag(b[0] & byte(diagMax)),
		State:                   State(b[1] >> 6),
		Poll:                    b[1]&flagPoll != 0,
		Final:                   b[1]&flagFinal != 0,
		ControlPlaneIndependent: b[1]&flagCPI != 0,
		Demand:                  b[1]&flagDemand != 0,
		DetectMult:              b[2],
		MyDiscriminator:         binary.BigEndian.Uint32(b[4:]),
		YourDiscriminator:       binary.BigEndian.Uint32(b[8:]),
		DesiredMinTx:            time.Duration(binary.BigEndian.Uint32(b[12:])) * time.Microsecond,
		RequiredMinRx:           time.Duration(binary.BigEndian.Uint32(b[16:])) * time.Microsecond,
		RequiredMinEcho:         time.Duration(binary.BigEndian.Uint32(b[20:])) * time.Microsecond,
	}
	if p.DetectMult == 0 {
		return Packet{}, fmt.Errorf("%w: detect mult 0", ErrMalformed)
	}
	if p.MyDiscriminator == 0 {
		return Packet{}, fmt.Errorf("%w: my discriminator 0", ErrMalformed)
	}
	if p.YourDiscriminator == 0 && p.State != Down && p.State != AdminDown {
		return Packet{}, fmt.Errorf("%w: your discriminator 0 in state %s", ErrMalformed, p.State)
	}
	return p, nil
}
