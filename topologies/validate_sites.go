package topologies

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
)

// siteRouters are the site router kinds, in documentation order.
var siteRouters = []string{string(SiteFRR), string(SiteBIRD), string(SiteGoBGP)}

// connectionTypes are the site connection types, in documentation order.
var connectionTypes = []string{string(ConnPrivateLine), string(ConnTunnel)}

// checkSites checks each site: router, AS, advertised prefixes (not
// overlapping any VPC), connection and hosts.
func (c *checker) checkSites(cl *Cloud, x *cloudIndex) {
	var lines []*Site // sites with a usable connection address, in file order
	for path, s := range checked(c, "sites", "site", cl.Sites, x.sites, func(s *Site) string { return s.Name }) {
		rp := join(path, "router")
		routerOK := false
		if !c.bad[rp] {
			switch {
			case s.Router == "":
				c.errf(rp, s.Pos, "missing router; write router: frr, bird or gobgp")
			case !contains(siteRouters, string(s.Router)):
				c.errf(rp, s.Pos, "unknown router %q%s valid routers: %s", s.Router, orDot(didYouMean(string(s.Router), siteRouters)), strings.Join(siteRouters, ", "))
			default:
				routerOK = true
			}
		}
		asnOK := c.checkASN(join(path, "asn"), s.Pos, s.ASN, true)
		x.siteAdv[s.Name] = c.checkAdvertise(s, path, cl)
		c.checkConnection(s, path, routerOK, asnOK, x, &lines)
		for j, h := range s.Hosts {
			if h == nil {
				c.errf(index(join(path, "hosts"), j), s.Pos, "nil host")
				continue
			}
			c.checkHost(s, h, join(join(path, "hosts"), h.Name), x)
		}
	}
}

// checkAdvertise checks a site's advertised prefixes; it reports whether
// all of them are usable.
func (c *checker) checkAdvertise(s *Site, path string, cl *Cloud) bool {
	ap := join(path, "advertise")
	if c.bad[ap] {
		return false
	}
	if len(s.Advertise) == 0 {
		c.errf(ap, s.Pos, "no prefixes; a site advertises at least one prefix, such as [10.100.0.0/24]")
		return false
	}
	ok := true
	for k, p := range s.Advertise {
		pp := index(ap, k)
		if !c.checkPrefix4(pp, s.Pos, p, "10.100.0.0/24") {
			ok = false
			continue
		}
		for _, v := range cl.VPCs {
			if v != nil && v.CIDR.IsValid() && v.CIDR.Addr().Is4() && v.CIDR.Masked().Overlaps(p) {
				c.errf(pp, s.Pos, "prefix %s of site %s overlaps cidr %s of vpc %s (%s); on-prem prefixes and vpc ranges must not overlap",
					p, s.Name, v.CIDR, v.Name, c.where(join(join("vpcs", v.Name), "cidr")))
				break
			}
		}
	}
	return ok
}

// checkConnection checks how a site reaches its transit; lines collects
// the sites whose private-line address is usable.
func (c *checker) checkConnection(s *Site, path string, routerOK, asnOK bool, x *cloudIndex, lines *[]*Site) {
	cp := join(path, "connection")
	if c.bad[cp] {
		return
	}
	conn := s.Connection
	pos := s.Pos
	if tp := join(cp, "type"); !c.bad[tp] {
		switch {
		case conn.Type == "":
			c.errf(tp, pos, "missing connection type; write type: private-line or type: tunnel")
		case !contains(connectionTypes, string(conn.Type)):
			c.errf(tp, pos, "unknown connection type %q%s valid types: %s", conn.Type, orDot(didYouMean(string(conn.Type), connectionTypes)), strings.Join(connectionTypes, ", "))
		case conn.Type == ConnTunnel && routerOK && s.Router != SiteGoBGP:
			c.errf(tp, pos, "a tunnel over the internet needs router gobgp (frr and bird here have no IPsec or WireGuard); use type private-line")
		}
	}
	trp := join(cp, "transit")
	if c.ref(trp, pos, "transit", conn.Transit, x.transitNames, "defined transits", "transits") && asnOK && x.transitASN[conn.Transit] && x.transits[conn.Transit].ASN == s.ASN {
		c.errf(join(path, "asn"), pos, "AS %d is the AS of its transit %s (%s); a site needs an AS of its own (eBGP to the transit)",
			s.ASN, conn.Transit, c.where(join(join("transits", conn.Transit), "asn")))
	}
	ap := join(cp, "address")
	a := conn.Address
	if c.bad[ap] || !a.IsValid() {
		return
	}
	switch {
	case conn.Type == ConnTunnel:
		c.errf(ap, pos, "address is the /30 of a private line; a tunnel's inner addresses are the controller's choice: remove address or use type private-line")
		return
	case !c.checkPrefix4(ap, pos, a, "169.254.100.0/30"):
		return
	case a.Bits() != 30 || !InnerRange.Contains(a.Addr()):
		c.errf(ap, pos, "address %s is not a /30 inside %s; write one such as 169.254.100.0/30 (the cloud side takes .1, the site .2)", a, InnerRange)
		return
	case EdgeRange.Overlaps(a):
		c.errf(ap, pos, "address %s is in %s, the sessions with a cloud's edge router; write one such as 169.254.100.0/30", a, EdgeRange)
		return
	}
	for _, o := range *lines {
		if o.Connection.Address.Overlaps(a) {
			c.errf(ap, pos, "address %s of site %s is also the line address of site %s (%s); give each private line its own /30",
				a, s.Name, o.Name, c.where(join(join(join("sites", o.Name), "connection"), "address")))
			return
		}
	}
	*lines = append(*lines, s)
}

