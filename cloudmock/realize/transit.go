package realize

// Transit gateways. A transit gateway is a router namespace with one
// kernel table per route table, an ip rule per associated attachment
// selecting its table by incoming interface, and links:
//
//   - a VPC attachment is a link to the attached network's router
//     (a-<attachment> on the gateway, t-<gateway> on the router), carrying
//     IPv4 always and IPv6 when the attachment has IPv6 support;
//   - a peering attachment is a link between the two peered gateways'
//     namespaces (a-<attachment> at both ends), in whatever regions and
//     accounts they are, made once the peering is accepted; it carries
//     both families, and routes reach it only as static routes.
//
// Each link takes its IPv4 /30 and IPv6 /64 from the link pools by the
// attachment's link index ("tgw/<attachment>").

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// tgwPeerPlan is an accepted peering attachment: a link between the
// requester's gateway a and the accepter's gateway b.
type tgwPeerPlan struct {
	id           string
	a, b         string // transit gateway IDs
	ifname       string
	addrA, addrB netip.Prefix
	a6, b6       netip.Prefix
}

// linkEnds are a link's pool index and its two ends' addresses.
type linkEnds struct {
	i            int
	a, b, a6, b6 netip.Prefix
}

// keptLink keeps the link key in this pass and returns its ends.
func (r *Realizer) keptLink(keep map[string]bool, key string) linkEnds {
	keep[key] = true
	e := linkEnds{i: r.linkIndex(key)}
	e.a, e.b = linkAddrs(e.i)
	e.a6, e.b6 = linkAddrs6(e.i)
	return e
}

// planTGWPeers plans the peering attachments the lab realizes: the
// accepted ones whose two gateways are available.
func (r *Realizer) planTGWPeers(p *plan, s *snapshot, keep map[string]bool) {
	up := map[string]bool{}
	for _, g := range s.tgws {
		up[g.ID] = g.State == model.StateAvailable
	}
	for _, a := range s.tgwAtts {
		if a.Kind != model.AttachPeering || a.State != model.StateAvailable || !up[a.TransitGatewayID] || !up[a.Peer.TransitGatewayID] {
			continue
		}
		e := r.keptLink(keep, "tgw/"+a.ID)
		p.tgwPeers[a.ID] = &tgwPeerPlan{id: a.ID, a: a.TransitGatewayID, b: a.Peer.TransitGatewayID, ifname: tgwAttIf(a.Handle),
			addrA: e.a, addrB: e.b, a6: e.a6, b6: e.b6}
	}
}

// peerAttPlans returns a gateway's ends of its peering attachments, as
// attachments whose far address is the peer gateway's end.
func peerAttPlans(p *plan, tgwID string) []attPlan {
	var out []attPlan
	for _, pp := range p.tgwPeers {
		switch tgwID {
		case pp.a:
			out = append(out, attPlan{id: pp.id, peer: pp.b, ifTGW: pp.ifname, addrTGW: pp.addrA, addrVPC: pp.addrB, addr6TGW: pp.a6, addr6VPC: pp.b6, v6: true})
		case pp.b:
			out = append(out, attPlan{id: pp.id, peer: pp.a, ifTGW: pp.ifname, addrTGW: pp.addrB, addrVPC: pp.addrA, addr6TGW: pp.b6, addr6VPC: pp.a6, v6: true})
		}
	}
	return out
}

