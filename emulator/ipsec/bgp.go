package ipsec

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/mcnlab/mcnlab/topologies"
)

// ConnBGP is BGP over a connection's tunnel as one end configures it: an
// eBGP session on the tunnel's inside addresses.
type ConnBGP struct {
	// ASN is this end's AS number, PeerASN the other end's.
	ASN, PeerASN uint32
	// Inside is this end's inside address with the inside network's
	// length (a /30), which goes on the tunnel interface.
	Inside netip.Prefix
	// Peer is the other end's inside address, the BGP neighbour.
	Peer netip.Addr
	// Networks are the prefixes this end announces.
	Networks []netip.Prefix
}

// WithBGP gives the site's side of s (conns, from SiteConns) its BGP
// sessions when s has bgp, one per tunnel: the site's asn and inside
// address, the gateway's asn (GatewayASN) and inside address, announcing
// the site subnets; with an HA gateway the backup tunnel (conns[1]) the
// same with the HA gateway's asn and the backup tunnel's inside
// addresses.
func WithBGP(t *topologies.Topology, s *topologies.Site2Cloud, conns []Conn) []Conn {
	b := s.BGP
	if b == nil {
		return conns
	}
	for i, gw := range []string{s.Gateway, s.HAGateway} {
		if i >= len(conns) || gw == "" {
			break
		}
		peerASN := GatewayASN(t, s, gw)
		gwIn, siteIn := b.Tunnel(i == 1)
		conns[i].BGP = &ConnBGP{ASN: b.SiteASN, PeerASN: peerASN, Inside: siteIn, Peer: gwIn.Addr(), Networks: SiteAnnounces(s)}
	}
	return conns
}

// GatewayASN is the AS number in which gateway gw of s (its gateway or
// HA gateway) speaks BGP: the spoke's (topologies.Topology.SpokeASN) when
// s ends on a spoke's instances, else gateway node gw's bgp asn; 0 when
// it has none.
func GatewayASN(t *topologies.Topology, s *topologies.Site2Cloud, gw string) uint32 {
	if s.InCloud() {
		return t.SpokeASN(s.CloudGateway)
	}
	if n := t.Node(gw); n != nil && n.BGP != nil {
		return n.BGP.ASN
	}
	return 0
}

// SiteAnnounces are the prefixes the site of s announces over its BGP
// session: its subnets, or over a mapped connection their virtual
// prefixes, the addresses the cloud knows the site by (the gateway
// translates the traffic, not the routes).
func SiteAnnounces(s *topologies.Site2Cloud) []netip.Prefix {
	if !s.Mapped() {
		return s.SiteSubnets
	}
	var out []netip.Prefix
	for _, m := range s.Mappings {
		out = appendNew(out, m.SiteVirtual)
	}
	return out
}

// check refuses a session no template may be written from: an AS number
// of 0, the same AS at both ends (the session is eBGP), an inside
// address that is not an IPv4 /30 holding the peer's, or networks that
// are not masked IPv4 prefixes.
func (b *ConnBGP) check() []error {
	var errs []error
	if b.ASN == 0 || b.PeerASN == 0 || b.ASN == b.PeerASN {
		errs = append(errs, fmt.Errorf("bgp: AS numbers %d and %d: want two different, non-zero", b.ASN, b.PeerASN))
	}
	if !b.Inside.IsValid() || !b.Inside.Addr().Is4() || b.Inside.Bits() != 30 || !b.Peer.Is4() ||
		!b.Inside.Masked().Contains(b.Peer) || b.Peer == b.Inside.Addr() {
		errs = append(errs, fmt.Errorf("bgp: inside %v, peer %v: want an IPv4 /30 holding both", b.Inside, b.Peer))
	}
	for _, p := range b.Networks {
		if !p.IsValid() || !p.Addr().Is4() || p.Masked() != p {
			errs = append(errs, fmt.Errorf("bgp: network %v: want a masked IPv4 prefix", p))
		}
	}
	return errs
}

// routerBGP is the one BGP speaker of conns' router: its AS number and
// the sessions of the connections with BGP (none when no connection has
// any). Sessions of different AS numbers are refused: a router has one.
func routerBGP(conns []Conn) (asn uint32, sessions []*ConnBGP, err error) {
	for _, c := range conns {
		if c.BGP == nil {
			continue
		}
		if asn != 0 && c.BGP.ASN != asn {
			return 0, nil, errors.New("bgp: connections of one router with different AS numbers")
		}
		asn = c.BGP.ASN
		sessions = append(sessions, c.BGP)
	}
	return asn, sessions, nil
}

