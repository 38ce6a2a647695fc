package intent

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

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
	// In the gateway's normal form (domains by name, each pair in name
	// order), so that a configuration read back compares equal.
	slices.SortFunc(seg.Domains, func(a, b mgmt.Domain) int { return strings.Compare(a.Name, b.Name) })
	for _, cn := range c.Connections {
		a, b := cn.A, cn.B
		if b < a {
			a, b = b, a
		}
		seg.Connections = append(seg.Connections, [2]string{a, b})
	}
	slices.SortFunc(seg.Connections, func(x, y [2]string) int { return strings.Compare(x[0]+"\x00"+x[1], y[0]+"\x00"+y[1]) })
	return seg
}

// Configs derives every gateway's configuration. A gateway whose instance
// or name is not known yet is left out; its peers then leave out their
// tunnels to it too.
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
	seg := p.Segmentation()
	out := map[string]mgmt.Config{}
	for _, g := range p.Gateways {
		if !ready(g.Key) {
			continue
		}
		c := mgmt.Config{Name: l.Names[g.Key], ASN: g.ASN, RouterID: g.PrivateIP,
			Prefixes: g.Prefixes, PrivateKey: l.Keys[g.Key].String(), MTU: TunnelMTU}
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
				Endpoint:    netip.AddrPortFrom(public(peer), t.Port()),
				ListenPort:  t.Port(),
				Address:     t.Inner[side],
				PeerAddress: t.Inner[1-side].Addr(),
				ASN:         p.Gateway(peer).ASN,
			})
			out[self] = c
		}
	}
	// Routes from a site's edge gateway over tunnels wait for approval at
	// the transit like those from a router on a private line.
	for k, c := range out {
		g := p.Gateway(k)
		if g.Role != RoleTransit {
			continue
		}
		for i := range c.Peers {
			pg := p.Gateway(peerOf(p, k, c.Peers[i].Name))
			if pg == nil || pg.Role != RoleSite {
				continue
			}
			c.Peers[i].Approval, c.Peers[i].Approved = p.approval(g.Group, pg.Group, l)
		}
		out[k] = c
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
			VXLAN: &mgmt.VXLAN{VNI: o.VNI, Local: g.PrivateIP, Remote: o.Customer, Port: VXLANPort, Address: o.Inner[0], MTU: VXLANMTU}}
		nb.Approval, nb.Approved = p.approval(tr.Name, o.Site, l)
		c.Neighbors = append(c.Neighbors, nb)
		out[o.Gateway] = c
		// A site whose router is an mcnlab gateway gets the other end,
		// passive: with both GoBGP ends connecting, their fixed 5 s idle
		// hold after a refused attempt can phase-lock them for tens of
		// seconds after one end restarts (as for tunnel peers, whose
		// higher address waits).
		if sc, ok := out[o.Site]; ok {
			sc.Neighbors = append(sc.Neighbors, mgmt.Neighbor{Name: fmt.Sprintf("x%d", slices.Index(p.Overlays, o)),
				Address: o.Inner[0].Addr(), ASN: g.ASN, Passive: true,
				VXLAN: &mgmt.VXLAN{VNI: o.VNI, Local: o.Customer, Remote: g.PrivateIP, Port: VXLANPort, Address: o.Inner[1], MTU: VXLANMTU}})
			out[o.Site] = sc
		}
	}
	return out, nil
}

// peerOf returns the gateway that gateway k's peer called name leads to.
func peerOf(p *Plan, k, name string) string {
	for _, t := range p.Tunnels {
		if t.A == k && t.Name[0] == name {
			return t.B
		}
		if t.B == k && t.Name[1] == name {
			return t.A
		}
	}
	return ""
}

// approval is the approval mode and approved prefixes transit tr applies
// to what site sends.
func (p *Plan) approval(tr, site string, l Live) (string, []netip.Prefix) {
	for _, t := range p.Topology.Cloud.Transits {
		if t.Name != tr || t.Approval.Mode != topologies.ApprovalManual {
			continue
		}
		approved := []netip.Prefix{}
		for _, a := range p.Approved(tr, l.Approved[tr]) {
			if a.Site == site {
				approved = append(approved, a.Prefix)
			}
		}
		slices.SortFunc(approved, func(a, b netip.Prefix) int { return a.Addr().Compare(b.Addr()) })
		return "manual", approved
	}
	return "", nil
}
