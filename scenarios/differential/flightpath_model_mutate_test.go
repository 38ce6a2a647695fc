package differential

import (
	"maps"
	"net/netip"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/topologies"
)

// change returns a copy of v whose end k is changed by f (the ends'
// slices copied, so that f may change them).
func change(v *intent.View, k string, f func(*cloud.EndState)) *intent.View {
	w := *v
	w.Ends = maps.Clone(v.Ends)
	e := w.Ends[k]
	e.Groups = slices.Clone(e.Groups)
	e.NSGs = slices.Clone(e.NSGs)
	for i := range e.NSGs {
		e.NSGs[i].Rules = slices.Clone(e.NSGs[i].Rules)
	}
	e.Table.Routes = slices.Clone(e.Table.Routes)
	if e.ACL != nil {
		acl := *e.ACL
		acl.Inbound, acl.Outbound = slices.Clone(acl.Inbound), slices.Clone(acl.Outbound)
		e.ACL = &acl
	}
	f(&e)
	w.Ends[k] = e
	return &w
}

// crosses reports whether a's packets to b leave a's subnet: for a peer in
// the VPC, to b's subnet; else to the spoke gateways'.
func (m *model) crosses(v *intent.View, a, b *intent.Endpoint) bool {
	next := ""
	if a.VPC == b.VPC {
		next = v.Ends[b.Instance].Subnet
	} else if gws := m.p.GatewaysOf(a.Spoke); len(gws) > 0 {
		next = gws[0].Subnet
	}
	return v.Ends[a.Instance].Subnet != next
}

// mutations changes the cloud as programmed for a few reachable pairs
// and checks that the verdict moves as the rules say.
func (m *model) mutations() {
	dv := m.p.DesiredView(m.approved, m.addr)
	var reach [][2]*intent.Endpoint
	for i := range m.p.Endpoints {
		for j := range m.p.Endpoints {
			a, b := &m.p.Endpoints[i], &m.p.Endpoints[j]
			if a != b && a.VPC != "" && m.p.Trace(a.Name, b.Name, intent.Echo, dv).Reachable {
				reach = append(reach, [2]*intent.Endpoint{a, b})
			}
		}
	}
	m.r.Shuffle(len(reach), func(i, j int) { reach[i], reach[j] = reach[j], reach[i] })
	for _, pr := range reach[:min(len(reach), 4)] {
		if dv.Ends[pr[0].Instance].ACL != nil {
			m.denyACL(dv, pr[0], pr[1])
		}
		m.internetRoute(dv, pr[0], pr[1])
		if pr[1].VPC != "" && len(dv.Ends[pr[1].Instance].NSGs) > 0 {
			m.denyNSG(dv, pr[0], pr[1])
		} else {
			m.emptyGroup(dv, pr[0], pr[1])
		}
	}
	m.allowAll(dv)
}

// denyACL puts a deny of b's address first in a's subnet's ACL, outbound
// (the request) and inbound (the reply): each blocks there when a's
// packets cross to another subnet, and changes nothing when they do not.
func (m *model) denyACL(dv *intent.View, a, b *intent.Endpoint) {
	dst := m.addrOf(dv, b)
	deny := cloud.ACLEntry{Number: 1, Rule: cloud.Rule{Protocol: cloud.ProtocolAll, Source: netip.PrefixFrom(dst, 32)}}
	for _, inbound := range []bool{false, true} {
		v := change(dv, a.Instance, func(e *cloud.EndState) {
			if inbound {
				e.ACL.Inbound = append(e.ACL.Inbound, deny)
			} else {
				e.ACL.Outbound = append(e.ACL.Outbound, deny)
			}
		})
		p := m.trace(a.Name, b.Name, intent.Echo, v)
		acl := dv.Ends[a.Instance].ACL.ID
		switch {
		case !m.crosses(dv, a, b) && !p.Reachable:
			m.t.Errorf("%s: %s -> %s blocked by a deny in its own subnet's ACL, which it does not cross: %s", m.label, a.Name, b.Name, p.Reason)
		case m.crosses(dv, a, b) && (p.Reachable || p.Block.Object != acl || p.Block.Return != inbound):
			m.t.Errorf("%s: %s -> %s with %s denying %s (inbound %v): reachable %v, block %+v; want blocked there", m.label, a.Name, b.Name, acl, dst, inbound, p.Reachable, p.Block)
		}
	}
}

