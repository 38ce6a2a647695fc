package topologies

import (
	"fmt"
	"net/netip"
	"strconv"

	"gopkg.in/yaml.v3"
)

// The router kinds that run a real routing daemon inside the node.
const (
	KindFRR  NodeKind = "frr"  // FRRouting 8 (zebra and bgpd)
	KindBIRD NodeKind = "bird" // BIRD 2
)

// Forwards reports whether nodes of the kind forward packets (every kind
// but host).
func (k NodeKind) Forwards() bool { return k != KindHost }

// RunsDaemon reports whether nodes of the kind run third-party routing
// software (FRR, BIRD), and so take config.
func (k NodeKind) RunsDaemon() bool { return k == KindFRR || k == KindBIRD }

// BGP is a node's BGP intent, from which mcnlab writes the routing daemon's
// configuration.
type BGP struct {
	ASN uint32
	// RouterID defaults to the node's first IPv4 address.
	RouterID netip.Addr
	// Networks are the prefixes the node advertises.
	Networks  []netip.Prefix
	Neighbors []Neighbor
	Pos       Pos
}

// Neighbor is a BGP session to an address on a connected network.
type Neighbor struct {
	Address netip.Addr
	ASN     uint32
	// Export, when set, are the only prefixes sent to this neighbour,
	// which none of the others is sent, and what it sends is not passed
	// on (no-export): a session with a cloud's edge router, which needs
	// the node's endpoint only (not read from YAML; the controller sets
	// it).
	Export []netip.Prefix
	Pos    Pos
}

// bgp decodes a node's bgp mapping.
func (d *decoder) bgp(n *yaml.Node, path string) *BGP {
	b := &BGP{Pos: Pos{Line: n.Line, Col: n.Column}}
	f := d.fields(n, path, "bgp")
	if f == nil {
		return b
	}
	if v := f["asn"]; v != nil {
		b.ASN = d.asn(v, join(path, "asn"))
	}
	if v := f["router-id"]; v != nil {
		if s, ok := d.str(v, join(path, "router-id")); ok {
			a, err := netip.ParseAddr(s)
			if err != nil || !a.Is4() {
				d.errf(v, join(path, "router-id"), "bad router ID %q; write an IPv4 address such as 10.255.0.1", s)
			}
			b.RouterID = a
		}
	}
	if v := f["networks"]; v != nil {
		if items, ok := d.list(v, join(path, "networks"), "prefixes"); ok {
			for i, item := range items {
				p := index(join(path, "networks"), i)
				d.at(item, p)
				if s, ok := d.str(item, p); ok {
					pf, err := netip.ParsePrefix(s)
					if err != nil {
						d.errf(item, p, "bad prefix %q; write a network such as 172.16.0.0/16", s)
					}
					b.Networks = append(b.Networks, pf)
				}
			}
		}
	}
	if v := f["neighbors"]; v != nil {
		if items, ok := d.list(v, join(path, "neighbors"), "neighbors"); ok {
			for i, item := range items {
				p := index(join(path, "neighbors"), i)
				nb := Neighbor{Pos: Pos{Line: item.Line, Col: item.Column}}
				if nf := d.fields(item, p, "neighbor"); nf != nil {
					if v := nf["address"]; v != nil {
						if s, ok := d.str(v, join(p, "address")); ok {
							a, err := parseNextHop(s)
							if err != nil {
								d.errf(v, join(p, "address"), "%v", err)
							}
							nb.Address = a
						}
					}
					if v := nf["asn"]; v != nil {
						nb.ASN = d.asn(v, join(p, "asn"))
					}
				}
				b.Neighbors = append(b.Neighbors, nb)
			}
		}
	}
	return b
}

// asn decodes an AS number (1..4294967295, RFC 6793 four-octet ASNs); the
// checks refuse the reserved ones among them (reservedASN).
func (d *decoder) asn(n *yaml.Node, path string) uint32 {
	d.at(n, path)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!int" {
		v, err := strconv.ParseUint(n.Value, 10, 32)
		if err == nil && v > 0 {
			return uint32(v)
		}
	}
	what := describe(n)
	if n.Kind == yaml.ScalarNode {
		what = clip(n.Value)
	}
	d.errf(n, path, "bad AS number %s; use 1..4294967294, such as 65001 (private: 64512..65534)", what)
	return 0
}

// AS numbers that IANA reserves and no BGP speaker may use as its own
// (IANA's Special-Purpose AS Numbers registry).
const (
	// asTrans is AS_TRANS (RFC 6793), the placeholder that 2-byte
	// speakers see for a 4-byte AS.
	asTrans = 23456
	// asLast16 and asLast32 are the last 16-bit and 32-bit AS numbers,
	// reserved by RFC 7300.
	asLast16 = 65535
	asLast32 = 4294967295
)

