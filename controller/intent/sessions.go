package intent

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
