package bench

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/vishvananda/netlink/nl"
	vnetns "github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/emulator/netns"
)

// routeCounter counts one namespace's gateway routes inside ExtraRange
// from a raw route dump, reading each route's header and destination
// only. Convergence polls every gateway every 25 ms; decoding their 10,000
// routes each into netlink.Route values on every poll kept a core of the
// 2-core machine busy, taken from the gateways being measured.
type routeCounter struct{ sock *nl.NetlinkSocket }

// newRouteCounter opens a route socket in the named namespace; Close
// closes it.
func newRouteCounter(name string) (*routeCounter, error) {
	ns, err := netns.Open(name)
	if err != nil {
		return nil, err
	}
	defer ns.Close()
	s, err := nl.GetNetlinkSocketAt(ns, vnetns.None(), unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("route socket in %s: %w", name, err)
	}
	return &routeCounter{sock: s}, nil
}

// Close closes the socket.
func (c *routeCounter) Close() { c.sock.Close() }

// count returns the number of IPv4 protocol-GatewayRouteProtocol routes of
// length ExtraPrefixLen inside ExtraRange, dumping again when the kernel
// interrupted a dump because the table changed under it.
func (c *routeCounter) count() (int, error) {
	var err error
	for range 5 {
		var n int
		n, err = c.dump()
		if !errors.Is(err, nl.ErrDumpInterrupted) {
			return n, err
		}
	}
	return 0, err
}

func (c *routeCounter) dump() (int, error) { return c.dumpEach(func(netip.Prefix) {}) }

// dumpEach dumps the table and calls fn with each counted route's
// destination; it returns how many there were.
func (c *routeCounter) dumpEach(fn func(netip.Prefix)) (int, error) {
	req := nl.NewNetlinkRequest(unix.RTM_GETROUTE, unix.NLM_F_DUMP)
	req.Sockets = map[int]*nl.SocketHandle{unix.NETLINK_ROUTE: {Socket: c.sock}}
	msg := nl.NewRtMsg()
	msg.Family = unix.AF_INET
	req.AddData(msg)
	n := 0
	var perr error
	err := req.ExecuteIter(unix.NETLINK_ROUTE, unix.RTM_NEWROUTE, func(m []byte) bool {
		if len(m) < unix.SizeofRtMsg {
			return true
		}
		p, ok, err := extraDst(m)
		if err != nil {
			perr = err
			return false
		}
		if ok {
			fn(p)
			n++
		}
		return true
	})
	if err == nil {
		err = perr
	}
	if err != nil {
		return 0, fmt.Errorf("dump routes: %w", err)
	}
	return n, nil
}

// extraDst returns the destination of route message m (an rtmsg and its
// attributes) when it is a counted route: IPv4, protocol
// GatewayRouteProtocol, a /ExtraPrefixLen inside ExtraRange.
func extraDst(m []byte) (netip.Prefix, bool, error) {
	if len(m) < unix.SizeofRtMsg {
		return netip.Prefix{}, false, nil
	}
	rt := nl.DeserializeRtMsg(m)
	if rt.Family != unix.AF_INET || rt.Protocol != GatewayRouteProtocol || int(rt.Dst_len) != ExtraPrefixLen {
		return netip.Prefix{}, false, nil
	}
	attrs, err := nl.ParseRouteAttr(m[unix.SizeofRtMsg:])
	if err != nil {
		return netip.Prefix{}, false, err
	}
	for _, a := range attrs {
		if a.Attr.Type == unix.RTA_DST && len(a.Value) == 4 {
			if a := netip.AddrFrom4([4]byte(a.Value)); ExtraRange.Contains(a) {
				return netip.PrefixFrom(a, ExtraPrefixLen), true, nil
			}
		}
	}
	return netip.Prefix{}, false, nil
}
