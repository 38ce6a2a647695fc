package intent

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/gwcfg"
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

// SiteOfSession returns the site whose router a transit gateway's session
// of that name leads to: its neighbour s<i> over a private line, or one of
// its tunnel peers s<i>-t<k>; nil for any other session.
func (p *Plan) SiteOfSession(name string) *topologies.Site {
	for i, s := range p.Topology.Cloud.Sites {
		if n := siteNeighbor(i); name == n || strings.HasPrefix(name, n+"-t") {
			return s
		}
	}
	return nil
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
// without domains, in the gateway's normal form (domains by name, each
// pair in name order), so that a configuration read back compares equal.
func (p *Plan) Segmentation() *mgmt.Segmentation {
	return p.segmentation().Wire()
}

// segmentation describes the domains for the compiler, nil without
// domains.
func (p *Plan) segmentation() *gwcfg.Segmentation {
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
	seg := &gwcfg.Segmentation{}
	for _, d := range c.Domains {
		md := gwcfg.Domain{Name: d.Name}
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

// Configs derives every gateway's configuration: it describes each
// gateway for the compiler (gwcfg.Compile), which makes the configuration.
// A gateway whose instance or name is not known yet is left out; its peers
// then leave out their tunnels to it too.
func (p *Plan) Configs(l Live) (map[string]mgmt.Config, error) {
	ready := func(k string) bool {
		_, named := l.Names[k]
		_, keyed := l.Keys[k]
		if g := p.Gateway(k); g != nil && g.Role == RoleSite {
			return named && keyed
		}
		in, ok := l.Instances[k]
		return ok && named && keyed && in.PublicIP.IsValid()
	}
	public := func(k string) netip.Addr {
		if g := p.Gateway(k); g != nil && g.Role == RoleSite {
			return g.PublicIP
		}
		return l.Instances[k].PublicIP
	}
	seg := p.segmentation()
	descs := map[string]*gwcfg.Gateway{}
	for _, g := range p.Gateways {
		if !ready(g.Key) {
			continue
		}
		d := &gwcfg.Gateway{Name: l.Names[g.Key], ASN: g.ASN, RouterID: g.PrivateIP,
			Prefixes: g.Prefixes, Key: l.Keys[g.Key], MTU: TunnelMTU}
		if g.Role == RoleTransit {
			// Segmentation is enforced where domains meet: at the transit.
			d.Segmentation = seg
		}
		descs[g.Key] = d
	}
	for _, t := range p.Tunnels {
		if !ready(t.A) || !ready(t.B) {
			continue
		}
		ends := [2]string{t.A, t.B}
		for side := range 2 {
			self, peer := ends[side], ends[1-side]
			tn := gwcfg.Tunnel{
				Name:        t.Name[side],
				PublicKey:   l.Keys[peer].PublicKey(),
				Endpoint:    netip.AddrPortFrom(public(peer), t.Ports[1-side]),
				Port:        t.Ports[side],
				Address:     t.Inner[side],
				PeerAddress: t.Inner[1-side].Addr(),
				ASN:         p.Gateway(peer).ASN,
			}
			// Routes from a site's edge gateway over tunnels wait for
			// approval at the transit like those from a router on a
			// private line.
			if g, pg := p.Gateway(self), p.Gateway(peer); g.Role == RoleTransit && pg.Role == RoleSite {
				tn.Approval = p.approval(g.Group, pg.Group, l)
			} else if g.Role == RoleTransit && pg.Role == RoleTransit && g.Group != pg.Group {
				tn.NotFrom = p.otherTransitASNs(g.Group)
			}
			descs[self].Tunnels = append(descs[self].Tunnels, tn)
		}
	}
	for i, o := range p.Overlays {
		d, ok := descs[o.Gateway]
		if !ok {
			continue
		}
		g := p.Gateway(o.Gateway)
		s := p.site(o.Site)
		d.Neighbors = append(d.Neighbors, gwcfg.Neighbor{Name: p.SiteNeighbor(o.Site), Address: o.Inner[1].Addr(), ASN: s.ASN,
			Overlay:  &gwcfg.Overlay{VNI: o.VNI, Local: g.PrivateIP, Remote: o.Customer, Port: VXLANPort, Address: o.Inner[0], MTU: VXLANMTU},
			Approval: p.approval(g.Group, o.Site, l)})
		// A site whose router is an mcnlab gateway gets the other end,
		// passive: with both GoBGP ends connecting, their fixed 5 s idle
		// hold after a refused attempt can phase-lock them for tens of
		// seconds after one end restarts (as for tunnel peers, whose
		// higher address waits).
		if sd, ok := descs[o.Site]; ok {
			sd.Neighbors = append(sd.Neighbors, gwcfg.Neighbor{Name: fmt.Sprintf("x%d", i),
				Address: o.Inner[0].Addr(), ASN: g.ASN, Passive: true,
				Overlay: &gwcfg.Overlay{VNI: o.VNI, Local: o.Customer, Remote: g.PrivateIP, Port: VXLANPort, Address: o.Inner[1], MTU: VXLANMTU}})
		}
	}
	p.s2cNeighbors(descs)
	out := map[string]mgmt.Config{}
	for k, d := range descs {
		cfg := gwcfg.Compile(*d)
		cfg.FireNet = p.fireNet(p.Gateway(k), l)
		p.originateDefault(p.Gateway(k), &cfg)
		out[k] = cfg
	}
	return out, nil
}

// site returns the topology's site of that name, or nil.
func (p *Plan) site(name string) *topologies.Site {
	for _, s := range p.Topology.Cloud.Sites {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// approval is the approval policy transit tr applies to what site sends:
// manual, with the site's approved prefixes, where the transit approves
// by hand; automatic otherwise.
func (p *Plan) approval(tr, site string, l Live) gwcfg.Approval {
	for _, t := range p.Topology.Cloud.Transits {
		if t.Name != tr || t.Approval.Mode != topologies.ApprovalManual {
			continue
		}
		a := gwcfg.Approval{Manual: true}
		for _, r := range p.Approved(tr, l.Approved[tr]) {
			if r.Site == site {
				a.Approved = append(a.Approved, r.Prefix)
			}
		}
		return a
	}
	return gwcfg.Approval{}
}

// otherTransitASNs are the ASes of every transit but self, sorted: what
// self's gateways hold back from a peer transit, so that transit peering
// stays non-transitive (as Expect models it: peered only pairs that are
// listed). Without it a full mesh of three transits keeps, after a site
// withdraws a prefix, a stale path between the two far transits through
// each other: GoBGP drops a best path whose AS path holds the peer's AS
// without withdrawing the path it sent before.
func (p *Plan) otherTransitASNs(self string) []uint32 {
	var out []uint32
	for _, g := range p.Gateways {
		if g.Role == RoleTransit && g.Group != self && !slices.Contains(out, g.ASN) {
			out = append(out, g.ASN)
		}
	}
	slices.Sort(out)
	return out
}
