package gcp

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"

	compute "google.golang.org/api/compute/v1"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// A subnet's routes are network routes scoped by the subnet's tag, named
// by their kind: Apply owns the static ones (rs-...), to the default
// internet gateway; SyncRoutes the learned ones (rl-...), to a gateway
// instance. A learned route's name holds its next hop too, so that a
// route that moves is made anew before the old one goes.
// GCP: https://cloud.google.com/vpc/docs/routes#static_routes — custom static routes: destination, priority, tags, next hop; a route cannot be changed, only deleted and made again
const (
	staticKind  = "rs"
	learnedKind = "rl"
)

// The routes' priorities: a learned route wins over a static one and the
// network's default route (1000) for one destination; more specific
// destinations win whatever the priority. A learned route that moves is
// made at learnedPriority+1 while the old one still holds learnedPriority.
// GCP: https://cloud.google.com/vpc/docs/routes#routing-order — the most specific destination first, then the lowest priority value
const (
	staticPriority  = 1000
	learnedPriority = 100
)

// internetGateway is the next hop of the routes to the internet.
// GCP: https://cloud.google.com/vpc/docs/routes#next-hops — nextHopGateway: the default internet gateway
const internetGateway = "global/gateways/default-internet-gateway"

// wantRoute is a route as the provider writes it.
type wantRoute struct {
	name, subnet, tag string
	dst               netip.Prefix
	priority          int64
	hop               string // internetGateway or an instance's path
}

// String renders a route for plans: "10.2.0.0/16 priority 100 via projects/P/zones/Z/instances/N".
func (r wantRoute) String() string {
	return fmt.Sprintf("%s priority %d tag %s via %s", r.dst, r.priority, r.tag, r.hop)
}

func (r wantRoute) matches(o *routeObj) bool {
	return o.dst == r.dst && o.tag == r.tag && o.priority == r.priority && o.hop == r.hop
}

// sdk is the route as the library takes it, in network.
func (p *Provider) sdkRoute(r wantRoute, network string) *compute.Route {
	out := &compute.Route{Name: r.name, Description: p.describe(r.subnet), Network: network, DestRange: r.dst.String(),
		Priority: r.priority, ForceSendFields: []string{"Priority"}, Tags: []string{r.tag}}
	if r.hop == internetGateway {
		out.NextHopGateway = "projects/" + p.project + "/" + internetGateway
	} else {
		out.NextHopInstance = r.hop
	}
	return out
}

// staticRoutes are the static routes d gives a subnet, by name.
func (pl *planner) staticRoutes(subnet string) map[string]wantRoute {
	out := map[string]wantRoute{}
	for dst := range pl.x.Routes[subnet] {
		// Validate allows internet targets only (no private lines).
		r := wantRoute{name: pl.p.gcpName(staticKind, subnet+"-"+dst.String()), subnet: subnet, tag: pl.p.subnetTag(subnet),
			dst: dst, priority: staticPriority, hop: internetGateway}
		out[r.name] = r
	}
	return out
}

// planStaticRoutes plans the subnets' static routes: missing or changed
// ones made (a changed one deleted first), ones d no longer has deleted,
// and the learned routes of a subnet or network that goes deleted with it
// (a network with routes cannot be deleted).
func (pl *planner) planStaticRoutes() {
	p, w := pl.p, pl.w
	want := map[string]wantRoute{}
	for _, s := range pl.d.VPCs {
		for _, sn := range s.Subnets {
			maps.Copy(want, pl.staticRoutes(sn.Key))
		}
	}
	for _, name := range cloud.SortedKeys(w.routes) {
		o := w.routes[name]
		wr, wanted := want[name]
		switch {
		case strings.HasPrefix(name, staticKind+"-") && wanted && wr.matches(o) && pl.subnetStays(o):
			delete(want, name) // kept as it is
			continue
		case strings.HasPrefix(name, learnedKind+"-") && pl.subnetStays(o):
			continue // SyncRoutes'
		}
		pl.add(phDelRoute, "routes.delete", o.Key, o.ID, "delete route "+name, func(ctx context.Context) error {
			if err := p.run(ctx, p.svc.Routes.Delete(p.project, name).Context(ctx)); err != nil {
				return err
			}
			delete(w.routes, name)
			return nil
		})
	}
	for _, name := range cloud.SortedKeys(want) {
		r := want[name]
		vk := pl.x.SubnetVPC[r.subnet]
		if !pl.free("routes", name, r.subnet) {
			continue
		}
		detail := "name=" + name + " network=" + cloud.Ref(w.nets, pl.goneNet, vk) + " route=" + r.String()
		pl.add(phRoute, "routes.insert", r.subnet, detail, "create route "+r.subnet+" "+r.dst.String(), func(ctx context.Context) error {
			n, ok := w.nets[vk]
			if !ok {
				return cloud.ErrNotExist("network", vk)
			}
			if err := p.run(ctx, p.svc.Routes.Insert(p.project, p.sdkRoute(r, n.link)).Context(ctx)); err != nil {
				return err
			}
			w.routes[name] = &routeObj{Object: cloud.Object{Key: r.subnet, ID: "projects/" + p.project + "/global/routes/" + name}, name: name,
				network: n.ID, tag: r.tag, dst: r.dst, priority: r.priority, hop: r.hop}
			return nil
		})
	}
}

// subnetStays reports whether a route's subnet stays, in the network the
// route is in.
func (pl *planner) subnetStays(o *routeObj) bool {
	vk := pl.x.SubnetVPC[o.Key]
	return cloud.Keeps(pl.w.subnets, pl.goneSubnet, o.Key) && cloud.Keeps(pl.w.nets, pl.goneNet, vk) && pl.w.nets[vk].ID == o.network &&
		o.tag == pl.p.subnetTag(o.Key)
}

