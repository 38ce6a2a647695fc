package topologies

import (
	"net/netip"
	"slices"
	"strings"
)

// checkFireNets checks each transit's firenet block: its firewalls
// (engine, an address in the transit's subnet), the inspected pairs (two
// different defined domains that are connected, each pair once), the hash,
// the rules and the default action. Firewall names are checked with the
// lab's other names (checkNames).
func (c *checker) checkFireNets(t *Topology) {
	cl := t.Cloud
	if cl == nil {
		return
	}
	var domains []string
	for _, d := range cl.Domains {
		if d != nil && !contains(domains, d.Name) {
			domains = append(domains, d.Name)
		}
	}
	seen := map[string]bool{}
	for _, tr := range cl.Transits {
		if tr == nil || tr.FireNet == nil || seen[tr.Name] {
			continue
		}
		seen[tr.Name] = true
		path := join(join("transits", tr.Name), "firenet")
		f := tr.FireNet
		c.checkFirewalls(cl, tr, path)
		c.checkPairs(connectionItems(f.Inspect), domains, join(path, "inspect"), "domain", "inspected pair")
		c.checkInspectConnected(cl, f, path, domains)
		c.checkFireNetEgress(cl, tr, path, domains)
		c.checkEnum(join(path, "hash"), f.Pos, string(f.Hash), "hash", firenetHashes)
		c.checkEnum(join(path, "engine"), f.Pos, string(f.Engine), "firewall engine", firewallEngines)
		c.checkEnum(join(path, "default"), f.Pos, string(f.Default), "default action", firewallActions)
		for i, r := range f.Rules {
			c.checkFirewallRule(r, index(join(path, "rules"), i), f.Pos)
		}
		c.checkL7Engine(f, path)
		c.checkL7Hash(f, path)
	}
}

// checkEnum checks that v (empty: the default) is one of valid.
func (c *checker) checkEnum(path string, pos Pos, v, what string, valid []string) {
	if c.bad[path] || v == "" || contains(valid, v) {
		return
	}
	c.errf(path, pos, "unknown %s %q%s valid values: %s", what, v, orDot(didYouMean(v, valid)), strings.Join(valid, ", "))
}

// checkFirewalls checks a firenet's firewalls: at least one, each with a
// known engine and, when set, an address of its own in the transit's
// subnet.
func (c *checker) checkFirewalls(cl *Cloud, tr *Transit, path string) {
	f := tr.FireNet
	fp := join(path, "firewalls")
	if len(f.Firewalls) == 0 && !c.bad[fp] {
		c.errf(fp, f.Pos, "a firenet needs at least one firewall, such as firewalls: {fw1: {}, fw2: {}}")
	}
	var sub *Subnet
	used := map[netip.Addr]string{} // address -> path of its first user
	for _, v := range cl.VPCs {
		if v == nil || v.Name != tr.VPC {
			continue
		}
		sub = v.subnet(tr.Subnet)
		for _, w := range v.Workloads {
			if w != nil && w.Address.IsValid() {
				used[w.Address] = join(join(join("vpcs", v.Name), "workloads"), w.Name)
			}
		}
	}
	for i, fw := range f.Firewalls {
		if fw == nil {
			c.errf(index(fp, i), f.Pos, "nil firewall")
			continue
		}
		p := join(fp, fw.Name)
		c.checkEnum(join(p, "engine"), fw.Pos, string(fw.Engine), "firewall engine", firewallEngines)
		ap := join(p, "address")
		a := fw.Address
		switch {
		case c.bad[ap] || !a.IsValid():
		case !a.Is4():
			c.errf(ap, fw.Pos, "%s is IPv6; the cloud intent of format v1 is IPv4 only", a)
		case sub == nil || !sub.CIDR.IsValid():
		case !sub.CIDR.Contains(a):
			c.errf(ap, fw.Pos, "%s is not in the transit's subnet %s (%s), where its gateways reach the firewalls; use an address inside it, such as %s",
				a, sub.Name, sub.CIDR, lastAddr(sub.CIDR).Prev())
		case awsReserved(sub.CIDR, a):
			c.errf(ap, fw.Pos, "%s is reserved by AWS in subnet %s (%s): the first four addresses and the last one of a subnet are; use one of %s..%s",
				a, sub.Name, sub.CIDR, firstUsable(sub.CIDR), lastAddr(sub.CIDR).Prev())
		case used[a] != "":
			c.errf(ap, fw.Pos, "duplicate address %s; already used by %s", a, c.where(used[a]))
		default:
			used[a] = ap
		}
	}
}

