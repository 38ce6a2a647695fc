package topologies

import (
	"fmt"
	"net/netip"
	"strings"
)

// checkEgress checks each VPC's egress block: the gateway's public subnet
// and address, the private subnets it serves, the base policy, and the
// tags' sources and rules. The gateway's name is checked with the lab's
// other names (checkNames).
func (c *checker) checkEgress(t *Topology) {
	if t.Cloud == nil {
		return
	}
	for _, v := range t.Cloud.VPCs {
		if v == nil || v.Egress == nil {
			continue
		}
		e := v.Egress
		path := join(join("vpcs", v.Name), "egress")
		sub := c.refSubnet(join(path, "subnet"), e.Pos, e.Subnet, v)
		c.checkApplianceAddress(v, providerOfVPC(t.Cloud, v), e.Address, e.Pos, sub, join(path, "address"))
		c.checkEgressPrivate(t.Cloud, v, path)
		c.checkEnum(join(path, "base"), e.Pos, string(e.Base), "base policy", egressBases)
		for _, tag := range e.Tags {
			if tag == nil {
				continue
			}
			tp := join(join(path, "tags"), tag.Name)
			for i, s := range tag.Sources {
				sp := index(join(tp, "sources"), i)
				if s.Subnet != "" {
					c.refSubnet(sp, tag.Pos, s.Subnet, v)
				} else if c.checkPrefix4(sp, tag.Pos, s.Prefix, "10.1.2.0/24") && v.CIDR.IsValid() && !v.CIDR.Overlaps(s.Prefix) {
					c.errf(sp, tag.Pos, "%s is outside vpc %s (%s): the gateway filters the vpc's own clients; use a prefix inside it or a subnet name", s.Prefix, v.Name, v.CIDR)
				}
			}
			for i, r := range tag.Rules {
				c.checkEgressRule(r, index(join(tp, "rules"), i), tag.Pos)
			}
		}
	}
}

// checkApplianceAddress checks the address a of a gateway instance of v
// (an egress or PSF gateway) at path ap: IPv4, in its subnet, not
// reserved by the provider prov, not a workload's.
func (c *checker) checkApplianceAddress(v *VPC, prov Provider, a netip.Addr, pos Pos, sub *Subnet, ap string) {
	if c.bad[ap] || !a.IsValid() {
		return
	}
	switch {
	case !a.Is4():
		c.errf(ap, pos, "%s is IPv6; the cloud intent of format v1 is IPv4 only", a)
		return
	case sub == nil || !sub.CIDR.IsValid():
		return
	case !sub.CIDR.Contains(a):
		c.errf(ap, pos, "%s is not in the gateway's subnet %s (%s); use an address inside it, such as %s", a, sub.Name, sub.CIDR, lastAddr(sub.CIDR).Prev())
		return
	case reservedIn(prov, sub, a) != "":
		c.errf(ap, pos, "%s", reservedIn(prov, sub, a))
		return
	}
	for _, w := range v.Workloads {
		if w != nil && w.Address == a {
			wp := join(join(join("vpcs", v.Name), "workloads"), w.Name)
			c.errf(ap, pos, "duplicate address %s; already used by %s", a, c.where(wp))
		}
	}
}

