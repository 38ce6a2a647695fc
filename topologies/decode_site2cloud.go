package topologies

import (
	"net/netip"

	"gopkg.in/yaml.v3"
)

// site2cloud decodes the site2cloud mapping of connection names to
// connections; nil when n is nil.
func (d *decoder) site2cloud(n *yaml.Node) []*Site2Cloud {
	if n == nil {
		return nil
	}
	var out []*Site2Cloud
	d.named(n, "site2cloud", "site2cloud connection",
		"a mapping of connection names to connections, such as {branch1: {site: br1, site-address: 203.0.113.2, gateway: gw1, gateway-address: 198.51.100.2, site-subnets: [10.0.0.0/16], cloud-subnets: [10.1.0.0/16]}}",
		func(name string, key, v *yaml.Node, path string) {
			out = append(out, d.s2cConnection(name, key, v, path))
		})
	return out
}

// s2cConnection decodes one site2cloud connection.
func (d *decoder) s2cConnection(name string, key, n *yaml.Node, path string) *Site2Cloud {
	s := &Site2Cloud{Name: name, Type: S2CRouteBased, Auth: S2CAuthPSK, Pos: posOf(key)}
	f := d.fields(n, path, "site2cloud")
	if f == nil {
		return s
	}
	for k, dst := range map[string]*string{"site": &s.Site, "gateway": &s.Gateway, "ha-gateway": &s.HAGateway, "cloud-gateway": &s.CloudGateway, "type": &s.Type, "auth": &s.Auth} {
		if v := f[k]; v != nil {
			d.at(v, join(path, k))
			*dst, _ = d.str(v, join(path, k))
		}
	}
	for k, dst := range map[string]*netip.Addr{"site-address": &s.SiteAddress, "gateway-address": &s.GatewayAddress, "ha-gateway-address": &s.HAGatewayAddress} {
		if v := f[k]; v != nil {
			*dst = d.address(v, join(path, k), "203.0.113.2")
		}
	}
	s.IKE, s.ESP = []string{DefaultIKEProposal}, []string{DefaultESPProposal}
	if v := f["ike"]; v != nil {
		s.IKE = d.strings(v, join(path, "ike"), "IKE proposals, such as ["+DefaultIKEProposal+"]")
	}
	if v := f["esp"]; v != nil {
		s.ESP = d.strings(v, join(path, "esp"), "ESP proposals, such as ["+DefaultESPProposal+"]")
	}
	if v := f["site-subnets"]; v != nil {
		s.SiteSubnets = d.prefixes(v, join(path, "site-subnets"), "10.0.0.0/16")
	}
	if v := f["cloud-subnets"]; v != nil {
		s.CloudSubnets = d.prefixes(v, join(path, "cloud-subnets"), "10.1.0.0/16")
	}
	if v := f["mappings"]; v != nil {
		mp := join(path, "mappings")
		if items, ok := d.list(v, mp, "mappings, such as [{site: 10.0.0.0/16, site-virtual: 100.65.0.0/16, cloud: 10.0.0.0/16, cloud-virtual: 100.81.0.0/16}]"); ok {
			for i, item := range items {
				s.Mappings = append(s.Mappings, d.s2cMapping(item, index(mp, i)))
			}
		}
	}
	if v := f["bgp"]; v != nil {
		s.BGP = d.s2cBGP(v, join(path, "bgp"))
	}
	return s
}

// s2cBGP decodes a connection's bgp.
func (d *decoder) s2cBGP(n *yaml.Node, path string) *S2CBGP {
	b := &S2CBGP{}
	f := d.fields(n, path, "s2cBGP")
	if f == nil {
		return b
	}
	if v := f["site-asn"]; v != nil {
		b.SiteASN = d.asn(v, join(path, "site-asn"))
	}
	if v := f["inside"]; v != nil {
		b.Inside = d.prefix(v, join(path, "inside"), "169.254.10.0/30")
	}
	if v := f["ha-inside"]; v != nil {
		b.HAInside = d.prefix(v, join(path, "ha-inside"), "169.254.10.4/30")
	}
	return b
}

// s2cMapping decodes one mapping.
func (d *decoder) s2cMapping(n *yaml.Node, path string) S2CMapping {
	var m S2CMapping
	d.at(n, path)
	f := d.fields(n, path, "s2cMapping")
	if f == nil {
		d.bad[path] = true
		return m
	}
	for k, dst := range map[string]*netip.Prefix{"site": &m.Site, "site-virtual": &m.SiteVirtual, "cloud": &m.Cloud, "cloud-virtual": &m.CloudVirtual} {
		v := f[k]
		if v == nil {
			d.bad[path] = true // reported by fields
			continue
		}
		*dst = d.prefix(v, join(path, k), "100.65.0.0/16")
		if d.bad[join(path, k)] {
			d.bad[path] = true
		}
	}
	return m
}
