// Package gwcfg is the one gateway-configuration compiler: a front-end
// (controller/gwconf for the node-level topology format, controller/intent
// for cloud intent) describes a gateway in the small neutral Gateway
// below, and Compile turns it into the gateway's wire configuration
// (dataplane/mgmt.Config) in the gateway's normal form, so that a
// configuration read back from a gateway compares equal to the one
// compiled. It derives nothing from a topology, makes no keys and talks
// to no gateway.
package gwcfg

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/dataplane/wg"
)

// Normal-form defaults, as the gateway fills them (dataplane/gateway's
// Validate).
const (
	// DefaultVXLANPort is the overlays' UDP port (IANA VXLAN).
	DefaultVXLANPort = 4789
	// DefaultVXLANMTU is 1500 less the 50 bytes VXLAN adds over IPv4.
	DefaultVXLANMTU = 1450
)

// Gateway describes one gateway's configuration.
type Gateway struct {
	// Name is the gateway daemon's name; neighbours that are gateways too
	// compare it with theirs to choose which end waits.
	Name     string
	ASN      uint32
	RouterID netip.Addr
	// Prefixes are originated into BGP.
	Prefixes []netip.Prefix
	// Key is the WireGuard private key of every tunnel.
	Key wg.Key
	// MTU of every tunnel interface; 0 is wg.DefaultMTU.
	MTU int
	// Tunnels are the tunnel peers: several may lead to one gateway (an
	// HPE group), each with a port and inner addresses of its own and the
	// same public key.
	Tunnels []Tunnel
	// Neighbors are the plain BGP neighbours, over a link or an overlay.
	Neighbors []Neighbor
	// Segmentation is the domain policy the gateway enforces; nil for
	// none.
	Segmentation *Segmentation
}

// Tunnel is a WireGuard tunnel to a peer gateway with a BGP session over
// its inner addresses. Which end of the session waits is the gateway's
// choice (the higher inner address), not the description's.
type Tunnel struct {
	// Name is the peer's name at this gateway (the interface wg-<name>).
	Name string
	// PublicKey is the peer gateway's WireGuard key.
	PublicKey wg.Key
	// Endpoint is where the peer receives this tunnel's packets.
	Endpoint netip.AddrPort
	// Port is the tunnel's local UDP port.
	Port uint16
	// Address is this end's inner address with the tunnel's prefix
	// length; PeerAddress the other end's.
	Address     netip.Prefix
	PeerAddress netip.Addr
	// ASN is the peer's AS.
	ASN uint32
	// NotFrom are ASes whose routes are not sent to the peer, sorted:
	// a transit does not pass one peer transit's routes on to another
	// (transit peering is not transitive).
	NotFrom []uint32
	// Approval is what the routes learned over the tunnel wait for.
	Approval Approval
}

// Neighbor is a plain BGP neighbour.
type Neighbor struct {
	Name    string
	Address netip.Addr
	ASN     uint32
	// Gateway names the neighbour when it is an mcnlab gateway described
	// by the same rule: of two gateways, the one with the greater name
	// waits (with both GoBGP ends connecting, their fixed 5 s idle hold
	// after a refused attempt can phase-lock them for tens of seconds
	// after one restarts). Empty for a router of another make, which is
	// connected to.
	Gateway string
	// Passive makes this end wait whatever the names: for front-ends that
	// choose the waiting end by role (leaving Gateway empty at the other
	// end, which then connects).
	Passive bool
	// Overlay, when set, is the VXLAN overlay the neighbour is reached
	// over.
	Overlay *Overlay
	// Approval is what the routes learned from the neighbour wait for.
	Approval Approval
}

// Overlay is a point-to-point VXLAN overlay to a neighbour.
type Overlay struct {
	VNI           uint32
	Local, Remote netip.Addr
	// Port is the UDP port; 0 is DefaultVXLANPort.
	Port uint16
	// Address is this end's overlay address with the overlay's prefix
	// length.
	Address netip.Prefix
	// MTU of the interface; 0 is DefaultVXLANMTU.
	MTU int
}

// Approval is the route-approval policy of a session: with Manual unset
// every route the session's filters allow is accepted; with it set only
// the Approved prefixes are.
type Approval struct {
	Manual   bool
	Approved []netip.Prefix
}

// Segmentation splits addresses into domains; traffic between two domains
// passes only where a connection names them.
type Segmentation struct {
	Domains []Domain
	// Connections are pairs of domain names, in either order.
	Connections [][2]string
}

// Domain is a named set of prefixes.
type Domain struct {
	Name     string
	Prefixes []netip.Prefix
}

// S2CNeighbor names a gateway's BGP neighbour over a site2cloud tunnel:
// the site of the topology's connection i (t.Site2Cloud[i], with bgp), at
// its gateway and HA gateway (gateway nodes), or at its spoke's gateways.
// Its session comes up only once the tunnel is: convergence waits for it
// apart.
func S2CNeighbor(i int) string { return "s2c" + strconv.Itoa(i) }

