// Package wg holds the gateway's WireGuard tunnels: wireguard-go's device
// engine used as a library over a TUN device and a UDP bind, configured
// through typed values (Key, Config, Peer) instead of UAPI text.
//
// It must not create or address the TUN interface itself, nor switch network
// namespaces: the caller hands it a tun.Device made in the right namespace.
// Its UDP sockets are opened by the thread that calls New or Apply, so in a
// multi-namespace process those calls belong inside that namespace (the
// gateway daemon runs wholly inside its own, so there it does not matter).
package wg
