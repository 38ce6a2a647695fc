package realize

// Router configuration: the kernel routes, rules and nftables table a
// router (or transit gateway) namespace gets from its plan, rewritten when
// their fingerprint changes.

import (
	"errors"
	"fmt"
	"net"
	"slices"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// configureRouter brings the router's routes, rules and nftables table to
// the plan: routes and rules by difference, the table atomically.
func (r *Realizer) configureRouter(rp *routerPlan) error {
	return r.live.routers[rp.network].configure(rp.routes, rp.rules, rp.nft, rp.key, rp.nftKey)
}

// configure brings a router namespace's routes and rules to the plan by
// difference while key changes, and replaces its nftables table while
// nftKey changes (an nftables commit costs milliseconds).
func (lr *liveRouter) configure(routes []kroute, rules []krule, nft *ruleset, key, nftKey string) error {
	if lr.nftKey != nftKey {
		if err := nft.apply(int(lr.h)); err != nil {
			return fmt.Errorf("%s: %w", lr.name, err)
		}
		lr.nftKey = nftKey
	}
	if lr.key == key {
		return nil
	}
	want := map[rkey]kroute{}
	for _, k := range routes {
		want[rkey{k.table, k.dst}] = k
	}
	for key, have := range lr.routes {
		if _, ok := want[key]; !ok {
			if err := lr.nl.RouteDel(lr.kernel(have, 0)); err != nil && !errors.Is(err, unix.ESRCH) {
				return fmt.Errorf("%s: delete route %s table %d: %w", lr.name, key.dst, key.table, err)
			}
			delete(lr.routes, key)
		}
	}
	for _, key := range slices.SortedFunc(mapsKeys(want), func(a, b rkey) int { return a.dst.Bits() - b.dst.Bits() }) {
		k := want[key]
		if have, ok := lr.routes[key]; ok && have == k {
			continue
		}
		idx := 0
		if k.dev != "" {
			link, err := lr.link(k.dev)
			if err != nil {
				return err
			}
			idx = link.Attrs().Index
		}
		if err := lr.nl.RouteReplace(lr.kernel(k, idx)); err != nil {
			return fmt.Errorf("%s: route %s %s %s %s table %d: %w", lr.name, k.dst, k.kind, k.via, k.dev, k.table, err)
		}
		lr.routes[key] = k
	}
	wantRules := map[krule]bool{}
	for _, k := range rules {
		wantRules[k] = true
	}
	for k := range lr.rules {
		if !wantRules[k] {
			if err := lr.nl.RuleDel(kernelRule(k)); err != nil && !errors.Is(err, unix.ENOENT) {
				return fmt.Errorf("%s: delete rule %d: %w", lr.name, k.prio, err)
			}
			delete(lr.rules, k)
		}
	}
	for k := range wantRules {
		if lr.rules[k] {
			continue
		}
		if err := lr.nl.RuleAdd(kernelRule(k)); err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("%s: add rule %d iif %q table %d: %w", lr.name, k.prio, k.iif, k.table, err)
		}
		lr.rules[k] = true
	}
	lr.key = key
	return nil
}

func mapsKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func (l *liveNS) kernel(k kroute, idx int) *netlink.Route {
	rt := &netlink.Route{Table: k.table, Dst: ipNet(k.dst), Family: netlink.FAMILY_V4}
	if k.dst.Addr().Is6() {
		rt.Family = netlink.FAMILY_V6
	}
	switch k.kind {
	case "throw":
		rt.Type = unix.RTN_THROW
	case "blackhole":
		rt.Type = unix.RTN_BLACKHOLE
	case "unreachable":
		rt.Type = unix.RTN_UNREACHABLE
	case "dev":
		rt.LinkIndex, rt.Scope = idx, netlink.SCOPE_LINK
	case "via":
		rt.LinkIndex, rt.Gw = idx, net.IP(k.via.AsSlice())
	}
	return rt
}

func kernelRule(k krule) *netlink.Rule {
	ru := netlink.NewRule()
	ru.Family = netlink.FAMILY_V4
	if k.v6 {
		ru.Family = netlink.FAMILY_V6
	}
	ru.Priority, ru.IifName, ru.Table = k.prio, k.iif, k.table
	if k.src.IsValid() {
		ru.Src = ipNet(k.src)
	}
	if k.mark != 0 {
		mask := ^uint32(0)
		ru.Mark, ru.Mask = k.mark, &mask
	}
	return ru
}
