package intent

import (
	"cmp"
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
// from to to crosses: from is a host node behind a mapped connection's
// site router or gateway, or a workload (with a fixed address) of the
// VPC of the spoke that holds a connection (cloud-gateway); to is an
// address (the destination's virtual one) or a host node or workload on
// the connection's other side. Nil when from is behind no mapped
// connection (a workload's flow to a name that is no node: nil too).
func (p *Plan) MappedFlow(from, to string) *MappedFlow {
	if p.Topology == nil {
		return nil
	}
	realm := topologies.AddressRealms(p.Topology)
	var src netip.Addr
	var srcRealm string
	var work *Endpoint // the source, when a workload
	if p.Topology.Node(from) != nil {
		ends := p.nodeEnds(from)
		if len(ends) == 0 {
			return nil
		}
		src, srcRealm = ends[0].Address.Addr(), realm(ends[0])
	} else if work = p.Endpoint(from); work == nil || work.VPC == "" || !work.Address.IsValid() {
		return nil
	} else {
		src = work.Address
	}
	dst, dstErr := netip.ParseAddr(to)
	if work != nil && dstErr != nil && p.Topology.Node(to) == nil {
		return nil
	}
	var miss *MappedFlow // the first connection the source is behind
	var names []string
	for _, s := range p.Topology.Site2Cloud {
		if s == nil || !s.Mapped() {
			continue
		}
		atSite := work == nil && p.inRealm(realm, s.Site, s2cUnderlay(s), srcRealm)
		if !atSite && !p.behindGateway(realm, s, work, srcRealm) {
			continue
		}
		f := &MappedFlow{Conn: s, FromSite: atSite, Src: src}
		if p.mapFlow(realm, f, to, dst, dstErr == nil) {
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

// s2cUnderlay are a connection's tunnel addresses: not the realm of
// the hosts behind its ends.
func s2cUnderlay(s *topologies.Site2Cloud) []netip.Addr {
	return []netip.Addr{s.SiteAddress, s.GatewayAddress, s.HAGatewayAddress}
}

// behindGateway reports whether the source (workload work, else a node
// end in realm r) is on the gateways' side of s: in the VPC of the spoke
// that holds s (cloud-gateway), or beside its gateway nodes.
func (p *Plan) behindGateway(realm func(topologies.Endpoint) string, s *topologies.Site2Cloud, work *Endpoint, r string) bool {
	if s.InCloud() {
		return work != nil && work.Spoke == s.CloudGateway
	}
	under := s2cUnderlay(s)
	return work == nil && (p.inRealm(realm, s.Gateway, under, r) || s.HAGateway != "" && p.inRealm(realm, s.HAGateway, under, r))
}

// mapFlow completes f with the mapping of its connection that takes its
// source to to (an address, dst, when isAddr; else a node or workload
// on the other side), and reports whether one does.
func (p *Plan) mapFlow(realm func(topologies.Endpoint) string, f *MappedFlow, to string, dst netip.Addr, isAddr bool) bool {
	s := f.Conn
	for _, m := range s.Mappings {
		real, virt, peerReal, peerVirt := m.Site, m.SiteVirtual, m.Cloud, m.CloudVirtual
		if !f.FromSite {
			real, virt, peerReal, peerVirt = m.Cloud, m.CloudVirtual, m.Site, m.SiteVirtual
		}
		if !real.Contains(f.Src) {
			continue
		}
		if isAddr {
			if !peerVirt.Contains(dst) {
				continue
			}
			f.Dst, f.RealDst = dst, mapAddr(dst, peerVirt, peerReal)
			f.DstNode = p.s2cHostAt(realm, f.RealDst, s, !f.FromSite)
		} else {
			a, ok := p.s2cHost(realm, to, s, !f.FromSite)
			if !ok || !peerReal.Contains(a) {
				continue
			}
			f.RealDst, f.Dst, f.DstNode = a, mapAddr(a, peerReal, peerVirt), to
		}
		f.Mapping, f.SeenSrc = m, mapAddr(f.Src, real, virt)
		return true
	}
	return false
}

// s2cHost is the address of n when it is a host node (or, on the
// gateways' side of a connection held by a spoke, a workload of its
// VPC) on the site's side of s (siteSide) or the gateways'.
func (p *Plan) s2cHost(realm func(topologies.Endpoint) string, n string, s *topologies.Site2Cloud, siteSide bool) (netip.Addr, bool) {
	if !siteSide && s.InCloud() {
		if e := p.Endpoint(n); e != nil && e.Spoke == s.CloudGateway && e.Address.IsValid() {
			return e.Address, true
		}
		return netip.Addr{}, false
	}
	ends := p.nodeEnds(n)
	if len(ends) == 0 {
		return netip.Addr{}, false
	}
	under, r := s2cUnderlay(s), realm(ends[0])
	ok := siteSide && p.inRealm(realm, s.Site, under, r) ||
		!siteSide && (p.inRealm(realm, s.Gateway, under, r) || s.HAGateway != "" && p.inRealm(realm, s.HAGateway, under, r))
	return ends[0].Address.Addr(), ok
}

// s2cHostAt names the host holding address a on the site's side of s
// (siteSide) or the gateways' (a workload of the spoke's VPC when a
// spoke holds s), or "".
func (p *Plan) s2cHostAt(realm func(topologies.Endpoint) string, a netip.Addr, s *topologies.Site2Cloud, siteSide bool) string {
	if !siteSide && s.InCloud() {
		for _, e := range p.Endpoints {
			if e.Spoke == s.CloudGateway && e.VPC != "" && e.Address == a {
				return e.Name
			}
		}
		return ""
	}
	return p.nodeAt(realm, a, s, siteSide)
}

// nodeAt names the node holding address a on the site's side of s
// (siteSide) or the gateway's, or "".
func (p *Plan) nodeAt(realm func(topologies.Endpoint) string, a netip.Addr, s *topologies.Site2Cloud, siteSide bool) string {
	under := s2cUnderlay(s)
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

// s2cGateways names the gateways holding s: its gateway nodes, or the
// instances of the spoke that holds it (the first and its HA one).
func (p *Plan) s2cGateways(s *topologies.Site2Cloud) (gw, ha string) {
	if !s.InCloud() {
		return s.Gateway, s.HAGateway
	}
	gws := p.GatewaysOf(s.CloudGateway)
	if len(gws) > 0 {
		gw = gws[0].Key
	}
	if len(gws) > 1 {
		ha = gws[1].Key
	}
	return gw, ha
}

// traceMapped walks flow f across its mapped site2cloud connection: the
// source host, the router that sends it into the tunnel (the site
// router, or the gateway's side), the gateway's one-to-one translation
// of both addresses (a NAT step naming the connection and its mapping),
// the destination; and the reply back, translated the other way. When a
// spoke's gateways hold the connection, its VPC's side is the cloud's
// (mappedCloud): the workload's security groups and its subnet's route
// table and network ACL.
// Aviatrix: https://docs.aviatrix.com/documentation/latest/building-your-network/site2cloud-mapped.html — mapped site2cloud: each side's real CIDRs are shown to the other as virtual CIDRs of the same size
func (t *tracer) traceMapped(from string, f *MappedFlow) bool {
	s := f.Conn
	gwKey, haKey := t.p.s2cGateways(s)
	gw := gwKey
	if haKey != "" {
		gw = fmt.Sprintf("%s (backup %s)", gwKey, haKey)
	}
	mc := t.mappedCloud(f, gwKey)
	if f.Miss != "" {
		return t.mappedMiss(from, f, gw, mc)
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
	tunnel := func(prefix netip.Prefix, to string) {
		t.step(Step{Kind: StepRoute, Object: gwKey, Rule: fmt.Sprintf("%s -> IPsec %s", prefix, s.Name), Action: ActionForward, Detail: "into the tunnel to " + to})
	}
	dstName := cmp.Or(f.DstNode, f.RealDst.String())
	if f.FromSite {
		t.hop(from, HopHost)
		t.step(Step{Kind: StepRoute, Object: from, Action: ActionForward, Detail: "to its site router " + s.Site})
		t.hop(s.Site, HopSite)
		t.step(Step{Kind: StepRoute, Object: s.Site, Rule: fmt.Sprintf("%s -> IPsec %s", m.CloudVirtual, s.Name), Action: ActionForward, Detail: "into the tunnel to " + gw})
		t.hop(gwKey, HopS2CGateway)
		nat(fwd, f.Src, f.Dst, f.SeenSrc, f.RealDst)
		if mc != nil {
			if !mc.in() {
				return false
			}
		} else {
			t.step(Step{Kind: StepRoute, Object: gwKey, Action: ActionForward, Detail: fmt.Sprintf("%s to the cloud's side", f.RealDst)})
			t.hop(dstName, HopHost)
			t.step(Step{Kind: StepRoute, Object: dstName, Action: ActionForward, Detail: fmt.Sprintf("delivered to %s, which sees the source as %s", f.RealDst, f.SeenSrc)})
		}
		t.ret = true
		if mc != nil && !mc.backOut() {
			return false
		}
		t.hop(gwKey, HopS2CGateway)
		nat(back, f.RealDst, f.SeenSrc, f.Dst, f.Src)
		tunnel(m.SiteVirtual, s.Site)
		t.hop(s.Site, HopSite)
		t.step(Step{Kind: StepRoute, Object: s.Site, Action: ActionForward, Detail: fmt.Sprintf("%s on its LAN", f.Src)})
		t.hop(from, HopHost)
		t.step(Step{Kind: StepRoute, Object: from, Action: ActionForward, Detail: fmt.Sprintf("the reply from %s", f.Dst)})
		return true
	}
	if mc != nil {
		if !mc.out() {
			return false
		}
	} else {
		t.hop(from, HopHost)
		t.step(Step{Kind: StepRoute, Object: from, Action: ActionForward, Detail: fmt.Sprintf("%s via the site2cloud gateway %s", m.SiteVirtual, gw)})
	}
	t.hop(gwKey, HopS2CGateway)
	nat(fwd, f.Src, f.Dst, f.SeenSrc, f.RealDst)
	tunnel(m.SiteVirtual, s.Site)
	t.hop(s.Site, HopSite)
	t.step(Step{Kind: StepRoute, Object: s.Site, Action: ActionForward, Detail: fmt.Sprintf("%s on its LAN", f.RealDst)})
	t.hop(dstName, HopHost)
	t.step(Step{Kind: StepRoute, Object: dstName, Action: ActionForward, Detail: fmt.Sprintf("delivered to %s, which sees the source as %s", f.RealDst, f.SeenSrc)})
	t.ret = true
	t.hop(s.Site, HopSite)
	t.step(Step{Kind: StepRoute, Object: s.Site, Rule: fmt.Sprintf("%s -> IPsec %s", m.CloudVirtual, s.Name), Action: ActionForward, Detail: "the reply into the tunnel to " + gw})
	t.hop(gwKey, HopS2CGateway)
	nat(back, f.RealDst, f.SeenSrc, f.Dst, f.Src)
	if mc != nil {
		return mc.backIn()
	}
	t.hop(from, HopHost)
	t.step(Step{Kind: StepRoute, Object: from, Action: ActionForward, Detail: fmt.Sprintf("the reply from %s", f.Dst)})
	return true
}

// mappedMiss walks a flow that no mapping of the source's connection
// translates to where it stops: at the site router (no tunnel route), at
// the route table of a workload's subnet (no route to a virtual prefix),
// or at the gateway node's NAT.
func (t *tracer) mappedMiss(from string, f *MappedFlow, gw string, mc *mappedCloud) bool {
	s := f.Conn
	if f.FromSite {
		t.hop(from, HopHost)
		t.step(Step{Kind: StepRoute, Object: from, Action: ActionForward, Detail: "to its site router " + s.Site})
		t.hop(s.Site, HopSite)
		return t.block(Step{Kind: StepRoute, Object: s.Site, Rule: "no tunnel route to " + t.path.To, Action: ActionMissing,
			Detail: fmt.Sprintf("site2cloud %s carries only the cloud's virtual prefixes", s.Name)}, "no route: "+f.Miss)
	}
	if mc != nil {
		t.hop(mc.w.Name, HopInstance)
		t.hop(subnetNode(mc.w, mc.we), HopSubnet)
		return t.block(Step{Kind: StepRoute, Object: mc.table(), Rule: "no route to " + t.path.To, Action: ActionMissing,
			Detail: fmt.Sprintf("spoke %s routes only the virtual prefixes of its site2cloud connections into its VPC", s.CloudGateway)}, "no route: "+f.Miss)
	}
	t.hop(from, HopHost)
	t.step(Step{Kind: StepRoute, Object: from, Action: ActionForward, Detail: "to the site2cloud gateway " + gw})
	t.hop(s.Gateway, HopS2CGateway)
	return t.block(Step{Kind: StepNAT, Object: "site2cloud " + s.Name, Rule: "no mapping", Action: ActionMissing, Detail: f.Miss}, "no mapping: "+f.Miss)
}
