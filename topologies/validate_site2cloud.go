package topologies

import (
	"fmt"
	"net/netip"
)

// checkSite2Cloud checks the site2cloud connections: names, the nodes and
// their addresses, the proposals, the prefixes and mappings, and that no
// two connections of one gateway claim the same site prefixes (traffic to
// them could not tell which tunnel it is for).
func (c *checker) checkSite2Cloud(t *Topology, nodes map[string]*Node, conn map[string][]connected) {
	claimed := map[string][]s2cClaim{} // gateway -> prefixes its connections route to sites
	for i, s := range t.Site2Cloud {
		if s == nil {
			c.errf(index("site2cloud", i), Pos{}, "nil site2cloud connection")
			continue
		}
		path := join("site2cloud", s.Name)
		if !s2cNameRE.MatchString(s.Name) {
			c.errf(path, s.Pos, "connection name %q: use 1 to 24 of a-z, 0-9 and '-', starting with a letter", s.Name)
		}
		if s.InCloud() {
			c.checkS2CCloud(path, s, t, nodes)
		} else {
			c.checkS2CNode(path, "site", s.Site, s.SiteAddress, s, nodes, conn, "")
			c.checkS2CNode(path, "gateway", s.Gateway, s.GatewayAddress, s, nodes, conn, KindGateway)
			if s.HAGateway != "" || s.HAGatewayAddress.IsValid() {
				c.checkS2CNode(path, "ha-gateway", s.HAGateway, s.HAGatewayAddress, s, nodes, conn, KindGateway)
				if s.HAGateway == s.Gateway {
					c.errf(join(path, "ha-gateway"), s.Pos, "the HA gateway must be another gateway than %s", s.Gateway)
				}
			}
		}
		if p := join(path, "type"); !c.bad[p] && s.Type != S2CRouteBased && s.Type != S2CPolicyBased {
			c.errf(p, s.Pos, "unknown type %q; valid: %s, %s", s.Type, S2CRouteBased, S2CPolicyBased)
		}
		if p := join(path, "auth"); !c.bad[p] && s.Auth != S2CAuthPSK && s.Auth != S2CAuthCert {
			c.errf(p, s.Pos, "unknown auth %q; valid: %s, %s", s.Auth, S2CAuthPSK, S2CAuthCert)
		}
		c.checkProposals(join(path, "ike"), s.IKE, true, s.Pos)
		c.checkProposals(join(path, "esp"), s.ESP, false, s.Pos)
		c.checkS2CPrefixes(join(path, "site-subnets"), s.SiteSubnets, s.Pos)
		c.checkS2CPrefixes(join(path, "cloud-subnets"), s.CloudSubnets, s.Pos)
		c.checkMappings(path, s)
		c.checkS2CBGP(path, s, t, nodes)
		for _, gw := range []string{s.Gateway, s.HAGateway, s.CloudGateway} {
			if gw != "" {
				claimed[gw] = c.claimS2C(path, s, claimed[gw])
			}
		}
	}
	c.checkS2CInsides(t)
}

// s2cClaim is a prefix a gateway routes to one connection's site.
type s2cClaim struct {
	prefix netip.Prefix
	path   string
}

// claimS2C checks the prefixes s routes to its site (the site's virtual
// prefixes when mapped, else its subnets) against those of the gateway's
// other connections, and returns claims with them added.
func (c *checker) claimS2C(path string, s *Site2Cloud, claims []s2cClaim) []s2cClaim {
	ps := s.SiteSubnets
	field := join(path, "site-subnets")
	if s.Mapped() {
		ps = nil
		for _, m := range s.Mappings {
			ps = append(ps, m.SiteVirtual)
		}
		field = join(path, "mappings")
	}
	for _, p := range ps {
		for _, cl := range claims {
			if cl.path != path && p.IsValid() && cl.prefix.IsValid() && p.Overlaps(cl.prefix) {
				c.errf(field, s.Pos, "%s overlaps %s of %s at the same gateway; give one of them mappings to virtual prefixes that do not overlap", p, cl.prefix, cl.path)
			}
		}
		claims = append(claims, s2cClaim{p, path})
	}
	return claims
}

// checkS2CNode checks that a connection's node exists (of kind want, when
// set) and holds the address.
func (c *checker) checkS2CNode(path, field, node string, addr netip.Addr, s *Site2Cloud, nodes map[string]*Node, conn map[string][]connected, want NodeKind) {
	np := join(path, field)
	if c.bad[np] {
		return
	}
	n := nodes[node]
	switch {
	case node == "":
		c.errf(np, s.Pos, "missing %s: the name of a node", field)
		return
	case n == nil:
		c.errf(np, s.Pos, "unknown node %q", node)
		return
	case want != "" && n.Kind != want:
		c.errf(np, s.Pos, "%s is a %s; the %s of a site2cloud connection is a node of kind %s", node, n.Kind, field, want)
		return
	}
	ap := join(path, field+"-address")
	if c.bad[ap] {
		return
	}
	if !addr.IsValid() {
		c.errf(ap, s.Pos, "missing %s-address: the address of %s that the tunnel uses", field, node)
		return
	}
	var have []string
	for _, x := range conn[node] {
		if x.addr.Addr() == addr {
			return
		}
		have = append(have, x.addr.Addr().String())
	}
	c.errf(ap, s.Pos, "%s is no address of %s (it has %v)", addr, node, have)
}

