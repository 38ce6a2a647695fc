package topologies

import (
	"gopkg.in/yaml.v3"
)

// marshalFireNet writes a transit's firenet block; egress, hash, engine,
// protocol and default are left out at their defaults (a firewall's
// engine only when it names one).
func marshalFireNet(f *FireNet) *yaml.Node {
	fws := mapping()
	for _, fw := range f.Firewalls {
		m := mapping()
		if fw.Engine != "" {
			m.Content = append(m.Content, str("engine"), str(string(fw.Engine)))
		}
		if fw.Address.IsValid() {
			m.Content = append(m.Content, str("address"), str(fw.Address.String()))
		}
		fws.Content = append(fws.Content, str(fw.Name), flow(m))
	}
	m := mapping("firewalls", flow(fws))
	if len(f.Inspect) > 0 {
		m.Content = append(m.Content, str("inspect"), pairList(f.Inspect, func(c *DomainConnection) (string, string) { return c.A, c.B }))
	}
	if f.Egress {
		m.Content = append(m.Content, str("egress"), boolean(true))
	}
	if f.EgressSubnet != "" {
		m.Content = append(m.Content, str("egress-subnet"), str(f.EgressSubnet))
	}
	if len(f.EgressDomains) > 0 {
		ds := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, d := range f.EgressDomains {
			ds.Content = append(ds.Content, str(d))
		}
		m.Content = append(m.Content, str("egress-domains"), ds)
	}
	if f.Hash != "" && f.Hash != HashFiveTuple {
		m.Content = append(m.Content, str("hash"), str(string(f.Hash)))
	}
	if f.Engine != "" && f.Engine != EngineStateful {
		m.Content = append(m.Content, str("engine"), str(string(f.Engine)))
	}
	if len(f.Rules) > 0 {
		rules := &yaml.Node{Kind: yaml.SequenceNode}
		for _, r := range f.Rules {
			rules.Content = append(rules.Content, marshalFirewallRule(r))
		}
		m.Content = append(m.Content, str("rules"), rules)
	}
	if f.Default != "" && f.Default != FirewallAllow {
		m.Content = append(m.Content, str("default"), str(string(f.Default)))
	}
	return m
}

// marshalFirewallRule writes one rule as a flow mapping.
func marshalFirewallRule(r *FirewallRule) *yaml.Node {
	m := mapping("action", str(string(r.Action)))
	if r.Protocol != "" && r.Protocol != ProtoAny {
		m.Content = append(m.Content, str("protocol"), str(string(r.Protocol)))
	}
	if r.Port != 0 {
		m.Content = append(m.Content, str("port"), integer(int64(r.Port)))
	}
	if r.From.IsValid() {
		m.Content = append(m.Content, str("from"), str(r.From.String()))
	}
	if r.To.IsValid() {
		m.Content = append(m.Content, str("to"), str(r.To.String()))
	}
	for _, f := range []struct{ key, v string }{{"host", r.Host}, {"path", r.Path}, {"sni", r.SNI}} {
		if f.v != "" {
			m.Content = append(m.Content, str(f.key), str(f.v))
		}
	}
	return flow(m)
}
