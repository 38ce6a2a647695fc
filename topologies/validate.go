package topologies

import (
	"fmt"
	"net/netip"
	"strings"
)

// Validate runs the semantic checks of format v1 on a topology, such as one
// built in Go (whose positions are zero). Parse runs the same checks. It
// returns an ErrorList, or nil when the topology is valid.
func Validate(t *Topology) error {
	if t == nil {
		return ErrorList{{Msg: "nil topology"}}
	}
	c := &checker{file: t.File}
	c.check(t)
	return c.errs.err()
}

// checker runs the semantic checks, skipping fields the decoder could not
// read (their error is already reported).
type checker struct {
	file string
	pos  map[string]Pos  // positions by field path; nil for Go-built topologies
	bad  map[string]bool // field paths already reported by the decoder
	errs ErrorList
}

// errf records an error at the field path; fallback is used when the
// decoder recorded no position for it.
func (c *checker) errf(path string, fallback Pos, format string, args ...any) {
	p, ok := c.pos[path]
	if !ok {
		p = fallback
	}
	c.errs = append(c.errs, &Error{File: c.file, Line: p.Line, Col: p.Col, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// where names a field path and its line for "first used at" messages.
func (c *checker) where(path string) string {
	if p, ok := c.pos[path]; ok && p.Line > 0 {
		return fmt.Sprintf("%s, line %d", path, p.Line)
	}
	return path
}

// end is an endpoint with its field path, for the cross-link checks.
type end struct {
	Endpoint
	path string
}

// name is "node:interface".
func (e end) name() string { return e.Node + ":" + e.Interface }

// check runs every semantic check on t.
func (c *checker) check(t *Topology) {
	if !c.bad["name"] {
		if msg := checkLabName(t.Name); msg != "" {
			c.errf("name", Pos{}, "%s", msg)
		}
	}
	if !c.bad["version"] && t.Version != FormatVersion {
		c.errf("version", Pos{}, "unsupported version %d; this mcnlab reads version %d", t.Version, FormatVersion)
	}
	if !c.bad["defaults.mtu"] && !mtuInRange(t.Defaults.MTU) {
		c.errf("defaults.mtu", Pos{}, "mtu %d is out of range; use %d..%d", t.Defaults.MTU, MinMTU, MaxMTU)
	}
	nodes := c.checkNodes(t)
	conn := c.checkLinks(t, nodes)
	c.checkTunnels(t, nodes)
	c.checkNames(t)
	c.checkCloud(t)
	c.checkFireNets(t)
	c.checkInternet(t)
	c.checkGuardDuty(t)
	c.checkEgress(t)
	c.checkPSF(t)
	c.checkUserVPN(t)
	c.checkSite2Cloud(t, nodes, conn)
	for _, n := range t.Nodes {
		if n != nil {
			c.checkRoutes(n, conn[n.Name])
			c.checkDaemon(n, conn[n.Name])
		}
	}
}

// checkNodes checks node names, kinds and commands; it returns the nodes by name.
func (c *checker) checkNodes(t *Topology) map[string]*Node {
	nodes := map[string]*Node{}
	noVPCs := t.Cloud == nil || len(t.Cloud.VPCs) == 0
	if len(t.Nodes) == 0 && noVPCs && !c.bad["nodes"] && !c.bad["vpcs"] {
		c.errf("nodes", c.pos[""], "no nodes and no vpcs; a topology needs at least one of them: a node under nodes, such as h1: {kind: host}, or a vpc under vpcs (cloud intent)")
	}
	for i, n := range t.Nodes {
		if n == nil {
			c.errf(index("nodes", i), Pos{}, "nil node")
			continue
		}
		path := join("nodes", n.Name)
		if msg := checkNodeName(n.Name); msg != "" {
			c.errf(path, n.Pos, "%s", msg)
		}
		if nodes[n.Name] != nil {
			c.errf(path, n.Pos, "duplicate node %q", n.Name)
			continue
		}
		nodes[n.Name] = n
		if kp := join(path, "kind"); !c.bad[kp] && !n.Kind.Valid() {
			names := kindNames()
			c.errf(kp, n.Pos, "unknown kind %q%s valid kinds: %s", n.Kind, orDot(didYouMean(string(n.Kind), names)), strings.Join(names, ", "))
		}
		for j, cmd := range n.Exec {
			if p := index(join(path, "exec"), j); !c.bad[p] && strings.TrimSpace(cmd) == "" {
				c.errf(p, n.Pos, "empty command; write a shell command or remove the item")
			}
		}
	}
	return nodes
}

// connected is an addressed interface of a node.
type connected struct {
	iface string
	addr  netip.Prefix
	path  string
	peer  end // the other end of the link
}

// checkLinks checks endpoints, addresses and MTUs; it returns each node's
// addressed interfaces.
func (c *checker) checkLinks(t *Topology, nodes map[string]*Node) map[string][]connected {
	used := map[string]string{}      // node:interface -> endpoint path
	addrs := map[realmAddr]end{}     // address in its realm -> endpoint holding it
	conn := map[string][]connected{} // node -> addressed interfaces
	realm := AddressRealms(t)
	for i, l := range t.Links {
		path := index("links", i)
		if l == nil {
			c.errf(path, Pos{}, "nil link")
			continue
		}
		c.checkMTU(t, l, path)
		if rp := join(path, "rate"); l.Rate != 0 && !c.bad[rp] {
			if msg := checkRateRange(l.Rate); msg != "" {
				c.errf(rp, l.Pos, "%s", msg)
			}
		}
		epath := join(path, "endpoints")
		if c.bad[epath] {
			continue
		}
		ends := [2]end{{l.A, index(epath, 0)}, {l.B, index(epath, 1)}}
		for i, e := range ends {
			c.checkEnd(e, nodes, used)
			if ap := join(e.path, "address"); e.Address.IsValid() && !c.bad[ap] {
				if c.checkAddress(e, realmAddr{realm(e.Endpoint), e.Address.Addr()}, addrs) {
					c.checkOverlap(e, conn[e.Node])
					conn[e.Node] = append(conn[e.Node], connected{e.Interface, e.Address, ap, ends[1-i]})
				}
			}
		}
		a, b := ends[0], ends[1]
		if a.Node != "" && a.Node == b.Node && !c.bad[join(a.path, "node")] && !c.bad[join(b.path, "node")] {
			c.errf(epath, l.Pos, "link from node %s to itself (%s - %s); connect two different nodes", a.Node, a.name(), b.name())
		}
		c.checkPair(a, b, l)
	}
	return conn
}

// checkMTU checks a link's MTU, unless it inherits a bad default.
func (c *checker) checkMTU(t *Topology, l *Link, path string) {
	mp := join(path, "mtu")
	if c.bad[mp] {
		return
	}
	_, own := c.pos[mp]
	if c.pos != nil && !own && !mtuInRange(t.Defaults.MTU) {
		return // inherited from defaults.mtu, which is reported already
	}
	if !mtuInRange(l.MTU) {
		c.errf(mp, l.Pos, "mtu %d is out of range; use %d..%d", l.MTU, MinMTU, MaxMTU)
		return
	}
	if l.MTU < MinMTUv6 && (l.A.Address.Addr().Is6() || l.B.Address.Addr().Is6()) {
		c.errf(mp, l.Pos, "mtu %d is too small for IPv6 (the kernel disables IPv6 below %d); raise it to at least %d", l.MTU, MinMTUv6, MinMTUv6)
	}
}

// checkEnd checks one endpoint's node and interface.
func (c *checker) checkEnd(e end, nodes map[string]*Node, used map[string]string) {
	np, ip := join(e.path, "node"), join(e.path, "interface")
	if !c.bad[np] && nodes[e.Node] == nil {
		names := make([]string, 0, len(nodes))
		for n := range nodes {
			names = append(names, n)
		}
		if e.Node == "" {
			c.errf(np, Pos{}, "node name is empty; name one of the nodes")
		} else {
			c.errf(np, Pos{}, "unknown node %q%s defined nodes: %s", e.Node, orDot(didYouMean(e.Node, names)), listNames(names))
		}
	}
	if c.bad[ip] {
		return
	}
	if msg := checkInterfaceName(e.Interface); msg != "" {
		c.errf(ip, Pos{}, "%s", msg)
		return
	}
	if c.bad[np] {
		return
	}
	if first, ok := used[e.name()]; ok {
		c.errf(ip, Pos{}, "interface %s is already used by %s; every interface belongs to one link", e.name(), c.where(first))
		return
	}
	used[e.name()] = e.path
}

// listNames lists node names, sorted, the first ten of them.
func listNames(names []string) string {
	sortStrings(names)
	if len(names) > 10 {
		return strings.Join(names[:10], ", ") + fmt.Sprintf(" and %d more", len(names)-10)
	}
	return strings.Join(names, ", ")
}

// checkAddress checks that an endpoint address is a usable host address and
// unique in its address realm (ra). It reports whether the address is
// usable.
func (c *checker) checkAddress(e end, ra realmAddr, addrs map[realmAddr]end) bool {
	ap := join(e.path, "address")
	a, p := e.Address.Addr(), e.Address.Masked()
	if a.Is4() && p.Bits() < 31 {
		if a == p.Addr() {
			c.errf(ap, Pos{}, "%s is the network address of %s; use a host address such as %s/%d", a, p, p.Addr().Next(), p.Bits())
			return false
		}
		if a == lastAddr(p) {
			c.errf(ap, Pos{}, "%s is the broadcast address of %s; use a host address such as %s/%d", a, p, a.Prev(), p.Bits())
			return false
		}
	}
	if a.IsUnspecified() || a.IsLoopback() || a.IsMulticast() {
		c.errf(ap, Pos{}, "%s cannot be an interface address (unspecified, loopback or multicast); use a unicast address", a)
		return false
	}
	if first, ok := addrs[ra]; ok {
		c.errf(ap, Pos{}, "duplicate address %s; already used by %s (%s)", a, first.name(), c.where(join(first.path, "address")))
		return false
	}
	addrs[ra] = e
	return true
}

// checkOverlap checks that an address's network does not overlap another
// network of the same node.
func (c *checker) checkOverlap(e end, others []connected) {
	for _, o := range others {
		if o.addr.Masked().Overlaps(e.Address.Masked()) {
			c.errf(join(e.path, "address"), Pos{}, "network %s of %s overlaps network %s of %s:%s (%s); give each interface of a node its own network",
				e.Address.Masked(), e.name(), o.addr.Masked(), e.Node, o.iface, c.where(o.path))
			return
		}
	}
}

// checkPair checks that the two ends of a link are addressed alike.
func (c *checker) checkPair(a, b end, l *Link) {
	for _, e := range []end{a, b} {
		if c.bad[join(e.path, "address")] || c.bad[join(e.path, "node")] || c.bad[join(e.path, "interface")] {
			return
		}
	}
	bp := join(b.path, "address")
	av, bv := a.Address.IsValid(), b.Address.IsValid()
	switch {
	case av && !bv:
		c.errf(b.path, l.Pos, "%s has no address but the other end has %s; give both ends addresses in one network, or neither", b.name(), a.Address)
	case !av && bv:
		c.errf(a.path, l.Pos, "%s has no address but the other end has %s; give both ends addresses in one network, or neither", a.name(), b.Address)
	case !av:
	case a.Address.Addr().Is4() != b.Address.Addr().Is4():
		c.errf(bp, l.Pos, "mixed address families on one link: %s is %s but %s is %s; use one family on both ends",
			a.Address, family(a.Address.Addr()), b.Address, family(b.Address.Addr()))
	case a.Address.Masked() != b.Address.Masked():
		c.errf(bp, l.Pos, "%s is not in the same network as the other end: %s is in %s, %s is in %s; put both ends in one prefix",
			b.Address, a.Address, a.Address.Masked(), b.Address, b.Address.Masked())
	}
}

// checkRoutes checks a node's static routes against its connected networks.
func (c *checker) checkRoutes(n *Node, conn []connected) {
	seen := map[netip.Prefix]int{}
	for i, r := range n.Routes {
		path := index(join(join("nodes", n.Name), "routes"), i)
		tp, vp := join(path, "to"), join(path, "via")
		toOK, viaOK := !c.bad[tp], !c.bad[vp]
		if toOK && !r.To.IsValid() {
			c.errf(tp, r.Pos, "missing destination; write \"default\" or a prefix such as 10.0.2.0/24")
			toOK = false
		}
		if viaOK && !r.Via.IsValid() {
			c.errf(vp, r.Pos, "missing next hop; write an address such as 10.0.1.1")
			viaOK = false
		}
		if toOK && r.To != r.To.Masked() {
			c.errf(tp, r.Pos, "%s has host bits set; write the network, %s", r.To, r.To.Masked())
			toOK = false
		}
		if toOK {
			if j, dup := seen[r.To]; dup {
				c.errf(tp, r.Pos, "duplicate route to %s; the first is %s", destName(r.To), c.where(index(join(join("nodes", n.Name), "routes"), j)))
			} else {
				seen[r.To] = i
			}
			for _, cn := range conn {
				if cn.addr.Masked() == r.To {
					c.errf(tp, r.Pos, "route to %s duplicates the connected network of %s; the kernel routes it already, remove this route", r.To, cn.iface)
				}
			}
		}
		if !viaOK {
			continue
		}
		if toOK && r.To.Addr().Is4() != r.Via.Is4() {
			c.errf(vp, r.Pos, "next hop %s is %s but destination %s is %s; use one family", r.Via, family(r.Via), r.To, family(r.To.Addr()))
			continue
		}
		c.checkVia(n, r, vp, conn)
	}
}

// checkVia checks that a next hop lies on a connected network and is not
// the node's own address.
func (c *checker) checkVia(n *Node, r Route, vp string, conn []connected) {
	var nets []string
	for _, cn := range conn {
		if cn.addr.Addr() == r.Via {
			c.errf(vp, r.Pos, "next hop %s is this node's own address (%s); use the address of a neighbour on that network", r.Via, cn.iface)
			return
		}
		if cn.addr.Contains(r.Via) {
			if p := cn.peer; p.Address.IsValid() && p.Address.Addr() != r.Via && !c.bad[join(p.path, "address")] {
				c.errf(vp, r.Pos, "next hop %s is on the network %s of %s, but no node has that address; the neighbour there is %s (%s)",
					r.Via, cn.addr.Masked(), cn.iface, p.Address.Addr(), p.name())
			}
			return
		}
		nets = append(nets, fmt.Sprintf("%s (%s)", cn.addr.Masked(), cn.iface))
	}
	if len(nets) == 0 {
		c.errf(vp, r.Pos, "next hop %s is not on a connected network: %s has no addressed links", r.Via, n.Name)
		return
	}
	c.errf(vp, r.Pos, "next hop %s is not on a connected network of %s; its networks are %s", r.Via, n.Name, strings.Join(nets, ", "))
}

// destName writes a destination as the file would.
func destName(p netip.Prefix) string {
	if p.Bits() == 0 {
		return "default"
	}
	return p.String()
}

// family names an address family.
func family(a netip.Addr) string {
	if a.Is4() {
		return "IPv4"
	}
	return "IPv6"
}

// lastAddr is the highest address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().As16()
	bits := p.Bits()
	if p.Addr().Is4() {
		bits += 96
	}
	for i := bits; i < 128; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	a := netip.AddrFrom16(b)
	if p.Addr().Is4() {
		return a.Unmap()
	}
	return a
}