// checkProposals checks a list of IKE or ESP proposals.
func (c *checker) checkProposals(path string, ps []string, ike bool, pos Pos) {
	for i, p := range ps {
		ip := index(path, i)
		if c.bad[ip] {
			continue
		}
		if _, err := ParseProposal(p, ike); err != nil {
			c.errf(ip, pos, "%v", err)
		}
	}
}

// checkS2CPrefixes checks a connection's real prefixes: at least one, IPv4,
// masked.
func (c *checker) checkS2CPrefixes(path string, ps []netip.Prefix, pos Pos) {
	if c.bad[path] {
		return
	}
	if len(ps) == 0 {
		c.errf(path, pos, "no prefixes; list at least one, such as [10.0.0.0/16]")
	}
	for i, p := range ps {
		ip := index(path, i)
		if c.bad[ip] || !p.IsValid() {
			continue
		}
		if !p.Addr().Is4() {
			c.errf(ip, pos, "%s: site-to-cloud prefixes are IPv4", p)
		} else if p.Masked() != p {
			c.errf(ip, pos, "%s has host bits set; write %s", p, p.Masked())
		}
	}
}

// checkMappings checks each mapping: its real prefixes inside the
// connection's subnets, each virtual prefix IPv4 and of its real one's
// size.
func (c *checker) checkMappings(path string, s *Site2Cloud) {
	for i, m := range s.Mappings {
		mp := index(join(path, "mappings"), i)
		if c.bad[mp] {
			continue
		}
		for _, x := range []struct {
			name          string
			real, virtual netip.Prefix
			within        []netip.Prefix
			of            string
		}{
			{"site", m.Site, m.SiteVirtual, s.SiteSubnets, "site-subnets"},
			{"cloud", m.Cloud, m.CloudVirtual, s.CloudSubnets, "cloud-subnets"},
		} {
			if msg := mappingProblem(x.real, x.virtual, x.within); msg != "" {
				c.errf(join(mp, x.name), s.Pos, "%s (%s %v)", msg, x.of, x.within)
			}
		}
	}
}

// mappingProblem says what is wrong with one side of a mapping, "" if
// nothing.
func mappingProblem(real, virtual netip.Prefix, within []netip.Prefix) string {
	switch {
	case !real.IsValid() || !virtual.IsValid():
		return "a mapping needs site, site-virtual, cloud and cloud-virtual prefixes"
	case !real.Addr().Is4() || !virtual.Addr().Is4():
		return "mappings are IPv4"
	case real.Masked() != real || virtual.Masked() != virtual:
		return fmt.Sprintf("%s and %s must have no host bits set", real, virtual)
	case real.Bits() != virtual.Bits():
		return fmt.Sprintf("%s is a /%d and %s a /%d; a virtual prefix is the size of its real one", real, real.Bits(), virtual, virtual.Bits())
	}
	for _, w := range within {
		if w.IsValid() && w.Contains(real.Addr()) && w.Bits() <= real.Bits() {
			return ""
		}
	}
	return fmt.Sprintf("%s is not inside the connection's prefixes", real)
}

// realmAddr is an address in an address realm.
type realmAddr struct {
	realm string
	addr  netip.Addr
}

// AddressRealms splits the lab's interfaces into address realms: the
// parts of the link graph that mapped site2cloud connections separate.
// The site router and the gateways of a mapped connection translate (or
// tunnel) between their interfaces, so each of their interfaces starts a
// realm of its own; every other node joins all its interfaces into one.
// Addresses must be unique within a realm only: two branches and a VPC
// may all use 10.0.0.0/16. The result names an endpoint's realm.
func AddressRealms(t *Topology) func(Endpoint) string {
	boundary := map[string]bool{}
	for _, s := range t.Site2Cloud {
		if s != nil && s.Mapped() {
			boundary[s.Site], boundary[s.Gateway] = true, true
			if s.HAGateway != "" {
				boundary[s.HAGateway] = true
			}
		}
	}
	parent := map[string]string{}
	var find func(string) string
	find = func(x string) string {
		if p, ok := parent[x]; ok && p != x {
			r := find(p)
			parent[x] = r
			return r
		}
		parent[x] = x
		return x
	}
	union := func(a, b string) { parent[find(a)] = find(b) }
	key := func(e Endpoint) string {
		if boundary[e.Node] {
			return e.Node + ":" + e.Interface
		}
		return e.Node
	}
	for _, l := range t.Links {
		if l != nil {
			union(key(l.A), key(l.B))
		}
	}
	return func(e Endpoint) string { return find(key(e)) }
}
