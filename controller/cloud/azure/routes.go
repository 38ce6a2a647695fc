package azure

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// The next hop types of the user-defined routes the provider makes.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-networks-udr-overview#user-defined — next hop types: VirtualAppliance, VirtualNetworkGateway, VnetLocal, Internet, None
const (
	hopInternet  = string(armnetwork.RouteNextHopTypeInternet)
	hopAppliance = string(armnetwork.RouteNextHopTypeVirtualAppliance)
)

// Route names: Apply owns the routes named static-..., SyncRoutes those
// to a virtual appliance (named learned-... when it makes them).
const (
	staticPrefix  = "static-"
	learnedPrefix = "learned-"
)

// routeName names a route by its kind and destination: a route name takes
// letters, digits, '_', '.' and '-' (static-10.0.0.0_8).
func routeName(kind string, dst netip.Prefix) string {
	return kind + strings.ReplaceAll(dst.String(), "/", "_")
}

// sdk is the route as the SDK takes it.
func (r routeObj) sdk() *armnetwork.Route {
	props := &armnetwork.RoutePropertiesFormat{AddressPrefix: to.Ptr(r.dst.String()), NextHopType: to.Ptr(armnetwork.RouteNextHopType(r.hopType))}
	if r.hopIP.IsValid() {
		props.NextHopIPAddress = to.Ptr(r.hopIP.String())
	}
	return &armnetwork.Route{Name: to.Ptr(r.name), Properties: props}
}

// String renders a route for plans: "0.0.0.0/0->Internet",
// "10.100.0.0/24->VirtualAppliance:10.1.0.10".
func (r routeObj) String() string {
	s := r.dst.String() + "->" + r.hopType
	if r.hopIP.IsValid() {
		s += ":" + r.hopIP.String()
	}
	return s
}

func routeList(rs []routeObj) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = r.String()
	}
	return strings.Join(s, " ")
}

// staticRoutes are the static routes d gives a subnet's table, by
// destination.
func (pl *planner) staticRoutes(subnet string) []routeObj {
	var out []routeObj
	for _, dst := range slices.SortedFunc(maps.Keys(pl.wantRoutes[subnet]), cloud.ComparePrefix) {
		// Validate allows internet targets only (no private lines).
		out = append(out, routeObj{name: routeName(staticPrefix, dst), dst: dst, hopType: hopInternet})
	}
	return out
}

// planRoutes plans the static routes of the tables that stay: missing or
// changed ones written, ones d no longer has deleted. A destination that
// another route of the table holds is an error: Apply leaves other
// routes alone, and a table takes one route per prefix.
func (pl *planner) planRoutes() error {
	p, w := pl.p, pl.w
	var errs []error
	for _, k := range cloud.SortedKeys(w.tables) {
		if !cloud.Keeps(w.tables, pl.goneTable, k) {
			continue
		}
		t := w.tables[k]
		want := map[string]routeObj{}
		for _, r := range pl.staticRoutes(k) {
			want[r.name] = r
		}
		for _, name := range cloud.SortedKeys(t.routes) {
			r := t.routes[name]
			if _, ok := want[name]; ok || !strings.HasPrefix(name, staticPrefix) {
				continue
			}
			pl.add(phDelRoute, nsNetwork, "routeTables/routes/delete", k, "routeTable="+t.ID+" name="+name, "delete route "+k+" "+name, func(ctx context.Context) error {
				if _, err := begun(p.routes.BeginDelete(ctx, t.group, nameOf(t.ID), name, nil)).wait(ctx, p.freq); err != nil {
					return err
				}
				delete(t.routes, r.name)
				return nil
			})
		}
		for _, name := range cloud.SortedKeys(want) {
			r := want[name]
			if have, ok := t.routes[name]; ok && have == r {
				continue
			}
			if other, ok := holder(t.routes, r.dst); ok && other.name != name {
				errs = append(errs, fmt.Errorf("route %s %s: the destination is routed by %s (%s), which Apply leaves alone", k, r.dst, other.name, other))
				continue
			}
			pl.add(phRoute, nsNetwork, "routeTables/routes/write", k, "routeTable="+t.ID+" name="+name+" route="+r.String(), "write route "+k+" "+name, func(ctx context.Context) error {
				if _, err := begun(p.routes.BeginCreateOrUpdate(ctx, t.group, nameOf(t.ID), name, *r.sdk(), nil)).wait(ctx, p.freq); err != nil {
					return err
				}
				t.routes[name] = r
				return nil
			})
		}
	}
	return errors.Join(errs...)
}