// checkInspectConnected reports an inspected pair of domains that are not
// connected: the transit drops their traffic before any firewall sees it.
func (c *checker) checkInspectConnected(cl *Cloud, f *FireNet, path string, domains []string) {
	conn := map[[2]string]bool{}
	for _, dc := range cl.Connections {
		if dc != nil {
			conn[[2]string{min(dc.A, dc.B), max(dc.A, dc.B)}] = true
		}
	}
	for i, p := range f.Inspect {
		ip := index(join(path, "inspect"), i)
		if p == nil || c.bad[ip] || p.A == p.B || !contains(domains, p.A) || !contains(domains, p.B) {
			continue // reported by checkPairs
		}
		if !conn[[2]string{min(p.A, p.B), max(p.A, p.B)}] {
			c.errf(ip, p.Pos, "domains %s and %s are not connected, so the transit drops their traffic before any firewall: add [%s, %s] to connections, or inspect a connected pair",
				p.A, p.B, p.A, p.B)
		}
	}
}

// checkFirewallRule checks one rule: an action, a known protocol, a port
// only with tcp or udp, host, path and sni only with their protocol, and
// IPv4 prefixes.
func (c *checker) checkFirewallRule(r *FirewallRule, path string, pos Pos) {
	if r == nil {
		c.errf(path, pos, "nil firewall rule")
		return
	}
	c.checkEnum(join(path, "action"), r.Pos, string(r.Action), "action", firewallActions)
	if r.Action == "" && !c.bad[join(path, "action")] {
		c.errf(join(path, "action"), r.Pos, "missing action; valid values: %s", strings.Join(firewallActions, ", "))
	}
	c.checkEnum(join(path, "protocol"), r.Pos, string(r.Protocol), "protocol", firewallProtocol)
	pp := join(path, "port")
	switch {
	case c.bad[pp] || r.Port == 0:
	case r.Port < 1 || r.Port > 65535:
		c.errf(pp, r.Pos, "port %d is out of range; use 1..65535", r.Port)
	case r.IsL7():
		c.errf(pp, r.Pos, "the l7 engine inspects http on tcp/80 and tls on tcp/443 only; leave out port")
	case r.Protocol != ProtoTCP && r.Protocol != ProtoUDP:
		c.errf(pp, r.Pos, "a port needs protocol tcp or udp; this rule's protocol is %s", orAny(r.Protocol))
	}
	c.checkL7Fields(r, path)
	if r.From.IsValid() {
		c.checkPrefix4(join(path, "from"), r.Pos, r.From, "10.1.0.0/16")
	}
	if r.To.IsValid() {
		c.checkPrefix4(join(path, "to"), r.Pos, r.To, "10.2.0.0/16")
	}
}

