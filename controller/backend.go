package controller

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/controller/nodes"
	"github.com/mcnlab/mcnlab/topologies"
)

// Backend serves the REST API (controller/api) from a running Controller.
type Backend struct {
	c   *Controller
	lab string
}

// NewBackend returns the API backend of c.
func NewBackend(c *Controller, lab string) *Backend { return &Backend{c: c, lab: lab} }

var _ api.Backend = (*Backend)(nil)

// Status reports every gateway's tunnels and sessions.
func (b *Backend) Status(context.Context) (api.Status, error) {
	c := b.c
	c.mu.Lock()
	defer c.mu.Unlock()
	st := api.Status{Lab: b.lab, Converged: c.converged}
	if !c.converged {
		st.Waiting = c.waitingLocked()
	}
	for _, g := range c.plan.Gateways {
		ag := api.Gateway{Name: g.Key, Role: api.GatewayRole(g.Role), Group: g.Group, PrivateIP: g.PrivateIP}
		if in, ok := c.inv.Instances[g.Key]; ok {
			ag.InstanceID, ag.PublicIP = in.ID, in.PublicIP
		}
		if s, ok := c.status[g.Key]; ok {
			ag.Tunnels = len(s.Tunnels)
			for _, t := range s.Tunnels {
				if t.State == "up" {
					ag.TunnelsUp++
				}
			}
			ag.Sessions = len(s.Sessions)
			for _, se := range s.Sessions {
				if se.State == "established" {
					ag.SessionsUp++
				}
			}
		}
		st.Gateways = append(st.Gateways, ag)
	}
	return st, nil
}

// transitOfSite returns the transit a site connects to.
func (b *Backend) transitOfSite(site string) (string, bool) {
	for _, s := range b.c.plan.Topology.Cloud.Sites {
		if s.Name == site {
			return s.Connection.Transit, true
		}
	}
	return "", false
}

