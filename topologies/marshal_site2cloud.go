package topologies

import (
	"net/netip"
	"slices"

	"gopkg.in/yaml.v3"
)

// marshalSite2Cloud writes the site2cloud block: each connection with the
// keys whose value is set and not the default.
func marshalSite2Cloud(conns []*Site2Cloud) *yaml.Node {
	m := mapping()
	for _, s := range conns {
		c := mapping("site", str(s.Site))
		if s.CloudGateway == "" {
			c.Content = append(c.Content, str("site-address"), str(s.SiteAddress.String()),
				str("gateway"), str(s.Gateway), str("gateway-address"), str(s.GatewayAddress.String()))
		}
		if s.HAGateway != "" {
			c.Content = append(c.Content, str("ha-gateway"), str(s.HAGateway), str("ha-gateway-address"), str(s.HAGatewayAddress.String()))
		}
		if s.CloudGateway != "" {
			c.Content = append(c.Content, str("cloud-gateway"), str(s.CloudGateway))
		}
		if s.Type != S2CRouteBased {
			c.Content = append(c.Content, str("type"), str(s.Type))
		}
		if s.Auth != S2CAuthPSK {
			c.Content = append(c.Content, str("auth"), str(s.Auth))
		}
		if !slices.Equal(s.IKE, []string{DefaultIKEProposal}) {
			c.Content = append(c.Content, str("ike"), flowList(s.IKE))
		}
		if !slices.Equal(s.ESP, []string{DefaultESPProposal}) {
			c.Content = append(c.Content, str("esp"), flowList(s.ESP))
		}
		c.Content = append(c.Content, str("site-subnets"), flowList(prefixStrings(s.SiteSubnets)),
			str("cloud-subnets"), flowList(prefixStrings(s.CloudSubnets)))
		if len(s.Mappings) > 0 {
			l := &yaml.Node{Kind: yaml.SequenceNode}
			for _, x := range s.Mappings {
				e := mapping("site", str(x.Site.String()), "site-virtual", str(x.SiteVirtual.String()),
					"cloud", str(x.Cloud.String()), "cloud-virtual", str(x.CloudVirtual.String()))
				e.Style = yaml.FlowStyle
				l.Content = append(l.Content, e)
			}
			c.Content = append(c.Content, str("mappings"), l)
		}
		if b := s.BGP; b != nil {
			e := mapping("site-asn", integer(int64(b.SiteASN)), "inside", str(b.Inside.String()))
			if b.HAInside.IsValid() {
				e.Content = append(e.Content, str("ha-inside"), str(b.HAInside.String()))
			}
			e.Style = yaml.FlowStyle
			c.Content = append(c.Content, str("bgp"), e)
		}
		m.Content = append(m.Content, str(s.Name), c)
	}
	return m
}

// prefixStrings writes prefixes as strings.
func prefixStrings(ps []netip.Prefix) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}