// checkL7Fields checks host, path and sni: each only with its protocol,
// names lower-case (or a leading "*."), a path from "/" without spaces.
func (c *checker) checkL7Fields(r *FirewallRule, path string) {
	for _, f := range []struct {
		key, v string
		proto  FirewallProtocol
		eg     string
	}{{"host", r.Host, ProtoHTTP, "{action: deny, protocol: http, host: www.example.com, path: /admin*}"},
		{"path", r.Path, ProtoHTTP, "{action: deny, protocol: http, path: /admin*}"},
		{"sni", r.SNI, ProtoTLS, "{action: deny, protocol: tls, sni: blocked.example.net}"}} {
		fp := join(path, f.key)
		switch {
		case f.v == "" || c.bad[fp]:
		case r.Protocol != f.proto:
			c.errf(fp, r.Pos, "%s needs protocol %s; this rule's protocol is %s, such as %s", f.key, f.proto, orAny(r.Protocol), f.eg)
		case f.key == "path" && (!strings.HasPrefix(f.v, "/") && f.v != "*" || strings.ContainsAny(f.v, " \t\n\"\\")):
			c.errf(fp, r.Pos, "path %q must start with / and hold no spaces, quotes or backslashes; '*' stands for any characters, such as /admin*", f.v)
		case f.key != "path":
			if msg := checkFQDN(f.v); msg != "" {
				c.errf(fp, r.Pos, "%s", msg)
			}
		}
	}
}

// checkL7Engine reports, at the first http or tls rule of a firenet, a
// firewall that does not run the l7 engine: it could not apply them.
func (c *checker) checkL7Engine(f *FireNet, path string) {
	for i, r := range f.Rules {
		rp := join(index(join(path, "rules"), i), "protocol")
		if r == nil || !r.IsL7() || c.bad[rp] {
			continue
		}
		for _, fw := range f.Firewalls {
			if fw != nil && f.EngineOf(fw) != EngineL7 {
				c.errf(rp, r.Pos, "protocol %s needs the l7 engine, but firewall %s runs %s; set engine: l7 on the firenet (or on %s)",
					r.Protocol, fw.Name, f.EngineOf(fw), fw.Name)
				return
			}
		}
		return
	}
}

// checkL7Hash reports the l7 engine on several firewalls with the 5-tuple
// hash: squid connects on from the client's address but a port of its
// own, and the gateways would hash that connection's replies afresh, to
// any firewall; the 2-tuple hash sends them to the same one.
func (c *checker) checkL7Hash(f *FireNet, path string) {
	if f.Hash != HashFiveTuple || len(f.Firewalls) < 2 || c.bad[join(path, "hash")] {
		return
	}
	for _, fw := range f.Firewalls {
		if fw != nil && f.EngineOf(fw) == EngineL7 {
			c.errf(join(path, "hash"), f.Pos, "the l7 engine (firewall %s) needs hash: 2-tuple with more than one firewall: its proxy connects on from a port of its own, and a 5-tuple hash may send that connection's replies to another firewall", fw.Name)
			return
		}
	}
}

// orAny is p, or "any" when unset.
func orAny(p FirewallProtocol) string {
	if p == "" {
		return string(ProtoAny)
	}
	return string(p)
}

// firewallNames adds the names of tr's firewalls (instances' names, so
// lab names) for checkNames.
func firewallNames(tr *Transit, add func(kind, name, path string, p Pos)) {
	if tr.FireNet == nil {
		return
	}
	for _, fw := range tr.FireNet.Firewalls {
		if fw != nil {
			add("firewall", fw.Name, join(join(join("transits", tr.Name), "firenet.firewalls"), fw.Name), fw.Pos)
		}
	}
}