// IsS2CNeighbor reports whether a session's name is S2CNeighbor's.
func IsS2CNeighbor(name string) bool {
	i, err := strconv.Atoi(strings.TrimPrefix(name, "s2c"))
	return err == nil && S2CNeighbor(i) == name
}

// Compile turns g into the gateway's wire configuration in normal form:
// tunnel peers and neighbours by name, prefixes and approved prefixes
// masked, sorted and without repeats, MTUs and the overlays' ports filled
// in, the segmentation policy in normal form (see Wire). It never changes
// g.
func Compile(g Gateway) mgmt.Config {
	c := mgmt.Config{
		Name:         g.Name,
		ASN:          g.ASN,
		RouterID:     g.RouterID,
		Prefixes:     NormalPrefixes(g.Prefixes),
		MTU:          g.MTU,
		Segmentation: g.Segmentation.Wire(),
	}
	if !g.Key.IsZero() {
		c.PrivateKey = g.Key.String()
	}
	if c.MTU == 0 {
		c.MTU = wg.DefaultMTU
	}
	for _, t := range g.Tunnels {
		p := mgmt.Peer{
			Name:        t.Name,
			PublicKey:   t.PublicKey.String(),
			Endpoint:    t.Endpoint,
			ListenPort:  t.Port,
			Address:     t.Address,
			PeerAddress: t.PeerAddress,
			ASN:         t.ASN,
			NotFrom:     slices.Clone(t.NotFrom),
		}
		p.Approval, p.Approved = t.Approval.wire()
		c.Peers = append(c.Peers, p)
	}
	for _, n := range g.Neighbors {
		wn := mgmt.Neighbor{
			Name:    n.Name,
			Address: n.Address,
			ASN:     n.ASN,
			Passive: n.Passive || Waits(g.Name, n.Gateway),
		}
		wn.Approval, wn.Approved = n.Approval.wire()
		if o := n.Overlay; o != nil {
			v := &mgmt.VXLAN{VNI: o.VNI, Local: o.Local, Remote: o.Remote, Port: o.Port, Address: o.Address, MTU: o.MTU}
			if v.Port == 0 {
				v.Port = DefaultVXLANPort
			}
			if v.MTU == 0 {
				v.MTU = DefaultVXLANMTU
			}
			wn.VXLAN = v
		}
		c.Neighbors = append(c.Neighbors, wn)
	}
	slices.SortFunc(c.Peers, func(a, b mgmt.Peer) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(c.Neighbors, func(a, b mgmt.Neighbor) int { return strings.Compare(a.Name, b.Name) })
	return c
}

// Waits reports whether gateway self waits for its BGP neighbour other
// to connect: only when other is a gateway ("" is not) with a smaller
// name.
func Waits(self, other string) bool {
	return other != "" && other < self
}

// Wire returns s in the gateway's normal form: domains by name (their
// prefixes as given), each connection's pair in name order, connections
// sorted; nil for nil. It never changes s.
func (s *Segmentation) Wire() *mgmt.Segmentation {
	if s == nil {
		return nil
	}
	w := &mgmt.Segmentation{Domains: []mgmt.Domain{}}
	for _, d := range s.Domains {
		w.Domains = append(w.Domains, mgmt.Domain{Name: d.Name, Prefixes: slices.Clone(d.Prefixes)})
	}
	slices.SortFunc(w.Domains, func(a, b mgmt.Domain) int { return strings.Compare(a.Name, b.Name) })
	for _, cn := range s.Connections {
		a, b := cn[0], cn[1]
		if b < a {
			a, b = b, a
		}
		w.Connections = append(w.Connections, [2]string{a, b})
	}
	slices.SortFunc(w.Connections, func(x, y [2]string) int {
		if c := strings.Compare(x[0], y[0]); c != 0 {
			return c
		}
		return strings.Compare(x[1], y[1])
	})
	return w
}

// wire is the approval's mode and approved prefixes on the wire: "" and
// none for automatic approval.
func (a Approval) wire() (string, []netip.Prefix) {
	if !a.Manual {
		return "", nil
	}
	return "manual", NormalPrefixes(a.Approved)
}

// NormalPrefixes returns a copy of ps masked, sorted (address, then
// length) and without repeats; nil for none.
func NormalPrefixes(ps []netip.Prefix) []netip.Prefix {
	if len(ps) == 0 {
		return nil
	}
	out := make([]netip.Prefix, len(ps))
	for i, p := range ps {
		out[i] = p.Masked()
	}
	slices.SortFunc(out, func(a, b netip.Prefix) int {
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c
		}
		return a.Bits() - b.Bits()
	})
	return slices.Compact(out)
}
