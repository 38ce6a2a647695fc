package fib

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Protocol is the route protocol number (rtm_protocol) that marks the
// routes this package owns: 186 is RTPROT_BGP in linux/rtnetlink.h, so
// `ip route` shows them as "proto bgp". A gateway namespace runs no other
// BGP daemon, so within it the number is this package's alone.
const Protocol netlink.RouteProtocol = 186

// ErrForeignRoute reports a desired route that collides with a route of
// another protocol; such a route is left alone and the prefix skipped.
var ErrForeignRoute = errors.New("route owned by another protocol")

// ErrClosed is returned by calls on a closed FIB.
var ErrClosed = errors.New("fib closed")

// Options tune a FIB; the zero value uses the main table and metric 0.
type Options struct {
	// Table is the kernel routing table; 0 means main (254).
	Table int
	// Metric is the route priority of installed routes.
	Metric int
}

// FIB owns the Protocol routes of one routing table. It does not own the
// handle: the caller closes it after Close.
type FIB struct {
	h      *netlink.Handle
	table  int
	metric int

	mu     sync.Mutex // serialises kernel changes; guards closed
	closed bool
}

// New returns a FIB writing through h.
func New(h *netlink.Handle, opts Options) *FIB {
	if opts.Table == 0 {
		opts.Table = unix.RT_TABLE_MAIN
	}
	return &FIB{h: h, table: opts.Table, metric: opts.Metric}
}

// Sync makes the FIB's routes equal desired: each prefix routed via its next
// hops (one next hop, or an ECMP multipath route with several), using
// replace so traffic never sees a gap, then stale routes deleted. Prefixes
// with no next hops are removed. Input is checked fully before the kernel is
// touched. A prefix whose route exists under another protocol is skipped
// with ErrForeignRoute; the other prefixes are still synced.
func (f *FIB) Sync(ctx context.Context, desired map[netip.Prefix][]netip.Addr) error {
	want, err := normalize(desired)
	if err != nil {
		return fmt.Errorf("fib sync: %w", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return fmt.Errorf("fib sync: %w", ErrClosed)
	}
	cur, foreign, err := f.listLocked()
	if err != nil {
		return fmt.Errorf("fib sync: %w", err)
	}
	var errs []error
	for p := range want {
		if foreign[p] {
			errs = append(errs, fmt.Errorf("fib sync %s: %w", p, ErrForeignRoute))
			delete(want, p)
		}
	}
	for _, c := range diff(cur, want) {
		if err := ctx.Err(); err != nil {
			return errors.Join(append(errs, fmt.Errorf("fib sync: %w", err))...)
		}
		if err := f.applyLocked(c); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Routes reads back the routes this FIB owns in the kernel.
func (f *FIB) Routes() (map[netip.Prefix][]netip.Addr, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cur, _, err := f.listLocked()
	if err != nil {
		return nil, fmt.Errorf("fib routes: %w", err)
	}
	return cur, nil
}

// Flush removes every route this FIB owns.
func (f *FIB) Flush() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.flushLocked()
}

// Close flushes the FIB's routes and refuses further calls. It is
// idempotent; it does not close the netlink handle.
func (f *FIB) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil
	}
	f.closed = true
	return f.flushLocked()
}

func (f *FIB) flushLocked() error {
	cur, _, err := f.listLocked()
	if err != nil {
		return fmt.Errorf("fib flush: %w", err)
	}
	var errs []error
	for _, c := range diff(cur, nil) {
		if err := f.applyLocked(c); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (f *FIB) applyLocked(c change) error {
	r := &netlink.Route{
		Dst:      prefixToIPNet(c.Prefix),
		Table:    f.table,
		Protocol: Protocol,
		Priority: f.metric,
		Family:   family(c.Prefix.Addr()),
	}
	if len(c.NextHops) == 0 {
		if err := f.h.RouteDel(r); err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("fib delete route %s: %w", c.Prefix, err)
		}
		return nil
	}
	if len(c.NextHops) == 1 {
		r.Gw = net.IP(c.NextHops[0].AsSlice())
	} else {
		for _, nh := range c.NextHops {
			r.MultiPath = append(r.MultiPath, &netlink.NexthopInfo{Gw: net.IP(nh.AsSlice())})
		}
	}
	if err := f.h.RouteReplace(r); err != nil {
		return fmt.Errorf("fib replace route %s via %v: %w", c.Prefix, c.NextHops, err)
	}
	return nil
}

// listLocked returns this FIB's routes in its table and the prefixes that
// other protocols hold at the same metric.
func (f *FIB) listLocked() (own map[netip.Prefix][]netip.Addr, foreign map[netip.Prefix]bool, err error) {
	own = make(map[netip.Prefix][]netip.Addr)
	foreign = make(map[netip.Prefix]bool)
	for _, fam := range []int{netlink.FAMILY_V4, netlink.FAMILY_V6} {
		routes, err := f.routeList(fam)
		if err != nil {
			return nil, nil, err
		}
		for _, r := range routes {
			p, ok := ipNetToPrefix(r.Dst, fam)
			if !ok {
				continue
			}
			if r.Protocol != Protocol {
				if r.Priority == f.metric && r.Type == unix.RTN_UNICAST {
					foreign[p] = true
				}
				continue
			}
			var nhs []netip.Addr
			if a, ok := netip.AddrFromSlice(r.Gw); ok {
				nhs = append(nhs, a.Unmap())
			}
			for _, nh := range r.MultiPath {
				if a, ok := netip.AddrFromSlice(nh.Gw); ok {
					nhs = append(nhs, a.Unmap())
				}
			}
			// Older kernels dump an IPv6 multipath route as one route
			// per next hop: merge them.
			nhs = append(own[p], nhs...)
			slices.SortFunc(nhs, netip.Addr.Compare)
			own[p] = slices.Compact(nhs)
		}
	}
	return own, foreign, nil
}

// routeList dumps one family of the FIB's table, retrying a dump that the
// kernel interrupted because the table changed meanwhile.
func (f *FIB) routeList(fam int) ([]netlink.Route, error) {
	filter := &netlink.Route{Table: f.table}
	var err error
	for range 5 {
		var routes []netlink.Route
		routes, err = f.h.RouteListFiltered(fam, filter, netlink.RT_FILTER_TABLE)
		if err == nil {
			return routes, nil
		}
		if !errors.Is(err, netlink.ErrDumpInterrupted) {
			break
		}
	}
	return nil, fmt.Errorf("list routes of table %d: %w", f.table, err)
}

func family(a netip.Addr) int {
	if a.Is4() {
		return netlink.FAMILY_V4
	}
	return netlink.FAMILY_V6
}

func prefixToIPNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: net.IP(p.Addr().AsSlice()), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}

// ipNetToPrefix converts a route destination; nil is the default route.
func ipNetToPrefix(n *net.IPNet, fam int) (netip.Prefix, bool) {
	if n == nil {
		if fam == netlink.FAMILY_V4 {
			return netip.PrefixFrom(netip.IPv4Unspecified(), 0), true
		}
		return netip.PrefixFrom(netip.IPv6Unspecified(), 0), true
	}
	a, ok := netip.AddrFromSlice(n.IP)
	if !ok {
		return netip.Prefix{}, false
	}
	ones, _ := n.Mask.Size()
	return netip.PrefixFrom(a.Unmap(), ones).Masked(), true
}
