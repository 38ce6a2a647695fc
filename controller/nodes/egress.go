package nodes

import "github.com/mcnlab/mcnlab/dataplane/egressmgmt"

// EgressDialer opens an FQDN egress gateway's management API.
type EgressDialer interface {
	// DialEgress returns a client of the management API of the egress
	// gateway instance id. The client connects on its first call; the
	// caller closes it. It is safe for concurrent use.
	DialEgress(id string) (*egressmgmt.Client, error)
}
