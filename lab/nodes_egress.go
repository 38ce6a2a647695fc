package lab

import (
	"github.com/mcnlab/mcnlab/controller/nodes"
	"github.com/mcnlab/mcnlab/dataplane/egressmgmt"
	"github.com/mcnlab/mcnlab/emulator"
)

var _ nodes.EgressDialer = Nodes{}

// DialEgress returns the client of an egress gateway instance's
// management socket: the one its daemon serves where a gateway's would be
// (cloudmock/realize.EgressImage).
func (n Nodes) DialEgress(id string) (*egressmgmt.Client, error) {
	return egressmgmt.NewClient(emulator.GatewaySocket(n.Lab, id)), nil
}
