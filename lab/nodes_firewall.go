package lab

import (
	"github.com/mcnlab/mcnlab/controller/nodes"
	"github.com/mcnlab/mcnlab/dataplane/fwmgmt"
	"github.com/mcnlab/mcnlab/emulator"
)

var _ nodes.FirewallDialer = Nodes{}

// DialFirewall returns the client of a firewall instance's management
// socket: the one its daemon serves where a gateway's would be
// (cloudmock/realize.FirewallImage).
func (n Nodes) DialFirewall(id string) (*fwmgmt.Client, error) {
	return fwmgmt.NewClient(emulator.GatewaySocket(n.Lab, id)), nil
}
