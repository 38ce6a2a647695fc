package lab

import (
	"github.com/mcnlab/mcnlab/controller/nodes"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/probe"
)

// Nodes is the lab's implementation of the controller's seams
// (controller/nodes): a gateway's management API is its unix socket
// (emulator.GatewaySocket) and a probe runs in the node's network
// namespace (emulator.InstanceNamespace for an instance,
// emulator.NamespaceName for an on-prem host).
type Nodes struct{ Lab string }

var (
	_ nodes.Dialer      = Nodes{}
	_ nodes.Diagnostics = Nodes{}
)

// DialGateway returns the client of the gateway's management socket.
func (n Nodes) DialGateway(id string) (*mgmt.Client, error) {
	return mgmt.NewClient(emulator.GatewaySocket(n.Lab, id)), nil
}

// Pinger opens a pinger in the node's namespace.
func (n Nodes) Pinger(node nodes.Node) (nodes.Pinger, error) {
	ns := emulator.NamespaceName(n.Lab, node.Host)
	if node.Instance != "" {
		ns = emulator.InstanceNamespace(n.Lab, node.Instance)
	}
	p, err := probe.NewPinger(ns)
	if err != nil {
		return nil, err
	}
	return p, nil
}
