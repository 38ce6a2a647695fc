// Package gateway is the gateway engine: what `mcnlab gateway` runs inside a
// gateway's network namespace. It turns one declarative Config into kernel
// and protocol state: one WireGuard tunnel per peer gateway (a TUN named
// wg-<peer> carrying the peer's inner /31 or /30), a BGP session to each
// peer over the tunnel's inner addresses and to each plain neighbour over a
// link, the local prefixes advertised to all of them, and the best paths
// programmed into the kernel FIB with ECMP (bgp.Watch → fib.Sync). A
// neighbour across a private line is reached over a point-to-point VXLAN
// overlay that the engine makes for it (vxlan.go). The routes learned from
// a peer or a neighbour may wait for manual approval (a transit gateway
// holding what an on-prem edge gateway sends over its tunnel). Segmentation (segmentation.go) drops forwarded
// traffic between network domains that are not connected, in an nftables
// table of its own built with dataplane/policy (nft.go). FireNet
// (firenet.go) steers inspected traffic through firewall instances with a
// dataplane/firenet Steerer: its own table, policy routes and health
// checks.
//
// Of the two ends of a peer session, the one with the lower inner address
// connects and the other waits (see peerBGP for why).
//
// Apply is incremental: it compares the desired Config with what is in
// place (diff) and changes only the difference, so adding or removing a peer
// leaves the other tunnels and sessions alone.
//
// The engine is split by component: peers.go (tunnels to peer gateways and
// their sessions), neighbors.go with vxlan.go and bfd.go (plain BGP
// neighbours, their overlays and BFD), nft.go (the policy: MSS clamp and
// segmentation, built with dataplane/policy), speaker.go (the BGP speaker's
// life and the FIB it feeds), engine.go (Apply, which orders them:
// removals, changes, additions, policy). Every side effect goes through
// the small interfaces of sys.go; the tests' fakeSys records them, so that
// Apply's decisions are table-tested without root.
//
// The engine must not switch network namespaces: every TUN, socket and
// route it makes belongs to the namespace the process runs in. The
// management API's wire types stay in dataplane/mgmt; only api.go converts.
package gateway
