package topologies

import (
	"net/netip"
	"strings"

	"gopkg.in/yaml.v3"
)

// KindGateway is a gateway: `mcnlab gateway` runs in the node, with an
// encrypted tunnel to each gateway it shares a tunnel with and a BGP
// session over each tunnel and to each neighbor in its bgp block.
const KindGateway NodeKind = "gateway"

// TakesBGP reports whether nodes of the kind take a bgp block (a
// strongswan node runs FRR beside charon for its connections with bgp).
func (k NodeKind) TakesBGP() bool {
	return k == KindFRR || k == KindBIRD || k == KindGateway || k == KindStrongSwan
}

// Tunnel is an encrypted tunnel between two gateways (WireGuard), with a
// BGP session over its inner addresses.
type Tunnel struct {
	A, B string // gateway node names
	// Inner are the two ends' inner addresses (a /31 or /30 each); when
	// unset they come from InnerRange by the tunnel's position.
	Inner [2]netip.Prefix
	Pos   Pos
}

// InnerRange holds the tunnels' default inner addresses: the link-local
// range that AWS also uses for VPN tunnel inside addresses
// (https://docs.aws.amazon.com/vpn/latest/s2svpn/VPNTunnels.html:
// "inside tunnel IPv4 CIDR ... a size /30 CIDR block from the 169.254.0.0/16
// range"). Tunnel i takes 169.254.(i/128).(2*(i%128))/31.
var InnerRange = netip.MustParsePrefix("169.254.0.0/16")

// EdgeRange holds the link-local /29s of private lines' sessions with a
// cloud's edge router (a GCP Cloud Router over a VLAN attachment): site i
// takes 169.254.(244+i/32).(8*(i%32))/29 (controller/intent edge.go). A
// site's line address may not lie in it.
var EdgeRange = netip.MustParsePrefix("169.254.244.0/22")

// InnerAddresses returns the inner addresses of tunnel i of t: its own, or
// the default ones.
func (t *Topology) InnerAddresses(i int) [2]netip.Prefix {
	tn := t.Tunnels[i]
	if tn.Inner[0].IsValid() {
		return tn.Inner
	}
	b := InnerRange.Addr().As4()
	b[2] = byte(i / 128)
	b[3] = byte(2 * (i % 128))
	a := netip.AddrFrom4(b)
	return [2]netip.Prefix{netip.PrefixFrom(a, 31), netip.PrefixFrom(a.Next(), 31)}
}

// tunnel decodes one tunnel.
func (d *decoder) tunnel(n *yaml.Node, path string) *Tunnel {
	tn := &Tunnel{Pos: Pos{Line: n.Line, Col: n.Column}}
	f := d.fields(n, path, "tunnel")
	if f == nil {
		return tn
	}
	if v := f["endpoints"]; v != nil {
		ep := join(path, "endpoints")
		if items, ok := d.list(v, ep, "gateway names"); ok {
			if len(items) != 2 {
				d.errf(v, ep, "a tunnel has 2 endpoints, got %d; write [gw1, gw2]", len(items))
			} else {
				tn.A, _ = d.str(items[0], index(ep, 0))
				tn.B, _ = d.str(items[1], index(ep, 1))
				d.at(items[0], index(ep, 0))
				d.at(items[1], index(ep, 1))
			}
		}
	}
	if v := f["inner"]; v != nil {
		ip := join(path, "inner")
		if items, ok := d.list(v, ip, "inner addresses"); ok {
			if len(items) != 2 {
				d.errf(v, ip, "inner takes the 2 ends' addresses, got %d; write [169.254.10.0/31, 169.254.10.1/31]", len(items))
			} else {
				for i, item := range items {
					p := index(ip, i)
					d.at(item, p)
					if s, ok := d.str(item, p); ok {
						a, err := parseAddress(s)
						if err != nil {
							d.errf(item, p, "%v", err)
						}
						tn.Inner[i] = a
					}
				}
			}
		}
	}
	return tn
}

// checkTunnels checks that tunnels join two distinct gateways, once per
// pair, with inner addresses of one /31 or /30.
func (c *checker) checkTunnels(t *Topology, nodes map[string]*Node) {
	pairs := map[[2]string]int{}
	for i, tn := range t.Tunnels {
		path := index("tunnels", i)
		ep := join(path, "endpoints")
		if tn == nil || c.bad[ep] {
			continue
		}
		if tn.A == "" || tn.B == "" {
			c.errf(ep, tn.Pos, "missing endpoints; write the two gateways, such as [gw1, gw2]")
			continue
		}
		ok := true
		for j, name := range []string{tn.A, tn.B} {
			n := nodes[name]
			switch {
			case n == nil:
				c.errf(index(ep, j), tn.Pos, "unknown node %q%s gateways: %s", name, orDot(didYouMean(name, gatewayNames(t))), listOrNone(gatewayNames(t)))
				ok = false
			case n.Kind != KindGateway:
				c.errf(index(ep, j), tn.Pos, "%s is a %s; tunnels join nodes of kind gateway", name, n.Kind)
				ok = false
			}
		}
		if !ok {
			continue
		}
		if tn.A == tn.B {
			c.errf(ep, tn.Pos, "tunnel from %s to itself; join two different gateways", tn.A)
			continue
		}
		key := [2]string{min(tn.A, tn.B), max(tn.A, tn.B)}
		if j, dup := pairs[key]; dup {
			c.errf(ep, tn.Pos, "a second tunnel between %s and %s; the first is %s", tn.A, tn.B, c.where(index("tunnels", j)))
			continue
		}
		pairs[key] = i
		in := tn.Inner
		if ip := join(path, "inner"); in[0].IsValid() && in[1].IsValid() && !c.bad[index(ip, 0)] && !c.bad[index(ip, 1)] {
			switch {
			case !in[0].Addr().Is4() || !in[1].Addr().Is4():
				c.errf(ip, tn.Pos, "inner addresses %s and %s must be IPv4", in[0], in[1])
			case in[0].Bits() != in[1].Bits() || (in[0].Bits() != 31 && in[0].Bits() != 30) || in[0].Masked() != in[1].Masked() || in[0].Addr() == in[1].Addr():
				c.errf(ip, tn.Pos, "inner addresses %s and %s are not the two ends of one /31 or /30; write such as [169.254.10.0/31, 169.254.10.1/31]", in[0], in[1])
			}
		}
	}
}

func gatewayNames(t *Topology) []string {
	var s []string
	for _, n := range t.Nodes {
		if n != nil && n.Kind == KindGateway {
			s = append(s, n.Name)
		}
	}
	return s
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// marshalTunnel writes one tunnel.
func marshalTunnel(tn *Tunnel) *yaml.Node {
	eps := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle, Content: []*yaml.Node{str(tn.A), str(tn.B)}}
	m := mapping("endpoints", eps)
	if tn.Inner[0].IsValid() {
		in := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle, Content: []*yaml.Node{str(tn.Inner[0].String()), str(tn.Inner[1].String())}}
		m.Content = append(m.Content, str("inner"), in)
	}
	m.Style = yaml.FlowStyle
	return m
}