// addrOf is an endpoint's address in the view.
func (m *model) addrOf(v *intent.View, e *intent.Endpoint) netip.Addr {
	if e.VPC != "" {
		return v.Ends[e.Instance].Address
	}
	return e.Address
}

// internetRoute sends b's address from a's subnet to the internet
// gateway: a's packets to a peer outside its VPC go there, and the trace
// blocks at the route table.
func (m *model) internetRoute(dv *intent.View, a, b *intent.Endpoint) {
	if a.VPC == b.VPC {
		return
	}
	v := change(dv, a.Instance, func(e *cloud.EndState) {
		e.Table.Routes = append(e.Table.Routes, cloud.RouteState{Destination: netip.PrefixFrom(m.addrOf(dv, b), 32), Kind: cloud.RouteInternet, Target: "igw-model"})
	})
	p := m.trace(a.Name, b.Name, intent.Echo, v)
	if p.Reachable || p.Block.Object != dv.Ends[a.Instance].Table.ID || !strings.HasPrefix(p.Reason, "no route: ") || !strings.Contains(p.Reason, "igw-model") {
		m.t.Errorf("%s: %s -> %s with a route to the internet gateway: reachable %v, block %+v, %s", m.label, a.Name, b.Name, p.Reachable, p.Block, p.Reason)
	}
}

// emptyGroup removes every ingress rule of b's security group: a's
// packets are dropped at b, by that group.
func (m *model) emptyGroup(dv *intent.View, a, b *intent.Endpoint) {
	if b.VPC == "" {
		return
	}
	v := change(dv, b.Instance, func(e *cloud.EndState) {
		for i := range e.Groups {
			e.Groups[i].Ingress = nil
		}
	})
	p := m.trace(a.Name, b.Name, tcp5432, v)
	if p.Reachable || p.Block.Hop != b.Name || p.Block.Kind != intent.StepFilter || !strings.Contains(p.Reason, "admits nothing") {
		m.t.Errorf("%s: %s -> %s with %s's group emptied: reachable %v, block %+v, %s", m.label, a.Name, b.Name, b.Name, p.Reachable, p.Block, p.Reason)
	}
}

// allowAll adds an allow of everything to every security group, ACL and
// NSG (at priority 50, before the others):
// no pair that reached stops reaching (more allowed never blocks more).
func (m *model) allowAll(dv *intent.View) {
	all := cloud.Rule{Protocol: cloud.ProtocolAll, Source: netip.MustParsePrefix("0.0.0.0/0")}
	v := dv
	for k := range dv.Ends {
		v = change(v, k, func(e *cloud.EndState) {
			for i := range e.Groups {
				e.Groups[i].Ingress = append(slices.Clone(e.Groups[i].Ingress), cloud.RuleState{Rule: all})
			}
			if e.ACL != nil {
				e.ACL.Inbound = append(e.ACL.Inbound, cloud.ACLEntry{Number: 2, Allow: true, Rule: all})
			}
			for i := range e.NSGs {
				for _, in := range []bool{true, false} {
					e.NSGs[i].Rules = append(e.NSGs[i].Rules, cloud.NSGRule{Name: "allow-all", Priority: 50, Inbound: in, Allow: true,
						Protocol: cloud.ProtocolAll, Source: cloud.NSGAddresses{Any: true}, Dest: cloud.NSGAddresses{Any: true}})
				}
			}
		})
	}
	for _, a := range m.p.Endpoints {
		for _, b := range m.p.Endpoints {
			if a.Name != b.Name && m.trace(a.Name, b.Name, tcp5432, dv).Reachable && !m.trace(a.Name, b.Name, tcp5432, v).Reachable {
				m.t.Errorf("%s: %s -> %s stops reaching when everything is allowed", m.label, a.Name, b.Name)
			}
		}
	}
}

