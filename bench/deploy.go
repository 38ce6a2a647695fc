package bench

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/probe"
)

// DeployResult is the outcome of `mcnlab bench deploy`.
type DeployResult struct {
	Nodes   int    `json:"nodes"`
	Links   int    `json:"links"`
	Hops    int    `json:"hops"` // links between the two probed hosts
	Repeats int    `json:"repeats"`
	Ready   Spread `json:"ready_s"`   // deploy start until the two most distant hosts ping each other
	Deploy  Spread `json:"deploy_s"`  // deploy start until links, addresses and routes are set
	Destroy Spread `json:"destroy_s"` // destroy start until nothing of the lab is left
}

// NewStats summarises durations, in seconds.
func NewStats(d []time.Duration) Spread {
	var v []float64
	for _, x := range d {
		v = append(v, x.Seconds())
	}
	return NewSpread(v)
}

// Deploy deploys and destroys a generated tree lab of n nodes repeats times
// and measures each phase. log receives one line per repeat.
func Deploy(ctx context.Context, lab string, n, repeats int, log io.Writer) (*DeployResult, error) {
	tr, err := GenerateTree(lab, n)
	if err != nil {
		return nil, err
	}
	plan, err := emulator.NewPlan(lab, tr.Topology)
	if err != nil {
		return nil, err
	}
	res := &DeployResult{Nodes: len(tr.Topology.Nodes), Links: len(tr.Topology.Links), Hops: tr.Hops, Repeats: repeats}
	var ready, deploy, destroy []time.Duration
	for i := range repeats {
		t0 := time.Now()
		if err := emulator.Deploy(ctx, plan, emulator.Options{}); err != nil {
			return nil, fmt.Errorf("repeat %d: %w", i+1, err)
		}
		d := time.Since(t0)
		pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		_, perr := probe.WaitReachable(pctx, emulator.NamespaceName(lab, tr.From), tr.ToAddr, 20*time.Millisecond)
		cancel()
		r := time.Since(t0)
		t1 := time.Now()
		derr := emulator.Destroy(ctx, lab, nil)
		x := time.Since(t1)
		if perr != nil {
			return nil, fmt.Errorf("repeat %d: %s to %s: %w", i+1, tr.From, tr.To, perr)
		}
		if derr != nil {
			return nil, fmt.Errorf("repeat %d: %w", i+1, derr)
		}
		ready, deploy, destroy = append(ready, r), append(deploy, d), append(destroy, x)
		if log != nil {
			fmt.Fprintf(log, "  repeat %d/%d: deployed %6.3fs  ready %6.3fs  destroyed %6.3fs\n", i+1, repeats, d.Seconds(), r.Seconds(), x.Seconds())
		}
	}
	res.Ready, res.Deploy, res.Destroy = NewStats(ready), NewStats(deploy), NewStats(destroy)
	return res, nil
}
