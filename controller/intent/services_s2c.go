package intent

import (
	"fmt"
	"net/netip"

	"github.com/mcnlab/mcnlab/topologies"
)

// s2cVerdicts are the mapped site2cloud connections' expected verdicts
// on a ping, FlightPath's (Trace over the intent): from each host behind
// a connection's site to the virtual address, under each connection with
// the same gateways, of each host or workload behind those gateways (the
// connection's own reaches, another site's virtual view of the cloud is
// not routed into this site's tunnel), and from each host or workload
// behind the gateways to each site host's virtual address.
func (p *Plan) s2cVerdicts() []ServiceVerdict {
	var out []ServiceVerdict
	realm := topologies.AddressRealms(p.Topology)
	add := func(from string, to netip.Addr) {
		t := p.Trace(from, to.String(), Echo, p.IntentView(nil, nil))
		why := t.Reason
		if t.Reachable {
			why = mappedWhy(t)
		}
		out = append(out, ServiceVerdict{Service: "site2cloud", From: from, To: to.String(), Probe: "icmp", Allow: t.Reachable, Reason: why})
	}
	for _, s := range p.Topology.Site2Cloud {
		if s == nil || !s.Mapped() {
			continue
		}
		for _, h := range p.s2cHosts(realm, s, true) {
			for _, o := range p.Topology.Site2Cloud {
				if o == nil || !o.Mapped() || o.CloudGateway != s.CloudGateway || o.Gateway != s.Gateway {
					continue
				}
				for _, c := range p.s2cHosts(realm, o, false) {
					for _, m := range o.Mappings {
						if m.Cloud.Contains(c.addr) {
							add(h.name, mapAddr(c.addr, m.Cloud, m.CloudVirtual))
						}
					}
				}
			}
		}
		for _, c := range p.s2cHosts(realm, s, false) {
			for _, h := range p.s2cHosts(realm, s, true) {
				for _, m := range s.Mappings {
					if m.Site.Contains(h.addr) && m.Cloud.Contains(c.addr) {
						add(c.name, mapAddr(h.addr, m.Site, m.SiteVirtual))
					}
				}
			}
		}
	}
	return out
}

// mappedWhy names the translation a reachable mapped path applies.
func mappedWhy(t Path) string {
	for _, h := range t.Hops {
		for _, s := range h.Steps {
			if s.Kind == StepNAT {
				return fmt.Sprintf("%s %s at %s: %s", s.Object, s.Rule, h.Node, s.Detail)
			}
		}
	}
	return ""
}

// namedAddr is a host's or workload's name and address.
type namedAddr struct {
	name string
	addr netip.Addr
}

// s2cHosts are the hosts behind s's site (site) or its gateways: host
// nodes of the realm, or the workloads (with a fixed address) of the VPC
// of the spoke that holds s.
func (p *Plan) s2cHosts(realm func(topologies.Endpoint) string, s *topologies.Site2Cloud, site bool) []namedAddr {
	var out []namedAddr
	if !site && s.InCloud() {
		for _, e := range p.Endpoints {
			if e.VPC != "" && e.Spoke == s.CloudGateway && e.Address.IsValid() {
				out = append(out, namedAddr{e.Name, e.Address})
			}
		}
		return out
	}
	for _, n := range p.Topology.Nodes {
		if n == nil || n.Kind != topologies.KindHost {
			continue
		}
		if a, ok := p.s2cHost(realm, n.Name, s, site); ok {
			out = append(out, namedAddr{n.Name, a})
		}
	}
	return out
}
