package topologies

// checkS2CBGP checks a connection's bgp: a route-based connection
// without an HA gateway (one session, on one tunnel; over a mapped
// connection the site announces its virtual prefixes, so nothing is
// translated in BGP), a gateway that speaks BGP, a valid AS number, an IPv4 /30
// inside network, and a site router of kind strongswan with bgp whose
// asn is site-asn (the lab runs its side).
func (c *checker) checkS2CBGP(path string, s *Site2Cloud, nodes map[string]*Node) {
	b := s.BGP
	bp := join(path, "bgp")
	if b == nil || c.bad[bp] || s.InCloud() { // checkS2CCloud refuses it
		return
	}
	switch {
	case s.Type != S2CRouteBased:
		c.errf(bp, s.Pos, "bgp needs a route-based connection (type %s)", S2CRouteBased)
	case s.HAGateway != "":
		c.errf(bp, s.Pos, "bgp with an ha-gateway is not supported yet: the backup tunnel would need inside addresses of its own")
	}
	if ap := join(bp, "site-asn"); !c.bad[ap] {
		if b.SiteASN == 0 {
			c.errf(ap, s.Pos, "missing AS number of the site; write site-asn: 65401")
		} else if msg := reservedASN(b.SiteASN); msg != "" {
			c.errf(ap, s.Pos, "%s", msg)
		}
	}
	if ip := join(bp, "inside"); !c.bad[ip] {
		switch {
		case !b.Inside.IsValid():
			c.errf(ip, s.Pos, "missing inside network; write inside: 169.254.10.0/30")
		case !b.Inside.Addr().Is4() || b.Inside.Bits() != 30:
			c.errf(ip, s.Pos, "inside %s: want an IPv4 /30, such as 169.254.10.0/30 (the gateway takes the first address, the site the second)", b.Inside)
		case b.Inside.Masked() != b.Inside:
			c.errf(ip, s.Pos, "inside %s has host bits set; write %s", b.Inside, b.Inside.Masked())
		}
	}
	if gw := nodes[s.Gateway]; gw != nil && gw.Kind == KindGateway && gw.BGP != nil && gw.BGP.ASN == b.SiteASN {
		c.errf(join(bp, "site-asn"), s.Pos, "site-asn %d is gateway %s's own AS number; the session is eBGP", b.SiteASN, s.Gateway)
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
