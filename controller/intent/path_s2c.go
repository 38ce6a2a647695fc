package intent

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/mcnlab/mcnlab/topologies"
)

// The hop kinds of a flow across a mapped site2cloud connection.
const (
	HopHost       = "host"
	HopS2CGateway = "site2cloud-gateway"
)

// MappedFlow is a flow between two hosts of the lab's nodes across a
// mapped site2cloud connection: the source sends from its real address
// to the destination's virtual one; the connection's gateway translates
// both, one to one (dataplane/s2c's mapping rules), so the destination
// sees the source at its virtual address.
type MappedFlow struct {
	Conn    *topologies.Site2Cloud
	Mapping topologies.S2CMapping
	// FromSite says the source is behind the site router (else behind
	// the gateway, in the cloud).
	FromSite bool
	// Src is the source's real address, Dst the destination's address
	// as the source sends to it (virtual); RealDst is the destination's
	// real address, SeenSrc the source's as the destination sees it.
	Src, Dst, RealDst, SeenSrc netip.Addr
	// DstNode names the destination's node ("" when no node of the lab
	// holds RealDst).
	DstNode string
	// Miss, when set, says why no mapping of the source's connection
	// translates the flow.
	Miss string
}

// mapAddr moves a from prefix from to the same offset in to (netmap).
func mapAddr(a netip.Addr, from, to netip.Prefix) netip.Addr {
	x, f, t := a.As4(), from.Masked().Addr().As4(), to.Masked().Addr().As4()
	var out [4]byte
	for i := range out {
		mask := byte(0)
		if bits := from.Bits() - 8*i; bits >= 8 {
			mask = 0xff
		} else if bits > 0 {
			mask = ^byte(0xff >> bits)
		}
		out[i] = t[i]&mask | (x[i]^f[i])&^mask
	}
	return netip.AddrFrom4(out)
}

// nodeEnds are node n's addressed link ends.
func (p *Plan) nodeEnds(n string) []topologies.Endpoint {
	var out []topologies.Endpoint
	for _, l := range p.Topology.Links {
		for _, e := range []topologies.Endpoint{l.A, l.B} {
			if l != nil && e.Node == n && e.Address.IsValid() {
				out = append(out, e)
			}
		}
	}
	return out
}

// inRealm reports whether one of node n's link ends other than its
// underlay address (skip) is in realm r.
func (p *Plan) inRealm(realm func(topologies.Endpoint) string, n string, skip []netip.Addr, r string) bool {
	for _, e := range p.nodeEnds(n) {
		under := false
		for _, s := range skip {
			under = under || e.Address.Addr() == s
		}
		if !under && realm(e) == r {
			return true
		}
	}
	return false
}

// MappedFlow finds the mapped site2cloud connection that a flow from
// host node from to to crosses: to is an address (the destination's
// virtual one) or a host node on the connection's other side. Nil when
// from is not a node behind a mapped connection's site router or
// gateway.
func (p *Plan) MappedFlow(from, to string) *MappedFlow {
	if p.Topology == nil || p.Topology.Node(from) == nil {
		return nil
	}
	src := p.nodeEnds(from)
	if len(src) == 0 {
		return nil
	}
	realm := topologies.AddressRealms(p.Topology)
	dst, dstErr := netip.ParseAddr(to)
	var dstEnd []topologies.Endpoint
	if dstErr != nil {
		dstEnd = p.nodeEnds(to)
	}
	var miss *MappedFlow // the first connection the source is behind
	var names []string
	for _, s := range p.Topology.Site2Cloud {
		if s == nil || !s.Mapped() {
			continue
		}
		gws := []string{s.Gateway, s.HAGateway}
		under := []netip.Addr{s.SiteAddress, s.GatewayAddress, s.HAGatewayAddress}
		atSite := p.inRealm(realm, s.Site, under, realm(src[0]))
		atCloud := p.inRealm(realm, s.Gateway, under, realm(src[0])) || s.HAGateway != "" && p.inRealm(realm, s.HAGateway, under, realm(src[0]))
		if !atSite && !atCloud {
			continue
		}
		f := &MappedFlow{Conn: s, FromSite: atSite, Src: src[0].Address.Addr()}
		for _, m := range s.Mappings {
			real, virt, peerReal, peerVirt := m.Site, m.SiteVirtual, m.Cloud, m.CloudVirtual
			if !atSite {
				real, virt, peerReal, peerVirt = m.Cloud, m.CloudVirtual, m.Site, m.SiteVirtual
			}
			if !real.Contains(f.Src) {
				continue
			}
			switch {
			case dstErr == nil && peerVirt.Contains(dst):
				f.Dst, f.RealDst = dst, mapAddr(dst, peerVirt, peerReal)
			case len(dstEnd) > 0 && peerReal.Contains(dstEnd[0].Address.Addr()) &&
				(atSite && (p.inRealm(realm, gws[0], under, realm(dstEnd[0])) || gws[1] != "" && p.inRealm(realm, gws[1], under, realm(dstEnd[0]))) ||
					!atSite && p.inRealm(realm, s.Site, under, realm(dstEnd[0]))):
				f.RealDst = dstEnd[0].Address.Addr()
				f.Dst, f.DstNode = mapAddr(f.RealDst, peerReal, peerVirt), to
			default:
				continue
			}
			f.Mapping, f.SeenSrc = m, mapAddr(f.Src, real, virt)
			if f.DstNode == "" {
				f.DstNode = p.nodeAt(realm, f.RealDst, s, !atSite)
			}
			return f
		}
		if miss == nil {
			miss = f
		}
		names = append(names, s.Name)
	}
	if miss != nil {
		miss.Dst = dst
		miss.Miss = fmt.Sprintf("no mapping of site2cloud %s translates %s -> %s", strings.Join(names, ", "), miss.Src, to)
	}
	return miss
}

