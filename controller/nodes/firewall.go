package nodes

import "github.com/mcnlab/mcnlab/dataplane/fwmgmt"

// FirewallDialer opens a FireNet firewall's management API.
type FirewallDialer interface {
	// DialFirewall returns a client of the management API of the
	// firewall instance id. The client connects on its first call; the
	// caller closes it. It is safe for concurrent use.
	DialFirewall(id string) (*fwmgmt.Client, error)
}
