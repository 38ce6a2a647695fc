package lab

import (
	"context"
	"sync"
	"time"

	"github.com/mcnlab/mcnlab/controller/graph"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
)

// gatewayStatusTimeout bounds how long Graph waits for one gateway.
const gatewayStatusTimeout = time.Second

// Graph draws a running cloud lab's topology with its live state: each
// gateway's tunnels, BGP sessions and firewalls as the gateway reports
// them over its management API (a gateway that does not answer within a
// second is down).
func Graph(ctx context.Context, lab string) (*graph.Graph, error) {
	cp, instances, err := PlanAndInstances(ctx, lab)
	if err != nil {
		return nil, err
	}
	live := map[string]mgmt.Status{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, g := range cp.Gateways {
		id := g.Key // a site's edge gateway is a node of the lab, not a cloud instance
		if g.Role != intent.RoleSite {
			in, ok := instances[g.Key]
			if !ok {
				continue
			}
			id = in.ID
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, _ := Nodes{Lab: lab}.DialGateway(id)
			defer c.Close()
			cctx, cancel := context.WithTimeout(ctx, gatewayStatusTimeout)
			defer cancel()
			if st, err := c.Status(cctx); err == nil {
				mu.Lock()
				live[g.Key] = st
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return graph.Build(cp, live), nil
}
