package topologies

import "gopkg.in/yaml.v3"

// marshalEgress writes a VPC's egress block; address, private, an
// allow-list base, any protocol and the base action are left out when
// unset.
func marshalEgress(e *Egress) *yaml.Node {
	m := mapping("gateway", str(e.Gateway), "subnet", str(e.Subnet))
	if e.Address.IsValid() {
		m.Content = append(m.Content, str("address"), str(e.Address.String()))
	}
	if e.Private != nil {
		m.Content = append(m.Content, str("private"), flowList(e.Private))
	}
	if e.Base != "" && e.Base != EgressAllowList {
		m.Content = append(m.Content, str("base"), str(string(e.Base)))
	}
	if len(e.Tags) > 0 {
		tags := mapping()
		for _, t := range e.Tags {
			tm := mapping()
			if t.Sources != nil {
				src := make([]string, len(t.Sources))
				for i, s := range t.Sources {
					src[i] = s.String()
				}
				tm.Content = append(tm.Content, str("sources"), flowList(src))
			}
			rules := &yaml.Node{Kind: yaml.SequenceNode}
			for _, r := range t.Rules {
				rules.Content = append(rules.Content, marshalEgressRule(r))
			}
			tm.Content = append(tm.Content, str("rules"), rules)
			tags.Content = append(tags.Content, str(t.Name), tm)
		}
		m.Content = append(m.Content, str("tags"), tags)
	}
	return m
}

// marshalEgressRule writes one FQDN rule as a flow mapping.
func marshalEgressRule(r *EgressRule) *yaml.Node {
	m := mapping("fqdn", str(r.FQDN))
	if r.Protocol != "" && r.Protocol != ProtoAny {
		m.Content = append(m.Content, str("protocol"), str(string(r.Protocol)))
	}
	if r.Port != 0 {
		m.Content = append(m.Content, str("port"), integer(int64(r.Port)))
	}
	if r.Action != EgressActionBase {
		m.Content = append(m.Content, str("action"), str(string(r.Action)))
	}
	return flow(m)
}
