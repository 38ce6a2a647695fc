package topologies

import "gopkg.in/yaml.v3"

// firenet decodes a transit's firenet block.
func (d *decoder) firenet(n *yaml.Node, path string) *FireNet {
	fn := &FireNet{Pos: posOf(n)}
	f := d.fields(n, path, "firenet")
	if f == nil {
		fn.applyDefaults()
		return fn
	}
	if v := f["firewalls"]; v != nil {
		d.named(v, join(path, "firewalls"), "firewall", "a mapping of firewall names to firewalls, such as {fw1: {}, fw2: {}}",
			func(name string, key, v *yaml.Node, p string) {
				fn.Firewalls = append(fn.Firewalls, d.firewall(name, key, v, p))
			})
	}
	if v := f["inspect"]; v != nil {
		for _, p := range d.pairs(v, join(path, "inspect"), "domain", "an inspected pair joins 2 domains", "[prod, shared]") {
			fn.Inspect = append(fn.Inspect, &DomainConnection{A: p.a, B: p.b, Pos: p.pos})
		}
	}
	if v := f["egress"]; v != nil {
		fn.Egress = d.boolean(v, join(path, "egress"))
	}
	if v := f["egress-subnet"]; v != nil {
		fn.EgressSubnet, _ = d.str(v, join(path, "egress-subnet"))
	}
	if v := f["egress-domains"]; v != nil {
		fn.EgressDomains = d.strings(v, join(path, "egress-domains"), "domain names, such as [prod]")
	}
	if v := f["hash"]; v != nil {
		s, _ := d.str(v, join(path, "hash"))
		fn.Hash = FireNetHash(s)
	}
	if v := f["engine"]; v != nil {
		s, _ := d.str(v, join(path, "engine"))
		fn.Engine = FirewallEngine(s)
	}
	if v := f["rules"]; v != nil {
		rp := join(path, "rules")
		if items, ok := d.list(v, rp, "firewall rules, such as [{action: deny, protocol: tcp, port: 22}]"); ok {
			for i, item := range items {
				fn.Rules = append(fn.Rules, d.firewallRule(item, index(rp, i)))
			}
		}
	}
	if v := f["default"]; v != nil {
		s, _ := d.str(v, join(path, "default"))
		fn.Default = FirewallAction(s)
	}
	fn.applyDefaults()
	return fn
}

// firewall decodes one firewall of a firenet.
func (d *decoder) firewall(name string, key, n *yaml.Node, path string) *Firewall {
	fw := &Firewall{Name: name, Pos: posOf(key)}
	f := d.fields(n, path, "firewall")
	d.at(key, path)
	if f == nil {
		return fw
	}
	if v := f["engine"]; v != nil {
		s, _ := d.str(v, join(path, "engine"))
		fw.Engine = FirewallEngine(s)
	}
	if v := f["address"]; v != nil {
		fw.Address = d.address(v, join(path, "address"), "10.0.0.30")
	}
	return fw
}

// firewallRule decodes one rule of a firenet.
func (d *decoder) firewallRule(n *yaml.Node, path string) *FirewallRule {
	r := &FirewallRule{Pos: posOf(n)}
	d.at(n, path)
	f := d.fields(n, path, "firewallRule")
	if f == nil {
		return r
	}
	if v := f["action"]; v != nil {
		s, _ := d.str(v, join(path, "action"))
		r.Action = FirewallAction(s)
	}
	if v := f["protocol"]; v != nil {
		s, _ := d.str(v, join(path, "protocol"))
		r.Protocol = FirewallProtocol(s)
	}
	if v := f["port"]; v != nil {
		r.Port, _ = d.integer(v, join(path, "port"))
	}
	if v := f["from"]; v != nil {
		r.From = d.prefix(v, join(path, "from"), "10.1.0.0/16")
	}
	if v := f["to"]; v != nil {
		r.To = d.prefix(v, join(path, "to"), "10.2.0.0/16")
	}
	for _, k := range []struct {
		key string
		dst *string
	}{{"host", &r.Host}, {"path", &r.Path}, {"sni", &r.SNI}} {
		if v := f[k.key]; v != nil {
			*k.dst, _ = d.str(v, join(path, k.key))
		}
	}
	return r
}
