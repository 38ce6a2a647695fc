package emulator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/mcnlab/mcnlab/emulator/ipsec"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/topologies"
)

// CharonDir is where a node's charon keeps strongswan.conf, swanctl.conf,
// its control socket and its log.
func CharonDir(lab, node string) string { return filepath.Join(NodeDir(lab, node), "charon") }

// charonStart bounds a charon's start: the process, its control socket
// and the loading of its connections.
const charonStart = 15 * time.Second

// StartCharon starts strongSwan's charon in a node of the lab (kernel-
// libipsec: its ESP runs in the process, over the TUN device ipsec0) with
// the connections conns, and returns once they are loaded. r says where
// charon routes the remote traffic selectors into ipsec0.
func StartCharon(ctx context.Context, lab, node string, conns []ipsec.Conn, r ipsec.Routing) (state.Process, error) {
	return StartCharonIn(ctx, lab, node, NamespaceName(lab, node), conns, r)
}

// StartCharonIn is StartCharon in namespace ns, for a node of the lab that
// is no node of its topology (a cloud gateway instance, whose namespace
// is emulator.InstanceNamespace); CharonDir(lab, node) keeps its files.
func StartCharonIn(ctx context.Context, lab, node, ns string, conns []ipsec.Conn, r ipsec.Routing) (state.Process, error) {
	if why := ipsec.Missing(); why != "" {
		return state.Process{}, fmt.Errorf("node %s: %w: %s", node, ErrDaemonMissing, why)
	}
	swan, err := ipsec.SwanctlConf(conns)
	if err != nil {
		return state.Process{}, fmt.Errorf("node %s: %w", node, err)
	}
	// The node's folders stay open (FRR's user, which a node's routing
	// daemons run as, must reach its own folder beside charon's); charon's
	// is root's alone.
	dir := CharonDir(lab, node)
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return state.Process{}, fmt.Errorf("node %s: %w", node, err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return state.Process{}, fmt.Errorf("node %s: %w", node, err)
	}
	for _, c := range conns {
		if c.Cert != nil {
			if err := ipsec.InstallCerts(dir, *c.Cert); err != nil {
				return state.Process{}, fmt.Errorf("node %s: %w", node, err)
			}
		}
	}
	for name, content := range map[string]string{"strongswan.conf": ipsec.CharonConf(dir, r), "swanctl.conf": swan} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			return state.Process{}, fmt.Errorf("node %s: %w", node, err)
		}
	}
	p, err := RunCharon(ctx, ns, dir)
	if err != nil {
		return p, fmt.Errorf("node %s: %w", node, err)
	}
	return p, nil
}

// RunCharon starts charon in namespace ns with the strongswan.conf and
// swanctl.conf in dir (ipsec.CharonArgv), and returns once it has loaded
// swanctl.conf's connections; its output goes to dir/charon.out.
func RunCharon(ctx context.Context, ns, dir string) (state.Process, error) {
	ctx, cancel := context.WithTimeout(ctx, charonStart)
	defer cancel()
	p, exited, err := StartWatched(ctx, ns, ipsec.CharonArgv(dir), filepath.Join(dir, "charon.out"))
	if err != nil {
		return p, err
	}
	if err := ipsec.Load(ctx, dir, ipsec.Alive(exited)); err != nil {
		out, _ := os.ReadFile(filepath.Join(dir, "charon.out"))
		return p, fmt.Errorf("%w; output: %s", err, out)
	}
	return p, nil
}

// startStrongSwan starts the charon of a strongswan node with the site's
// side of each of its site2cloud connections; charon routes the gateways'
// prefixes into its tunnels itself (strongSwan's table 220, for every
// packet).
func (f *fabric) startStrongSwan(ctx context.Context, n *PlanNode) error {
	var conns []ipsec.Conn
	for i, s := range n.Site2Cloud { // i is s's SiteIndex
		psk, err := ipsec.PSK(f.plan.Lab, s.Name)
		if err != nil {
			return fmt.Errorf("node %s: %w", n.Name, err)
		}
		conns = append(conns, ipsec.WithCerts(f.plan.Lab, s, ipsec.EndSite, ipsec.SiteConns(s, psk, i))...)
	}
	if len(conns) == 0 {
		return nil // a strongswan router that no connection names: the user configures it
	}
	if _, err := StartCharon(ctx, f.plan.Lab, n.Name, conns, ipsec.Routing{}); err != nil {
		return err
	}
	if err := f.insideAddresses(n); err != nil {
		return fmt.Errorf("node %s: inside addresses: %w", n.Name, err)
	}
	return nil
}

