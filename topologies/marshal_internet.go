package topologies

import (
	"slices"

	"gopkg.in/yaml.v3"
)

// marshalInternet writes the internet block: the resolver's address, and
// each host with the keys whose value is not the default.
func marshalInternet(in *Internet) *yaml.Node {
	m := mapping("dns", str(in.DNS.String()))
	if len(in.Hosts) == 0 {
		return m
	}
	hosts := mapping()
	for _, h := range in.Hosts {
		hm := mapping("address", str(h.Address.String()))
		if h.Role != RoleServer {
			hm.Content = append(hm.Content, str("role"), str(string(h.Role)))
		}
		if len(h.Names) > 0 {
			hm.Content = append(hm.Content, str("names"), flowList(h.Names))
		}
		if h.Role == RoleServer && !slices.Equal(h.Serve, []Service{ServeHTTP, ServeHTTPS}) {
			s := make([]string, len(h.Serve))
			for i, x := range h.Serve {
				s[i] = string(x)
			}
			hm.Content = append(hm.Content, str("serve"), flowList(s))
		}
		if h.Shared {
			hm.Content = append(hm.Content, str("shared"), &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"})
		}
		hm.Style = yaml.FlowStyle
		hosts.Content = append(hosts.Content, str(h.Name), hm)
	}
	m.Content = append(m.Content, str("hosts"), hosts)
	return m
}

// flowList builds a flow-style list of strings, such as [http, https].
func flowList(items []string) *yaml.Node {
	l := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, s := range items {
		l.Content = append(l.Content, str(s))
	}
	return l
}