// checkHost checks a site host's address: inside an advertised prefix, a
// host address of it, unique.
func (c *checker) checkHost(s *Site, h *SiteHost, path string, x *cloudIndex) {
	if c.bad[path] {
		return
	}
	a := h.Address
	switch {
	case !a.IsValid():
		c.errAt(h.Pos, path, "missing address; write one such as 10.100.0.10")
		return
	case !a.Is4():
		c.errf(path, h.Pos, "%s is IPv6; the cloud intent of format v1 is IPv4 only: write an address such as 10.100.0.10", a)
		return
	}
	if x.siteAdv[s.Name] {
		var in netip.Prefix
		for _, p := range s.Advertise {
			if p.Contains(a) {
				in = p
				break
			}
		}
		var adv []string
		for _, p := range s.Advertise {
			adv = append(adv, p.String())
		}
		switch {
		case !in.IsValid():
			c.errf(path, h.Pos, "%s is not in a prefix that site %s advertises (%s); use an address inside one, such as %s",
				a, s.Name, strings.Join(adv, ", "), s.Advertise[0].Addr().Next())
			return
		case in.Bits() < 31 && a == in.Addr():
			c.errf(path, h.Pos, "%s is the network address of %s; use a host address such as %s", a, in, a.Next())
			return
		case in.Bits() < 31 && a == lastAddr(in):
			c.errf(path, h.Pos, "%s is the broadcast address of %s; use a host address such as %s", a, in, a.Prev())
			return
		}
	}
	c.addrUnique(a, path, h.Pos, who{"host", h.Name, path}, x)
}

// checkApprovals checks each transit's approved routes: sites connected
// to it, prefixes they advertise.
func (c *checker) checkApprovals(cl *Cloud, x *cloudIndex) {
	for _, tr := range cl.Transits {
		if tr == nil || x.transits[tr.Name] != tr {
			continue
		}
		ap := join(join(join("transits", tr.Name), "approval"), "approved")
		count := map[string]int{}          // site -> routes seen
		siteOK := map[string]bool{}        // site -> checked and usable
		seen := map[ApprovedRoute]string{} // route without position -> path
		for _, r := range tr.Approval.Approved {
			sp := join(ap, r.Site)
			k := count[r.Site]
			count[r.Site]++
			pp := index(sp, k)
			if k == 0 {
				siteOK[r.Site] = c.checkApprovedSite(tr, r, sp, x)
			}
			if !c.checkPrefix4(pp, r.Pos, r.Prefix, "10.100.0.0/24") {
				continue
			}
			key := ApprovedRoute{Site: r.Site, Prefix: r.Prefix}
			if first, dup := seen[key]; dup {
				c.errf(pp, r.Pos, "duplicate approved prefix %s of site %s; the first is %s", r.Prefix, r.Site, c.where(first))
				continue
			}
			seen[key] = pp
			if !siteOK[r.Site] || !x.siteAdv[r.Site] {
				continue
			}
			s := x.sites[r.Site]
			var adv []string
			inside := false
			for _, p := range s.Advertise {
				adv = append(adv, p.String())
				inside = inside || (p.Bits() <= r.Prefix.Bits() && p.Contains(r.Prefix.Addr()))
			}
			if !inside {
				c.errf(pp, r.Pos, "%s is not a prefix that site %s advertises, nor inside one; it advertises %s", r.Prefix, r.Site, strings.Join(adv, ", "))
			}
		}
	}
}

