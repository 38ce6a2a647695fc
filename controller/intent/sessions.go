package intent

import "fmt"

// HasSessions reports whether gateway k has any BGP session to wait for:
// a tunnel (each carries one) or a private-line overlay. A transit with
// no spoke, peering or site has none, and is converged once configured.
func (p *Plan) HasSessions(k string) bool {
	for _, t := range p.Tunnels {
		if t.A == k || t.B == k {
			return true
		}
	}
	for _, o := range p.Overlays {
		if o.Gateway == k || o.Site == k {
			return true
		}
	}
	return false
}

// SessionRef is a BGP session that a gateway is to have: its name on
// that gateway and what it leads to.
type SessionRef struct {
	Name string
	// Peer is the gateway key, or the site, at the other end.
	Peer string
	// Over says what carries it: "tunnel" or "private line".
	Over string
}

// SessionsOf lists the BGP sessions gateway k is to have, in plan order:
// one per tunnel, and one per private-line overlay (a transit gateway's
// neighbour s<i>, a site gateway's x<i>).
func (p *Plan) SessionsOf(k string) []SessionRef {
	var out []SessionRef
	for _, t := range p.Tunnels {
		switch k {
		case t.A:
			out = append(out, SessionRef{Name: t.Name[0], Peer: t.B, Over: "tunnel"})
		case t.B:
			out = append(out, SessionRef{Name: t.Name[1], Peer: t.A, Over: "tunnel"})
		}
	}
	for i, o := range p.Overlays {
		switch k {
		case o.Gateway:
			out = append(out, SessionRef{Name: p.SiteNeighbor(o.Site), Peer: o.Site, Over: "private line"})
		case o.Site:
			out = append(out, SessionRef{Name: fmt.Sprintf("x%d", i), Peer: o.Gateway, Over: "private line"})
		}
	}
	return out
}