// SyncRoutes makes the learned routes of subnet exactly want (destination
// -> instance key): routes of the subnet's network scoped by its tag, with
// the instance as next hop (it forwards: canIpForward), and returns the
// calls made. Static and other routes stay as they are. A route that
// moves to another instance is made anew before the old one is deleted.
// GCP: https://cloud.google.com/vpc/docs/routes#next-hops — nextHopInstance: an instance with canIpForward in the route's network
//
// It is cheap when nothing differs: one list of routes, with the
// instances' and subnets' links from a cache that Apply and Observe fill
// and that a missing key refreshes.
func (p *Provider) SyncRoutes(ctx context.Context, subnet string, want map[netip.Prefix]string) ([]cloud.Call, error) {
	fail := func(err error) error { return fmt.Errorf("sync routes of subnet %s: %w", subnet, err) }
	w := &world{}
	if err := p.listRoutes(ctx, w); err != nil {
		return nil, fail(err)
	}
	network, err := p.subnetNetwork(ctx, subnet)
	if err != nil {
		return nil, fail(err)
	}
	insts, err := p.instanceRefs(ctx, slices.Collect(maps.Values(want)))
	if err != nil {
		return nil, fail(err)
	}
	tag := p.subnetTag(subnet)
	wanted := map[string]wantRoute{}
	for dst, key := range want {
		r := wantRoute{name: p.gcpName(learnedKind, subnet+"-"+dst.String()+"-"+key), subnet: subnet, tag: tag, dst: dst,
			priority: learnedPriority, hop: path(insts[key].link)}
		if o, ok := w.routes[r.name]; ok && o.priority == learnedPriority+1 {
			r.priority = o.priority // made while another route held 100
		}
		wanted[r.name] = r
	}
	var calls []cloud.Call
	call := func(action, detail string) {
		calls = append(calls, cloud.Call{Service: service, Action: action, Object: subnet, Detail: detail})
	}
	for _, name := range cloud.SortedKeys(wanted) {
		r := wanted[name]
		if o, ok := w.routes[name]; ok && o.Key == subnet && r.matches(o) {
			continue
		}
		if o, ok := w.routes[name]; ok { // same name, other route: made again
			if err := p.run(ctx, p.svc.Routes.Delete(p.project, name).Context(ctx)); err != nil {
				return calls, fail(fmt.Errorf("delete route %s: %w", name, err))
			}
			delete(w.routes, name)
			call("routes.delete", o.ID)
		}
		// A route that moves is made beside the old one, which goes next:
		// at the other of two priorities, since one table takes one route
		// per destination and priority.
		r.priority = learnedPriority
		for _, o := range w.routes {
			if o.dst == r.dst && o.tag == r.tag && o.priority == learnedPriority {
				r.priority = learnedPriority + 1
			}
		}
		if err := p.run(ctx, p.svc.Routes.Insert(p.project, p.sdkRoute(r, network)).Context(ctx)); err != nil {
			p.forget(want[r.dst]) // perhaps a stale link: look it up again next time
			return calls, fail(fmt.Errorf("create route %s via instance %s: %w", r.dst, want[r.dst], err))
		}
		call("routes.insert", "name="+name+" route="+r.String()+" ("+want[r.dst]+")")
	}
	var errs []error
	for _, name := range cloud.SortedKeys(w.routes) {
		o := w.routes[name]
		if _, ok := wanted[name]; ok || o.Key != subnet || !strings.HasPrefix(name, learnedKind+"-") {
			continue
		}
		if err := p.run(ctx, p.svc.Routes.Delete(p.project, name).Context(ctx)); err != nil {
			errs = append(errs, fail(fmt.Errorf("delete route %s: %w", name, err)))
			continue
		}
		call("routes.delete", o.ID)
	}
	return calls, errors.Join(errs...)
}

// forget drops an instance from the cache.
func (p *Provider) forget(key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.insts, key)
}

// subnetNetwork returns the link of the network of the owner's subnet.
func (p *Provider) subnetNetwork(ctx context.Context, subnet string) (string, error) {
	p.mu.Lock()
	n, ok := p.nets[subnet]
	p.mu.Unlock()
	if ok {
		return n, nil
	}
	w := &world{}
	if err := p.listSubnets(ctx, w); err != nil {
		return "", err
	}
	s, ok := w.subnets[subnet]
	if !ok {
		return "", fmt.Errorf("no subnetwork of owner %s has this key", p.owner)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.nets[subnet] = s.network
	return s.network, nil
}

// instanceRefs returns the links of the instances with the given keys,
// from the cache, refreshing it once for the keys it lacks.
func (p *Provider) instanceRefs(ctx context.Context, keys []string) (map[string]instRef, error) {
	out := map[string]instRef{}
	missing := false
	p.mu.Lock()
	for _, k := range keys {
		if a, ok := p.insts[k]; ok {
			out[k] = a
		} else {
			missing = true
		}
	}
	p.mu.Unlock()
	if !missing {
		return out, nil
	}
	w := &world{}
	if err := p.listInstances(ctx, w); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, i := range w.insts {
		if k == i.Key {
			p.insts[k] = instRef{link: i.link, ip: i.ip}
		}
	}
	for _, k := range keys {
		a, ok := p.insts[k]
		if !ok {
			return nil, fmt.Errorf("instance %s: no instance of owner %s has this key", k, p.owner)
		}
		out[k] = a
	}
	return out, nil
}
