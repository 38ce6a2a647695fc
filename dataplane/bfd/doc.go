// Package bfd is Bidirectional Forwarding Detection (RFC 5880) in
// asynchronous mode for single-hop sessions over IP (RFC 5881): control
// packets on UDP port 3784 from a source port in 49152-65535, sent with TTL
// (hop limit) 255 and accepted only with TTL 255.
//
// A Session watches one neighbour: it sends control packets at the
// negotiated interval and reports a change of state (Down, Init, Up) when
// the three-way handshake completes or when nothing arrives within the
// detection time. What it implements of RFC 5880: the state machine
// (section 6.8.6), discriminators, negotiated transmit interval and
// detection time (6.8.2, 6.8.4), jitter (6.8.7) and answering a Poll with a
// Final (6.5). It does not implement authentication, the echo function or
// demand mode (packets asking for authentication are discarded), never
// starts a Poll sequence itself (its parameters do not change while it
// runs), and sends at its configured interval also while not Up instead
// of slowing to one second (RFC 5880 section 6.8.3).
//
// The package only sends to and listens on the addresses it is given; it
// never touches routes or interfaces.
package bfd
