package topologies

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
)

// Limits of DNS names (RFC 1035 2.3.4: 63 bytes a label, 255 on the wire,
// which is 253 written out without the final dot).
const (
	MaxDNSName  = 253
	MaxDNSLabel = 63
)

// dnsLabelRE is an RFC 1123 label, lower case: letters, digits and '-',
// starting and ending with a letter or digit.
var dnsLabelRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)

// servedBy is the first host to serve a DNS name, for duplicate errors.
type servedBy struct {
	host   *InternetHost
	path   string // the field path of the name
	shared bool
}

// checkInternet checks the internet block: the resolver's address, and
// each host's address, role, names and services. Host names are checked
// with the other names (checkNames).
func (c *checker) checkInternet(t *Topology) {
	in := t.Internet
	if in == nil {
		return
	}
	dnsOK := false
	if !c.bad["internet.dns"] {
		dnsOK = c.checkInternetAddr("internet.dns", in.Pos, in.DNS, "the resolver's")
	}
	addrs := map[netip.Addr]string{} // host address -> the path of the first host holding it
	names := map[string]servedBy{}
	seen := map[string]bool{}
	for i, h := range in.Hosts {
		if h == nil {
			c.errf(index("internet.hosts", i), in.Pos, "nil internet host")
			continue
		}
		if seen[h.Name] {
			continue // reported by checkNames
		}
		seen[h.Name] = true
		path := join("internet.hosts", h.Name)
		c.checkHostAddress(in, h, path, dnsOK, addrs)
		c.checkRole(h, path)
		c.checkDNSNames(h, path, names)
		c.checkServices(h, path)
	}
}

// checkInternetAddr checks that a is a usable address in InternetSpace;
// whose names it in messages ("the resolver's", "the host's"). It reports
// whether a is usable.
func (c *checker) checkInternetAddr(path string, pos Pos, a netip.Addr, whose string) bool {
	const use = "use an address in 192.0.2.0/24 (TEST-NET-1, the emulated internet's servers), such as 192.0.2.20"
	switch {
	case !a.IsValid():
		c.errf(path, pos, "missing address; %s", use)
	case a.Is6():
		c.errf(path, pos, "%s address %s is IPv6; the emulated internet of format v1 is IPv4 only: %s", whose, a, use)
	case a == InternetSpace.Addr() || a == lastAddr(InternetSpace):
		c.errf(path, pos, "%s address %s is the network or broadcast address of %s; %s", whose, a, InternetSpace, use)
	case a == InternetServerAddr:
		c.errf(path, pos, "%s address %s is the internet namespace's own address (the cloud's realizer holds it for its probes); use another, such as 192.0.2.20", whose, a)
	case InternetSpace.Contains(a):
		return true
	default:
		for _, p := range internetPools {
			if p.prefix.Contains(a) {
				c.errf(path, pos, "%s address %s is in %s, %s, which the lab hands out itself; %s", whose, a, p.prefix, p.what, use)
				return false
			}
		}
		c.errf(path, pos, "%s address %s is outside the documentation and benchmarking ranges the emulated internet lives in (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 198.18.0.0/15); %s", whose, a, use)
	}
	return false
}

// checkHostAddress checks a host's address: usable, not the resolver's,
// not another host's.
func (c *checker) checkHostAddress(in *Internet, h *InternetHost, path string, dnsOK bool, addrs map[netip.Addr]string) {
	ap := join(path, "address")
	if c.bad[ap] || !c.checkInternetAddr(ap, h.Pos, h.Address, "the host's") {
		return
	}
	if dnsOK && h.Address == in.DNS {
		c.errf(ap, h.Pos, "address %s is the resolver's (internet.dns, %s); give the host another address, or set dns to another", h.Address, dnsWhere(c, in))
		return
	}
	if first, ok := addrs[h.Address]; ok {
		c.errf(ap, h.Pos, "duplicate address %s; already the address of %s; give each internet host its own address", h.Address, c.where(first))
		return
	}
	addrs[h.Address] = ap
}

// dnsWhere says where the resolver's address comes from.
func dnsWhere(c *checker, in *Internet) string {
	if p, ok := c.pos["internet.dns"]; ok && p.Line > 0 {
		return fmt.Sprintf("line %d", p.Line)
	}
	if in.DNS == DefaultInternetDNS {
		return "the default"
	}
	return "set in Go"
}

