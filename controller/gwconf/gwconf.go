// Package gwconf derives each gateway's configuration from a topology of
// the node-level format (its ASN, the prefixes it advertises, a WireGuard
// tunnel with a BGP session to every gateway it shares a tunnel with, plain
// BGP neighbors over links), describing each gateway for the compiler in
// controller/gwcfg, and pushes it to the gateways through their management
// API. It reaches the gateways only through that API, opened by a
// nodes.Dialer (the lab's: their sockets); keys are made here and kept in
// the lab's state.
package gwconf

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/mcnlab/mcnlab/controller/gwcfg"
	"github.com/mcnlab/mcnlab/controller/nodes"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/dataplane/wg"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/topologies"
)

// BasePort is the UDP port of tunnel 0; tunnel i listens on BasePort+i at
// both ends (WireGuard's well-known port).
const BasePort = 51820

// Gateways returns the gateway nodes of a topology, in file order.
func Gateways(t *topologies.Topology) []*topologies.Node {
	var g []*topologies.Node
	for _, n := range t.Nodes {
		if n.Kind == topologies.KindGateway {
			g = append(g, n)
		}
	}
	return g
}

// Keys holds each gateway's WireGuard private key, by node name.
type Keys map[string]wg.Key

// keyFile keeps the lab's keys, readable by root only.
func keyFile(lab string) string { return filepath.Join(state.Dir(lab), "keys.json") }

