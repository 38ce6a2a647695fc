// Package ipfix is the IP Flow Information Export protocol (RFC 7011) as
// the gateways and the controller speak it: a message codec (message
// header, template sets, data sets, variable-length fields; Encode and a
// Decoder that keeps each observation domain's templates and refuses
// hostile input with an error naming the offset) and the flow record that
// a gateway exports (Flow, with its two templates, IPv4 and IPv6).
//
// A Flow's elements are IANA's (RFC 7012, https://www.iana.org/assignments/ipfix):
// the 5-tuple, packetTotalCount and octetTotalCount (the flow's counts
// since it started: a collector keeps the last record of a flow, and a
// lost message loses nothing), flowStartMilliseconds and
// flowEndMilliseconds, forwardingStatus (RFC 7270: 64 forwarded, 129
// dropped by an ACL deny) for the action; the source and destination
// segmentation domains have no IANA element and are enterprise-specific
// strings under the documentation enterprise number 32473 (RFC 5612).
//
// The package does no I/O: the exporter (dataplane/flowexport) sends what
// Encode makes over UDP, and the collector feeds what it receives to a
// Decoder.
package ipfix
