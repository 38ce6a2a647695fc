package intent

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/dataplane/egress"
	"github.com/mcnlab/mcnlab/topologies"
)

// The hop kinds of a flow to the internet.
const (
	HopEgress   = "egress-gateway"
	HopInternet = "internet-host"
)

// ActionTranslate is the action of a NAT step: the packet's address was
// rewritten (Step.Rule says from what to what).
const ActionTranslate = "translate"

// InternetDestination returns the internet host that name n reaches (a
// host's name, or one of the DNS names it serves) and the DNS name a
// client asks for: n itself, or a host's first name. Nil when the
// topology has no such host.
func (p *Plan) InternetDestination(n string) (*topologies.InternetHost, string) {
	if p.Topology == nil || p.Topology.Internet == nil {
		return nil, ""
	}
	for _, h := range p.Topology.Internet.Hosts {
		switch {
		case h == nil:
		case slices.Contains(h.Names, n):
			return h, n
		case h.Name == n && len(h.Names) > 0:
			return h, h.Names[0]
		case h.Name == n:
			return h, ""
		}
	}
	return nil, ""
}

// egressOf returns the egress gateway whose VPC's route tables send
// workload e's subnet to it (Plan.EgressRoutes), or nil.
func (p *Plan) egressOf(e *Endpoint) *EgressGateway {
	for _, v := range p.Topology.Cloud.VPCs {
		if v == nil || v.Name != e.VPC {
			continue
		}
		for _, s := range v.Subnets {
			if s != nil && s.CIDR == e.Subnet {
				if r, ok := p.EgressRoutes()[SubnetKey(v.Name, s.Name)]; ok {
					return p.EgressGateway(r.Gateway)
				}
			}
		}
	}
	return nil
}

// toInternet walks a flow from workload a to internet host h by the DNS
// name: a's security groups, its subnet's default route to its VPC's
// egress gateway, the network ACLs between, the gateway's FQDN filter
// (the tag rule or base policy that decides name, proto and port, as
// egress.Policy.Decide decides it on the gateway), the gateway's source
// translation to its own address, and the reply back through the ACLs
// (the gateway and security groups are stateful).
// Aviatrix: https://docs.aviatrix.com/documentation/latest/security/fqdn-egress-filtering.html
func (t *tracer) toInternet(a *Endpoint, h *topologies.InternetHost, name string) bool {
	if a.VPC == "" {
		t.path.Reason = fmt.Sprintf("%s is a site host: only workloads reach the internet through an egress gateway", a.Name)
		return false
	}
	src, dst := t.addr(a), h.Address
	peer := &Endpoint{Name: h.Name, Address: dst}
	pk := t.request(src, dst)
	ea := t.v.Ends[a.Instance]
	t.hop(a.Name, HopInstance)
	if !t.groupsOut(a, peer, ea, pk) {
		return false
	}
	t.hop(subnetNode(a, ea), HopSubnet)
	g := t.p.egressOf(a)
	if !t.routeEgress(a, ea, g, dst) {
		return false
	}
	ge := t.v.Ends[g.Key]
	if !t.cross(ea, ge, pk) {
		return false
	}
	t.hop(g.Key, HopEgress)
	if !t.fqdnFilter(g, src, name) {
		return false
	}
	nat := "the gateway's elastic IP"
	if ge.Address.IsValid() {
		nat = fmt.Sprintf("%s's elastic IP (private %s)", g.Key, ge.Address)
	}
	t.step(Step{Kind: StepNAT, Object: g.Key, Rule: fmt.Sprintf("source %s -> %s", src, nat), Action: ActionTranslate,
		Detail: "the egress gateway replaces the VPC's NAT gateway: clients leave by its address"})
	if !t.v.Intended && len(ge.Table.Routes) > 0 {
		if r := ge.Table.Lookup(dst); r == nil || r.Kind != cloud.RouteInternet {
			what := "has no route to the internet"
			if r != nil {
				what = fmt.Sprintf("sends %s to %s (%s), not to the internet", dst, r.Target, r.Kind)
			}
			return t.block(Step{Kind: StepRoute, Object: ge.Table.ID, Rule: "no route to " + dst.String(), Action: ActionMissing, Detail: what},
				fmt.Sprintf("no route: route table %s of egress gateway %s's subnet %s", ge.Table.ID, g.Key, what))
		}
	}
	t.step(Step{Kind: StepRoute, Object: g.Key, Rule: "0.0.0.0/0 -> internet", Action: ActionForward, Detail: "by its public subnet's internet gateway"})
	t.hop(h.Name, HopInternet)
	t.step(Step{Kind: StepRoute, Object: h.Name, Action: ActionForward, Detail: fmt.Sprintf("%s serves %s", dst, name)})
	t.ret = true
	t.hop(subnetNode(a, ea), HopSubnet)
	return t.cross(ge, ea, t.reply(src, dst))
}

