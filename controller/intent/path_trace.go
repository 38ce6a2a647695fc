package intent

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/topologies"
)

// tracer walks one flow's path through a view, hop by hop, stopping at
// the first step that blocks.
type tracer struct {
	p    *Plan
	v    *View
	f    Flow
	path *Path
	ret  bool // on the reply's way back
}

// Trace is FlightPath's engine: it walks the flow f from endpoint from to
// endpoint to through what the view says (the cloud's security groups,
// network ACLs and route tables at both ends; the platform's gateways,
// route approvals and domain policy between them), and the reply back,
// and returns every hop with the steps it applied, the verdict, and the
// first step that blocks. To may name an internet host or a DNS name it
// serves: the flow then leaves by the workload's VPC's FQDN egress
// gateway (toInternet). From may be a host node behind a mapped
// site2cloud connection, or a workload of the VPC of a spoke whose
// gateways hold one, and to the other side's virtual address, host or
// workload (traceMapped). Security groups are stateful (a reply passes);
// network ACLs are not, so the reply is filtered too
// (AWS: https://docs.aws.amazon.com/vpc/latest/userguide/infrastructure-security.html#VPC_Security_Comparison).
func (p *Plan) Trace(from, to string, f Flow, v *View) Path {
	t := &tracer{p: p, v: v, f: f, path: &Path{From: from, To: to, Flow: f.String(), Hops: []Hop{}}}
	a, b := p.Endpoint(from), p.Endpoint(to)
	if a != nil && b == nil {
		if h, name := p.InternetDestination(to); h != nil {
			t.path.Reachable = t.toInternet(a, h, name)
			return *t.path
		}
	}
	if a == nil || b == nil {
		if mf := p.MappedFlow(from, to); mf != nil {
			t.path.Reachable = t.traceMapped(from, mf)
			return *t.path
		}
	}
	if a == nil || b == nil {
		t.path.Reason = "unknown endpoint"
		return *t.path
	}
	t.path.Reachable = t.forward(a, b) && t.back(a, b)
	return *t.path
}

// hop starts a hop on the current way (the request's or the reply's).
func (t *tracer) hop(node, kind string) {
	h := Hop{Node: node, Kind: kind, Steps: []Step{}}
	if t.ret {
		t.path.Return = append(t.path.Return, h)
	} else {
		t.path.Hops = append(t.path.Hops, h)
	}
}

// step adds a step to the current hop.
func (t *tracer) step(s Step) {
	hs := &t.path.Hops
	if t.ret {
		hs = &t.path.Return
	}
	h := &(*hs)[len(*hs)-1]
	h.Steps = append(h.Steps, s)
}

// block adds the step that drops the packet, records it as the path's
// block with reason, and returns false.
func (t *tracer) block(s Step, reason string) bool {
	t.step(s)
	hs := t.path.Hops
	if t.ret {
		hs = t.path.Return
	}
	t.path.Block = &Block{Hop: hs[len(hs)-1].Node, Return: t.ret, Step: s}
	t.path.Reason = reason
	return false
}

// packet is what a filter sees.
type packet struct {
	src, dst netip.Addr
	proto    cloud.Protocol
	port     int32 // destination port; ephemeral for a reply
	icmp     int32 // ICMP type
}

// ephemeral stands for a reply's destination port: the client's
// ephemeral port, which a rule matches only when its range holds all of
// Linux's (net.ipv4.ip_local_port_range, 32768-60999).
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html
const ephemeral = -2

// request and reply are the flow's packets between two addresses.
func (t *tracer) request(src, dst netip.Addr) packet {
	return packet{src: src, dst: dst, proto: t.f.Protocol, port: t.f.Port, icmp: 8}
}

func (t *tracer) reply(src, dst netip.Addr) packet {
	return packet{src: dst, dst: src, proto: t.f.Protocol, port: ephemeral, icmp: 0}
}

// addr is an endpoint's address: the cloud's for a workload.
func (t *tracer) addr(e *Endpoint) netip.Addr {
	if e.VPC != "" {
		if a := t.v.Ends[e.Instance].Address; a.IsValid() {
			return a
		}
	}
	return e.Address
}