// reservedASN says why asn may not be used, or "". 0 (RFC 7607) is refused
// as missing by the decoder and by the checks of Go-built topologies.
// IANA's other reserved blocks (65552..131071) and the documentation
// numbers (RFC 5398) stay usable in a lab.
func reservedASN(asn uint32) string {
	const hint = "pick another, such as 65001 (private: 64512..65534)"
	switch asn {
	case asTrans:
		return "AS 23456 is AS_TRANS (RFC 6793), which stands in for 4-byte AS numbers; " + hint
	case asLast16:
		return "AS 65535 is reserved (RFC 7300: the last 16-bit AS number); " + hint
	case asLast32:
		return "AS 4294967295 is reserved (RFC 7300: the last 32-bit AS number); " + hint
	}
	return ""
}

// checkDaemon checks bgp and config against the node's kind and links.
func (c *checker) checkDaemon(n *Node, conn []connected) {
	path := join("nodes", n.Name)
	if n.BGP != nil && !n.Kind.TakesBGP() {
		c.errf(join(path, "bgp"), n.Pos, "bgp is for nodes that speak BGP (kinds frr, bird, gateway, strongswan); %s is a %s", n.Name, n.Kind)
		return
	}
	if n.Config != "" && !n.Kind.RunsDaemon() {
		c.errf(join(path, "config"), n.Pos, "config is for nodes that run FRR or BIRD (kinds frr, bird); %s is a %s", n.Name, n.Kind)
	}
	switch {
	case !n.Kind.TakesBGP():
		return
	case n.Kind == KindStrongSwan:
		c.checkStrongSwanBGP(n)
		if n.BGP == nil {
			return
		}
	case n.Kind == KindGateway && n.BGP == nil:
		c.errf(path, n.Pos, "a gateway needs bgp with at least its asn, such as bgp: {asn: 65100, networks: [10.1.0.0/16]}")
		return
	case n.BGP == nil && n.Config == "":
		c.errf(path, n.Pos, "a %s node needs bgp (mcnlab writes the daemon's configuration from it) or config (the whole configuration)", n.Kind)
		return
	}
	b := n.BGP
	if b == nil {
		return
	}
	bp := join(path, "bgp")
	if ap := join(bp, "asn"); !c.bad[ap] && b.ASN == 0 {
		c.errf(ap, b.Pos, "missing AS number; write asn: 65001")
	} else if msg := reservedASN(b.ASN); !c.bad[ap] && msg != "" {
		c.errf(ap, b.Pos, "%s", msg)
	}
	if !b.RouterID.IsValid() {
		for _, cn := range conn {
			if cn.addr.Addr().Is4() {
				b.RouterID = cn.addr.Addr()
				break
			}
		}
		if !b.RouterID.IsValid() && !c.bad[join(bp, "router-id")] {
			c.errf(join(bp, "router-id"), b.Pos, "no router ID: %s has no IPv4 address to take it from; write router-id: 10.255.0.1", n.Name)
		}
	}
	for i, p := range b.Networks {
		pp := index(join(bp, "networks"), i)
		if !c.bad[pp] && p.IsValid() && p != p.Masked() {
			c.errf(pp, b.Pos, "%s has host bits set; write the network, %s", p, p.Masked())
		}
	}
	seen := map[netip.Addr]int{}
	for i, nb := range b.Neighbors {
		np := index(join(bp, "neighbors"), i)
		if ap := join(np, "asn"); !c.bad[ap] && nb.ASN == 0 {
			c.errf(ap, nb.Pos, "missing AS number of the neighbor; write asn: 65002")
		} else if msg := reservedASN(nb.ASN); !c.bad[ap] && msg != "" {
			c.errf(ap, nb.Pos, "%s", msg)
		}
		ap := join(np, "address")
		if c.bad[ap] {
			continue
		}
		if !nb.Address.IsValid() {
			c.errf(ap, nb.Pos, "missing neighbor address; write the neighbor's address on a shared link")
			continue
		}
		if j, dup := seen[nb.Address]; dup {
			c.errf(ap, nb.Pos, "duplicate neighbor %s; the first is %s", nb.Address, c.where(index(join(bp, "neighbors"), j)))
			continue
		}
		seen[nb.Address] = i
		c.checkVia(n, Route{Via: nb.Address, Pos: nb.Pos}, ap, conn)
	}
}

// marshalBGP writes a node's bgp mapping.
func marshalBGP(b *BGP) *yaml.Node {
	m := mapping("asn", integer(int64(b.ASN)))
	if b.RouterID.IsValid() {
		m.Content = append(m.Content, str("router-id"), str(b.RouterID.String()))
	}
	if len(b.Networks) > 0 {
		l := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, p := range b.Networks {
			l.Content = append(l.Content, str(p.String()))
		}
		m.Content = append(m.Content, str("networks"), l)
	}
	if len(b.Neighbors) > 0 {
		l := &yaml.Node{Kind: yaml.SequenceNode}
		for _, nb := range b.Neighbors {
			nm := mapping("address", str(nb.Address.String()), "asn", integer(int64(nb.ASN)))
			nm.Style = yaml.FlowStyle
			l.Content = append(l.Content, nm)
		}
		m.Content = append(m.Content, str("neighbors"), l)
	}
	return m
}

// String describes a neighbor for messages.
func (nb Neighbor) String() string { return fmt.Sprintf("%s (AS %d)", nb.Address, nb.ASN) }
