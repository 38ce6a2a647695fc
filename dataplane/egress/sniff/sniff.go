// Package sniff reads the name a client asks for from the first bytes it
// sends on a TCP connection: the server name (SNI) of a TLS ClientHello and
// the Host of an HTTP/1.x request. The parsers take a byte slice, never
// read past it, allocate at most the name they return, and say plainly
// whether the bytes were the protocol, whether the name is there, and
// whether more bytes are needed (a message split across TCP segments). The
// package holds no state and touches no socket or kernel object.
package sniff

import (
	"net/netip"
	"strings"
)

// Result is what a parser made of its input.
type Result uint8

// Results.
const (
	// Found: the message is complete and names a server.
	Found Result = iota
	// NeedMore: the bytes are a valid beginning of the message; call
	// again with them and what follows on the connection.
	NeedMore
	// NotProtocol: the bytes are not the start of this protocol (not TLS
	// handshake, not an HTTP/1.x request).
	NotProtocol
	// NoName: a complete message that names no server (a ClientHello
	// without SNI, an HTTP/1.0 request without Host).
	NoName
	// Malformed: the protocol, but broken (a bad length, an invalid name,
	// two Host headers).
	Malformed
	// TooLong: the message grows past the parser's bound
	// (MaxClientHello, MaxHTTPHeader) before it names a server.
	TooLong
)

var resultNames = [...]string{"found", "need more", "not the protocol", "no name", "malformed", "too long"}

// String is the result in words.
func (r Result) String() string {
	if int(r) < len(resultNames) {
		return resultNames[r]
	}
	return "result?"
}

// NormalName returns s as a lower-case name without a trailing dot, and
// whether it is a valid host name (letters, digits, '-', '_', dots between
// labels of 1 to 63 bytes, 253 bytes at most) or an IP address literal.
func NormalName(s string) (string, bool) {
	s = strings.TrimSuffix(s, ".")
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return a.Unmap().String(), true
	}
	if len(s) == 0 || len(s) > 253 {
		return "", false
	}
	label := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if label == 0 {
				return "", false
			}
			label = 0
			continue
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
		case c >= 'A' && c <= 'Z':
		default:
			return "", false
		}
		if label++; label > 63 {
			return "", false
		}
	}
	return strings.ToLower(s), true
}