// approvals checks, for each site prefix a manual transit holds back, that
// a path to it is blocked by the pending approval, naming the prefix,
// and not once it is approved.
func (m *model) approvals(top *topologies.Topology) {
	dv := m.p.DesiredView(m.approved, m.addr)
	for _, s := range m.p.Endpoints {
		if s.Site == "" {
			continue
		}
		for _, a := range m.p.Endpoints {
			if a.Site == s.Site {
				continue
			}
			p := m.trace(a.Name, s.Name, intent.Echo, dv)
			if p.Reachable || p.Block.Action != intent.ActionPending {
				continue
			}
			if !strings.Contains(p.Block.Rule, s.Prefix.String()) && !strings.Contains(p.Reason, s.Prefix.String()) {
				continue // the other end's prefix is the pending one
			}
			appr := maps.Clone(m.approved)
			for _, x := range top.Cloud.Sites {
				if x.Name == s.Site {
					tr := x.Connection.Transit
					appr[tr] = append(slices.Clone(appr[tr]), topologies.ApprovedRoute{Site: s.Site, Prefix: s.Prefix})
				}
			}
			q := m.trace(a.Name, s.Name, intent.Echo, m.p.DesiredView(appr, m.addr))
			if !q.Reachable && q.Block.Action == intent.ActionPending && strings.Contains(q.Block.Rule, s.Prefix.String()) {
				m.t.Errorf("%s: %s -> %s still pending on %s once approved", m.label, a.Name, s.Name, s.Prefix)
			}
		}
	}
}

// denyNSG puts into b's NSG (Azure) or its network's firewall rules
// (GCP) an inbound deny of a's address: at priority 99, before the
// allows from 100 up (Azure), or at the allows' 1000, where a deny wins
// (GCP); then empties b's allows. Each blocks a's packets at b, by that
// rule, then by the NSG's own deny.
// Azure: https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview#security-rules
// GCP: https://cloud.google.com/firewall/docs/firewalls#priority_order_for_firewall_rules
func (m *model) denyNSG(dv *intent.View, a, b *intent.Endpoint) {
	g := dv.Ends[b.Instance].NSGs[0]
	prio := int32(99)
	if g.Level == cloud.NSGNetwork {
		prio = 1000
	}
	src := m.addrOf(dv, a)
	deny := cloud.NSGRule{Name: "deny-model", Priority: prio, Inbound: true, Protocol: cloud.ProtocolAll,
		Source: cloud.NSGAddresses{Prefixes: []netip.Prefix{netip.PrefixFrom(src, 32)}}, Dest: cloud.NSGAddresses{Any: true}}
	v := change(dv, b.Instance, func(e *cloud.EndState) { e.NSGs[0].Rules = append(e.NSGs[0].Rules, deny) })
	p := m.trace(a.Name, b.Name, tcp5432, v)
	if p.Reachable || p.Block.Hop != b.Name || p.Block.Object != g.ID || !strings.Contains(p.Block.Rule, "deny-model") {
		m.t.Errorf("%s: %s -> %s with %s denying %s at %d: reachable %v, block %+v, %s", m.label, a.Name, b.Name, g.ID, src, prio, p.Reachable, p.Block, p.Reason)
	}
	v = change(dv, b.Instance, func(e *cloud.EndState) {
		e.NSGs[0].Rules = slices.DeleteFunc(e.NSGs[0].Rules, func(r cloud.NSGRule) bool { return r.Inbound && r.Allow && !r.Default })
	})
	p = m.trace(a.Name, b.Name, tcp5432, v)
	want := map[string]string{cloud.NSGInterface: "deny-other-inbound (4096)", cloud.NSGNetwork: "implied-deny-ingress (65535, default)"}[g.Level]
	if p.Reachable || p.Block.Hop != b.Name || !strings.Contains(p.Block.Rule, want) {
		m.t.Errorf("%s: %s -> %s with %s's allows removed: reachable %v, block %+v, %s; want %s", m.label, a.Name, b.Name, g.ID, p.Reachable, p.Block, p.Reason, want)
	}
}