// siteBGP is a strongswan node's BGP: its own (asn, networks) with a
// neighbour for each tunnel of its connections with bgp, the gateway's
// (and the HA gateway's) inside address, and the virtual prefixes of its
// mapped ones among the networks; nil when the node has no bgp. The
// node's bgpd runs siteFRR, written from the same connections.
func siteBGP(t *topologies.Topology, b *topologies.BGP, conns []*topologies.Site2Cloud) *topologies.BGP {
	if b == nil {
		return nil
	}
	out := *b
	out.Neighbors = slices.Clone(b.Neighbors)
	for _, s := range conns {
		if s.BGP == nil {
			continue
		}
		for i, name := range []string{s.Gateway, s.HAGateway} {
			if asn := ipsec.GatewayASN(t, s, name); name != "" && asn != 0 {
				a, _ := s.BGP.Tunnel(i == 1)
				out.Neighbors = append(out.Neighbors, topologies.Neighbor{Address: a.Addr(), ASN: asn, Pos: s.Pos})
			}
		}
		if s.Mapped() {
			for _, p := range ipsec.SiteAnnounces(s) {
				if !slices.Contains(out.Networks, p) {
					out.Networks = append(out.Networks, p)
				}
			}
		}
	}
	return &out
}

// siteFRR is the bgpd.conf of strongswan node n of lab whose
// connections (conns, in SiteIndex order) run BGP: after the lab's host
// name and log file, the frr template's router bgp stanza of its side of
// the connections (ipsec.FRRRouterBGP, what `mcnlab s2c config --vendor
// frr` prints), announcing its own networks too; "" when none runs BGP.
func siteFRR(lab string, t *topologies.Topology, n *topologies.Node, conns []*topologies.Site2Cloud) (string, error) {
	if n.BGP == nil {
		return "", nil
	}
	var cs []ipsec.Conn
	for i, s := range conns {
		cs = append(cs, ipsec.WithBGP(t, s, ipsec.SiteConns(s, "", i))...)
	}
	stanza, err := ipsec.FRRRouterBGP(cs, n.BGP.Networks)
	if err != nil || stanza == "" {
		return "", err
	}
	return fmt.Sprintf("hostname %s\nlog file %s/bgpd.log\n!\n", n.Name, NodeDir(lab, n.Name)) + stanza, nil
}

// insideAddresses puts the site's inside addresses of n's connections
// with bgp on charon's TUN device (insideOnTUN).
func (f *fabric) insideAddresses(n *PlanNode) error {
	return insideOnTUN(f.nodes[n.Name].nl, n.Site2Cloud)
}

// SiteInside puts the inside addresses of conns (a strongswan node's
// connections to a spoke's instances, resolved) on the TUN device of
// node's charon, as deploy does for connections to gateway nodes: the lab
// does it once it has started the charon of a site of the cloud.
func SiteInside(lab, node string, conns []*topologies.Site2Cloud) error {
	h, err := netns.Netlink(NamespaceName(lab, node))
	if err != nil {
		return fmt.Errorf("node %s: %w", node, err)
	}
	defer h.Close()
	if err := insideOnTUN(h, conns); err != nil {
		return fmt.Errorf("node %s: inside addresses: %w", node, err)
	}
	return nil
}

// insideOnTUN puts the site's inside address of each tunnel of a
// connection with bgp on charon's TUN device, whose connected route FRR then sees
// (the gateway's address is on the directly connected network, as for
// any eBGP neighbour); charon routes the gateway's inside address into
// the tunnel in its own table.
func insideOnTUN(h *netlink.Handle, conns []*topologies.Site2Cloud) error {
	var tun netlink.Link
	for _, s := range conns {
		if s.BGP == nil {
			continue
		}
		if tun == nil {
			l, err := h.LinkByName(ipsec.TUN)
			if err != nil {
				return fmt.Errorf("charon's %s: %w", ipsec.TUN, err)
			}
			tun = l
		}
		for _, backup := range []bool{false, true} {
			if backup && s.HAGateway == "" {
				break
			}
			_, a := s.BGP.Tunnel(backup)
			na := &netlink.Addr{IPNet: &net.IPNet{IP: a.Addr().AsSlice(), Mask: net.CIDRMask(a.Bits(), 32)}}
			if err := h.AddrReplace(tun, na); err != nil {
				return fmt.Errorf("address %s on %s: %w", a, ipsec.TUN, err)
			}
		}
	}
	return nil
}

// siteBGPConnections are the connections of strongswan node whose
// sessions its bgpd runs: conns (its connections to gateway nodes) and
// its connections with bgp to a spoke's instances, with the spoke's
// gateways (GROUP-1, with ha GROUP-2, as the controller names them) as
// their gateways: the sessions need the inside addresses and AS numbers
// only, which the topology gives, not the instances' addresses.
func siteBGPConnections(t *topologies.Topology, node string, conns []*topologies.Site2Cloud) []*topologies.Site2Cloud {
	out := slices.Clone(conns)
	for _, s := range t.Site2Cloud {
		if s.Site != node || !s.InCloud() || s.BGP == nil {
			continue
		}
		ha := ""
		if t.S2CBackup(s) {
			ha = s.CloudGateway + "-2"
		}
		out = append(out, s.Resolve(netip.Addr{}, s.CloudGateway+"-1", netip.Addr{}, ha, netip.Addr{}))
	}
	return out
}

// siteConnections returns the site2cloud connections whose site is node,
// but those to cloud gateways.
func siteConnections(t *topologies.Topology, node string) []*topologies.Site2Cloud {
	var out []*topologies.Site2Cloud
	for _, s := range t.Site2Cloud {
		if s.Site == node && !s.InCloud() { // the lab configures those once the cloud is up
			out = append(out, s)
		}
	}
	return out
}
