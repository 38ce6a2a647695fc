package gcp

import (
	"context"
	"fmt"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

var _ cloud.Powerer = (*Provider)(nil)

// SetPower stops or starts instance key and waits for the zonal
// operation.
// GCP: https://cloud.google.com/compute/docs/instances/stop-start-instance — a stopped instance is TERMINATED and keeps its internal IP; start runs it again
func (p *Provider) SetPower(ctx context.Context, key string, on bool) error {
	w := &world{}
	if err := p.listInstances(ctx, w); err != nil {
		return err
	}
	o, ok := w.insts[key]
	if !ok || o.Key != key {
		return fmt.Errorf("instance %s of owner %s: %w", key, p.owner, errNoInstance)
	}
	verb, call := "stop", p.svc.Instances.Stop(p.project, o.zone, o.name).Context(ctx).Do
	if on {
		verb, call = "start", p.svc.Instances.Start(p.project, o.zone, o.name).Context(ctx).Do
	}
	op, err := call()
	if err := p.wait(ctx, op, err); err != nil {
		return fmt.Errorf("%s instance %s (%s): %w", verb, o.name, key, err)
	}
	return nil
}
