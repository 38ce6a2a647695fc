package topologies

// asnHolder is a spoke, site or transit with its AS number, the transit
// its routes enter (its own for a transit) and the field path of the
// number.
type asnHolder struct {
	kind, name, transit, path string
	asn                       uint32
	pos                       Pos
}

// checkASNsUnique refuses two spokes, sites or transits with one AS number
// where their routes meet: on one transit, or on two peered transits. BGP
// loop prevention makes a speaker discard every route whose AS path
// already holds its own AS (RFC 4271, section 9.1.2; GoBGP, FRR and BIRD
// all do), so each one's routes would be dropped at the other and the two
// would never reach each other, though the intent says they do.
// A spoke without an asn is left out: the controller gives it one that
// nothing else uses.
func (c *checker) checkASNsUnique(cl *Cloud, x *cloudIndex) {
	var hs []asnHolder
	for _, tr := range cl.Transits {
		if tr != nil && x.transits[tr.Name] == tr && x.transitASN[tr.Name] {
			hs = append(hs, asnHolder{"transit", tr.Name, tr.Name, join(join("transits", tr.Name), "asn"), tr.ASN, tr.Pos})
		}
	}
	for _, s := range cl.Spokes {
		if s != nil && x.spokes[s.Name] == s && s.ASN != 0 && s.ASN != asTrans {
			hs = append(hs, asnHolder{"spoke", s.Name, s.Transit, join(join("spokes", s.Name), "asn"), s.ASN, s.Pos})
		}
	}
	for _, s := range cl.Sites {
		if s != nil && x.sites[s.Name] == s && s.ASN != 0 && s.ASN != asTrans {
			hs = append(hs, asnHolder{"site", s.Name, s.Connection.Transit, join(join("sites", s.Name), "asn"), s.ASN, s.Pos})
		}
	}
	peered := func(a, b string) bool {
		for _, p := range cl.TransitPeerings {
			if p != nil && ((p.A == a && p.B == b) || (p.A == b && p.B == a)) {
				return true
			}
		}
		return false
	}
	for i, h := range hs {
		if c.bad[h.path] {
			continue
		}
		for _, o := range hs[:i] {
			if o.asn != h.asn || c.bad[o.path] {
				continue
			}
			switch {
			case h.kind == "transit" && o.kind == "transit":
				if !peered(h.name, o.name) {
					continue // never exchange routes
				}
			case h.kind == "transit" || o.kind == "transit":
				tr, other := h, o
				if o.kind == "transit" {
					tr, other = o, h
				}
				if other.transit == tr.name {
					continue // the spoke's and site's own checks say it
				}
				if !peered(other.transit, tr.name) {
					continue
				}
			default:
				if h.transit != o.transit && !peered(h.transit, o.transit) {
					continue // their routes never meet
				}
			}
			c.errf(h.path, h.pos, "AS %d is also the AS of %s %s (%s): BGP loop prevention drops every route whose AS path holds a speaker's own AS, so %s's and %s's routes would be dropped at each other and they could not reach each other; give %s %s an AS of its own%s",
				h.asn, o.kind, o.name, c.where(o.path), h.name, o.name, h.kind, h.name, spokeASNHint(h.kind))
			break
		}
	}
}

// spokeASNHint is the extra advice for a spoke: it may leave asn out.
func spokeASNHint(kind string) string {
	if kind == "spoke" {
		return ", or leave asn out for the controller to choose one"
	}
	return ""
}
