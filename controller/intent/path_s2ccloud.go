package intent

import (
	"fmt"
	"net/netip"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// mappedCloud is the cloud's side of a mapped flow across a site2cloud
// connection that a spoke's gateways hold (cloud-gateway): the workload
// of the spoke's VPC at the flow's cloud end with its end as the cloud
// says it, the spoke's active gateway with its end, and the site's host
// as the workload sees it (at its virtual address). Between the gateway
// and the workload the packet crosses the VPC as any other: the
// workload's security groups (or NSGs, firewall rules), its subnet's
// network ACL, and its subnet's route table, which must send the
// site's virtual prefix back to a gateway of the spoke.
type mappedCloud struct {
	t    *tracer
	f    *MappedFlow
	w    *Endpoint // nil: no workload holds the flow's real destination
	we   cloud.EndState
	gw   string
	ge   cloud.EndState
	peer *Endpoint
}

// mappedCloud is the cloud's side of f, or nil when gateway nodes hold
// its connection.
func (t *tracer) mappedCloud(f *MappedFlow, gw string) *mappedCloud {
	if !f.Conn.InCloud() {
		return nil
	}
	m := &mappedCloud{t: t, f: f, gw: gw, ge: t.v.Ends[gw]}
	if f.FromSite {
		m.w = t.p.Endpoint(f.DstNode)
		m.peer = &Endpoint{Name: t.path.From, Address: f.SeenSrc}
	} else {
		m.w = t.p.Endpoint(t.path.From)
		m.peer = &Endpoint{Name: t.path.To, Address: f.Dst}
	}
	if m.w != nil {
		m.we = t.v.Ends[m.w.Instance]
	}
	return m
}

// table names the route table of the workload's subnet.
func (m *mappedCloud) table() string {
	if m.we.Table.ID != "" {
		return m.we.Table.ID
	}
	return "route table of " + subnetNode(m.w, m.we)
}

// in walks the translated request from the gateway to the workload:
// the subnets' network ACLs, then the workload's inbound rules, which
// see the site's host at its virtual address.
func (m *mappedCloud) in() bool {
	t, f := m.t, m.f
	if m.w == nil {
		return t.block(Step{Kind: StepRoute, Object: m.gw, Rule: "no instance at " + f.RealDst.String(), Action: ActionMissing,
			Detail: fmt.Sprintf("spoke %s's VPC holds no workload at %s", f.Conn.CloudGateway, f.RealDst)},
			fmt.Sprintf("no route: no workload of spoke %s's VPC has the address %s (%s translated)", f.Conn.CloudGateway, f.RealDst, f.Dst))
	}
	t.step(Step{Kind: StepRoute, Object: m.gw, Action: ActionForward, Detail: fmt.Sprintf("%s is in its VPC %s", f.RealDst, m.w.VPC)})
	pk := t.request(f.SeenSrc, f.RealDst)
	t.hop(subnetNode(m.w, m.we), HopSubnet)
	if !t.cross(m.ge, m.we, pk) {
		return false
	}
	t.hop(m.w.Name, HopInstance)
	return t.groupsIn(m.peer, m.w, m.we, pk)
}

// backOut walks the workload's reply to the site's virtual address out
// of its subnet: the route table to the spoke's gateway, the ACLs.
func (m *mappedCloud) backOut() bool {
	t, f := m.t, m.f
	t.hop(subnetNode(m.w, m.we), HopSubnet)
	if !m.route(f.SeenSrc) {
		return false
	}
	return t.cross(m.we, m.ge, t.reply(f.SeenSrc, f.RealDst))
}

// out walks the workload's request to a site's virtual address to the
// spoke's gateway: its outbound rules, its subnet's route, the ACLs.
func (m *mappedCloud) out() bool {
	t, f := m.t, m.f
	pk := t.request(f.Src, f.Dst)
	t.hop(m.w.Name, HopInstance)
	if !t.groupsOut(m.w, m.peer, m.we, pk) {
		return false
	}
	t.hop(subnetNode(m.w, m.we), HopSubnet)
	if !m.route(f.Dst) {
		return false
	}
	return t.cross(m.we, m.ge, pk)
}

// backIn walks the reply, translated back by the gateway, to the
// workload: the ACLs (its security groups are stateful).
func (m *mappedCloud) backIn() bool {
	t, f := m.t, m.f
	t.step(Step{Kind: StepRoute, Object: m.gw, Action: ActionForward, Detail: fmt.Sprintf("%s is in its VPC %s", f.Src, m.w.VPC)})
	t.hop(subnetNode(m.w, m.we), HopSubnet)
	if !t.cross(m.ge, m.we, t.reply(f.Src, f.Dst)) {
		return false
	}
	t.hop(m.w.Name, HopInstance)
	t.step(Step{Kind: StepRoute, Object: m.w.Name, Action: ActionForward, Detail: fmt.Sprintf("the reply from %s", f.Dst)})
	return true
}

// route looks a site's virtual address up in the workload's subnet's
// route table: the controller routes each mapped connection's site
// virtual prefixes to the spoke's active gateway (the HA one when the
// first fails); a table that sends it elsewhere, or nowhere, blocks.
func (m *mappedCloud) route(dst netip.Addr) bool {
	t, f := m.t, m.f
	virt := f.Mapping.SiteVirtual
	if t.v.Intended {
		t.step(Step{Kind: StepRoute, Object: m.table(), Rule: fmt.Sprintf("%s -> %s", virt, m.gw), Action: ActionForward,
			Detail: fmt.Sprintf("site2cloud %s's virtual prefix, to spoke gateway %s", f.Conn.Name, m.gw)})
		return true
	}
	best := m.we.Table.Lookup(dst)
	if best == nil {
		return t.block(Step{Kind: StepRoute, Object: m.table(), Rule: "no route to " + dst.String(), Action: ActionMissing},
			fmt.Sprintf("no route: route table %s of %s's subnet has no route to %s (site2cloud %s's virtual prefix %s)", m.table(), m.w.Name, dst, f.Conn.Name, virt))
	}
	rule := fmt.Sprintf("%s -> %s", best.Destination, best.Target)
	if k := t.v.Gateways[best.Target]; best.Kind == cloud.RouteInstance && k != "" {
		if g := t.p.Gateway(k); g != nil && g.Group == f.Conn.CloudGateway {
			t.step(Step{Kind: StepRoute, Object: m.table(), Rule: rule, Action: ActionForward, Detail: fmt.Sprintf("to spoke gateway %s (site2cloud %s)", k, f.Conn.Name)})
			return true
		}
	}
	what := fmt.Sprintf("sends %s to %s (%s), not to a gateway of spoke %s, which holds site2cloud %s", dst, best.Target, best.Kind, f.Conn.CloudGateway, f.Conn.Name)
	return t.block(Step{Kind: StepRoute, Object: m.table(), Rule: rule, Action: ActionDeny, Detail: what},
		fmt.Sprintf("no route: route table %s of %s's subnet %s", m.table(), m.w.Name, what))
}
