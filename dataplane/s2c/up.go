package s2c

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"time"

	"github.com/google/nftables"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/dataplane/policy"
	"github.com/mcnlab/mcnlab/dataplane/s2c/keep"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/ipsec"
	enetns "github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/topologies"
)

// upTimeout bounds the wait for the tunnels of strongswan sites.
const upTimeout = 20 * time.Second

// Up brings up the gateway side of t's site2cloud connections in lab:
// each gateway's charon, routes and translation; then waits until every
// connection whose site is a strongswan node is established at its
// gateways. The sites initiate; one whose first try met a gateway that
// was not ready (it answers NO_PROPOSAL_CHOSEN before its connections are
// loaded, which ends the try) is initiated again.
func Up(ctx context.Context, lab string, t *topologies.Topology) error {
	return UpAt(ctx, lab, t, nil)
}

// Instance is where a gateway of the connections runs when it is a cloud
// instance: its namespace, and its private address, to which its IKE
// binds (its identity is its public address, the one-to-one NAT's).
type Instance struct {
	// ID is the instance's, which names its gateway daemon's socket.
	ID        string
	Namespace string
	Private   netip.Addr
}

// UpAt is Up with the gateways that at names placed in cloud instances.
func UpAt(ctx context.Context, lab string, t *topologies.Topology, at map[string]Instance) error {
	if len(t.Site2Cloud) == 0 {
		return nil
	}
	gws, err := Gateways(t, lab, func(c string) (string, error) { return ipsec.PSK(lab, c) })
	if err != nil {
		return fmt.Errorf("site2cloud: %w", err)
	}
	for i := range gws {
		in, ok := at[gws[i].Node]
		if !ok {
			continue
		}
		gws[i].Namespace, gws[i].Socket = in.Namespace, emulator.GatewaySocket(lab, in.ID)
		for j := range gws[i].Conns {
			gws[i].Conns[j].Bind = in.Private
		}
	}
	for _, g := range gws {
		if err := Start(ctx, lab, g); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, upTimeout)
	defer cancel()
	for _, g := range gws {
		for _, w := range g.Wait {
			if err := waitUp(ctx, lab, g.Node, w); err != nil {
				return err
			}
		}
	}
	for _, s := range t.Site2Cloud {
		if site := t.Node(s.Site); s.HAGateway != "" && site != nil && site.Kind == topologies.KindStrongSwan {
			if err := preferPrimary(ctx, emulator.CharonDir(lab, s.Site), s.Name); err != nil {
				return fmt.Errorf("site2cloud: site %s: %w", s.Site, err)
			}
		}
	}
	return nil
}

// preferPrimary makes a site send over its tunnel to the gateway rather
// than the backup to the HA gateway. kernel-libipsec ignores the
// policies' priority and, of policies with the same selectors, uses the
// one installed last; so the primary's child SA is made again once both
// are up.
func preferPrimary(ctx context.Context, site, conn string) error {
	if _, err := ipsec.Swanctl(ctx, site, "--terminate", "--child", conn, "--timeout", "5"); err != nil {
		return err
	}
	if _, err := ipsec.Swanctl(ctx, site, "--initiate", "--child", conn, "--timeout", "10"); err != nil {
		return err
	}
	return nil
}

// waitUp initiates w at its site unless the site has it up or is trying,
// and waits until the gateway has it up.
func waitUp(ctx context.Context, lab, gw string, w Wait) error {
	site := emulator.CharonDir(lab, w.Site)
	out, err := ipsec.Swanctl(ctx, site, "--list-sas", "--ike", w.Conn)
	if err != nil {
		return fmt.Errorf("site2cloud: site %s: %w", w.Site, err)
	}
	if sas, err := ipsec.ParseSAs(out); err != nil || len(sas) == 0 {
		if _, err := ipsec.Swanctl(ctx, site, "--initiate", "--child", w.Conn, "--timeout", "10"); err != nil {
			return fmt.Errorf("site2cloud: site %s: %w", w.Site, err)
		}
	}
	if err := ipsec.WaitUp(ctx, emulator.CharonDir(lab, gw), w.Conn); err != nil {
		return fmt.Errorf("site2cloud: gateway %s: %w", gw, err)
	}
	return nil
}

// Start starts one gateway's charon and puts its routes, policy routing
// and translation in place. charon's own routes of the sites' traffic
// selectors go to RouteTable, which only packets marked RouteMark see.
// Last it records the charon's keep.Spec beside the gateway daemon's
// socket, from which the daemon starts the charon again whenever it is
// not running (keep.Keep).
func Start(ctx context.Context, lab string, g Gateway) error {
	ns := g.Namespace
	if ns == "" {
		ns = emulator.NamespaceName(lab, g.Node)
	}
	if g.Socket == "" {
		g.Socket = emulator.GatewaySocket(lab, g.Node)
	}
	if err := start(ctx, lab, ns, g); err != nil {
		return err
	}
	if err := keep.Save(keep.SpecFile(g.Socket), g.spec(lab)); err != nil {
		return fmt.Errorf("site2cloud: gateway %s: %w", g.Node, err)
	}
	return nil
}

