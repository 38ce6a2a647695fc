package aws

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"golang.org/x/sync/errgroup"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// isStatic reports whether a route is a static route to an internet or VPN
// gateway: the routes Apply owns. The local route, propagated routes and
// routes to instances or interfaces are not.
func isStatic(r types.Route) bool {
	gw := sdkaws.ToString(r.GatewayId)
	return (r.Origin == "" || r.Origin == types.RouteOriginCreateRoute) &&
		(strings.HasPrefix(gw, "igw-") || strings.HasPrefix(gw, "vgw-"))
}

// isLearned reports whether a route points at an instance or a network
// interface: the routes SyncRoutes owns.
func isLearned(r types.Route) bool {
	return (r.Origin == "" || r.Origin == types.RouteOriginCreateRoute) && (r.InstanceId != nil || r.NetworkInterfaceId != nil)
}

// target names where a route points, for errors.
func target(r types.Route) string {
	for _, s := range []*string{r.GatewayId, r.NetworkInterfaceId, r.InstanceId, r.NatGatewayId, r.TransitGatewayId,
		r.VpcPeeringConnectionId, r.LocalGatewayId, r.CarrierGatewayId, r.EgressOnlyInternetGatewayId} {
		if sdkaws.ToString(s) != "" {
			return *s
		}
	}
	return "an unknown target"
}

func findRoute(routes []types.Route, dst netip.Prefix) (types.Route, bool) {
	for _, r := range routes {
		if r.DestinationCidrBlock != nil && prefix(r.DestinationCidrBlock) == dst {
			return r, true
		}
	}
	return types.Route{}, false
}

// planRoutes plans the static routes: missing ones created, ones to
// another gateway replaced, and static routes d no longer has deleted from
// the tables that stay. A destination taken by another kind of route is an
// error: Apply does not touch those.
func (pl *planner) planRoutes() error {
	p, w := pl.p, pl.w
	for _, k := range cloud.SortedKeys(w.tables) {
		if !cloud.Keeps(w.tables, pl.goneTable, k) {
			continue
		}
		t := w.tables[k]
		for _, r := range t.routes {
			dst := prefix(r.DestinationCidrBlock)
			if _, wanted := pl.wantRoutes[k][dst]; wanted || !isStatic(r) || !dst.IsValid() {
				continue
			}
			detail := "RouteTableId=" + t.id + " DestinationCidrBlock=" + dst.String()
			pl.ec2(phDelRoute, "DeleteRoute", k, detail, "delete route "+k+" "+dst.String(), func(ctx context.Context) error {
				_, err := p.ec2.DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: &t.id, DestinationCidrBlock: sdkaws.String(dst.String())})
				return err
			})
		}
	}
	var errs []error
	for _, r := range pl.d.Routes {
		k, vk, dst := r.Subnet, pl.subnetVPC[r.Subnet], r.Destination.String()
		gws, gone, kind := w.igws, pl.goneIGW, "internet gateway"
		if r.Target == cloud.TargetPrivateLine {
			gws, gone, kind = w.vgws, pl.goneVGW, "vpn gateway"
		}
		gwRef := cloud.Ref(gws, gone, vk)
		replace := false
		if cloud.Keeps(w.tables, pl.goneTable, k) {
			if cur, found := findRoute(w.tables[k].routes, r.Destination); found {
				if !isStatic(cur) {
					errs = append(errs, fmt.Errorf("route %s %s: the destination is routed to %s, which Apply leaves alone", k, dst, target(cur)))
					continue
				}
				if sdkaws.ToString(cur.GatewayId) == gwRef {
					continue
				}
				replace = true
			}
		}
		action, what := "CreateRoute", "create route "+k+" "+dst
		if replace {
			action, what = "ReplaceRoute", "replace route "+k+" "+dst
		}
		detail := "RouteTableId=" + cloud.Ref(w.tables, pl.goneTable, k) + " DestinationCidrBlock=" + dst + " GatewayId=" + gwRef
		pl.ec2(phRoute, action, k, detail, what, func(ctx context.Context) error {
			table, err := cloud.IDOf(w.tables, "route table", k)
			if err != nil {
				return err
			}
			gw, err := cloud.IDOf(gws, kind, vk)
			if err != nil {
				return err
			}
			if replace {
				_, err = p.ec2.ReplaceRoute(ctx, &ec2.ReplaceRouteInput{RouteTableId: &table, DestinationCidrBlock: &dst, GatewayId: &gw})
			} else {
				_, err = p.ec2.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: &table, DestinationCidrBlock: &dst, GatewayId: &gw})
			}
			return err
		})
	}
	return errors.Join(errs...)
}

