package lab

import (
	"github.com/mcnlab/mcnlab/controller/nodes"
	"github.com/mcnlab/mcnlab/dataplane/uservpn"
	"github.com/mcnlab/mcnlab/emulator"
)

var _ nodes.VPNDialer = Nodes{}

// DialVPN returns the client of a VPN gateway instance's management
// socket: the one its daemon serves where a gateway's would be
// (cloudmock/realize.VPNImage).
func (n Nodes) DialVPN(id string) (*uservpn.Client, error) {
	return uservpn.NewClient(emulator.GatewaySocket(n.Lab, id)), nil
}
