package lab

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/mcnlab/mcnlab/controller/nodes"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/netns"
)

var _ nodes.FlowListener = Nodes{}

// FlowCollector is where a gateway exports its flows in a lab: IPFIX's
// port (RFC 7011 section 10.3.1) on the loopback address of the gateway's
// own namespace, where the controller's socket listens. The export never
// leaves the namespace, and a capture on its lo holds it.
var FlowCollector = netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), 4739)

// ListenFlows opens the collector's socket in the gateway's namespace:
// the instance's, or for an on-prem edge gateway its node's.
func (n Nodes) ListenFlows(id string) (net.PacketConn, netip.AddrPort, error) {
	ns := emulator.InstanceNamespace(n.Lab, id)
	if !netns.Exists(ns) {
		ns = emulator.NamespaceName(n.Lab, id)
	}
	var conn net.PacketConn
	err := netns.Do(ns, func() error {
		c, err := net.ListenPacket("udp4", FlowCollector.String())
		conn = c
		return err
	})
	if err != nil {
		return nil, netip.AddrPort{}, fmt.Errorf("flow collector for gateway %s in %s: %w", id, ns, err)
	}
	return conn, FlowCollector, nil
}
