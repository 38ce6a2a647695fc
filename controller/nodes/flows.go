package nodes

import (
	"net"
	"net/netip"
)

// FlowListener opens the sockets where the gateways' IPFIX flow exports
// reach the controller's collector.
type FlowListener interface {
	// ListenFlows opens a UDP socket that the flow export of gateway id
	// (DialGateway's id) reaches, and returns it with the address the
	// gateway is to export to. The caller closes it. A gateway whose
	// node is made anew (an instance stopped and started) needs a new
	// one.
	ListenFlows(id string) (net.PacketConn, netip.AddrPort, error)
}
