package bench

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/dataplane/hpe"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/topologies"
)

// The HPE lab: hostA -- gwA ==underlay== gwB -- hostB. Inner networks come
// from the benchmarking range 198.18.0.0/15 (RFC 2544), the underlay from
// TEST-NET-3 203.0.113.0/24 (RFC 5737). The gateways have no route between
// the inner networks until a case adds one (plain forwarding, a tunnel
// group, or strongSwan).
var (
	hpeNetA    = netip.MustParsePrefix("198.18.1.0/24")
	hpeNetB    = netip.MustParsePrefix("198.18.2.0/24")
	hpeHostA   = netip.MustParsePrefix("198.18.1.2/24")
	hpeGwALan  = netip.MustParsePrefix("198.18.1.1/24")
	hpeGwBLan  = netip.MustParsePrefix("198.18.2.1/24")
	hpeHostB   = netip.MustParsePrefix("198.18.2.2/24")
	hpeGwAWan  = netip.MustParsePrefix("203.0.113.1/24")
	hpeGwBWan  = netip.MustParsePrefix("203.0.113.2/24")
	hpeSinkPrt = uint16(5201)
)

// hpeLab is a deployed HPE lab's namespaces.
type hpeLab struct {
	name                   string
	hostA, gwA, gwB, hostB string
}

// HPETopology returns the HPE benchmark's lab. The host links carry the
// tunnels' inner MTU, so that every case carries the same packets and no
// case depends on path MTU discovery.
func HPETopology(lab string) *topologies.Topology {
	def := netip.MustParsePrefix("0.0.0.0/0")
	ep := func(node, ifname string, a netip.Prefix) topologies.Endpoint {
		return topologies.Endpoint{Node: node, Interface: ifname, Address: a}
	}
	t := &topologies.Topology{Name: lab, Version: topologies.FormatVersion, Defaults: topologies.Defaults{MTU: 1500},
		Nodes: []*topologies.Node{
			{Name: "hosta", Kind: topologies.KindHost, Routes: []topologies.Route{{To: def, Via: hpeGwALan.Addr()}}},
			{Name: "gwa", Kind: topologies.KindRouter},
			{Name: "gwb", Kind: topologies.KindRouter},
			{Name: "hostb", Kind: topologies.KindHost, Routes: []topologies.Route{{To: def, Via: hpeGwBLan.Addr()}}},
		},
		Links: []*topologies.Link{
			{A: ep("hosta", "eth0", hpeHostA), B: ep("gwa", "lan", hpeGwALan), MTU: hpe.DefaultMTU},
			{A: ep("gwa", "wan", hpeGwAWan), B: ep("gwb", "wan", hpeGwBWan), MTU: 1500},
			{A: ep("gwb", "lan", hpeGwBLan), B: ep("hostb", "eth0", hpeHostB), MTU: hpe.DefaultMTU},
		},
	}
	return t
}

func newHPELab(name string) *hpeLab {
	ns := func(n string) string { return emulator.NamespaceName(name, n) }
	return &hpeLab{name: name, hostA: ns("hosta"), gwA: ns("gwa"), gwB: ns("gwb"), hostB: ns("hostb")}
}

// groupConfig is the tunnel group between the two gateways.
func (l *hpeLab) groupConfig(kind hpe.Kind, tunnels int, capBps float64) hpe.Config {
	return hpe.Config{
		Kind: kind, Tunnels: tunnels, RateLimit: capBps,
		A: hpe.Side{Namespace: l.gwA, Underlay: hpeGwAWan.Addr(), Prefixes: []netip.Prefix{hpeNetA}},
		B: hpe.Side{Namespace: l.gwB, Underlay: hpeGwBWan.Addr(), Prefixes: []netip.Prefix{hpeNetB}},
	}
}

// plainRoutes adds (or with del, deletes) the unencrypted routes between
// the inner networks over the underlay veth: the ceiling case.
func (l *hpeLab) plainRoutes(del bool) error {
	var errs []error
	for _, r := range []struct {
		ns  string
		dst netip.Prefix
		via netip.Addr
	}{{l.gwA, hpeNetB, hpeGwBWan.Addr()}, {l.gwB, hpeNetA, hpeGwAWan.Addr()}} {
		err := withNetlink(r.ns, func(h *netlink.Handle) error {
			rt := &netlink.Route{Dst: &net.IPNet{IP: net.IP(r.dst.Addr().AsSlice()), Mask: net.CIDRMask(r.dst.Bits(), 32)}, Gw: net.IP(r.via.AsSlice())}
			if del {
				if err := h.RouteDel(rt); err != nil && !errors.Is(err, unix.ESRCH) {
					return err
				}
				return nil
			}
			return h.RouteReplace(rt)
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("plain route %s via %s in %s: %w", r.dst, r.via, r.ns, err))
		}
	}
	return errors.Join(errs...)
}

// withNetlink runs fn with a netlink handle inside the namespace.
func withNetlink(ns string, fn func(*netlink.Handle) error) error {
	h, err := netns.Open(ns)
	if err != nil {
		return err
	}
	defer h.Close()
	nl, err := netlink.NewHandleAt(h, unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("netlink handle in %s: %w", ns, err)
	}
	defer nl.Close()
	return fn(nl)
}

// innerMTU is the host links' and TUNs' MTU over an underlay of mtu bytes:
// 80 less, as hpe.DefaultMTU is to 1500.
func innerMTU(underlay int) int { return underlay - (1500 - hpe.DefaultMTU) }

// setMTU sets the underlay links to mtu and the host links to innerMTU(mtu);
// mtu 0 restores the topology's 1500 and hpe.DefaultMTU.
func (l *hpeLab) setMTU(mtu int) error {
	under, inner := mtu, innerMTU(mtu)
	if mtu == 0 {
		under, inner = 1500, hpe.DefaultMTU
	}
	var errs []error
	for _, x := range []struct {
		ns, ifname string
		mtu        int
	}{
		{l.hostA, "eth0", inner}, {l.gwA, "lan", inner}, {l.gwA, "wan", under},
		{l.gwB, "wan", under}, {l.gwB, "lan", inner}, {l.hostB, "eth0", inner},
	} {
		err := withNetlink(x.ns, func(h *netlink.Handle) error {
			link, err := h.LinkByName(x.ifname)
			if err != nil {
				return err
			}
			return h.LinkSetMTU(link, x.mtu)
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("set MTU %d on %s in %s: %w", x.mtu, x.ifname, x.ns, err))
		}
	}
	return errors.Join(errs...)
}
