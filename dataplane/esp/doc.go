// Package esp holds mcnlab's userspace IPsec ESP dataplane: tunnel-mode ESP
// (RFC 4303) with AES-GCM (RFC 4106) in UDP encapsulation (RFC 3948), the
// security association database, the anti-replay window, and a Tunnel engine
// that moves packets between a TUN device and a UDP socket.
//
// It exists because the lab's kernel has no ESP/xfrm support. It must not
// negotiate keys (an IKEv2 daemon fills SA values and hands them in), must not
// touch routes, namespaces or the kernel's configuration, and must not send
// anything except to the configured remote endpoint.
package esp
