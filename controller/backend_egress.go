package controller

import (
	"context"
	"fmt"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/topologies"
)

var _ api.EgressBackend = (*Backend)(nil)

// EgressGateways reports each egress gateway: its instance, the base
// policy it is to hold and the one it holds, its private subnets and its
// decision counts.
func (b *Backend) EgressGateways(ctx context.Context) ([]api.EgressGateway, error) {
	var out []api.EgressGateway
	for _, g := range b.c.plan.EgressGateways() {
		out = append(out, b.egressGateway(ctx, g))
	}
	return out, nil
}

// egressGateway is g as the API reports it, its state read from it.
func (b *Backend) egressGateway(ctx context.Context, g intent.EgressGateway) api.EgressGateway {
	c := b.c
	ag := api.EgressGateway{Name: g.Key, VPC: g.VPC.Name, Base: string(c.egressBase(g)),
		Subnets: c.plan.Topology.Cloud.EgressSubnets(g.VPC)}
	c.mu.Lock()
	in, ok := c.inv.Instances[g.Key]
	c.mu.Unlock()
	if ok {
		ag.Instance, ag.PublicIP = in.ID, in.PublicIP
	}
	if cl, ok := c.egressClient(g.Key); ok {
		if st, err := cl.Status(ctx); err == nil {
			ag.Applied, ag.Allowed, ag.Denied = st.Base, st.Allowed, st.Denied
		}
	}
	return ag
}

// EgressLog reads an egress gateway's decisions from it.
func (b *Backend) EgressLog(ctx context.Context, name string) ([]api.EgressDecision, error) {
	g := b.c.plan.EgressGateway(name)
	if g == nil {
		return nil, fmt.Errorf("%w: no egress gateway %q", api.ErrNotFound, name)
	}
	cl, ok := b.c.egressClient(name)
	if !ok {
		return nil, fmt.Errorf("egress gateway %s has no instance yet", name)
	}
	es, err := cl.Log(ctx)
	if err != nil {
		return nil, fmt.Errorf("egress gateway %s: %w", name, err)
	}
	out := make([]api.EgressDecision, len(es))
	for i, e := range es {
		out[i] = api.EgressDecision{Time: e.Time, Src: e.Src, Dst: e.Dst, Proto: e.Proto, Name: e.Name, By: e.By,
			Verdict: e.Verdict, Tag: e.Tag, Rule: e.Rule}
	}
	return out, nil
}

// SetEgressBase records base as gateway name's base policy (in the store,
// so it outlives the controller), logs the change as an event, and has
// the next reconciliation push it.
func (b *Backend) SetEgressBase(ctx context.Context, name, base, by string) (api.EgressGateway, error) {
	g := b.c.plan.EgressGateway(name)
	if g == nil {
		return api.EgressGateway{}, fmt.Errorf("%w: no egress gateway %q", api.ErrNotFound, name)
	}
	switch topologies.EgressBase(base) {
	case topologies.EgressAllowList, topologies.EgressDenyList:
	default:
		return api.EgressGateway{}, fmt.Errorf("%w: base policy %q: want %s or %s", api.ErrInvalid, base, topologies.EgressAllowList, topologies.EgressDenyList)
	}
	if err := b.c.opts.Store.Put(egressBaseKey(name), base); err != nil {
		return api.EgressGateway{}, fmt.Errorf("egress gateway %s: %w", name, err)
	}
	_ = b.c.opts.Store.Log("egress", fmt.Sprintf("%s set the base policy of egress gateway %s to %s", by, name, base))
	b.c.log.Printf("egress gateway %s: base policy set to %s by %s", name, base, by)
	b.c.Kick()
	return b.egressGateway(ctx, *g), nil
}