// checkApprovedSite checks that the site of an approved route exists and
// connects to this transit; it reports whether it does.
func (c *checker) checkApprovedSite(tr *Transit, r ApprovedRoute, path string, x *cloudIndex) bool {
	if c.bad[path] || c.bad["sites"] {
		return false
	}
	s := x.sites[r.Site]
	if s == nil {
		c.errf(path, r.Pos, "unknown site %q%s defined sites: %s", r.Site, orDot(didYouMean(r.Site, x.siteNames)), namesOrNone(x.siteNames))
		return false
	}
	tp := join(join(join("sites", s.Name), "connection"), "transit")
	if c.bad[tp] || s.Connection.Transit == tr.Name {
		return !c.bad[tp]
	}
	c.errf(path, r.Pos, "site %s connects to transit %s, not to %s (%s); approve a site's routes on the transit it connects to",
		s.Name, s.Connection.Transit, tr.Name, c.where(tp))
	return false
}

// checkDomains checks the segmentation domains and their connections.
func (c *checker) checkDomains(cl *Cloud, x *cloudIndex) {
	seen := map[string]bool{}
	member := map[string]who{} // spoke or site -> the domain it is in
	var members []string
	members = append(members, x.spokeNames...)
	members = append(members, x.siteNames...)
	for i, dm := range cl.Domains {
		if dm == nil {
			c.errf(index("domains", i), Pos{}, "nil domain")
			continue
		}
		path := join("domains", dm.Name)
		if !c.firstName(seen, "domain", dm.Name, path, dm.Pos) {
			continue
		}
		mp := join(path, "members")
		if !c.bad[mp] && len(dm.Members) == 0 {
			c.errf(mp, dm.Pos, "no members; a domain holds at least one spoke or site, such as [prod]")
		}
		for k, m := range dm.Members {
			p := index(mp, k)
			if c.bad[p] {
				continue
			}
			kind := "spoke"
			switch {
			case x.spokes[m] != nil:
			case x.sites[m] != nil:
				kind = "site"
			case x.transits[m] != nil:
				c.errf(p, dm.Pos, "%s is a transit; domains hold spokes and sites (a transit carries every domain)", m)
				continue
			case c.bad["spokes"] || c.bad["sites"]:
				continue
			case m == "":
				c.errf(p, dm.Pos, "missing member name; spokes and sites: %s", namesOrNone(members))
				continue
			default:
				c.errf(p, dm.Pos, "unknown member %q%s spokes and sites: %s", m, orDot(didYouMean(m, members)), namesOrNone(members))
				continue
			}
			if first, dup := member[m]; dup {
				c.errf(p, dm.Pos, "%s %s is already in domain %s (%s); a spoke or site is in at most one domain", kind, m, first.name, c.where(first.path))
				continue
			}
			member[m] = who{"domain", dm.Name, p}
		}
	}
	c.checkPairs(connectionItems(cl.Connections), x.domainNames, "connections", "domain", "connection")
}