// holder returns the route of routes whose destination is dst.
func holder(routes map[string]routeObj, dst netip.Prefix) (routeObj, bool) {
	for _, r := range routes {
		if r.dst == dst {
			return r, true
		}
	}
	return routeObj{}, false
}

// SyncRoutes makes the routes of subnet's route table that go to a
// virtual appliance exactly want (destination -> instance key), each to
// the instance's NIC's private address (the NIC forwards: its IP
// forwarding is on), and returns the calls made. Static and other routes
// stay as they are; a wanted destination that such a route holds is
// reported as an error after the other routes are synced.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-networks-udr-overview#user-defined — VirtualAppliance: the next hop is the private IP address of a network interface with IP forwarding enabled
//
// It is cheap when nothing differs: one list of route tables, with the
// instances' addresses from a cache that Apply and Observe fill and that
// a missing key refreshes (one list of NICs).
func (p *Provider) SyncRoutes(ctx context.Context, subnet string, want map[netip.Prefix]string) ([]cloud.Call, error) {
	w := &world{}
	if err := p.listTables(ctx, w); err != nil {
		return nil, fmt.Errorf("sync routes of subnet %s: %w", subnet, err)
	}
	t, ok := w.tables[subnet]
	if !ok {
		return nil, fmt.Errorf("sync routes of subnet %s: it has no route table of owner %s", subnet, p.owner)
	}
	addrs, err := p.instanceAddrs(ctx, slices.Collect(maps.Values(want)))
	if err != nil {
		return nil, fmt.Errorf("sync routes of subnet %s: %w", subnet, err)
	}
	table := nameOf(t.ID)
	var calls []cloud.Call
	call := func(action, detail string) {
		calls = append(calls, cloud.Call{Service: nsNetwork, Action: action, Object: subnet, Detail: "routeTable=" + t.ID + " " + detail})
	}
	for _, name := range cloud.SortedKeys(t.routes) {
		r := t.routes[name]
		if _, wanted := want[r.dst]; wanted || r.hopType != hopAppliance {
			continue
		}
		if _, err := begun(p.routes.BeginDelete(ctx, t.group, table, name, nil)).wait(ctx, p.freq); err != nil {
			return calls, fmt.Errorf("sync routes of subnet %s: delete route %s: %w", subnet, name, err)
		}
		call("routeTables/routes/delete", "name="+name)
	}
	var conflicts []error
	for _, dst := range slices.SortedFunc(maps.Keys(want), cloud.ComparePrefix) {
		key := want[dst]
		r := routeObj{name: routeName(learnedPrefix, dst), dst: dst, hopType: hopAppliance, hopIP: addrs[key]}
		if have, found := holder(t.routes, dst); found {
			if have.hopType != hopAppliance {
				conflicts = append(conflicts, fmt.Errorf("sync routes of subnet %s: route %s: the destination is routed by %s (%s), which SyncRoutes leaves alone", subnet, dst, have.name, have))
				continue
			}
			if have.hopIP == r.hopIP {
				continue
			}
			r.name = have.name
		}
		if _, err := begun(p.routes.BeginCreateOrUpdate(ctx, t.group, table, r.name, *r.sdk(), nil)).wait(ctx, p.freq); err != nil {
			p.forget(key) // perhaps a stale address: look it up again next time
			return calls, fmt.Errorf("sync routes of subnet %s: write route %s via instance %s (%s): %w", subnet, dst, key, r.hopIP, err)
		}
		call("routeTables/routes/write", "name="+r.name+" route="+r.String()+" ("+key+")")
	}
	return calls, errors.Join(conflicts...)
}

// forget drops an instance from the cache.
func (p *Provider) forget(key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.addrs, key)
}

// instanceAddrs returns the NIC addresses of the instances with the given
// keys, from the cache, refreshing it once for the keys it lacks.
func (p *Provider) instanceAddrs(ctx context.Context, keys []string) (map[string]netip.Addr, error) {
	out := map[string]netip.Addr{}
	missing := false
	p.mu.Lock()
	for _, k := range keys {
		if a, ok := p.addrs[k]; ok {
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
	if err := p.listNICs(ctx, w); err != nil {
		return nil, err
	}
	p.remember(w)
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, k := range keys {
		a, ok := p.addrs[k]
		if !ok {
			return nil, fmt.Errorf("instance %s: no network interface of owner %s has this key", k, p.owner)
		}
		out[k] = a
	}
	return out, nil
}
