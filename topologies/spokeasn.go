package topologies

// SpokeASNBase is where the AS numbers chosen for spokes start: spoke i
// of the cloud intent without an asn gets SpokeASNBase+i (private range,
// RFC 6996), or the next number above that no transit, spoke, site or
// site2cloud site uses (SpokeASNs).
const SpokeASNBase = 64600

// SpokeASNs returns every spoke's AS number by the spoke's index: its
// asn, or for a spoke without one SpokeASNBase+i unless a transit, site,
// spoke or the site of a site2cloud connection with bgp uses it already,
// else the next free number. BGP loop prevention drops routes whose AS
// path holds the receiver's own AS (RFC 4271, section 9.1.2), so a chosen
// number that another speaker had would cut the two off from each other.
// Nil without cloud intent.
func (t *Topology) SpokeASNs() map[int]uint32 {
	c := t.Cloud
	if c == nil {
		return nil
	}
	used := map[uint32]bool{}
	for _, tr := range c.Transits {
		used[tr.ASN] = true
	}
	for _, sp := range c.Spokes {
		used[sp.ASN] = true
	}
	for _, s := range c.Sites {
		used[s.ASN] = true
	}
	for _, s := range t.Site2Cloud {
		if s != nil && s.BGP != nil {
			used[s.BGP.SiteASN] = true
		}
	}
	out := map[int]uint32{}
	for i, sp := range c.Spokes {
		if sp.ASN != 0 {
			out[i] = sp.ASN
			continue
		}
		asn := SpokeASNBase + uint32(i)
		for used[asn] {
			asn++
		}
		used[asn] = true
		out[i] = asn
	}
	return out
}

// SpokeASN is the AS number of the named spoke's gateways (SpokeASNs),
// 0 when t has no such spoke.
func (t *Topology) SpokeASN(spoke string) uint32 {
	if sp, i := t.spoke(spoke); sp != nil {
		return t.SpokeASNs()[i]
	}
	return 0
}

// S2CBackup reports whether connection s has a backup tunnel: to its
// ha-gateway, or, ending on a spoke's instances (cloud-gateway), to the
// spoke's HA gateway (the spoke's ha: true).
func (t *Topology) S2CBackup(s *Site2Cloud) bool {
	if !s.InCloud() {
		return s.HAGateway != ""
	}
	sp, _ := t.spoke(s.CloudGateway)
	return sp != nil && sp.HA
}

// spoke returns the cloud intent's spoke named name and its index, or nil.
func (t *Topology) spoke(name string) (*Spoke, int) {
	if t.Cloud == nil {
		return nil, -1
	}
	for i, sp := range t.Cloud.Spokes {
		if sp != nil && sp.Name == name {
			return sp, i
		}
	}
	return nil, -1
}