// checkNames checks the names that share one name space: nodes,
// workloads, site hosts, sites, spokes, transits and internet hosts (they
// become namespaces, gateway names and labels of a reachability matrix),
// and the gateway names NAME-1 and NAME-2 that each transit and spoke
// takes.
func (c *checker) checkNames(t *Topology) {
	var all []who
	pos := map[string]Pos{} // path -> position of the name
	add := func(kind, name, path string, p Pos) {
		all = append(all, who{kind, name, path})
		pos[path] = p
	}
	for _, n := range t.Nodes {
		if n != nil {
			add("node", n.Name, join("nodes", n.Name), n.Pos)
		}
	}
	gateways := map[string]who{} // gateway name -> its transit or spoke
	if cl := t.Cloud; cl != nil {
		vpcNames(cl, add)
		for _, tr := range cl.Transits {
			if tr != nil {
				add("transit", tr.Name, join("transits", tr.Name), tr.Pos)
				firewallNames(tr, add)
			}
		}
		for _, s := range cl.Spokes {
			if s != nil {
				add("spoke", s.Name, join("spokes", s.Name), s.Pos)
			}
		}
		for _, s := range cl.Sites {
			if s == nil {
				continue
			}
			add("site", s.Name, join("sites", s.Name), s.Pos)
			for _, h := range s.Hosts {
				if h != nil {
					add("host", h.Name, join(join(join("sites", s.Name), "hosts"), h.Name), h.Pos)
				}
			}
		}
	}
	if in := t.Internet; in != nil {
		for _, h := range in.Hosts {
			if h != nil {
				add("internet host", h.Name, join("internet.hosts", h.Name), h.Pos)
			}
		}
	}
	if u := t.UserVPN; u != nil {
		for _, g := range u.Gateways {
			add("VPN gateway", g.Name, join("user-vpn.gateways", g.Name), g.Pos)
		}
		for i, l := range u.Laptops {
			add("laptop", l.Name, index("user-vpn.laptops", i), l.Pos)
		}
	}
	// The first in the file keeps the name; Go-built topologies (no
	// positions) keep the order above.
	sort.SliceStable(all, func(i, j int) bool {
		a, b := pos[all[i].path], pos[all[j].path]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	for _, w := range all {
		if w.kind == "transit" || w.kind == "spoke" {
			gateways[w.name+"-1"] = w
			gateways[w.name+"-2"] = w
		}
	}
	first := map[string]who{}
	for _, w := range all {
		p := pos[w.path]
		switch w.kind {
		case "node": // checked by checkNodes
		case "transit", "spoke":
			if msg := checkGatewayName(w.kind, w.name); msg != "" {
				c.errAt(p, w.path, "%s", msg)
			}
		default:
			if msg := checkName(w.kind, w.name); msg != "" {
				c.errAt(p, w.path, "%s", msg)
			}
		}
		if g, ok := gateways[w.name]; ok {
			c.errAt(p, w.path, "name %q is taken by a gateway of %s %s (%s), whose gateways are %s-1 and %s-2; rename one",
				w.name, g.kind, g.name, c.where(g.path), g.name, g.name)
			continue
		}
		o, dup := first[w.name]
		switch {
		case !dup:
			first[w.name] = w
		case o.kind == "node" && w.kind == "node":
			// reported by checkNodes
		default:
			c.errAt(p, w.path, "name %q is already used by %s %s (%s); nodes, workloads, site hosts, sites, spokes, transits and internet hosts share one name space: rename one",
				w.name, o.kind, o.name, c.whereAt(o.path, pos[o.path]))
		}
	}
}

// whereAt names a field path and the line of the name at p.
func (c *checker) whereAt(path string, p Pos) string {
	if p.Line > 0 {
		return fmt.Sprintf("%s, line %d", path, p.Line)
	}
	return path
}

// checkGatewayName says what is wrong with a transit or spoke name, the
// stem of its gateways' names, or "".
func checkGatewayName(kind, s string) string {
	switch {
	case s == "":
		return fmt.Sprintf("%s name is empty; use 1 to %d of a-z, 0-9 and '-'", kind, MaxGatewayName)
	case len(s) > MaxGatewayName:
		return fmt.Sprintf("%s name %q is %d bytes long; the limit is %d (its gateways are %s-1 and %s-2, and a gateway name is at most 12 bytes: a tunnel to it is the interface wg-<name>, within 15)",
			kind, s, len(s), MaxGatewayName, s, s)
	case !gatewayNameRE.MatchString(s):
		return fmt.Sprintf("bad %s name %q; use a-z, 0-9 and '-', starting and ending with a letter or digit (no '_': it names gateways, whose names are a-z, 0-9 and '-')", kind, s)
	}
	return ""
}

// vpcNames adds the names of the VPCs' instances (workloads, egress
// gateways) for checkNames.
func vpcNames(cl *Cloud, add func(kind, name, path string, p Pos)) {
	for _, v := range cl.VPCs {
		if v == nil {
			continue
		}
		for _, w := range v.Workloads {
			if w != nil {
				add("workload", w.Name, join(join(join("vpcs", v.Name), "workloads"), w.Name), w.Pos)
			}
		}
		if e := v.Egress; e != nil && e.Gateway != "" {
			add("egress gateway", e.Gateway, join(join(join("vpcs", v.Name), "egress"), "gateway"), e.Pos)
		}
		if g := v.PSF; g != nil && g.Gateway != "" {
			add("public subnet filtering gateway", g.Gateway, join(join(join("vpcs", v.Name), "psf"), "gateway"), g.Pos)
		}
	}
}
