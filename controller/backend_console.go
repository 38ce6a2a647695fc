package controller

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/graph"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/controller/store"
	"github.com/mcnlab/mcnlab/controller/tracker"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
)

var _ api.ConsoleBackend = (*Backend)(nil)

// Graph draws the topology with the gateways' status as the controller
// last read it (every Interval): a gateway that did not answer is down.
func (b *Backend) Graph(context.Context) (*graph.Graph, error) {
	c := b.c
	c.mu.Lock()
	live := maps.Clone(c.status)
	c.mu.Unlock()
	return graph.Build(c.plan, live), nil
}

// GatewayDetail is one gateway's line of Status, its last status and its
// tunnels by peer gateway.
func (b *Backend) GatewayDetail(ctx context.Context, name string) (api.GatewayDetail, error) {
	g := b.c.plan.Gateway(name)
	if g == nil {
		return api.GatewayDetail{}, fmt.Errorf("gateway %q: %w", name, api.ErrNotFound)
	}
	st, err := b.Status(ctx)
	if err != nil {
		return api.GatewayDetail{}, err
	}
	var d api.GatewayDetail
	for _, ag := range st.Gateways {
		if ag.Name == name {
			d.Gateway = ag
		}
	}
	c := b.c
	c.mu.Lock()
	s, up := c.status[name]
	c.mu.Unlock()
	d.Up = up
	if up {
		d.Status = &s
	}
	d.Groups = hpeGroups(c.plan, name, s)
	return d, nil
}

// hpeGroups groups gateway k's tunnels by peer gateway, in the plan's
// order, counting those that st says are up.
func hpeGroups(p *intent.Plan, k string, st mgmt.Status) []api.HPEGroup {
	var out []api.HPEGroup
	for _, t := range p.Tunnels {
		peer, name := t.B, t.Name[0]
		switch k {
		case t.A:
		case t.B:
			peer, name = t.A, t.Name[1]
		default:
			continue
		}
		i := slices.IndexFunc(out, func(g api.HPEGroup) bool { return g.Peer == peer })
		if i < 0 {
			i = len(out)
			out = append(out, api.HPEGroup{Peer: peer})
		}
		out[i].Tunnels = append(out[i].Tunnels, name)
		if slices.ContainsFunc(st.Tunnels, func(x mgmt.Tunnel) bool { return x.Peer == name && x.State == mgmt.TunnelUp }) {
			out[i].TunnelsUp++
		}
	}
	return out
}

// Allocations is the VPC tracker over the controller's providers.
func (b *Backend) Allocations(ctx context.Context) ([]tracker.Allocation, error) {
	return Allocations(ctx, b.c.plan, b.c.opts.Providers)
}

// Allocations is the VPC tracker of plan: every network of every account
// as the account's provider lists it (cloud.NetworkLister), and every
// site's advertised prefixes (tracker.Build).
func Allocations(ctx context.Context, plan *intent.Plan, providers map[string]cloud.Provider) ([]tracker.Allocation, error) {
	var accounts []tracker.Account
	for _, a := range plan.Accounts {
		name := a.Account.Name
		nl, ok := providers[name].(cloud.NetworkLister)
		if !ok {
			return nil, fmt.Errorf("account %s: the %s provider cannot list its networks", name, a.Account.Provider)
		}
		ns, err := nl.Networks(ctx)
		if err != nil {
			return nil, fmt.Errorf("account %s: %w", name, err)
		}
		accounts = append(accounts, tracker.Account{Name: name, Provider: a.Account.Provider, Networks: ns})
	}
	return tracker.Build(plan.Topology.Name, accounts, plan.Topology.Cloud.Sites), nil
}

// Events reads the store's event log.
func (b *Backend) Events(_ context.Context, after int64, limit int) ([]store.Event, error) {
	if b.c.opts.Store == nil {
		return nil, errors.New("events: the controller has no store")
	}
	return b.c.opts.Store.EventsAfter(after, limit)
}
