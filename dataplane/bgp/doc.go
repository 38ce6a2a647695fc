// Package bgp holds the gateway's BGP speaker: GoBGP v3 embedded as a library
// behind a small API of net/netip types (Speaker, PeerConfig, Path), so that
// the rest of mcnlab never sees GoBGP's protobufs.
//
// It speaks IPv4 and IPv6 unicast, always computes equal-cost multipath best
// paths, and reports them through BestPaths and Watch. It must not touch the
// kernel: programming the FIB is dataplane/fib's job, and it must not switch
// network namespaces (the gateway process already runs inside its own).
//
// GoBGP keeps some state in package globals (multipath and route selection
// options), so every Speaker in one process shares the same settings; this
// package always turns multipath on.
package bgp