// spec is what the gateway daemon needs to start g's charon again.
func (g Gateway) spec(lab string) keep.Spec {
	return keep.Spec{Dir: emulator.CharonDir(lab, g.Node), Inside: g.Inside, Routes: g.Routes}
}

// start is Start but for the record.
func start(ctx context.Context, lab, ns string, g Gateway) error {
	h, err := enetns.Netlink(ns)
	if err != nil {
		return fmt.Errorf("site2cloud: gateway %s: %w", g.Node, err)
	}
	defer h.Close()
	if err := localAddresses(h, g); err != nil {
		return fmt.Errorf("site2cloud: gateway %s: %w", g.Node, err)
	}
	if _, err := emulator.StartCharonIn(ctx, lab, g.Node, ns, g.Conns, ipsec.Routing{Table: RouteTable, Mark: RouteMark}); err != nil {
		return fmt.Errorf("site2cloud: %w", err)
	}
	if err := routes(h, g); err != nil {
		return fmt.Errorf("site2cloud: gateway %s: %w", g.Node, err)
	}
	if len(g.Table.Chains) == 0 {
		return nil
	}
	fd, err := enetns.Open(ns)
	if err != nil {
		return fmt.Errorf("site2cloud: gateway %s: %w", g.Node, err)
	}
	defer fd.Close()
	c, err := nftables.New(nftables.WithNetNSFd(int(fd)))
	if err != nil {
		return fmt.Errorf("site2cloud: gateway %s: nftables: %w", g.Node, err)
	}
	defer c.CloseLasting() //nolint:errcheck // nothing held open
	if err := policy.Apply(c, g.Table); err != nil {
		return fmt.Errorf("site2cloud: gateway %s: %w", g.Node, err)
	}
	return nil
}

// localAddresses gives the gateway an address in each of its local
// traffic selectors that holds none of its addresses (a mapped
// connection's virtual prefixes): kernel-libipsec routes a child SA's
// remote selector with a source address from the local one, and refuses
// the SA without one. The first address of the prefix goes on lo as a
// /32; traffic to it from the site is translated before it could be
// delivered.
func localAddresses(h *netlink.Handle, g Gateway) error {
	addrs, err := h.AddrList(nil, unix.AF_INET)
	if err != nil {
		return fmt.Errorf("addresses: %w", err)
	}
	lo, err := h.LinkByName("lo")
	if err != nil {
		return fmt.Errorf("lo: %w", err)
	}
	for _, c := range g.Conns {
		for _, p := range c.LocalTS {
			if holds(addrs, p) || slices.ContainsFunc(g.Inside, func(a netip.Prefix) bool { return p.Contains(a.Addr()) }) {
				continue // an inside address goes on Interface (routes)
			}
			a := p.Addr().Next()
			na := &netlink.Addr{IPNet: &net.IPNet{IP: a.AsSlice(), Mask: net.CIDRMask(32, 32)}}
			if err := h.AddrReplace(lo, na); err != nil {
				return fmt.Errorf("address %s on lo: %w", a, err)
			}
			addrs = append(addrs, *na)
		}
	}
	return nil
}

// holds reports whether one of addrs lies in p.
func holds(addrs []netlink.Addr, p netip.Prefix) bool {
	for _, a := range addrs {
		if ip, ok := netip.AddrFromSlice(a.IP.To4()); ok && p.Contains(ip) {
			return true
		}
	}
	return false
}

// routes puts the inside addresses of connections with bgp on the tunnel
// device, routes the other route-based sites' prefixes into it,
// and sends what carries RouteMark (policy-based connections) to
// RouteTable.
func routes(h *netlink.Handle, g Gateway) error {
	if err := keep.OnTUN(h, keep.Spec{Inside: g.Inside, Routes: g.Routes}); err != nil {
		return err
	}
	if len(g.Table.Chains) > 0 {
		rule := netlink.NewRule()
		rule.Family, rule.Mark, rule.Table, rule.Priority = unix.AF_INET, RouteMark, RouteTable, 100
		mask := uint32(0xffffffff)
		rule.Mask = &mask
		if err := h.RuleAdd(rule); err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("rule fwmark %#x lookup %d: %w", RouteMark, RouteTable, err)
		}
	}
	return nil
}