// planTransit plans every available transit gateway, its available VPC
// attachments and its accepted peering attachments.
// AWS: https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html — an attachment's traffic is routed by the one route table it is associated with; propagation puts the attached VPC's CIDRs in a table
// AWS: https://docs.aws.amazon.com/vpc/latest/tgw/tgw-peering.html — traffic crosses a peering attachment by static routes in each gateway's route tables
func (r *Realizer) planTransit(p *plan, s *snapshot, nets map[string]model.Network, keep map[string]bool) {
	r.planTGWPeers(p, s, keep)
	for _, g := range s.tgws {
		if g.State != model.StateAvailable {
			continue
		}
		tp := &tgwPlan{id: g.ID, ns: r.tgwNS(g.Handle)}
		p.tgws[g.ID] = tp
		for _, a := range s.tgwAtts {
			if a.TransitGatewayID != g.ID || a.State != model.StateAvailable || a.Kind != model.AttachNetwork {
				continue
			}
			if _, ok := nets[a.NetworkID]; !ok {
				continue
			}
			e := r.keptLink(keep, "tgw/"+a.ID)
			tp.atts = append(tp.atts, attPlan{id: a.ID, network: a.NetworkID, ifTGW: tgwAttIf(a.Handle), ifVPC: tgwVPCIf(g.Handle),
				addrTGW: e.a, addrVPC: e.b, addr6TGW: e.a6, addr6VPC: e.b6, v6: a.Options.IPv6Support})
		}
		tp.atts = append(tp.atts, peerAttPlans(p, g.ID)...)
		tp.atts = append(tp.atts, vpnAttPlans(p, g.ID)...)
		tp.atts = append(tp.atts, circuitAttPlans(p, g.ID)...)
		slices.SortFunc(tp.atts, func(a, b attPlan) int { return strings.Compare(a.id, b.id) })
		tp.planTables(s)
		tp.key = fmt.Sprintf("%v|%v|%v", tp.atts, tp.routes, tp.rules)
	}
}

// planTables plans a gateway's kernel tables and rules from its route
// tables. What matches no route of the associated table, or comes from an
// attachment with no table, is dropped; so is IPv6 to or from a VPC
// attachment without IPv6 support.
// AWS: https://docs.aws.amazon.com/vpc/latest/tgw/tgw-route-tables.html — a blackhole route drops matching traffic
// AWS: https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html — IPv6 support: the attachment carries IPv6 only when enabled
func (tp *tgwPlan) planTables(s *snapshot) {
	ifOf := map[string][]attPlan{} // an IPSec connection's attachment has a link per tunnel
	for _, a := range tp.atts {
		ifOf[a.id] = append(ifOf[a.id], a)
	}
	tp.routes = append(tp.routes, kroute{table: localTbl, dst: netip.MustParsePrefix("0.0.0.0/0"), kind: "unreachable"},
		kroute{table: localTbl, dst: allIPv6, kind: "unreachable"})
	tp.rules = append(tp.rules, krule{prio: localPrio, table: localTbl}, krule{prio: localPrio, table: localTbl, v6: true})
	var tables []tgwTable
	for _, t := range s.tgwTables {
		if t.TransitGatewayID == tp.id {
			tables = append(tables, t)
		}
	}
	slices.SortFunc(tables, func(a, b tgwTable) int { return strings.Compare(a.ID, b.ID) })
	for i, t := range tables {
		no := firstTbl + i
		for _, rt := range t.routes {
			k := kroute{table: no, dst: rt.Destination, kind: "blackhole"}
			if links, ok := ifOf[rt.AttachmentID]; ok && !rt.Blackhole {
				a := pickLink(s, links, rt.Destination)
				switch {
				case !rt.Destination.Addr().Is6():
					k.kind, k.via, k.dev = "via", a.addrVPC.Addr(), a.ifTGW
				case a.v6:
					k.kind, k.via, k.dev = "via", a.addr6VPC.Addr(), a.ifTGW
				}
			}
			tp.routes = append(tp.routes, k)
		}
		for _, id := range t.Associations {
			prio := rulePrio + slices.IndexFunc(tp.atts, func(x attPlan) bool { return x.id == id })
			for _, a := range ifOf[id] {
				tp.rules = append(tp.rules, krule{prio: prio, iif: a.ifTGW, table: no})
				if a.v6 {
					tp.rules = append(tp.rules, krule{prio: prio, iif: a.ifTGW, table: no, v6: true})
				}
			}
		}
	}
}

// tgwRoute6 is a VPC route to a transit gateway for an IPv6 destination:
// over the network's attachment when it has IPv6 support, else dropped.
func tgwRoute6(k kroute, p *plan, n model.Network, tgwID string) kroute {
	if g, ok := p.tgws[tgwID]; ok {
		for _, a := range g.atts {
			if a.network == n.ID && a.v6 {
				k.kind, k.via, k.dev = "via", a.addr6TGW.Addr(), a.ifVPC
			}
		}
	}
	return k
}

