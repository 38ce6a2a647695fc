package intent

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/dataplane/wg"
	"github.com/mcnlab/mcnlab/topologies"
)

// Live is what the configurations depend on beyond the topology: the
// instances as they exist, the gateways' names and keys, and the approved
// routes.
type Live struct {
	// Instances by key (all accounts).
	Instances map[string]cloud.InstanceInfo
	// Names are the gateway daemons' names by key (what a configuration
	// pushed to each must carry).
	Names map[string]string
	// Keys are the gateways' WireGuard private keys by key.
	Keys map[string]wg.Key
	// Approved lists, per transit, the routes approved at run time (on top
	// of the topology's).
	Approved map[string][]topologies.ApprovedRoute
}

// siteNeighbor is the neighbor name a transit gateway gives a site.
func siteNeighbor(i int) string { return fmt.Sprintf("s%d", i) }

// SiteNeighbor returns the name transit gateways give the named site's
// router among their neighbors.
func (p *Plan) SiteNeighbor(site string) string {
	for i, s := range p.Topology.Cloud.Sites {
		if s.Name == site {
			return siteNeighbor(i)
		}
	}
	return ""
}

// Approved returns the routes approved at transit tr: the topology's and
// the live ones, without repeats, in order.
func (p *Plan) Approved(tr string, live []topologies.ApprovedRoute) []topologies.ApprovedRoute {
	var out []topologies.ApprovedRoute
	seen := map[[2]string]bool{}
	add := func(a topologies.ApprovedRoute) {
		k := [2]string{a.Site, a.Prefix.String()}
		if !seen[k] {
			seen[k] = true
			out = append(out, a)
		}
	}
	for _, t := range p.Topology.Cloud.Transits {
		if t.Name == tr {
			for _, a := range t.Approval.Approved {
				add(a)
			}
		}
	}
	for _, a := range live {
		add(a)
	}
	return out
}

// Segmentation is the domains' configuration every gateway enforces, nil
// without domains.
func (p *Plan) Segmentation() *mgmt.Segmentation {
	c := p.Topology.Cloud
	if len(c.Domains) == 0 {
		return nil
	}
	spokes := map[string]netip.Prefix{}
	for _, sp := range c.Spokes {
		for _, v := range c.VPCs {
			if v.Name == sp.VPC {
				spokes[sp.Name] = v.CIDR
			}
		}
	}
	sites := map[string][]netip.Prefix{}
	for _, s := range c.Sites {
		sites[s.Name] = s.Advertise
	}
	seg := &mgmt.Segmentation{}
	for _, d := range c.Domains {
		md := mgmt.Domain{Name: d.Name}
		for _, m := range d.Members {
			if pr, ok := spokes[m]; ok {
				md.Prefixes = append(md.Prefixes, pr)
			}
			md.Prefixes = append(md.Prefixes, sites[m]...)
		}
		seg.Domains = append(seg.Domains, md)
	}
	for _, cn := range c.Connections {
		seg.Connections = append(seg.Connections, [2]string{cn.A, cn.B})
	}
	return seg
}

// Configs derives every gateway's configuration. A gateway whose instance
// or name is not known yet is left out; its peers then leave out their
// tunnels to it too.
func (p *Plan) Configs(l Live) (map[string]mgmt.Config, error) {
	ready := func(k string) bool {
		in, ok := l.Instances[k]
		_, named := l.Names[k]
		_, keyed := l.Keys[k]
		return ok && named && keyed && in.PublicIP.IsValid()
	}
	seg := p.Segmentation()
	out := map[string]mgmt.Config{}
	for _, g := range p.Gateways {
		if !ready(g.Key) {
			continue
		}
		c := mgmt.Config{Name: l.Names[g.Key], ASN: g.ASN, RouterID: g.PrivateIP,
			Prefixes: g.Prefixes, PrivateKey: l.Keys[g.Key].String()}
		if g.Role == RoleTransit {
			// Segmentation is enforced where domains meet: at the transit.
			c.Segmentation = seg
		}
		out[g.Key] = c
	}
	for _, t := range p.Tunnels {
		if !ready(t.A) || !ready(t.B) {
			continue
		}
		ends := [2]string{t.A, t.B}
		for side := range 2 {
			self, peer := ends[side], ends[1-side]
			c := out[self]
			c.Peers = append(c.Peers, mgmt.Peer{
				Name:        t.Name[side],
				PublicKey:   l.Keys[peer].PublicKey().String(),
				Endpoint:    netip.AddrPortFrom(l.Instances[peer].PublicIP, t.Port()),
				ListenPort:  t.Port(),
				Address:     t.Inner[side],
				PeerAddress: t.Inner[1-side].Addr(),
				ASN:         p.Gateway(peer).ASN,
			})
			out[self] = c
		}
	}
	sites := map[string]*topologies.Site{}
	for _, s := range p.Topology.Cloud.Sites {
		sites[s.Name] = s
	}
	transits := map[string]*topologies.Transit{}
	for _, t := range p.Topology.Cloud.Transits {
		transits[t.Name] = t
	}
	for _, o := range p.Overlays {
		c, ok := out[o.Gateway]
		if !ok {
			continue
		}
		g := p.Gateway(o.Gateway)
		s := sites[o.Site]
		tr := transits[g.Group]
		nb := mgmt.Neighbor{Name: p.SiteNeighbor(o.Site), Address: o.Inner[1].Addr(), ASN: s.ASN,
			VXLAN: &mgmt.VXLAN{VNI: o.VNI, Local: g.PrivateIP, Remote: o.Customer, Port: VXLANPort, Address: o.Inner[0]}}
		if tr.Approval.Mode == topologies.ApprovalManual {
			nb.Approval = "manual"
			nb.Approved = []netip.Prefix{}
			for _, a := range p.Approved(tr.Name, l.Approved[tr.Name]) {
				if a.Site == o.Site {
					nb.Approved = append(nb.Approved, a.Prefix)
				}
			}
			slices.SortFunc(nb.Approved, func(a, b netip.Prefix) int { return a.Addr().Compare(b.Addr()) })
		}
		c.Neighbors = append(c.Neighbors, nb)
		out[o.Gateway] = c
	}
	return out, nil
}
