package intent

import (
	"net/netip"
	"slices"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/gwcfg"
	"github.com/mcnlab/mcnlab/topologies"
)

// IKE's UDP ports: IKE_SA_INIT on 500, then (NAT traversal, and ESP in
// UDP, which the lab's charons always use) 4500.
// strongSwan: https://docs.strongswan.org/docs/latest/features/natTraversal.html
const (
	IKEPort     = 500
	IKENATTPort = 4500
)

// S2CSite is a strongswan site of site2cloud connections to spoke
// gateways (cloud-gateway) with its uplink to the emulated internet, over
// which it reaches the gateways' public addresses.
type S2CSite struct {
	Name   string
	Uplink netip.Prefix
}

// S2CSites lists the sites of the connections to spoke gateways, in the
// order the connections name them, with their uplinks: below the user
// VPN's laptops', which take theirs from the top of the uplink range down
// (Laptops; the tunnel sites take theirs from the bottom up).
func (p *Plan) S2CSites() []S2CSite {
	var out []S2CSite
	top := 31
	if u := p.Topology.UserVPN; u != nil {
		top -= len(u.Laptops)
	}
	for _, s := range p.Topology.Site2Cloud {
		if s == nil || !s.InCloud() || slices.ContainsFunc(out, func(x S2CSite) bool { return x.Name == s.Site }) {
			continue
		}
		out = append(out, S2CSite{Name: s.Site, Uplink: uplink(top - len(out))})
	}
	return out
}

// s2cIngress opens IKE and NAT-T to the gateways of VPC v from the
// uplinks of the sites whose connections name a spoke of v.
func (dc *desiredCompiler) s2cIngress(sg *cloud.SecurityGroup, v *topologies.VPC) {
	sites := dc.p.S2CSites()
	for _, s := range dc.p.Topology.Site2Cloud {
		if s == nil || !s.InCloud() {
			continue
		}
		i := slices.IndexFunc(dc.p.Topology.Cloud.Spokes, func(sp *topologies.Spoke) bool { return sp.Name == s.CloudGateway })
		if i < 0 || dc.p.Topology.Cloud.Spokes[i].VPC != v.Name {
			continue
		}
		for _, x := range sites {
			if x.Name != s.Site {
				continue
			}
			src := netip.PrefixFrom(x.Uplink.Addr(), 32)
			for _, port := range []int32{IKEPort, IKENATTPort} {
				r := cloud.Rule{Protocol: cloud.ProtocolUDP, FromPort: port, ToPort: port, Source: src}
				if !slices.Contains(sg.Ingress, r) {
					sg.Ingress = append(sg.Ingress, r)
				}
			}
		}
	}
}

// S2CPrefixes are the prefixes that the route tables of spoke's VPC send
// to its active gateway for the site2cloud connections naming the spoke
// (cloud-gateway) without bgp: each connection's site as the cloud sees
// it, the mappings' site-virtual prefixes, or its site-subnets when
// unmapped. The active gateway is the one the spoke's learned routes
// point at, so the sites move with them to the HA gateway when the first
// fails. A connection with bgp has none here: the site announces its
// prefixes to the gateways, which learn them like the transit's.
// Aviatrix: ../shared/background/ace-prep-notes.txt (Site to Cloud) — the connection ends on a cloud gateway, overlapping addresses included
func S2CPrefixes(t *topologies.Topology, spoke string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range t.Site2Cloud {
		if s == nil || s.CloudGateway != spoke || s.BGP != nil {
			continue
		}
		if !s.Mapped() {
			out = append(out, s.SiteSubnets...)
			continue
		}
		for _, m := range s.Mappings {
			if !slices.Contains(out, m.SiteVirtual) {
				out = append(out, m.SiteVirtual)
			}
		}
	}
	return out
}

// s2cNeighbors gives the gateways of each spoke that holds site2cloud
// connections with bgp (cloud-gateway) a BGP neighbour per connection:
// the site's inside address of the gateway's tunnel (the first gateway's
// the primary's, the HA gateway's the backup's) in the site's AS. The
// gateway announces the site what it announces the transit (its VPC's
// CIDR and what it learned), and the site's prefixes reach the spoke's
// route tables and the transit as the transit's routes do.
// Aviatrix: https://docs.aviatrix.com/documentation/latest/building-your-network/site2cloud.html — route-based Site2Cloud with BGP over IPsec on a spoke gateway
func (p *Plan) s2cNeighbors(descs map[string]*gwcfg.Gateway) {
	for i, s := range p.Topology.Site2Cloud {
		if s == nil || !s.InCloud() || s.BGP == nil {
			continue
		}
		for j, g := range p.GatewaysOf(s.CloudGateway) {
			d, ok := descs[g.Key]
			if !ok || j > 1 {
				continue
			}
			_, site := s.BGP.Tunnel(j == 1)
			d.Neighbors = append(d.Neighbors, gwcfg.Neighbor{Name: gwcfg.S2CNeighbor(i), Address: site.Addr(), ASN: s.BGP.SiteASN})
		}
	}
}
