package esp

import "encoding/binary"

// NATTPort is the UDP port of IKE and ESP-in-UDP after NAT traversal
// (RFC 3948 section 2, RFC 7296 section 2.23).
const NATTPort = 4500

// Kind is what a UDP/4500 payload carries (RFC 3948 section 2).
type Kind int

// The payload kinds on UDP port 4500.
const (
	// KindInvalid is too short to be anything valid.
	KindInvalid Kind = iota
	// KindESP is an ESP packet: it starts with a non-zero SPI.
	KindESP
	// KindIKE starts with the 4-byte zero non-ESP marker; IKE follows it.
	KindIKE
	// KindKeepalive is the one-byte 0xFF NAT-keepalive (RFC 3948 2.3).
	KindKeepalive
)

// String names the kind.
func (k Kind) String() string {
	switch k {
	case KindESP:
		return "esp"
	case KindIKE:
		return "ike"
	case KindKeepalive:
		return "nat-keepalive"
	}
	return "invalid"
}

// nonESPMarkerLen is the length of the zero marker in front of IKE messages.
const nonESPMarkerLen = 4

// Classify tells an ESP packet from an IKE message and a NAT-keepalive.
// It does not check that an ESP packet is well-formed beyond its SPI.
func Classify(payload []byte) Kind {
	switch {
	case len(payload) == 1 && payload[0] == 0xFF:
		return KindKeepalive
	case len(payload) < nonESPMarkerLen:
		return KindInvalid
	case binary.BigEndian.Uint32(payload) == 0:
		return KindIKE
	case len(payload) < 8:
		return KindInvalid // an ESP header is at least SPI and sequence
	}
	return KindESP
}

// IKEMessage returns the IKE message inside a KindIKE payload: the payload
// without its non-ESP marker.
func IKEMessage(payload []byte) []byte {
	if Classify(payload) != KindIKE {
		return nil
	}
	return payload[nonESPMarkerLen:]
}
