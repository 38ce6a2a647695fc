package controller

import "sync"

// clientCache keeps the management clients of appliance instances (FireNet
// firewalls, egress gateways) by instance ID, dialled once each.
type clientCache[T interface{ Close() error }] struct {
	mu      sync.Mutex // guards clients
	clients map[string]T
}

// applianceClient returns (and keeps in cache) the client of the instance
// of key k, dialled with dial; false while the instance is not known or
// dial is nil or fails.
func applianceClient[T interface{ Close() error }](c *Controller, cache *clientCache[T], k string, dial func(id string) (T, error)) (T, bool) {
	var zero T
	if dial == nil {
		return zero, false
	}
	c.mu.Lock()
	in, ok := c.inv.Instances[k]
	c.mu.Unlock()
	if !ok || in.ID == "" {
		return zero, false
	}
	cache.mu.Lock()
	defer cache.mu.Unlock()
	if cl, ok := cache.clients[in.ID]; ok {
		return cl, true
	}
	cl, err := dial(in.ID)
	if err != nil {
		return zero, false
	}
	if cache.clients == nil {
		cache.clients = map[string]T{}
	}
	cache.clients[in.ID] = cl
	return cl, true
}

// closeAll releases every client; the cache may be used again.
func (cc *clientCache[T]) closeAll() {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	for id, cl := range cc.clients {
		cl.Close()
		delete(cc.clients, id)
	}
}