// LoadKeys returns the lab's gateway keys, generating those that are
// missing and saving them, so that a re-apply keeps every key.
func LoadKeys(lab string, gateways []*topologies.Node) (Keys, error) {
	stored := map[string]string{}
	if b, err := os.ReadFile(keyFile(lab)); err == nil {
		if err := json.Unmarshal(b, &stored); err != nil {
			return nil, fmt.Errorf("read keys of lab %s: %w", lab, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read keys of lab %s: %w", lab, err)
	}
	keys := Keys{}
	changed := false
	for _, g := range gateways {
		if s, ok := stored[g.Name]; ok {
			k, err := wg.ParseKey(s)
			if err != nil {
				return nil, fmt.Errorf("key of gateway %s: %w", g.Name, err)
			}
			keys[g.Name] = k
			continue
		}
		k, err := wg.GenerateKey()
		if err != nil {
			return nil, fmt.Errorf("key for gateway %s: %w", g.Name, err)
		}
		keys[g.Name], stored[g.Name], changed = k, k.String(), true
	}
	if changed {
		b, _ := json.MarshalIndent(stored, "", "  ")
		if err := os.WriteFile(keyFile(lab), b, 0o600); err != nil {
			return nil, fmt.Errorf("save keys of lab %s: %w", lab, err)
		}
	}
	return keys, nil
}

// nodeWithAddress returns the node with address a on one of its links, or
// nil.
func nodeWithAddress(t *topologies.Topology, a netip.Addr) *topologies.Node {
	for _, l := range t.Links {
		for _, e := range []topologies.Endpoint{l.A, l.B} {
			if e.Address.IsValid() && e.Address.Addr() == a {
				return t.Node(e.Node)
			}
		}
	}
	return nil
}

// peerNameRE is what the gateway accepts as a peer name (it names the
// tunnel's interface wg-<name>, within the kernel's 15 bytes).
var peerNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,11}$`)

// peerName is the node's name where the gateway takes it, else t<i>.
func peerName(node string, i int) string {
	if peerNameRE.MatchString(node) {
		return node
	}
	return fmt.Sprintf("t%d", i)
}

// Configs derives every gateway's configuration: it describes each
// gateway for the compiler (gwcfg.Compile), which makes the configuration.
func Configs(t *topologies.Topology, keys Keys) (map[string]mgmt.Config, error) {
	descs := map[string]*gwcfg.Gateway{}
	for _, g := range Gateways(t) {
		b := g.BGP
		d := &gwcfg.Gateway{
			Name:     g.Name,
			ASN:      b.ASN,
			RouterID: b.RouterID,
			Prefixes: b.Networks,
			Key:      keys[g.Name],
		}
		for i, nb := range b.Neighbors {
			n := gwcfg.Neighbor{Name: fmt.Sprintf("n%d", i), Address: nb.Address, ASN: nb.ASN}
			// A neighbour that is a gateway too: the compiler has the one
			// with the greater name wait.
			if owner := nodeWithAddress(t, nb.Address); owner != nil && owner.Kind == topologies.KindGateway {
				n.Gateway = owner.Name
			}
			d.Neighbors = append(d.Neighbors, n)
		}
		descs[g.Name] = d
	}
	for i, s := range t.Site2Cloud {
		if s.BGP == nil {
			continue
		}
		// A session over each tunnel: the HA gateway's over the backup.
		for j, gw := range []string{s.Gateway, s.HAGateway} {
			if d := descs[gw]; gw != "" && d != nil {
				_, site := s.BGP.Tunnel(j == 1)
				d.Neighbors = append(d.Neighbors, gwcfg.Neighbor{Name: gwcfg.S2CNeighbor(i), Address: site.Addr(), ASN: s.BGP.SiteASN})
			}
		}
	}
	for i, tn := range t.Tunnels {
		inner := t.InnerAddresses(i)
		port := uint16(BasePort + i)
		for side, pair := range [][2]string{{tn.A, tn.B}, {tn.B, tn.A}} {
			self, peer := pair[0], pair[1]
			under, err := underlay(t, peer, self)
			if err != nil {
				return nil, fmt.Errorf("tunnels[%d]: %w", i, err)
			}
			d := descs[self]
			d.Tunnels = append(d.Tunnels, gwcfg.Tunnel{
				Name:        peerName(peer, i),
				PublicKey:   keys[peer].PublicKey(),
				Endpoint:    netip.AddrPortFrom(under, port),
				Port:        port,
				Address:     inner[side],
				PeerAddress: inner[1-side].Addr(),
				ASN:         t.Node(peer).BGP.ASN,
			})
		}
	}
	out := map[string]mgmt.Config{}
	for name, d := range descs {
		out[name] = gwcfg.Compile(*d)
	}
	return out, nil
}

// underlay is the address of gateway peer that gateway self sends its
// tunnel packets to: peer's address on a link they share; else the first of
// peer's IPv4 addresses that one of self's static routes covers (the most
// specific route wins, a default route last); else peer's first IPv4 address.
func underlay(t *topologies.Topology, peer, self string) (netip.Addr, error) {
	var best netip.Addr
	bestBits := -1
	var first netip.Addr
	routes := t.Node(self).Routes
	for _, l := range t.Links {
		for _, e := range [][2]topologies.Endpoint{{l.A, l.B}, {l.B, l.A}} {
			p, o := e[0], e[1]
			if p.Node != peer || !p.Address.IsValid() || !p.Address.Addr().Is4() {
				continue
			}
			a := p.Address.Addr()
			if o.Node == self {
				return a, nil
			}
			if !first.IsValid() {
				first = a
			}
			for _, r := range routes {
				if r.To.Contains(a) && r.To.Bits() > bestBits {
					best, bestBits = a, r.To.Bits()
				}
			}
		}
	}
	switch {
	case best.IsValid():
		return best, nil
	case first.IsValid():
		return first, nil
	}
	return first, fmt.Errorf("gateway %s has no IPv4 link address for %s to reach it at", peer, self)
}

// Push sends every gateway its configuration through dial, all at once;
// each gateway applies the difference to what it runs.
func Push(ctx context.Context, dial nodes.Dialer, cfgs map[string]mgmt.Config) error {
	errc := make(chan error, len(cfgs))
	for name, c := range cfgs {
		go func() {
			cl, err := dial.DialGateway(name)
			if err != nil {
				errc <- fmt.Errorf("configure gateway %s: %w", name, err)
				return
			}
			defer cl.Close()
			if _, err := cl.PutConfig(ctx, c); err != nil {
				errc <- fmt.Errorf("configure gateway %s: %w", name, err)
				return
			}
			errc <- nil
		}()
	}
	var errs []error
	for range cfgs {
		errs = append(errs, <-errc)
	}
	return errors.Join(errs...)
}

// Progress receives convergence counts: BGP sessions established of all.
type Progress interface {
	Step(phase string, done, total int)
}

// WaitConverged polls the gateways, reached through dial, until every
// tunnel is up and every BGP session is established, or ctx ends; the
// error then names what is not.
func WaitConverged(ctx context.Context, dial nodes.Dialer, gateways []string, pr Progress) error {
	return waitSessions(ctx, dial, gateways, pr, func(string) bool { return true })
}

// WaitSite2Cloud waits until the BGP sessions of t's site2cloud
// connections with bgp are established at their gateways, or ctx ends
// (at most ConvergeTimeout): they go over the tunnels, which come up
// only after Apply, so Apply does not wait for them.
func WaitSite2Cloud(ctx context.Context, dial nodes.Dialer, t *topologies.Topology, pr Progress) error {
	var gws []string
	for _, s := range t.Site2Cloud {
		for _, gw := range []string{s.Gateway, s.HAGateway} {
			if s.BGP != nil && gw != "" && !slices.Contains(gws, gw) {
				gws = append(gws, gw)
			}
		}
	}
	if len(gws) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, ConvergeTimeout)
	defer cancel()
	if err := waitSessions(ctx, dial, gws, pr, gwcfg.IsS2CNeighbor); err != nil {
		return fmt.Errorf("site2cloud bgp: %w", err)
	}
	return nil
}

// waitSessions polls the gateways until every tunnel is up and every BGP
// session that want names is established, or ctx ends.
func waitSessions(ctx context.Context, dial nodes.Dialer, gateways []string, pr Progress, want func(session string) bool) error {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		up, total, missing := 0, 0, []string(nil)
		for _, g := range gateways {
			st, err := status(ctx, dial, g)
			if err != nil {
				missing = append(missing, fmt.Sprintf("%s: %v", g, err))
				continue
			}
			for _, s := range st.Sessions {
				if !want(s.Name) {
					continue
				}
				total++
				if s.State == "established" {
					up++
				} else {
					missing = append(missing, fmt.Sprintf("%s-%s %s", g, s.Name, s.State))
				}
			}
			for _, tn := range st.Tunnels {
				if tn.State != mgmt.TunnelUp {
					missing = append(missing, fmt.Sprintf("%s tunnel to %s %s", g, tn.Peer, tn.State))
				}
			}
		}
		if pr != nil {
			pr.Step("bgp sessions", up, max(total, 1))
		}
		if len(missing) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("gateways did not converge: %s: %w", strings.Join(missing, "; "), ctx.Err())
		case <-t.C:
		}
	}
}

// status reads one gateway's status through dial.
func status(ctx context.Context, dial nodes.Dialer, g string) (mgmt.Status, error) {
	cl, err := dial.DialGateway(g)
	if err != nil {
		return mgmt.Status{}, err
	}
	defer cl.Close()
	return cl.Status(ctx)
}

// ConvergeTimeout bounds the wait for every gateway tunnel and BGP session.
const ConvergeTimeout = 60 * time.Second

// Apply configures the gateways of a deployed lab from its topology (keys
// kept in the lab's state), reaching them through dial, and waits until
// every tunnel is up and every BGP session established. A topology
// without gateways is left as it is.
func Apply(ctx context.Context, lab string, dial nodes.Dialer, t *topologies.Topology, pr Progress) error {
	gws := Gateways(t)
	if len(gws) == 0 {
		return nil
	}
	keys, err := LoadKeys(lab, gws)
	if err != nil {
		return err
	}
	cfgs, err := Configs(t, keys)
	if err != nil {
		return err
	}
	if err := Push(ctx, dial, cfgs); err != nil {
		return err
	}
	if pr != nil {
		pr.Step("configured", len(gws), len(gws))
	}
	names := make([]string, len(gws))
	for i, g := range gws {
		names[i] = g.Name
	}
	ctx, cancel := context.WithTimeout(ctx, ConvergeTimeout)
	defer cancel()
	// The sessions to sites go over their tunnels (WaitSite2Cloud).
	return waitSessions(ctx, dial, names, pr, func(s string) bool { return !gwcfg.IsS2CNeighbor(s) })
}
