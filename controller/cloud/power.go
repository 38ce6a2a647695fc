package cloud

import "context"

// Powerer is a Provider that stops and starts its instances as the
// cloud's console or CLI does (a firewall taken out of service, a
// gateway instance stopped for maintenance); the scenario runner's stop
// and start steps use it.
type Powerer interface {
	// SetPower stops (on false) or starts (on true) instance key, one of
	// the owner's, and returns once the cloud reports it stopped or
	// running. An instance it cannot find is an error naming the key.
	SetPower(ctx context.Context, key string, on bool) error
}
