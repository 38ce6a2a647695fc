package oci

import (
	"context"
	"fmt"

	"github.com/oracle/oci-go-sdk/v65/core"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

var _ cloud.Powerer = (*Provider)(nil)

// SetPower stops or starts instance key (InstanceAction STOP or START)
// and waits, as the SDK's waiters poll, until it is STOPPED or RUNNING.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/Instance/InstanceAction — STOP powers the instance off, START on; its VNICs stay
func (p *Provider) SetPower(ctx context.Context, key string, on bool) error {
	if err := p.inCompartment(ctx); err != nil {
		return err
	}
	w := &world{}
	if err := p.listInstances(ctx, w); err != nil {
		return err
	}
	o, ok := w.insts[key]
	if !ok || o.Key != key {
		return fmt.Errorf("instance %s of owner %s: no such instance", key, p.owner)
	}
	action, want := core.InstanceActionActionStop, "STOPPED"
	if on {
		action, want = core.InstanceActionActionStart, "RUNNING"
	}
	id := o.ID
	if err := call(ctx, func(ctx context.Context) error {
		_, err := p.cc.InstanceAction(ctx, core.InstanceActionRequest{InstanceId: &id, Action: action})
		return err
	}); err != nil {
		return fmt.Errorf("instance %s (%s) %s: %w", key, id, action, err)
	}
	return p.await(ctx, "instance "+key, func(ctx context.Context) (string, error) {
		r, err := p.cc.GetInstance(ctx, core.GetInstanceRequest{InstanceId: &id})
		return string(r.LifecycleState), err
	}, want)
}
