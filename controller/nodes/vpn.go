package nodes

import "github.com/mcnlab/mcnlab/dataplane/uservpn"

// VPNDialer opens a user VPN gateway's management API.
type VPNDialer interface {
	// DialVPN returns a client of the management API of the VPN gateway
	// instance id. The client connects on its first call; the caller
	// closes it. It is safe for concurrent use.
	DialVPN(id string) (*uservpn.Client, error)
}