// checkRole checks a host's role, and that a client serves nothing.
func (c *checker) checkRole(h *InternetHost, path string) {
	rp := join(path, "role")
	if c.bad[rp] {
		return
	}
	switch {
	case h.Role == "":
		c.errf(rp, h.Pos, "missing role; write role: server or role: client")
	case !contains(internetRoles, string(h.Role)):
		c.errf(rp, h.Pos, "unknown role %q%s valid roles: %s", h.Role, orDot(didYouMean(string(h.Role), internetRoles)), strings.Join(internetRoles, ", "))
	case h.Role == RoleClient && len(h.Serve) > 0:
		c.errf(join(path, "serve"), h.Pos, "a client serves nothing; remove serve, or set role: server")
	}
}

// checkServices checks a server's services: known ones, each once.
func (c *checker) checkServices(h *InternetHost, path string) {
	sp := join(path, "serve")
	if c.bad[sp] || h.Role == RoleClient {
		return
	}
	seen := map[Service]int{}
	for i, s := range h.Serve {
		p := index(sp, i)
		if c.bad[p] {
			continue
		}
		if !contains(services, string(s)) {
			c.errf(p, h.Pos, "unknown service %q%s valid services: %s", s, orDot(didYouMean(string(s), services)), strings.Join(services, ", "))
			continue
		}
		if j, dup := seen[s]; dup {
			c.errf(p, h.Pos, "service %s is listed twice; the first is %s", s, c.where(index(sp, j)))
			continue
		}
		seen[s] = i
	}
}

// checkDNSNames checks a host's DNS names: valid, each once on the host,
// and on one host only unless every host serving it is shared.
func (c *checker) checkDNSNames(h *InternetHost, path string, served map[string]servedBy) {
	np := join(path, "names")
	if c.bad[np] {
		return
	}
	own := map[string]int{}
	for i, n := range h.Names {
		p := index(np, i)
		if c.bad[p] {
			continue
		}
		if msg := checkDNSName(n); msg != "" {
			c.errf(p, h.Pos, "%s", msg)
			continue
		}
		if j, dup := own[n]; dup {
			c.errf(p, h.Pos, "name %s is listed twice; the first is %s", n, c.where(index(np, j)))
			continue
		}
		own[n] = i
		first, taken := served[n]
		if !taken {
			served[n] = servedBy{host: h, path: p, shared: h.Shared}
			continue
		}
		if !first.shared || !h.Shared {
			c.errf(p, h.Pos, "name %s is already served by internet host %s (%s); a name belongs to one host, unless every host serving it sets shared: true (the resolver then answers with all their addresses)",
				n, first.host.Name, c.where(first.path))
		}
	}
}

// checkDNSName says what is wrong with a DNS name a host serves, or "".
func checkDNSName(s string) string {
	const example = "api.example.com"
	switch {
	case s == "":
		return "empty name; write a DNS name such as " + example
	case len(s) > MaxDNSName:
		return fmt.Sprintf("name %q is %d bytes long; the limit is %d (RFC 1035)", s, len(s), MaxDNSName)
	case strings.HasSuffix(s, ".") && s != ".":
		return fmt.Sprintf("name %q ends with a dot; write it without: %s", s, strings.TrimSuffix(s, "."))
	case strings.HasPrefix(s, "*."):
		return fmt.Sprintf("name %q is a wildcard; a host serves exact names: list each, such as %s", s, "www"+s[1:])
	case strings.ToLower(s) != s:
		return fmt.Sprintf("name %q has upper-case letters; write it in lower case, %s (DNS names are case-insensitive)", s, strings.ToLower(s))
	}
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return fmt.Sprintf("name %q is a single label; write a fully qualified name such as %s.example.com", s, s)
	}
	for _, l := range labels {
		switch {
		case l == "":
			return fmt.Sprintf("name %q has an empty label (a leading dot or two dots in a row); write one such as %s", s, example)
		case len(l) > MaxDNSLabel:
			return fmt.Sprintf("label %q of name %q is %d bytes long; the limit is %d (RFC 1035)", l, s, len(l), MaxDNSLabel)
		case !dnsLabelRE.MatchString(l):
			return fmt.Sprintf("bad label %q in name %q; use a-z, 0-9 and '-', starting and ending with a letter or digit (RFC 1123)", l, s)
		}
	}
	if last := labels[len(labels)-1]; strings.Trim(last, "0123456789") == "" {
		return fmt.Sprintf("name %q ends in the all-numeric label %q and reads as an address; a top-level label holds a letter (RFC 1123 2.1)", s, last)
	}
	return ""
}