// Pending lists the routes the transits' gateways received from sites and
// hold for approval.
func (b *Backend) Pending(context.Context) ([]api.PendingRoute, error) {
	rejected := b.rejected()
	c := b.c
	c.mu.Lock()
	defer c.mu.Unlock()
	seen := map[api.PendingRoute]bool{}
	var out []api.PendingRoute
	for _, s := range c.plan.Topology.Cloud.Sites {
		name := c.plan.SiteNeighbor(s.Name)
		for _, g := range c.plan.GatewaysOf(s.Connection.Transit) {
			for _, se := range c.status[g.Key].Sessions {
				if se.Name != name && !strings.HasPrefix(se.Name, name+"-") {
					continue // not the site's neighbour nor one of its tunnels
				}
				for _, pr := range se.Filtered {
					r := api.PendingRoute{Transit: g.Group, Site: s.Name, Prefix: pr}
					if !seen[r] && !rejected[rejectedKey(r.Transit, r.Site, pr.String())] {
						seen[r] = true
						out = append(out, r)
					}
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b api.PendingRoute) int {
		return strings.Compare(a.Site+a.Prefix.String(), b.Site+b.Prefix.String())
	})
	return out, nil
}

// Approved lists the approved routes: the topology's and those approved
// since.
func (b *Backend) Approved(context.Context) ([]api.ApprovedRoute, error) {
	var out []api.ApprovedRoute
	for _, tr := range b.c.plan.Topology.Cloud.Transits {
		for _, a := range tr.Approval.Approved {
			out = append(out, api.ApprovedRoute{Transit: tr.Name, Site: a.Site, Prefix: a.Prefix, By: "topology"})
		}
		as, err := b.c.opts.Store.Approvals(tr.Name)
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			out = append(out, api.ApprovedRoute{Transit: tr.Name, Site: a.Site, Prefix: a.Prefix, By: a.By, At: a.At})
		}
	}
	return out, nil
}

// Approve approves a site's prefix at the site's transit; the gateways
// accept it at the next reconciliation, which it starts at once. A prefix
// that the topology's approval rules refuse (intent.CheckApproval) wraps
// api.ErrRefused and changes nothing.
func (b *Backend) Approve(_ context.Context, site, prefix, by string) (api.ApproveResult, error) {
	tr, pr, err := b.routeKey(site, prefix)
	if err != nil {
		return api.ApproveResult{}, err
	}
	if err := b.c.plan.CheckApproval(site, pr); err != nil {
		return api.ApproveResult{}, api.Refused(err)
	}
	t := b.transit(tr)
	if t.Approval.Mode != topologies.ApprovalManual || inFile(t, site, pr) {
		return api.ApproveResult{Transit: tr, Site: site, Prefix: pr}, nil // nothing held
	}
	added, err := b.c.opts.Store.Approve(tr, site, pr, by)
	if err != nil {
		return api.ApproveResult{}, err
	}
	if err := b.c.opts.Store.Delete(rejectedKey(tr, site, pr.String())); err != nil {
		return api.ApproveResult{}, err
	}
	if added {
		_ = b.c.opts.Store.Log("approve", fmt.Sprintf("%s approved %s from %s at %s", by, pr, site, tr))
	}
	b.c.Kick()
	return api.ApproveResult{Transit: tr, Site: site, Prefix: pr, Approved: added}, nil
}

// Revoke withdraws a run-time approval: the next reconciliation, which it
// starts at once, pushes the transit gateways an approved list without it,
// they drop the route (a soft reset of the site's session), and the spokes'
// gateways and route tables follow. Approvals that the topology file makes
// are refused with api.ErrConflict: the file is the intent.
func (b *Backend) Revoke(_ context.Context, site, prefix, by string) (api.RevokeResult, error) {
	tr, pr, err := b.routeKey(site, prefix)
	if err != nil {
		return api.RevokeResult{}, err
	}
	t := b.transit(tr)
	switch {
	case t.Approval.Mode != topologies.ApprovalManual:
		return api.RevokeResult{}, fmt.Errorf("revoke %s from site %s: transit %s accepts every route its sites advertise (approval mode auto); there is no approval to revoke: %w",
			pr, site, tr, api.ErrConflict)
	case inFile(t, site, pr):
		return api.RevokeResult{}, fmt.Errorf("revoke %s from site %s: it is approved in the topology file (transits.%s.approval.approved); remove it there: %w",
			pr, site, tr, api.ErrConflict)
	}
	removed, err := b.c.opts.Store.Unapprove(tr, site, pr)
	if err != nil {
		return api.RevokeResult{}, err
	}
	if !removed {
		as, err := b.c.opts.Store.Approvals(tr)
		if err != nil {
			return api.RevokeResult{}, err
		}
		var have []string
		for _, a := range as {
			if a.Site == site {
				have = append(have, a.Prefix.String())
			}
		}
		now := "none"
		if len(have) > 0 {
			now = strings.Join(have, ", ")
		}
		return api.RevokeResult{}, fmt.Errorf("revoke %s from site %s: it is not approved at transit %s (approved from %s at run time: %s): %w",
			pr, site, tr, site, now, api.ErrNotFound)
	}
	_ = b.c.opts.Store.Log("revoke", fmt.Sprintf("%s revoked %s from %s at %s", by, pr, site, tr))
	b.c.Kick()
	return api.RevokeResult{Transit: tr, Site: site, Prefix: pr}, nil
}

// routeKey resolves the site of an approval to its transit and parses the
// prefix (canonical CIDR).
func (b *Backend) routeKey(site, prefix string) (string, netip.Prefix, error) {
	tr, ok := b.transitOfSite(site)
	if !ok {
		return "", netip.Prefix{}, fmt.Errorf("site %q: %w", site, api.ErrNotFound)
	}
	pr, err := netip.ParsePrefix(prefix)
	if err != nil || pr.Masked() != pr {
		return "", netip.Prefix{}, fmt.Errorf("prefix %q is not a prefix such as 10.100.0.0/24: %w", prefix, api.ErrInvalid)
	}
	return tr, pr, nil
}

// transit returns the topology's transit of that name.
func (b *Backend) transit(name string) *topologies.Transit {
	for _, t := range b.c.plan.Topology.Cloud.Transits {
		if t.Name == name {
			return t
		}
	}
	return &topologies.Transit{Name: name}
}

// inFile reports whether the topology file approves site's prefix at t.
func inFile(t *topologies.Transit, site string, pr netip.Prefix) bool {
	return slices.ContainsFunc(t.Approval.Approved, func(a topologies.ApprovedRoute) bool { return a.Site == site && a.Prefix == pr })
}

// RouteTables lists the route tables of the VPCs as the controller keeps
// them: the local route, the static routes and the learned ones.
func (b *Backend) RouteTables(context.Context) ([]api.RouteTable, error) {
	c := b.c
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []api.RouteTable
	for _, a := range c.plan.Accounts {
		for _, v := range a.Desired.VPCs {
			for _, s := range v.Subnets {
				rt := api.RouteTable{VPC: v.Key, Subnet: s.Key, RouteTableID: c.inv.RouteTables[s.Key]}
				rt.Routes = append(rt.Routes, api.Route{Destination: v.CIDR, Target: "local", Origin: api.OriginLocal})
				for _, r := range a.Desired.Routes {
					if r.Subnet == s.Key {
						rt.Routes = append(rt.Routes, api.Route{Destination: r.Destination, Target: string(r.Target), Origin: api.OriginStatic})
					}
				}
				var learned []api.Route
				for pr, k := range c.tables[s.Key] {
					learned = append(learned, api.Route{Destination: pr, Target: k, Origin: api.OriginLearned})
				}
				slices.SortFunc(learned, func(x, y api.Route) int { return x.Destination.Addr().Compare(y.Destination.Addr()) })
				rt.Routes = append(rt.Routes, learned...)
				out = append(out, rt)
			}
		}
	}
	return out, nil
}

// Segmentation reports the domains, their connections and the packets
// the transit gateways dropped between them.
func (b *Backend) Segmentation(context.Context) (api.Segmentation, error) {
	c := b.c
	var s api.Segmentation
	seg := c.plan.Segmentation()
	if seg == nil {
		return s, nil
	}
	// seg.Domains are in name order, the topology's in file order: each
	// domain's members are looked up by its name.
	members := map[string][]string{}
	for _, d := range c.plan.Topology.Cloud.Domains {
		members[d.Name] = d.Members
	}
	for _, d := range seg.Domains {
		s.Domains = append(s.Domains, api.Domain{Name: d.Name, Members: members[d.Name], Prefixes: d.Prefixes})
	}
	s.Connections = seg.Connections
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, g := range c.plan.Gateways {
		for _, d := range c.status[g.Key].Segmentation {
			s.Drops = append(s.Drops, api.Drop{Gateway: g.Key, From: d.From, To: d.To, Packets: d.Packets})
		}
	}
	return s, nil
}

// Ping sends echo requests from one endpoint (workload or site host) to
// another, and says why the lost ones were lost as far as the intent
// tells.
func (b *Backend) Ping(ctx context.Context, req api.PingRequest) (api.PingResult, error) {
	c := b.c
	if c.opts.Diagnostics == nil {
		return api.PingResult{}, fmt.Errorf("ping from %s: the controller runs no probes here", req.From)
	}
	at, _, err := b.where(req.From)
	if err != nil {
		return api.PingResult{}, err
	}
	_, dst, err := b.where(req.To)
	if err != nil {
		return api.PingResult{}, err
	}
	count := req.Count
	if count == 0 {
		count = api.DefaultPingCount
	}
	p, err := c.opts.Diagnostics.Pinger(at)
	if err != nil {
		return api.PingResult{}, fmt.Errorf("ping from %s: %w", req.From, err)
	}
	defer p.Close()
	res := api.PingResult{From: req.From, To: req.To}
	for i := 1; i <= count && ctx.Err() == nil; i++ {
		res.Sent++
		if _, err := p.Ping(dst, i, time.Second); err == nil {
			res.Received++
		}
	}
	if res.Received < res.Sent {
		approved, _ := c.liveApprovals()
		if e := c.plan.Expect(req.From, req.To, approved, nil); !e.Reach {
			res.Reason = e.Reason
		} else {
			res.Reason = "unexpected: the intent lets this pair reach"
		}
	}
	return res, nil
}

// where returns the node and address of an endpoint.
func (b *Backend) where(name string) (nodes.Node, netip.Addr, error) {
	c := b.c
	e := c.plan.Endpoint(name)
	if e == nil {
		return nodes.Node{}, netip.Addr{}, fmt.Errorf("no workload or site host %q: %w", name, api.ErrNotFound)
	}
	if e.Site != "" {
		return nodes.Node{Host: e.Name}, e.Address, nil
	}
	c.mu.Lock()
	in, ok := c.inv.Instances[e.Instance]
	c.mu.Unlock()
	if !ok {
		return nodes.Node{}, netip.Addr{}, fmt.Errorf("workload %s has no instance yet: %w", name, api.ErrNotFound)
	}
	return nodes.Node{Instance: in.ID}, in.PrivateIP, nil
}