// checkEgressPrivate checks the private subnets: subnets of the VPC, not
// the gateway's own nor a transit's or spoke's (those route to the
// internet themselves), each once; and that there is at least one.
func (c *checker) checkEgressPrivate(cl *Cloud, v *VPC, path string) {
	e := v.Egress
	pp := join(path, "private")
	if c.bad[pp] || c.bad[join(path, "subnet")] {
		return
	}
	gw := map[string]string{e.Subnet: "the egress gateway's own subnet"}
	for _, tr := range cl.Transits {
		if tr != nil && tr.VPC == v.Name {
			gw[tr.Subnet] = "transit " + tr.Name + "'s gateway subnet, which routes to the internet itself"
		}
	}
	for _, s := range cl.Spokes {
		if s != nil && s.VPC == v.Name {
			gw[s.Subnet] = "spoke " + s.Name + "'s gateway subnet, which routes to the internet itself"
		}
	}
	seen := map[string]bool{}
	for i, name := range e.Private {
		ip := index(pp, i)
		if c.refSubnet(ip, e.Pos, name, v) == nil {
			continue
		}
		switch {
		case gw[name] != "":
			c.errf(ip, e.Pos, "subnet %s is %s; list the private subnets whose clients go out through the egress gateway", name, gw[name])
		case seen[name]:
			c.errf(ip, e.Pos, "subnet %s is listed twice", name)
		}
		seen[name] = true
	}
	if e.Private == nil && len(cl.EgressSubnets(v)) == 0 {
		c.errf(pp, e.Pos, "vpc %s has no private subnet for the egress gateway to serve (every subnet is a gateway's own); add one such as app: %s", v.Name, suggestSubnet(v))
	} else if e.Private != nil && len(e.Private) == 0 {
		c.errf(pp, e.Pos, "an empty list serves no subnet; list the private subnets, such as [app], or leave private out for every non-gateway subnet")
	}
}

// suggestSubnet names a /24 of v's range for a hint.
func suggestSubnet(v *VPC) string {
	if !v.CIDR.IsValid() || !v.CIDR.Addr().Is4() {
		return "10.1.1.0/24"
	}
	b := v.CIDR.Masked().Addr().As4()
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{b[0], b[1], b[2] + 1, 0}), 24).String()
}

// checkEgressRule checks one rule: a lower-case FQDN or wildcard, a known
// protocol, a port only with tcp or udp, and a known action.
func (c *checker) checkEgressRule(r *EgressRule, path string, pos Pos) {
	if r == nil {
		c.errf(path, pos, "nil egress rule")
		return
	}
	if fp := join(path, "fqdn"); !c.bad[fp] && r.FQDN != "" {
		if msg := checkFQDN(r.FQDN); msg != "" {
			c.errf(fp, r.Pos, "%s", msg)
		}
	}
	c.checkEnum(join(path, "protocol"), r.Pos, string(r.Protocol), "protocol", egressProtocols)
	pp := join(path, "port")
	switch {
	case c.bad[pp] || r.Port == 0:
	case r.Port < 1 || r.Port > 65535:
		c.errf(pp, r.Pos, "port %d is out of range; use 1..65535", r.Port)
	case r.Protocol != ProtoTCP && r.Protocol != ProtoUDP:
		c.errf(pp, r.Pos, "a port needs protocol tcp or udp; this rule's protocol is %s", orAny(r.Protocol))
	}
	c.checkEnum(join(path, "action"), r.Pos, string(r.Action), "action", egressActions)
}

// checkFQDN says what is wrong with a rule's name ("" when nothing is):
// lower-case labels of letters, digits and hyphens (1..63 bytes, no hyphen
// at either end), at least two of them, 253 bytes at most, optionally
// after a leading "*." that stands for every name below.
func checkFQDN(s string) string {
	want := `; write a lower-case name such as api.example.com, or a wildcard such as "*.example.com"`
	name := strings.TrimPrefix(s, "*.")
	switch {
	case strings.Contains(name, "*"):
		return fmt.Sprintf("%q: a wildcard is only a leading \"*.\"%s", s, want)
	case strings.ToLower(name) != name:
		return fmt.Sprintf("%q has upper-case letters; write %q", s, strings.ToLower(s))
	case strings.HasSuffix(name, "."):
		return fmt.Sprintf("%q ends with a dot; write %q", s, strings.TrimSuffix(s, "."))
	case len(name) > 253:
		return fmt.Sprintf("%q is longer than 253 bytes%s", clip(s), want)
	}
	labels := strings.Split(name, ".")
	if len(labels) < 2 {
		return fmt.Sprintf("%q is not a fully qualified name%s", s, want)
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return fmt.Sprintf("%q has an invalid label %q (1..63 letters, digits or hyphens, no hyphen at either end)%s", s, l, want)
		}
		for i := 0; i < len(l); i++ {
			if ch := l[i]; !(ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '-') {
				return fmt.Sprintf("%q has an invalid character %q%s", s, ch, want)
			}
		}
	}
	return ""
}