// routeEgress looks the internet address dst up in the route table of
// a's subnet: it must go to g, a's VPC's egress gateway.
func (t *tracer) routeEgress(a *Endpoint, ea cloud.EndState, g *EgressGateway, dst netip.Addr) bool {
	table := ea.Table.ID
	if table == "" {
		table = "route table of " + subnetNode(a, ea)
	}
	if g == nil {
		return t.block(Step{Kind: StepRoute, Object: table, Rule: "no route to " + dst.String(), Action: ActionMissing,
			Detail: fmt.Sprintf("VPC %s has no egress gateway for %s's subnet", a.VPC, a.Name)},
			fmt.Sprintf("no route: %s's subnet has no egress gateway, its only way to the internet", a.Name))
	}
	if t.v.Intended {
		t.step(Step{Kind: StepRoute, Object: table, Rule: "0.0.0.0/0 -> " + g.Key, Action: ActionForward, Detail: "to egress gateway " + g.Key})
		return true
	}
	best := ea.Table.Lookup(dst)
	if best == nil {
		return t.block(Step{Kind: StepRoute, Object: table, Rule: "no route to " + dst.String(), Action: ActionMissing},
			fmt.Sprintf("no route: route table %s of %s's subnet has no route to %s", table, a.Name, dst))
	}
	rule := fmt.Sprintf("%s -> %s", best.Destination, best.Target)
	if best.Kind == cloud.RouteInstance && t.v.Gateways[best.Target] == g.Key {
		t.step(Step{Kind: StepRoute, Object: table, Rule: rule, Action: ActionForward, Detail: "to egress gateway " + g.Key})
		return true
	}
	what := fmt.Sprintf("sends %s to %s (%s), not to egress gateway %s", dst, best.Target, best.Kind, g.Key)
	return t.block(Step{Kind: StepRoute, Object: table, Rule: rule, Action: ActionDeny, Detail: what},
		fmt.Sprintf("no route: route table %s of %s's subnet %s", table, a.Name, what))
}

// fqdnFilter applies egress gateway g's policy (the view's, else the
// topology's) to a connection from src to name on the flow's protocol and
// port.
func (t *tracer) fqdnFilter(g *EgressGateway, src netip.Addr, name string) bool {
	cfg, ok := t.v.Egress[g.Key]
	if !ok {
		cfg = g.EgressConfig()
	}
	pol, err := cfg.Policy()
	if err != nil {
		return t.block(Step{Kind: StepFilter, Object: g.Key, Rule: "policy", Action: ActionDeny, Detail: err.Error()},
			fmt.Sprintf("egress filter: %s holds a policy it refuses: %v", g.Key, err))
	}
	proto, port := egress.Proto(1), uint16(0)
	switch t.f.Protocol {
	case cloud.ProtocolTCP:
		proto, port = egress.ProtoTCP, uint16(t.f.Port)
	case cloud.ProtocolUDP:
		proto, port = egress.ProtoUDP, uint16(t.f.Port)
	}
	by := "on the addresses its rules' names resolve to"
	switch {
	case proto == egress.ProtoTCP && slices.Contains(cmpOr(pol.TLSPorts, 443), port):
		by = "on the TLS SNI"
	case proto == egress.ProtoTCP && slices.Contains(cmpOr(pol.HTTPPorts, 80), port):
		by = "on the HTTP Host"
	}
	d := pol.Decide(src, proto, port, name)
	rule := d.Rule
	if d.Tag != "" {
		rule = "tag " + d.Tag + ": " + d.Rule
	}
	s := Step{Kind: StepFilter, Object: g.Key, Rule: rule, Action: ActionAllow, Detail: fmt.Sprintf("%s to %s, decided %s", t.f, name, by)}
	if d.Verdict == egress.Deny {
		s.Action = ActionDeny
		return t.block(s, fmt.Sprintf("egress filter: %s denies %s from %s to %s by %s", g.Key, t.f, src, name, rule))
	}
	t.step(s)
	return true
}

// cmpOr is ps, or def alone when ps is nil (the filter's default ports).
func cmpOr(ps []uint16, def uint16) []uint16 {
	if ps == nil {
		return []uint16{def}
	}
	return ps
}