// SyncRoutes makes the routes of subnet's route table that point at
// instances or network interfaces exactly want (destination -> instance
// key), each to the instance's primary interface, and returns the calls
// made. Local, gateway and other routes stay as they are; a wanted
// destination that such a route holds is reported as an error after the
// other routes are synced.
//
// It is cheap when nothing differs: one DescribeRouteTables, with instance
// interfaces from a cache that Apply and Observe fill and that a missing
// key refreshes (one DescribeInstances).
func (p *Provider) SyncRoutes(ctx context.Context, subnet string, want map[netip.Prefix]string) ([]cloud.Call, error) {
	out, err := p.ec2.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: p.ownerFilters(filter("tag:"+TagKey, subnet))})
	if err != nil {
		return nil, fmt.Errorf("sync routes of subnet %s: describe its route table: %w", subnet, err)
	}
	var tables []types.RouteTable
	for _, rt := range out.RouteTables {
		if p.owns(rt.Tags) && keyOf(rt.Tags) == subnet {
			tables = append(tables, rt)
		}
	}
	if len(tables) == 0 {
		return nil, fmt.Errorf("sync routes of subnet %s: it has no route table of owner %s", subnet, p.owner)
	}
	// Of duplicates, the lowest ID is the table, as in Apply.
	rt := slices.MinFunc(tables, func(a, b types.RouteTable) int {
		return strings.Compare(sdkaws.ToString(a.RouteTableId), sdkaws.ToString(b.RouteTableId))
	})
	table := sdkaws.ToString(rt.RouteTableId)
	have := map[netip.Prefix]types.Route{}
	for _, r := range rt.Routes {
		if dst := prefix(r.DestinationCidrBlock); dst.IsValid() {
			have[dst] = r
		}
	}
	// A wanted route gone blackhole points at an interface that no longer
	// exists: its instance was replaced behind the cache's back.
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html — a route whose target is deleted is a blackhole
	var stale []string
	for dst, key := range want {
		if r, ok := have[dst]; ok && isLearned(r) && r.State == types.RouteStateBlackhole {
			stale = append(stale, key)
		}
	}
	refs, err := p.instanceRefs(ctx, slices.Collect(maps.Values(want)), stale)
	if err != nil {
		return nil, fmt.Errorf("sync routes of subnet %s: %w", subnet, err)
	}
	var ops []routeOp
	for _, dst := range slices.SortedFunc(maps.Keys(have), cloud.ComparePrefix) {
		r := have[dst]
		if _, wanted := want[dst]; wanted || !isLearned(r) {
			continue
		}
		ops = append(ops, routeOp{action: "DeleteRoute", dst: dst.String()})
	}
	var conflicts []error
	for _, dst := range slices.SortedFunc(maps.Keys(want), cloud.ComparePrefix) {
		key := want[dst]
		to := refs[key]
		r, found := have[dst]
		action := "CreateRoute"
		switch {
		case found && !isLearned(r):
			conflicts = append(conflicts, fmt.Errorf("sync routes of subnet %s: route %s: the destination is routed to %s, which SyncRoutes leaves alone", subnet, dst, target(r)))
			continue
		case found && (sdkaws.ToString(r.NetworkInterfaceId) == to.eni || (r.NetworkInterfaceId == nil && sdkaws.ToString(r.InstanceId) == to.id)):
			continue
		case found:
			action = "ReplaceRoute"
		}
		ops = append(ops, routeOp{action: action, dst: dst.String(), key: key, eni: to.eni})
	}
	calls, err := p.routeCalls(ctx, subnet, table, ops)
	return calls, errors.Join(err, errors.Join(conflicts...))
}

