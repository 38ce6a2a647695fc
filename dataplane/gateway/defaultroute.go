package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"github.com/vishvananda/netlink"
	vnetns "github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/dataplane/fib"
)

// A default route learned over BGP (0.0.0.0/0 or ::/0: a transit that
// sends its spokes' internet egress through its firewalls advertises it
// to them) is not put in the main table, whose default route the gateway
// itself needs (its tunnels' underlay packets leave by it, and it reaches
// the rest of its own VPC by it): it goes to a table of its own,
// DefaultTable, which only packets arriving on the uplink (the interface
// of the main table's default route: from the gateway's own VPC) look up,
// after the main table's routes more specific than a default route
// (suppress_prefixlength 0). The gateway's own packets, and those coming
// out of its tunnels towards its VPC, keep the main table. (With egress
// through FireNet the transit advertises 0.0.0.0/0 to its spokes, as the
// commercial platform does: ../shared/background/ace-prep-notes.txt.)

// DefaultTable is the routing table of learned default routes, and
// DefaultRulePriority the priority of the first of its two rules (after
// FireNet's, firenet.DefaultRulePriority).
const (
	DefaultTable        = 4700
	DefaultRulePriority = 1100
)

// isDefault says whether p is a default route.
func isDefault(p netip.Prefix) bool { return p.Bits() == 0 }

// splitFIB is a routeTable that keeps default routes in a table of their
// own (defaults) and the rest in main.
type splitFIB struct{ main, defaults routeTable }

func (s splitFIB) Sync(ctx context.Context, desired map[netip.Prefix][]netip.Addr) error {
	rest, defs := map[netip.Prefix][]netip.Addr{}, map[netip.Prefix][]netip.Addr{}
	for p, hops := range desired {
		if isDefault(p) {
			defs[p] = hops
		} else {
			rest[p] = hops
		}
	}
	return errors.Join(s.main.Sync(ctx, rest), s.defaults.Sync(ctx, defs))
}

func (s splitFIB) Routes() (map[netip.Prefix][]netip.Addr, error) {
	out, err := s.main.Routes()
	if err != nil {
		return nil, err
	}
	defs, err := s.defaults.Routes()
	if err != nil {
		return nil, err
	}
	for p, hops := range defs {
		out[p] = hops
	}
	return out, nil
}

// Version is the sum of both tables' versions, which only grow.
func (s splitFIB) Version() uint64 { return s.main.Version() + s.defaults.Version() }

func (s splitFIB) Invalidate() { s.main.Invalidate(); s.defaults.Invalidate() }

func (s splitFIB) Close() error { return errors.Join(s.main.Close(), s.defaults.Close()) }

// defaultsTable is DefaultTable in the kernel, with its rules: added when
// it holds a route, removed on Close.
type defaultsTable struct {
	nl  *netlink.Handle
	fib *fib.FIB
}

// newDefaultsTable returns the table of learned defaults written through
// nl, whose namespace is ns (vnetns.None(): the calling thread's).
func newDefaultsTable(nl *netlink.Handle, ns vnetns.NsHandle) defaultsTable {
	return defaultsTable{nl: nl, fib: fib.New(nl, ns, fib.Options{Table: DefaultTable})}
}

// rules are the two rules of each family for packets arriving on
// uplink.
func (d defaultsTable) rules(uplink string) []*netlink.Rule {
	var out []*netlink.Rule
	for _, fam := range []int{unix.AF_INET, unix.AF_INET6} {
		main := netlink.NewRule()
		main.Family, main.Priority, main.Table, main.SuppressPrefixlen, main.IifName = fam, DefaultRulePriority, unix.RT_TABLE_MAIN, 0, uplink
		defs := netlink.NewRule()
		defs.Family, defs.Priority, defs.Table, defs.IifName = fam, DefaultRulePriority+1, DefaultTable, uplink
		out = append(out, main, defs)
	}
	return out
}

// uplink is the interface of the main table's IPv4 default route.
func (d defaultsTable) uplink() (string, error) {
	routes, err := d.nl.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Table: unix.RT_TABLE_MAIN}, netlink.RT_FILTER_TABLE)
	if err != nil {
		return "", fmt.Errorf("default routes: list the main table: %w", err)
	}
	for _, r := range routes {
		if r.Dst == nil || r.Dst.String() == "0.0.0.0/0" {
			l, err := d.nl.LinkByIndex(r.LinkIndex)
			if err != nil {
				return "", fmt.Errorf("default routes: the uplink: %w", err)
			}
			return l.Attrs().Name, nil
		}
	}
	return "", errors.New("default routes: the main table has no default route, so no uplink to take a learned one from")
}

func (d defaultsTable) Sync(ctx context.Context, desired map[netip.Prefix][]netip.Addr) error {
	if len(desired) > 0 {
		up, err := d.uplink()
		if err != nil {
			return err
		}
		for _, r := range d.rules(up) {
			if err := d.nl.RuleAdd(r); err != nil && !errors.Is(err, unix.EEXIST) {
				return fmt.Errorf("default routes: rule pref %d iif %s lookup %d: %w", r.Priority, up, r.Table, err)
			}
		}
	}
	return d.fib.Sync(ctx, desired)
}

func (d defaultsTable) Routes() (map[netip.Prefix][]netip.Addr, error) { return d.fib.Routes() }

func (d defaultsTable) Invalidate() { d.fib.Invalidate() }

func (d defaultsTable) Version() uint64 { return d.fib.Version() }

// Close removes the routes and the rules.
func (d defaultsTable) Close() error {
	errs := []error{d.fib.Close()}
	for _, fam := range []int{netlink.FAMILY_V4, netlink.FAMILY_V6} {
		rules, err := d.nl.RuleList(fam)
		if err != nil {
			errs = append(errs, fmt.Errorf("default routes: list rules: %w", err))
			continue
		}
		for _, r := range rules {
			if r.Priority == DefaultRulePriority || r.Priority == DefaultRulePriority+1 {
				if err := d.nl.RuleDel(&r); err != nil && !errors.Is(err, unix.ENOENT) {
					errs = append(errs, fmt.Errorf("default routes: delete rule pref %d: %w", r.Priority, err))
				}
			}
		}
	}
	return errors.Join(errs...)
}
