package intent

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/mcnlab/mcnlab/topologies"
)

// A private line to a cloud that routes to the line by BGP only (GCP's
// Interconnect: no static route may point at a VLAN attachment; OCI's
// FastConnect, whose DRG learns on-premises prefixes by BGP) ends, in
// the cloud, on an edge router (GCP's Cloud Router) that the site's
// router peers with over the line's link-local addresses (Edge): the site
// announces its end of the line (the overlays' endpoint, kept on the
// site router's loopback) and learns the transit VPC's subnets, so that
// the overlays to the transit's gateways and their BGP sessions run as
// on AWS, where the VPC routes to the line statically.
// GCP: https://cloud.google.com/network-connectivity/docs/interconnect/concepts/overview — on-premises prefixes reach the VPC network only as the Cloud Router's learned (dynamic) routes

// EdgeASN is the AS of the cloud's edge router of a private line (the
// transit's Cloud Router): a 4-byte private ASN, apart from the 2-byte
// ones a topology's sites and transits take.
// GCP: https://cloud.google.com/network-connectivity/docs/router/concepts/overview#asns — a Cloud Router's ASN is a private ASN, 64512-65534 or 4200000000-4294967294
const EdgeASN uint32 = 4200000000

// OracleASN is the AS of Oracle's edge of a FastConnect private virtual
// circuit, the one Oracle's routers always take.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/fastconnect.htm — Oracle's BGP ASN for the commercial cloud is 31898
const OracleASN uint32 = 31898

// edge is how a cloud's private lines end on an edge router: its AS, the
// length of the BGP addresses' prefix, and whether the VPC also needs a
// static route to the line (OCI: a VCN route rule to the DRG).
type edge struct {
	asn    uint32
	bits   int
	static bool
}

// edgeProviders are the clouds whose private lines end on an edge
// router. OCI's FastConnect learns the customer's prefixes by BGP only
// too (the DRG's dynamic routes), while a VCN's subnets reach the DRG by
// a route rule.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/fastconnect_requirements.htm — BGP peering addresses for Oracle and the customer in a /30 or /31; the customer's router advertises its prefixes by BGP
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingroutetables.htm — a VCN's route rule to on-premises prefixes targets the DRG
var edgeProviders = map[topologies.Provider]edge{
	topologies.ProviderGCP: {asn: EdgeASN, bits: 29},
	topologies.ProviderOCI: {asn: OracleASN, bits: 30, static: true},
}

// LineProvider returns the provider of the transit a private-line site's
// line lands on ("" for a site without a line or with an unknown transit).
func (p *Plan) LineProvider(site string) topologies.Provider {
	if tr := p.lineTransit(site); tr != nil {
		return p.providerOf(tr.VPC)
	}
	return ""
}

// lineTransit is the transit a private-line site's line lands on.
func (p *Plan) lineTransit(site string) *topologies.Transit {
	c := p.Topology.Cloud
	for _, s := range c.Sites {
		if s.Name != site || s.Connection.Type != topologies.ConnPrivateLine {
			continue
		}
		for _, t := range c.Transits {
			if t.Name == s.Connection.Transit {
				return t
			}
		}
	}
	return nil
}

// Edge returns the BGP addresses of a private-line site's session with
// its cloud's edge router, the edge's first: the first two addresses of
// site number si's link-local /29 of topologies.EdgeRange (on OCI, of
// the /30 that begins it); ok is false for a site whose line needs none
// (AWS's).
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/interconnectAttachments — candidateSubnets: /29s in 169.254.0.0/16; the Cloud Router takes the first usable address, the customer's router the second
func (p *Plan) Edge(site string) (cloudEnd, customer netip.Prefix, ok bool) {
	e, ok := edgeProviders[p.LineProvider(site)]
	if !ok {
		return netip.Prefix{}, netip.Prefix{}, false
	}
	for si, s := range p.Topology.Cloud.Sites {
		if s.Name == site {
			b := topologies.EdgeRange.Addr().As4()
			n := netip.AddrFrom4([4]byte{b[0], b[1], b[2] + byte(si/32), byte(si % 32 * 8)})
			return netip.PrefixFrom(n.Next(), e.bits), netip.PrefixFrom(n.Next().Next(), e.bits), true
		}
	}
	return netip.Prefix{}, netip.Prefix{}, false
}

// EdgeOf returns the AS of a private-line site's edge router (0 for a
// site whose line has none), and whether its VPC also routes to the line
// statically.
func (p *Plan) EdgeOf(site string) (asn uint32, static bool) {
	e := edgeProviders[p.LineProvider(site)]
	return e.asn, e.static
}

// maxEdgeSites is how many sites' /29s EdgeRange holds.
const maxEdgeSites = 128

// addEdge gives router r of private-line site s its session with the
// cloud's edge router, if its line has one: the line's customer address
// on r's loopback (the overlays' endpoint) and an edge neighbour that is
// sent that line only.
func (p *Plan) addEdge(r *topologies.Node, s *topologies.Site) error {
	cloudEnd, _, ok := p.Edge(s.Name)
	if !ok || r.BGP == nil {
		return nil
	}
	if si := slices.Index(p.Topology.Cloud.Sites, s); si >= maxEdgeSites {
		return fmt.Errorf("site %s: site number %d of the file, but %s holds the edge sessions of the first %d sites only", s.Name, si+1, topologies.EdgeRange, maxEdgeSites)
	}
	ln, _, customer, _ := p.Line(s.Name)
	r.Loopback = append(r.Loopback, netip.PrefixFrom(customer, 32))
	r.BGP.Networks = append(r.BGP.Networks, ln)
	asn, _ := p.EdgeOf(s.Name)
	r.BGP.Neighbors = append(r.BGP.Neighbors, topologies.Neighbor{Address: cloudEnd.Addr(), ASN: asn, Export: []netip.Prefix{ln}})
	return nil
}
