package topologies

import "net/netip"

// checkS2CBGP checks a connection's bgp: a route-based connection (over
// a mapped connection the site announces its virtual prefixes, so
// nothing is translated in BGP), gateways that speak BGP in another AS
// than the site (gateway nodes' bgp, or the spoke's AS of a connection
// to its instances), a valid AS number, an IPv4 /30 inside network, with
// a backup tunnel (an HA gateway, or the spoke's with ha: true) one for
// it too (ha-inside, or the /30 after inside) that does not overlap it,
// and a site router of kind strongswan with bgp whose asn is site-asn
// (the lab runs its side).
func (c *checker) checkS2CBGP(path string, s *Site2Cloud, t *Topology, nodes map[string]*Node) {
	b := s.BGP
	bp := join(path, "bgp")
	if b == nil || c.bad[bp] {
		return
	}
	if s.Type != S2CRouteBased {
		c.errf(bp, s.Pos, "bgp needs a route-based connection (type %s)", S2CRouteBased)
	}
	if ap := join(bp, "site-asn"); !c.bad[ap] {
		if b.SiteASN == 0 {
			c.errf(ap, s.Pos, "missing AS number of the site; write site-asn: 65401")
		} else if msg := reservedASN(b.SiteASN); msg != "" {
			c.errf(ap, s.Pos, "%s", msg)
		}
	}
	insideOK := c.checkInside(join(bp, "inside"), "inside", b.Inside, s.Pos, "169.254.10.0/30")
	c.checkHAInside(bp, s, t.S2CBackup(s), insideOK)
	for _, name := range []string{s.Gateway, s.HAGateway} {
		if gw := nodes[name]; gw != nil && gw.Kind == KindGateway && gw.BGP != nil && gw.BGP.ASN == b.SiteASN {
			c.errf(join(bp, "site-asn"), s.Pos, "site-asn %d is gateway %s's own AS number; the session is eBGP", b.SiteASN, name)
		}
	}
	if s.InCloud() && b.SiteASN != 0 && t.SpokeASN(s.CloudGateway) == b.SiteASN {
		c.errf(join(bp, "site-asn"), s.Pos, "site-asn %d is spoke %s's own AS number (its gateways run the session); the session is eBGP", b.SiteASN, s.CloudGateway)
	}
	site := nodes[s.Site]
	if site == nil || site.Kind != KindStrongSwan {
		return
	}
	switch {
	case site.BGP == nil:
		c.errf(bp, s.Pos, "site %s runs no BGP; give it bgp with site-asn as its asn and the networks it announces, such as bgp: {asn: 65401, networks: [10.50.1.0/24]}", s.Site)
	case site.BGP.ASN != b.SiteASN:
		c.errf(join(bp, "site-asn"), s.Pos, "site-asn %d differs from site %s's bgp asn %d", b.SiteASN, s.Site, site.BGP.ASN)
	}
}

// checkStrongSwanBGP checks a strongswan node's bgp: its neighbours are
// the gateways of its connections with bgp, which the lab adds itself.
func (c *checker) checkStrongSwanBGP(n *Node) {
	if n.BGP != nil && len(n.BGP.Neighbors) > 0 {
		c.errf(join(join(join("nodes", n.Name), "bgp"), "neighbors"), n.BGP.Pos,
			"a strongswan node's BGP neighbours are the gateways of its site2cloud connections with bgp; remove neighbors from %s", n.Name)
	}
}

// checkInside checks an inside network at path (key names it in the
// message): present, an IPv4 /30, masked. It reports whether it is.
func (c *checker) checkInside(path, key string, n netip.Prefix, pos Pos, example string) bool {
	if c.bad[path] {
		return false
	}
	switch {
	case !n.IsValid():
		c.errf(path, pos, "missing %s network; write %s: %s", key, key, example)
	case !n.Addr().Is4() || n.Bits() != 30:
		c.errf(path, pos, "%s %s: want an IPv4 /30, such as %s (the gateway takes the first address, the site the second)", key, n, example)
	case n.Masked() != n:
		c.errf(path, pos, "%s %s has host bits set; write %s", key, n, n.Masked())
	default:
		return true
	}
	return false
}

