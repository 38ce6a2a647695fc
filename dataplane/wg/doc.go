// Package wg holds the gateway's WireGuard tunnels: wireguard-go's device
// engine used as a library over a TUN device and a UDP bind, configured
// through typed values (Key, Config, Peer) instead of UAPI text.
//
// It must not create or address the TUN interface itself, nor switch network
// namespaces: the caller hands it a tun.Device made in the right namespace.
// A plain bind opens its UDP sockets on whichever thread calls New, Apply
// or (after the TUN goes down and up) wireguard-go's own event goroutine; in
// a process that serves several namespaces, wrap it with NamespaceBind (the
// gateway daemon runs wholly inside its own namespace, so there it does not
// matter).
package wg
