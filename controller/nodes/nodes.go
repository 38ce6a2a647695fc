// Package nodes holds the two seams through which the controller reaches
// what runs a network besides the cloud APIs: Dialer opens a gateway's
// management API, and Diagnostics runs a probe at a node (a workload
// instance or an on-prem host). The lab implements them with unix sockets
// and network namespaces (lab.Nodes); a real deployment would implement
// them over the network. It holds interfaces only and imports neither the
// emulator nor the lab.
package nodes

import (
	"net/netip"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/mgmt"
)

// Dialer opens a gateway's management API.
type Dialer interface {
	// DialGateway returns a client of the management API of the gateway
	// id: a cloud gateway's instance ID, or the node name of an on-prem
	// site's edge gateway. The client connects on its first call; the
	// caller closes it. It is safe for concurrent use.
	DialGateway(id string) (*mgmt.Client, error)
}

// Node is where a probe runs: exactly one of Instance (a cloud
// instance's ID) and Host (an on-prem host's node name) is set.
type Node struct {
	Instance string
	Host     string
}

// String names the node: "instance i-0abc" or "host dc1-app".
func (n Node) String() string {
	if n.Instance != "" {
		return "instance " + n.Instance
	}
	return "host " + n.Host
}

// Pinger sends ICMP echo requests from one node.
type Pinger interface {
	// Ping sends one echo request with sequence number seq to dst and
	// waits up to timeout for its reply, returning the round trip.
	Ping(dst netip.Addr, seq int, timeout time.Duration) (time.Duration, error)
	// Close releases the pinger's socket.
	Close() error
}

// Diagnostics runs probes at nodes.
type Diagnostics interface {
	// Pinger opens a pinger at node; the caller closes it. It is safe
	// for concurrent use.
	Pinger(node Node) (Pinger, error)
}
