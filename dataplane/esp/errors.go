package esp

import "errors"

// Errors that callers branch on. Each is returned wrapped with context.
var (
	// ErrSeqExhausted: the outbound SA has used its last sequence number and
	// must be rekeyed (RFC 4303 section 3.3.3: the counter must not cycle).
	ErrSeqExhausted = errors.New("esp: sequence number space exhausted")
	// ErrMalformed: the packet is too short, misaligned or badly padded.
	ErrMalformed = errors.New("esp: malformed packet")
	// ErrReplay: the sequence number was seen already or is left of the window.
	ErrReplay = errors.New("esp: replayed or stale sequence number")
	// ErrAuth: the ICV did not verify (wrong key, forged or corrupted packet).
	ErrAuth = errors.New("esp: authentication failed")
	// ErrUnknownSPI: no inbound SA has the packet's SPI.
	ErrUnknownSPI = errors.New("esp: unknown SPI")
)