// nodeAt names the node holding address a on the site's side of s
// (siteSide) or the gateway's, or "".
func (p *Plan) nodeAt(realm func(topologies.Endpoint) string, a netip.Addr, s *topologies.Site2Cloud, siteSide bool) string {
	under := []netip.Addr{s.SiteAddress, s.GatewayAddress, s.HAGatewayAddress}
	for _, l := range p.Topology.Links {
		for _, e := range []topologies.Endpoint{l.A, l.B} {
			if e.Address.Addr() != a {
				continue
			}
			r := realm(e)
			if siteSide && p.inRealm(realm, s.Site, under, r) || !siteSide && (p.inRealm(realm, s.Gateway, under, r) || s.HAGateway != "" && p.inRealm(realm, s.HAGateway, under, r)) {
				return e.Node
			}
		}
	}
	return ""
}

// traceMapped walks flow f across its mapped site2cloud connection: the
// source host, the router that sends it into the tunnel (the site
// router, or the gateway's side), the gateway's one-to-one translation
// of both addresses (a NAT step naming the connection and its mapping),
// the destination; and the reply back, translated the other way.
// Aviatrix: https://docs.aviatrix.com/documentation/latest/building-your-network/site2cloud-mapped.html — mapped site2cloud: each side's real CIDRs are shown to the other as virtual CIDRs of the same size
func (t *tracer) traceMapped(from string, f *MappedFlow) bool {
	s := f.Conn
	gw := s.Gateway
	if s.HAGateway != "" {
		gw = fmt.Sprintf("%s (backup %s)", s.Gateway, s.HAGateway)
	}
	t.hop(from, HopHost)
	if f.Miss != "" {
		if f.FromSite {
			t.step(Step{Kind: StepRoute, Object: from, Action: ActionForward, Detail: "to its site router " + s.Site})
			t.hop(s.Site, HopSite)
			return t.block(Step{Kind: StepRoute, Object: s.Site, Rule: "no tunnel route to " + t.path.To, Action: ActionMissing,
				Detail: fmt.Sprintf("site2cloud %s carries only the cloud's virtual prefixes", s.Name)}, "no route: "+f.Miss)
		}
		t.step(Step{Kind: StepRoute, Object: from, Action: ActionForward, Detail: "to the site2cloud gateway " + gw})
		t.hop(s.Gateway, HopS2CGateway)
		return t.block(Step{Kind: StepNAT, Object: "site2cloud " + s.Name, Rule: "no mapping", Action: ActionMissing, Detail: f.Miss}, "no mapping: "+f.Miss)
	}
	m := f.Mapping
	fwd := fmt.Sprintf("destination %s -> %s, source %s -> %s", m.CloudVirtual, m.Cloud, m.Site, m.SiteVirtual)
	back := fmt.Sprintf("destination %s -> %s, source %s -> %s", m.SiteVirtual, m.Site, m.Cloud, m.CloudVirtual)
	if !f.FromSite {
		fwd, back = back, fwd
	}
	nat := func(rule string, src, dst, newSrc, newDst netip.Addr) {
		t.step(Step{Kind: StepNAT, Object: "site2cloud " + s.Name, Rule: "mapping " + rule, Action: ActionTranslate,
			Detail: fmt.Sprintf("%s -> %s becomes %s -> %s", src, dst, newSrc, newDst)})
	}
	dstName := f.DstNode
	if dstName == "" {
		dstName = f.RealDst.String()
	}
	if f.FromSite {
		t.step(Step{Kind: StepRoute, Object: from, Action: ActionForward, Detail: "to its site router " + s.Site})
		t.hop(s.Site, HopSite)
		t.step(Step{Kind: StepRoute, Object: s.Site, Rule: fmt.Sprintf("%s -> IPsec %s", m.CloudVirtual, s.Name), Action: ActionForward, Detail: "into the tunnel to " + gw})
		t.hop(s.Gateway, HopS2CGateway)
		nat(fwd, f.Src, f.Dst, f.SeenSrc, f.RealDst)
		t.step(Step{Kind: StepRoute, Object: s.Gateway, Action: ActionForward, Detail: fmt.Sprintf("%s to the cloud's side", f.RealDst)})
	} else {
		t.step(Step{Kind: StepRoute, Object: from, Action: ActionForward, Detail: fmt.Sprintf("%s via the site2cloud gateway %s", m.SiteVirtual, gw)})
		t.hop(s.Gateway, HopS2CGateway)
		nat(fwd, f.Src, f.Dst, f.SeenSrc, f.RealDst)
		t.step(Step{Kind: StepRoute, Object: s.Gateway, Rule: fmt.Sprintf("%s -> IPsec %s", m.SiteVirtual, s.Name), Action: ActionForward, Detail: "into the tunnel to " + s.Site})
		t.hop(s.Site, HopSite)
		t.step(Step{Kind: StepRoute, Object: s.Site, Action: ActionForward, Detail: fmt.Sprintf("%s on its LAN", f.RealDst)})
	}
	t.hop(dstName, HopHost)
	t.step(Step{Kind: StepRoute, Object: dstName, Action: ActionForward, Detail: fmt.Sprintf("delivered to %s, which sees the source as %s", f.RealDst, f.SeenSrc)})
	t.ret = true
	t.hop(s.Gateway, HopS2CGateway)
	nat(back, f.RealDst, f.SeenSrc, f.Dst, f.Src)
	t.hop(from, HopHost)
	t.step(Step{Kind: StepRoute, Object: from, Action: ActionForward, Detail: fmt.Sprintf("the reply from %s", f.Dst)})
	return true
}