// gatewayEnd is the end of the first gateway of a spoke (or transit):
// its subnet's network ACL filters what crosses to it.
func (t *tracer) gatewayEnd(group string) (cloud.EndState, string) {
	for _, g := range t.p.GatewaysOf(group) {
		return t.v.Ends[g.Key], g.Key
	}
	return cloud.EndState{}, ""
}

// forward walks the request from a to b.
func (t *tracer) forward(a, b *Endpoint) bool {
	if a.Site != "" && a.Site == b.Site {
		t.hop(a.Site, HopSite)
		t.step(Step{Kind: StepRoute, Object: a.Site, Action: ActionForward, Detail: "the site router routes between its own LANs"})
		return true
	}
	src, dst := t.addr(a), t.addr(b)
	pk := t.request(src, dst)
	if a.VPC != "" {
		ea := t.v.Ends[a.Instance]
		t.hop(a.Name, HopInstance)
		if !t.groupsOut(a, b, ea, pk) {
			return false
		}
		t.hop(subnetNode(a, ea), HopSubnet)
		if !t.routeOut(a, b, ea, dst) {
			return false
		}
		if a.VPC == b.VPC {
			eb := t.v.Ends[b.Instance]
			if !t.cross(ea, eb, pk) {
				return false
			}
			t.hop(b.Name, HopInstance)
			return t.groupsIn(a, b, eb, pk)
		}
		if gw, _ := t.gatewayEnd(a.Spoke); !t.cross(ea, gw, pk) {
			return false
		}
	} else {
		t.hop(a.Site, HopSite)
		t.step(Step{Kind: StepRoute, Object: a.Site, Action: ActionForward, Detail: "learned from transit " + t.p.transitOf(a) + " over the site's connection"})
	}
	if !t.platform(a, b) {
		return false
	}
	if b.VPC == "" {
		t.hop(b.Site, HopSite)
		t.step(Step{Kind: StepRoute, Object: b.Site, Action: ActionForward, Detail: "delivered to the site's LAN " + b.Prefix.String()})
		return true
	}
	eb := t.v.Ends[b.Instance]
	t.hop(subnetNode(b, eb), HopSubnet)
	if gw, _ := t.gatewayEnd(b.Spoke); !t.cross(gw, eb, pk) {
		return false
	}
	t.hop(b.Name, HopInstance)
	return t.groupsIn(a, b, eb, pk)
}

// back walks the reply from b to a: b's route table must send it back the
// way it came, and the network ACLs it crosses must pass it.
func (t *tracer) back(a, b *Endpoint) bool {
	if a.Site != "" && a.Site == b.Site {
		return true
	}
	t.ret = true
	src, dst := t.addr(a), t.addr(b)
	pk := t.reply(src, dst)
	if b.VPC != "" {
		eb := t.v.Ends[b.Instance]
		t.hop(subnetNode(b, eb), HopSubnet)
		if !t.routeOut(b, a, eb, src) {
			return false
		}
		next, _ := t.gatewayEnd(b.Spoke)
		if a.VPC == b.VPC {
			next = t.v.Ends[a.Instance]
		}
		if !t.cross(eb, next, pk) {
			return false
		}
	}
	if a.VPC != "" && a.VPC != b.VPC {
		ea := t.v.Ends[a.Instance]
		t.hop(subnetNode(a, ea), HopSubnet)
		if gw, _ := t.gatewayEnd(a.Spoke); !t.cross(gw, ea, pk) {
			return false
		}
	}
	return true
}

// subnetNode names a workload's subnet hop: the subnet's ID, or its
// range in an intended view.
func subnetNode(e *Endpoint, es cloud.EndState) string {
	if es.Subnet != "" {
		return es.Subnet
	}
	return fmt.Sprintf("%s subnet %s", e.VPC, e.Subnet)
}