// ensureTransit makes a transit gateway's namespace and links to the
// routers of its attached networks; configureTransit brings its tables to
// the plan once its peering links are made too.
func (r *Realizer) ensureTransit(tp *tgwPlan) error {
	s := r.live
	lg := s.tgws[tp.id]
	if lg == nil {
		l, err := r.createNS(tp.ns)
		if err != nil {
			return fmt.Errorf("realize: transit gateway %s: %w", tp.id, err)
		}
		// segs records the attachments whose link exists on this gateway.
		lg = &liveRouter{liveNS: l, segs: map[string]segPlan{}, routes: map[rkey]kroute{}, rules: map[krule]bool{}}
		s.tgws[tp.id] = lg
	}
	for _, a := range tp.atts {
		if _, ok := s.atts[a.id]; ok || a.peer != "" {
			continue
		}
		rt := s.routers[a.network]
		if err := lg.veth(a.ifTGW, rt.liveNS, a.ifVPC); err != nil {
			return err
		}
		lg.segs[a.id] = segPlan{subnet: a.id, bridge: a.ifTGW}
		s.atts[a.id] = a
		if err := linkUp(lg, a.ifTGW, a.addrTGW, a.addr6TGW); err != nil {
			return err
		}
		if err := linkUp(rt, a.ifVPC, a.addrVPC, a.addr6VPC); err != nil {
			return err
		}
	}
	return nil
}

// linkUp gives one end of a new link its addresses and brings it up.
func linkUp(l *liveRouter, name string, addr, addr6 netip.Prefix) error {
	k, err := l.link(name)
	if err != nil {
		return err
	}
	if err := l.addAddr(k, addr); err != nil {
		return err
	}
	if err := l.addAddr6(k, addr6); err != nil {
		return err
	}
	if err := l.up(k); err != nil {
		return err
	}
	l.key = ""
	return nil
}

// configureTransit brings a gateway's routes and rules to the plan.
func (r *Realizer) configureTransit(tp *tgwPlan) error {
	return r.live.tgws[tp.id].configure(tp.routes, tp.rules, &ruleset{}, tp.key, "none")
}

// ensureTGWPeer makes the link of an accepted peering attachment between
// its two gateways' namespaces.
func (r *Realizer) ensureTGWPeer(pp *tgwPeerPlan) error {
	s := r.live
	if _, ok := s.tgwPeers[pp.id]; ok {
		return nil
	}
	a, b := s.tgws[pp.a], s.tgws[pp.b]
	if err := a.veth(pp.ifname, b.liveNS, pp.ifname); err != nil {
		return err
	}
	if err := linkUp(a, pp.ifname, pp.addrA, pp.a6); err != nil {
		return err
	}
	if err := linkUp(b, pp.ifname, pp.addrB, pp.b6); err != nil {
		return err
	}
	cp := *pp
	s.tgwPeers[pp.id] = &cp
	return nil
}

// removeStaleTGWPeers removes the links of peering attachments gone from
// the plan or changed, before their gateways go.
func (r *Realizer) removeStaleTGWPeers(p *plan) error {
	s := r.live
	var errs []error
	for id, pp := range s.tgwPeers {
		if want, ok := p.tgwPeers[id]; ok && *want == *pp {
			continue
		}
		for _, end := range []string{pp.a, pp.b} {
			if g := s.tgws[end]; g != nil {
				errs = append(errs, g.delLink(pp.ifname))
				g.forgetDev(pp.ifname)
			}
		}
		delete(s.tgwPeers, id)
	}
	return errors.Join(errs...)
}

// adoptTGWPeers records the peering links a former realizer left.
func (r *Realizer) adoptTGWPeers(p *plan) {
	s := r.live
	for id, pp := range p.tgwPeers {
		a, b := s.tgws[pp.a], s.tgws[pp.b]
		if a != nil && b != nil && a.has(pp.ifname) && b.has(pp.ifname) {
			cp := *pp
			s.tgwPeers[id] = &cp
		}
	}
}