// checkHAInside checks the backup tunnel's inside network: ha-inside
// only with a backup tunnel (backup: an ha-gateway, or a spoke with ha:
// true); given, a /30 apart from inside; allocated (the /30 after
// inside), one that exists.
func (c *checker) checkHAInside(bp string, s *Site2Cloud, backup, insideOK bool) {
	b := s.BGP
	hp := join(bp, "ha-inside")
	switch {
	case !backup && b.HAInside.IsValid() && s.InCloud():
		c.errf(hp, s.Pos, "ha-inside %s, but spoke %s has no HA gateway: only a backup tunnel to an HA gateway has one; remove ha-inside or give the spoke ha: true", b.HAInside, s.CloudGateway)
	case !backup && b.HAInside.IsValid():
		c.errf(hp, s.Pos, "ha-inside %s without ha-gateway: only a backup tunnel to an HA gateway has one; remove ha-inside or add ha-gateway", b.HAInside)
	case !backup || !insideOK:
	case b.HAInside.IsValid():
		if c.checkInside(hp, "ha-inside", b.HAInside, s.Pos, "169.254.10.4/30") && b.HAInside.Overlaps(b.Inside) {
			c.errf(hp, s.Pos, "ha-inside %s overlaps inside %s; the backup tunnel needs a /30 of its own, such as %s", b.HAInside, b.Inside, nextInside(b.Inside))
		}
	case !b.BackupInside().Addr().Is4() || b.BackupInside().Addr().Less(b.Inside.Addr()):
		c.errf(join(bp, "inside"), s.Pos, "inside %s is the last /30 of the address space, so the backup tunnel's inside network cannot be the next one; give ha-inside", b.Inside)
	}
}

// s2cInside is an inside network of one tunnel of a connection with bgp.
type s2cInside struct {
	net  netip.Prefix
	path string // the field that gives it
	what string // how the message names it
}

// checkS2CInsides checks that no two tunnels' inside networks overlap:
// each end puts its address on its ipsec0 with the network's connected
// route, so an overlap would send one session's packets into the other
// tunnel.
func (c *checker) checkS2CInsides(t *Topology) {
	var seen []s2cInside
	for _, s := range t.Site2Cloud {
		if s == nil || s.BGP == nil {
			continue
		}
		bp := join(join("site2cloud", s.Name), "bgp")
		if c.bad[join(bp, "inside")] || !validInside(s.BGP.Inside) {
			continue
		}
		tunnels := []s2cInside{{s.BGP.Inside, join(bp, "inside"), "inside " + s.BGP.Inside.String()}}
		if t.S2CBackup(s) && !c.bad[join(bp, "ha-inside")] {
			switch {
			case validInside(s.BGP.HAInside):
				tunnels = append(tunnels, s2cInside{s.BGP.HAInside, join(bp, "ha-inside"), "ha-inside " + s.BGP.HAInside.String()})
			case !s.BGP.HAInside.IsValid() && validInside(s.BGP.BackupInside()):
				tunnels = append(tunnels, s2cInside{s.BGP.BackupInside(), join(bp, "inside"),
					"the backup tunnel's inside " + s.BGP.BackupInside().String() + " (the /30 after inside; give ha-inside to choose another)"})
			}
		}
		for _, x := range tunnels {
			for _, o := range seen {
				if x.net.Overlaps(o.net) {
					c.errf(x.path, s.Pos, "%s overlaps %s of %s; each tunnel's inside network is its own", x.what, o.what, o.path)
				}
			}
		}
		seen = append(seen, tunnels...)
	}
}

// validInside reports whether n is a masked IPv4 /30.
func validInside(n netip.Prefix) bool {
	return n.IsValid() && n.Addr().Is4() && n.Bits() == 30 && n.Masked() == n
}