// checkFireNetEgress checks egress through the firewalls: egress-subnet,
// a subnet of the transit's VPC other than its gateway subnet (the
// firewalls' egress interfaces go there; none on GCP and OCI, where the
// firewalls send egress from their one interface's public address), and the egress domains: defined,
// each once, none whose spokes' internet egress an FQDN egress gateway
// already filters. Both keys need egress: true.
func (c *checker) checkFireNetEgress(cl *Cloud, tr *Transit, path string, domains []string) {
	f := tr.FireNet
	sp, dp := join(path, "egress-subnet"), join(path, "egress-domains")
	if !f.Egress {
		if f.EgressSubnet != "" && !c.bad[sp] {
			c.errf(sp, f.Pos, "egress-subnet is for egress through the firewalls; set egress: true, or leave egress-subnet out")
		}
		if len(f.EgressDomains) > 0 && !c.bad[dp] {
			c.errf(dp, f.Pos, "egress-domains is for egress through the firewalls; set egress: true, or leave egress-domains out")
		}
		return
	}
	var v *VPC
	for _, x := range cl.VPCs {
		if x != nil && x.Name == tr.VPC {
			v = x
		}
	}
	provider := func(pr Provider) bool {
		return v != nil && slices.ContainsFunc(cl.Accounts, func(a *Account) bool { return a != nil && a.Name == v.Account && a.Provider == pr })
	}
	gcp, oci := provider(ProviderGCP), provider(ProviderOCI)
	switch {
	case c.bad[sp] || v == nil:
	case gcp && f.EgressSubnet != "":
		// GCP: https://cloud.google.com/vpc/docs/multiple-interfaces-concepts — each of a VM's network interfaces is in a different VPC network
		c.errf(sp, f.Pos, "on GCP a firewall's network interfaces must be in different VPC networks, so its egress leaves from its interface in subnet %s, with an external address of its own: leave egress-subnet out", tr.Subnet)
	case oci && f.EgressSubnet != "":
		c.errf(sp, f.Pos, "on OCI a firewall has one VNIC, in subnet %s, and its egress leaves from that VNIC's reserved public IP: leave egress-subnet out", tr.Subnet)
	case gcp || oci:
	case f.EgressSubnet == "":
		c.errf(join(path, "egress"), f.Pos, "egress through the firewalls needs egress-subnet: a public subnet of vpc %s for the firewalls' egress interfaces (each with an elastic IP), such as egress-subnet: %s",
			v.Name, orName(otherSubnet(v, tr.Subnet), "public"))
	case f.EgressSubnet == tr.Subnet:
		c.errf(sp, f.Pos, "subnet %s is the transit's gateway subnet, where the firewalls' inside interfaces are; name another subnet of vpc %s for their egress interfaces%s",
			tr.Subnet, v.Name, suchAs(otherSubnet(v, tr.Subnet)))
	default:
		c.refSubnet(sp, f.Pos, f.EgressSubnet, v)
	}
	fqdn := map[string]string{} // spoke -> its VPC's FQDN egress gateway
	for _, s := range cl.Spokes {
		for _, x := range cl.VPCs {
			if s != nil && x != nil && x.Name == s.VPC && x.Egress != nil {
				fqdn[s.Name] = x.Egress.Gateway
			}
		}
	}
	seen := map[string]string{}
	for i, d := range f.EgressDomains {
		ip := index(dp, i)
		if !c.ref(ip, f.Pos, "domain", d, domains, "defined domains", dp) {
			continue
		}
		if first, ok := seen[d]; ok {
			c.errf(ip, f.Pos, "domain %s is listed twice; the first is %s", d, c.where(first))
			continue
		}
		seen[d] = ip
	}
	if len(f.EgressFrom()) == 0 && !c.bad[dp] {
		c.errf(join(path, "egress"), f.Pos, "egress through the firewalls names no domain: list them under egress-domains, such as [prod], or inspect a pair")
	}
	for _, d := range f.EgressFrom() {
		for _, dm := range cl.Domains {
			if dm == nil || dm.Name != d {
				continue
			}
			for _, m := range dm.Members {
				if gw, ok := fqdn[m]; ok && !c.bad[dp] {
					c.errf(join(path, "egress"), f.Pos, "domain %s's spoke %s already goes out through its vpc's FQDN egress gateway %s; list the other domains under egress-domains", d, m, gw)
				}
			}
		}
	}
}

// otherSubnet is the first subnet of v (in file order) other than name;
// "" when there is none.
func otherSubnet(v *VPC, name string) string {
	for _, s := range v.Subnets {
		if s != nil && s.Name != name {
			return s.Name
		}
	}
	return ""
}

// orName is s, or def when s is empty.
func orName(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// suchAs is ", such as NAME" or "".
func suchAs(name string) string {
	if name == "" {
		return ""
	}
	return ", such as " + name
}
