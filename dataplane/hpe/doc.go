// Package hpe builds high-performance encryption (HPE) tunnel groups: N
// encrypted tunnels between the same two gateways, each with its own TUN
// device, UDP socket and keys, and a kernel ECMP route over all of them with
// an L4 multipath hash, so that each flow sticks to one tunnel and the flows
// of many tunnels spread over all cores. One IPsec tunnel is capped (AWS
// documents 1.25 Gbit/s per VPN tunnel, and one SA is processed on one
// core); a group is not.
//
// A Group spans both gateways, which are network namespaces of one lab run
// by this process: every TUN device, socket and route of a side is created
// inside that side's namespace. The tunnels are ESP (package esp) or
// WireGuard (package wg). The package must not touch the root namespace, nor
// routes other than the group's own prefixes in the two gateways.
package hpe