// routeOp is one route call of SyncRoutes: DeleteRoute, CreateRoute or
// ReplaceRoute of dst, to instance key's interface eni.
type routeOp struct {
	action, dst, key, eni string
}

// routeCallsAtOnce bounds the route calls of one table in flight: a table
// of a transit with hundreds of spokes takes hundreds of routes, which
// the emulated cloud puts in force in one pass when they arrive together.
const routeCallsAtOnce = 8

// routeCalls makes ops' calls on table, at most routeCallsAtOnce at once,
// deletes before creates, and returns the calls made in ops' order.
func (p *Provider) routeCalls(ctx context.Context, subnet, table string, ops []routeOp) ([]cloud.Call, error) {
	made := make([]bool, len(ops))
	errs := make([]error, len(ops))
	run := func(from, to int) {
		var g errgroup.Group
		g.SetLimit(routeCallsAtOnce)
		for i := from; i < to; i++ {
			g.Go(func() error {
				errs[i] = p.routeCall(ctx, subnet, table, ops[i])
				made[i] = errs[i] == nil
				return nil
			})
		}
		_ = g.Wait()
	}
	// A destination that moves from a learned route to none and back is
	// deleted before anything is made.
	deletes := 0
	for deletes < len(ops) && ops[deletes].action == "DeleteRoute" {
		deletes++
	}
	run(0, deletes)
	if err := errors.Join(errs[:deletes]...); err == nil {
		run(deletes, len(ops))
	}
	var calls []cloud.Call
	for i, o := range ops {
		if !made[i] {
			continue
		}
		detail := "RouteTableId=" + table + " DestinationCidrBlock=" + o.dst
		if o.action != "DeleteRoute" {
			detail += " NetworkInterfaceId=" + o.eni + " (" + o.key + ")"
		}
		calls = append(calls, cloud.Call{Service: "ec2", Action: o.action, Object: subnet, Detail: detail})
	}
	return calls, errors.Join(errs...)
}

// routeCall makes one route call.
func (p *Provider) routeCall(ctx context.Context, subnet, table string, o routeOp) error {
	var err error
	switch o.action {
	case "DeleteRoute":
		if _, err = p.ec2.DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: &table, DestinationCidrBlock: &o.dst}); err != nil {
			return fmt.Errorf("sync routes of subnet %s: delete route %s: %w", subnet, o.dst, err)
		}
		return nil
	case "CreateRoute":
		_, err = p.ec2.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: &table, DestinationCidrBlock: &o.dst, NetworkInterfaceId: &o.eni})
	default:
		_, err = p.ec2.ReplaceRoute(ctx, &ec2.ReplaceRouteInput{RouteTableId: &table, DestinationCidrBlock: &o.dst, NetworkInterfaceId: &o.eni})
	}
	if err != nil {
		p.forget(o.key) // perhaps a stale interface: look it up again next time
		return fmt.Errorf("sync routes of subnet %s: %s %s via instance %s (%s): %w", subnet, o.action, o.dst, o.key, o.eni, err)
	}
	return nil
}

// forget drops an instance from the cache.
func (p *Provider) forget(key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.instances, key)
}

// instanceRefs returns the IDs of the instances with the given keys, from
// the cache, refreshing it once for the keys it lacks and the stale ones.
func (p *Provider) instanceRefs(ctx context.Context, keys, stale []string) (map[string]instanceRef, error) {
	refs := map[string]instanceRef{}
	var missing []string
	p.mu.Lock()
	for _, k := range keys {
		if r, ok := p.instances[k]; ok && r.eni != "" && !slices.Contains(stale, k) {
			refs[k] = r
		} else if !slices.Contains(missing, k) {
			missing = append(missing, k)
		}
	}
	p.mu.Unlock()
	if len(missing) == 0 {
		return refs, nil
	}
	slices.Sort(missing)
	objs, err := p.listInstances(ctx, missing...)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, k := range missing {
		delete(p.instances, k)
	}
	p.rememberLocked(&world{instances: cloud.Index(objs)}, false)
	for _, k := range missing {
		r, ok := p.instances[k]
		if !ok || r.eni == "" {
			return nil, fmt.Errorf("instance %s: no running instance of owner %s has this key", k, p.owner)
		}
		refs[k] = r
	}
	return refs, nil
}
