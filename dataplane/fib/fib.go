package fib

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/netip"
	"slices"
	"sync"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"github.com/vishvananda/netns"
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

	mu     sync.Mutex // serialises kernel changes; guards closed and view
	closed bool
	// view is this FIB's routes as it last left them in the kernel, so
	// that a Sync changes only the routes that differ from it without
	// reading the table back. It is stale (or nil, before the first Sync)
	// after Invalidate or a change that failed: the next Sync reads the
	// kernel.
	view  map[netip.Prefix][]netip.Addr
	stale bool
	// version counts the changes of view (Version).
	version uint64
	// sock sends route changes in batches (batch.go), closed by Close;
	// nil when it could not be opened (sockErr).
	sock    *nl.NetlinkSocket
	sockErr error
}

// New returns a FIB reading through h and writing through a socket of its
// own that it opens in ns, which must be h's namespace: netns.None() for
// the calling thread's (netlink.NewHandle), the namespace given to
// netlink.NewHandleAt otherwise. A socket that cannot be opened fails
// every change.
func New(h *netlink.Handle, ns netns.NsHandle, opts Options) *FIB {
	if opts.Table == 0 {
		opts.Table = unix.RT_TABLE_MAIN
	}
	f := &FIB{h: h, table: opts.Table, metric: opts.Metric}
	f.sock, f.sockErr = openSocket(ns)
	return f
}

// Sync makes the FIB's routes equal desired: each prefix routed via its next
// hops (one next hop, or an ECMP multipath route with several), using
// replace so traffic never sees a gap, then stale routes deleted. Prefixes
// with no next hops are removed. Input is checked fully before the kernel is
// touched. A prefix whose route exists under another protocol (at the FIB's
// metric) is skipped with ErrForeignRoute; the other prefixes are still
// synced.
//
// Only the routes that differ from the FIB's view of its own routes are
// changed, so a Sync that changes one route of 10,000 makes one netlink
// request, and the requests go to the kernel in batches (batch.go); the kernel table is read when the view is unknown (the first Sync,
// after Invalidate, after a failed change).
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
	if err := f.reloadLocked(); err != nil {
		return fmt.Errorf("fib sync: %w", err)
	}
	return f.applyAllLocked(diff(f.view, want), ctx.Err)
}

// Invalidate makes the next Sync read the kernel table instead of trusting
// the FIB's view: the kernel removes routes on its own (IPv4 routes through
// an interface that goes down or away, without a notification), so a
// caller re-syncs with Invalidate now and then.
func (f *FIB) Invalidate() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stale = true
}

// reloadLocked reads the kernel table into the view when it is stale;
// the version changes only if the kernel held something else.
func (f *FIB) reloadLocked() error {
	if f.view != nil && !f.stale {
		return nil
	}
	own, err := f.listLocked()
	if err != nil {
		return err
	}
	if f.view == nil || !maps.EqualFunc(own, f.view, slices.Equal) {
		f.version++
	}
	f.view, f.stale = own, false
	return nil
}

// Version changes whenever the routes that Routes returns may have
// changed: a caller that read Version, then Routes, and sees the same
// Version later, holds the routes of now.
func (f *FIB) Version() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.version
}

// Routes returns the routes this FIB owns: its view of them, or read from
// the kernel when it has none.
func (f *FIB) Routes() (map[netip.Prefix][]netip.Addr, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.view != nil && !f.stale {
		return maps.Clone(f.view), nil
	}
	cur, err := f.listLocked()
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
	err := f.flushLocked()
	if f.sock != nil {
		f.sock.Close()
		f.sock = nil
		f.sockErr = ErrClosed
	}
	return err
}

func (f *FIB) flushLocked() error {
	f.stale = true
	if err := f.reloadLocked(); err != nil {
		return fmt.Errorf("fib flush: %w", err)
	}
	return f.applyAllLocked(diff(f.view, nil), func() error { return nil })
}

// listLocked reads this FIB's routes in its table from the kernel.
func (f *FIB) listLocked() (map[netip.Prefix][]netip.Addr, error) {
	own := make(map[netip.Prefix][]netip.Addr)
	for _, fam := range []int{netlink.FAMILY_V4, netlink.FAMILY_V6} {
		routes, err := f.routeList(fam)
		if err != nil {
			return nil, err
		}
		for _, r := range routes {
			if r.Protocol != Protocol {
				continue
			}
			p, ok := ipNetToPrefix(r.Dst, fam)
			if !ok {
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
	return own, nil
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