// writeIOSBGP writes the IOS router bgp stanza of the sessions: a
// neighbour per session, activated for IPv4, and a network statement of
// each prefix the router announces (IOS announces one only while the
// prefix is in its routing table).
func writeIOSBGP(b *strings.Builder, asn uint32, sessions []*ConnBGP) {
	fmt.Fprintf(b, "router bgp %d\n bgp log-neighbor-changes\n", asn)
	for _, s := range sessions {
		fmt.Fprintf(b, " neighbor %s remote-as %d\n neighbor %s timers %d %d\n", s.Peer, s.PeerASN, s.Peer, Keepalive, HoldTime)
	}
	b.WriteString(" address-family ipv4\n")
	for _, p := range announced(sessions) {
		fmt.Fprintf(b, "  network %s mask %s\n", p.Addr(), dottedMask(p))
	}
	for _, s := range sessions {
		fmt.Fprintf(b, "  neighbor %s activate\n", s.Peer)
	}
	b.WriteString(" exit-address-family\n")
}

// The BGP timers the templates set on a tunnel's session (seconds):
// with a tunnel to each of two gateways, the session over a dead one ends
// within HoldTime, whatever dead peer detection does.
const (
	Keepalive = 1
	HoldTime  = 3
)

// writeFRRBGP writes FRR's part of the sessions: the inside addresses on
// the IPsec interface and the router bgp stanza (FRRRouterBGP).
func writeFRRBGP(b *strings.Builder, asn uint32, sessions []*ConnBGP) {
	fmt.Fprintf(b, "interface %s\n", TUN)
	for _, s := range sessions {
		fmt.Fprintf(b, " ip address %s\n", s.Inside)
	}
	b.WriteString("exit\n")
	writeFRRRouterBGP(b, asn, sessions, nil)
}

// FRRRouterBGP is the router bgp stanza of the frr template for conns (a
// site's, WithBGP), announcing also extra: the lab's strongswan sites run
// bgpd on exactly this text (their own networks as extra), so the
// template is what every lab with BGP over a tunnel runs. "" when no
// connection has BGP.
func FRRRouterBGP(conns []Conn, extra []netip.Prefix) (string, error) {
	asn, sessions, err := routerBGP(conns)
	if err != nil {
		return "", fmt.Errorf("frr template: %w", err)
	}
	for _, s := range sessions {
		if errs := s.check(); len(errs) > 0 {
			return "", fmt.Errorf("frr template: %w", errors.Join(errs...))
		}
	}
	if len(sessions) == 0 {
		return "", nil
	}
	var b strings.Builder
	writeFRRRouterBGP(&b, asn, sessions, extra)
	return b.String(), nil
}

// writeFRRRouterBGP writes the router bgp stanza of the sessions: a
// neighbour per session with the templates' timers and BFD, without the
// eBGP policy FRR otherwise requires before it sends or accepts a route,
// announcing each network whether or not the router has a route to it
// (a mapped site's virtual prefixes are nowhere in its table).
func writeFRRRouterBGP(b *strings.Builder, asn uint32, sessions []*ConnBGP, extra []netip.Prefix) {
	fmt.Fprintf(b, "router bgp %d\n no bgp ebgp-requires-policy\n no bgp network import-check\n", asn)
	for _, s := range sessions {
		fmt.Fprintf(b, " neighbor %s remote-as %d\n neighbor %s timers %d %d\n neighbor %s timers connect 1\n neighbor %s bfd\n",
			s.Peer, s.PeerASN, s.Peer, Keepalive, HoldTime, s.Peer, s.Peer)
	}
	b.WriteString(" address-family ipv4 unicast\n")
	ps := announced(sessions)
	for _, p := range extra {
		if p.Addr().Is4() {
			ps = appendNew(ps, p)
		}
	}
	for _, p := range ps {
		fmt.Fprintf(b, "  network %s\n", p)
	}
	b.WriteString(" exit-address-family\nexit\n")
}

// writeSwanBGPComment says, in swanctl.conf, what runs beside charon for
// each session: FRR with the frr template's BGP part.
func writeSwanBGPComment(b *strings.Builder, conns []Conn) {
	for _, c := range conns {
		if s := c.BGP; s != nil {
			fmt.Fprintf(b, "# %s runs BGP over the tunnel (see the frr template): %s on %s, AS %d with neighbour %s AS %d, announcing %s\n",
				c.Name, s.Inside, TUN, s.ASN, s.Peer, s.PeerASN, prefixList(s.Networks))
		}
	}
}

// announced is the sessions' networks, each once, in order.
func announced(sessions []*ConnBGP) []netip.Prefix {
	var ps []netip.Prefix
	for _, s := range sessions {
		for _, p := range s.Networks {
			ps = appendNew(ps, p)
		}
	}
	return ps
}