// platform walks the hops the platform owns: a's spoke gateway, the
// transits (route approval, peering, domain policy), b's spoke gateway.
func (t *tracer) platform(a, b *Endpoint) bool {
	ta, tb := t.p.transitOf(a), t.p.transitOf(b)
	if a.VPC != "" {
		_, k := t.gatewayEnd(a.Spoke)
		t.hop(k, HopSpoke)
		if ta == "" {
			return t.block(Step{Kind: StepRoute, Object: k, Action: ActionMissing, Detail: fmt.Sprintf("VPC %s is not a spoke of any transit", a.VPC)},
				fmt.Sprintf("no route: %s's VPC %s is not a spoke of any transit", a.Name, a.VPC))
		}
		t.step(Step{Kind: StepRoute, Object: k, Action: ActionForward, Detail: "to transit " + ta})
	}
	t.hop(ta, HopTransit)
	if s, why := t.p.routeWhy(a, b, t.v.Approved); why != "" {
		return t.block(s, "no route: "+why)
	}
	if r := t.p.domainPolicy(a, b); r != "" {
		da, db := t.p.DomainOf(a), t.p.DomainOf(b)
		return t.block(Step{Kind: StepPolicy, Object: "domain policy", Rule: fmt.Sprintf("%s -> %s: no connection", da, db), Action: ActionDeny, Detail: r},
			"domain policy: "+r)
	}
	if da, db := t.p.DomainOf(a), t.p.DomainOf(b); da != "" && db != "" {
		rule := fmt.Sprintf("connection %s <-> %s", da, db)
		if da == db {
			rule = "domain " + da
		}
		t.step(Step{Kind: StepPolicy, Object: "domain policy", Rule: rule, Action: ActionAllow})
	}
	if !t.fireNet(a, b, ta, tb) {
		return false
	}
	if tb != ta {
		t.step(Step{Kind: StepRoute, Object: ta, Action: ActionForward, Detail: "over the transit peering to " + tb})
		t.hop(tb, HopTransit)
	}
	dest := b.Site
	if b.VPC != "" {
		_, dest = t.gatewayEnd(b.Spoke)
	}
	t.step(Step{Kind: StepRoute, Object: tb, Action: ActionForward, Detail: fmt.Sprintf("%s via %s", b.Prefix, dest)})
	if b.VPC != "" {
		t.hop(dest, HopSpoke)
		t.step(Step{Kind: StepRoute, Object: dest, Action: ActionForward, Detail: fmt.Sprintf("%s is in its VPC %s", t.addr(b), b.VPC)})
	}
	return true
}

// fireNet steers the flow through the FireNet firewalls of the transit
// (a's, else b's) that inspects the two endpoints' domains, and applies
// their rules to it: the first that matches, then the default
// (fireNetDecide, as the firewalls decide).
func (t *tracer) fireNet(a, b *Endpoint, ta, tb string) bool {
	da, db := t.p.DomainOf(a), t.p.DomainOf(b)
	for _, tr := range t.p.Topology.Cloud.Transits {
		if tr.FireNet == nil || (tr.Name != ta && tr.Name != tb) || !slices.ContainsFunc(tr.FireNet.Inspect, func(c *topologies.DomainConnection) bool {
			return c != nil && (c.A == da && c.B == db || c.A == db && c.B == da)
		}) {
			continue
		}
		var fws []string
		for _, fw := range tr.FireNet.Firewalls {
			fws = append(fws, fw.Name)
		}
		node := fmt.Sprintf("FireNet of transit %s (firewalls %s)", tr.Name, strings.Join(fws, ", "))
		t.hop(node, HopFirewall)
		probe := topologies.FirewallRule{Protocol: topologies.ProtoICMP}
		if t.f.Protocol != cloud.ProtocolICMP {
			probe = topologies.FirewallRule{Protocol: topologies.FirewallProtocol(t.f.Protocol.String()), Port: int(t.f.Port)}
		}
		allow, why := fireNetDecide(tr.FireNet, probe, t.addr(a), t.addr(b))
		s := Step{Kind: StepFilter, Object: node, Rule: why, Action: ActionAllow, Detail: fmt.Sprintf("domains %s and %s are inspected", da, db)}
		if !allow {
			s.Action = ActionDeny
			return t.block(s, fmt.Sprintf("firewall: the FireNet of transit %s denies %s %s -> %s by %s", tr.Name, t.f, t.addr(a), t.addr(b), why))
		}
		t.step(s)
		t.hop(tr.Name, HopTransit)
		return true
	}
	return true
}
