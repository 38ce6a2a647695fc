package lab

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os/exec"
	"regexp"
	"strings"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/topologies"
)

// SetLink takes the link between nodes a and b down or up, both of its
// ends, as a cut (or mended) cable or private line would. It fails if the
// lab has no link between them, or more than one.
func SetLink(lab, a, b string, up bool) error {
	r, err := state.Load(lab)
	if err != nil {
		return err
	}
	ns := map[string]string{}
	for _, n := range r.Nodes {
		ns[n.Name] = n.Namespace
	}
	var found []state.Link
	for _, l := range r.Links {
		if (l.A.Node == a && l.B.Node == b) || (l.A.Node == b && l.B.Node == a) {
			found = append(found, l)
		}
	}
	switch len(found) {
	case 0:
		return fmt.Errorf("lab %s has no link between %s and %s", lab, a, b)
	case 1:
	default:
		return fmt.Errorf("lab %s has %d links between %s and %s", lab, len(found), a, b)
	}
	for _, e := range []state.LinkEnd{found[0].A, found[0].B} {
		if err := setLinkEnd(ns[e.Node], e.Kernel, up); err != nil {
			return fmt.Errorf("link %s-%s: %s:%s: %w", a, b, e.Node, e.Interface, err)
		}
	}
	if !up {
		return nil
	}
	// The kernel flushed the static routes through the link when it went
	// down; a router puts its configured routes back when the interface
	// returns, so the nodes at both ends do.
	t, err := topologies.Load(TopologyFile(lab))
	if err != nil {
		return fmt.Errorf("link %s-%s: static routes: %w", a, b, err)
	}
	for _, name := range []string{a, b} {
		if n := t.Node(name); n != nil && len(n.Routes) > 0 {
			if err := restoreRoutes(ns[name], n.Routes); err != nil {
				return fmt.Errorf("link %s-%s: node %s: %w", a, b, name, err)
			}
		}
	}
	return nil
}

// routesBack bounds the wait for a mended link to take routes again.
const routesBack = 5 * time.Second

// restoreRoutes replaces a node's static routes, retrying while the
// mended link's carrier comes up.
func restoreRoutes(namespace string, routes []topologies.Route) error {
	h, err := netns.Netlink(namespace)
	if err != nil {
		return err
	}
	defer h.Close()
	deadline := time.Now().Add(routesBack)
	for _, rt := range routes {
		nr := &netlink.Route{Dst: &net.IPNet{IP: rt.To.Addr().AsSlice(), Mask: net.CIDRMask(rt.To.Bits(), rt.To.Addr().BitLen())},
			Gw: rt.Via.AsSlice()}
		for {
			err := h.RouteReplace(nr)
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("route %s via %s: %w", rt.To, rt.Via, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return nil
}

func setLinkEnd(namespace, kernel string, up bool) error {
	h, err := netns.Netlink(namespace)
	if err != nil {
		return err
	}
	defer h.Close()
	l, err := h.LinkByName(kernel)
	if err != nil {
		return fmt.Errorf("find %s: %w", kernel, err)
	}
	if up {
		err = h.LinkSetUp(l)
	} else {
		err = h.LinkSetDown(l)
	}
	if err != nil {
		return fmt.Errorf("set %s up=%t: %w", kernel, up, err)
	}
	return nil
}

// routerBGPRE finds the BGP instance in FRR's running configuration.
var routerBGPRE = regexp.MustCompile(`(?m)^router bgp ([0-9]+)\s*$`)

// Announce makes an FRR router of the lab (a site's router, or an frr
// node) advertise a prefix over BGP again, or withdraw it, through the
// router's own vtysh, as its operator would.
func Announce(ctx context.Context, lab, router string, p netip.Prefix, advertise bool) error {
	vty := func(cmds ...string) (string, error) {
		args := []string{"--vty_socket", emulator.NodeDir(lab, router)}
		for _, c := range cmds {
			args = append(args, "-c", c)
		}
		out, err := exec.CommandContext(ctx, "vtysh", args...).CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("vtysh of %s %q: %w: %s", router, cmds, err, strings.TrimSpace(string(out)))
		}
		return string(out), nil
	}
	cfg, err := vty("show running-config")
	if err != nil {
		return fmt.Errorf("%w (advertise and withdraw work on frr routers)", err)
	}
	m := routerBGPRE.FindStringSubmatch(cfg)
	if m == nil {
		return fmt.Errorf("router %s runs no BGP", router)
	}
	family := "ipv4 unicast"
	if p.Addr().Is6() {
		family = "ipv6 unicast"
	}
	stmt := "network " + p.String()
	if !advertise {
		stmt = "no " + stmt
	}
	_, err = vty("configure terminal", "router bgp "+m[1], "address-family "+family, stmt)
	return err
}
