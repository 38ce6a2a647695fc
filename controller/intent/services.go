package intent

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/dataplane/egress"
	"github.com/mcnlab/mcnlab/topologies"
)

// ServiceVerdict is what a security service is to do with one probe,
// derived from the intent alone: the rows the reachability matrix adds
// for the FQDN egress gateways, the FireNet firewalls, GuardDuty
// enforcement and the mapped site2cloud connections.
type ServiceVerdict struct {
	// Service is "fqdn-egress", "firenet", "guardduty" or "site2cloud"
	// (To is then the virtual address pinged).
	Service string `json:"service"`
	// From and To are endpoint or internet host names; Probe what is
	// sent ("https://api.example.com", "tcp/22", "tcp/80").
	From  string `json:"from"`
	To    string `json:"to"`
	Probe string `json:"probe"`
	// Allow is the expected verdict; Reason names the rule or the policy
	// that makes it.
	Allow  bool   `json:"allow"`
	Reason string `json:"reason"`
}

// ServiceVerdicts lists the services' expected verdicts: per egress
// gateway, HTTPS from each workload of its private subnets to every name
// the internet's hosts serve; per FireNet with inspected pairs, ICMP and
// each rule's port from a workload of one inspected domain to one of the
// other; per FireNet with egress, those and HTTP from a workload of each
// egress domain to each internet server; per account with GuardDuty, tcp/80 from each internet client to
// each public workload; per mapped site2cloud connection, ICMP between
// its site's hosts and the virtual addresses of the hosts or workloads
// behind its gateways, both ways (s2cVerdicts).
func (p *Plan) ServiceVerdicts() []ServiceVerdict {
	var out []ServiceVerdict
	out = append(out, p.egressVerdicts()...)
	out = append(out, p.fireNetVerdicts()...)
	out = append(out, p.guardDutyVerdicts()...)
	return append(out, p.s2cVerdicts()...)
}

// egressVerdicts are the egress gateways' decisions on HTTPS by name.
func (p *Plan) egressVerdicts() []ServiceVerdict {
	var out []ServiceVerdict
	in := p.Topology.Internet
	if in == nil {
		return nil
	}
	for _, g := range p.EgressGateways() {
		pol, err := g.EgressConfig().Policy()
		if err != nil {
			continue
		}
		private := p.Topology.Cloud.EgressSubnets(g.VPC)
		for _, w := range g.VPC.Workloads {
			if !slices.Contains(private, w.Subnet) {
				continue
			}
			src := w.Address
			if !src.IsValid() {
				src = p.subnetAddr(g.VPC, w.Subnet)
			}
			for _, h := range in.Hosts {
				for _, name := range h.Names {
					d := pol.Decide(src, egress.ProtoTCP, 443, name)
					why := "base " + pol.Base.String()
					switch {
					case d.Rule == egress.RuleUnfiltered:
						why = "no tag applies to " + w.Name
					case d.Tag != "":
						why = d.Tag + ": " + d.Rule
					}
					out = append(out, ServiceVerdict{Service: "fqdn-egress", From: w.Name, To: h.Name, Probe: "https://" + name,
						Allow: d.Verdict == egress.Allow, Reason: fmt.Sprintf("egress gateway %s: %s", g.Key, why)})
				}
			}
		}
	}
	return out
}

// subnetAddr is an address of subnet s of v: where the cloud picks a
// workload's address when it has none fixed.
func (p *Plan) subnetAddr(v *topologies.VPC, s string) netip.Addr {
	for _, sub := range v.Subnets {
		if sub.Name == s {
			return sub.CIDR.Masked().Addr().Next().Next().Next().Next()
		}
	}
	return netip.Addr{}
}

// fireNetVerdicts are the firewalls' decisions between the inspected
// domains: ICMP and each rule's port, first match wins, then the default.
func (p *Plan) fireNetVerdicts() []ServiceVerdict {
	var out []ServiceVerdict
	for _, tr := range p.Topology.Cloud.Transits {
		f := tr.FireNet
		if f == nil {
			continue
		}
		var fws []string
		for _, fw := range f.Firewalls {
			fws = append(fws, fw.Name)
		}
		probes := []topologies.FirewallRule{{Protocol: topologies.ProtoICMP}}
		for _, r := range f.Rules {
			if r.Port != 0 && !slices.ContainsFunc(probes, func(q topologies.FirewallRule) bool { return q.Protocol == r.Protocol && q.Port == r.Port }) {
				probes = append(probes, topologies.FirewallRule{Protocol: r.Protocol, Port: r.Port})
			}
		}
		out = append(out, p.fireNetEgressVerdicts(tr, fws, probes)...)
		for _, pr := range f.Inspect {
			a, b := p.domainWorkload(pr.A), p.domainWorkload(pr.B)
			if a == nil || b == nil {
				continue
			}
			for _, probe := range probes {
				allow, why := fireNetDecide(f, probe, a.Address, b.Address)
				out = append(out, ServiceVerdict{Service: "firenet", From: a.Name, To: b.Name, Probe: probeName(probe), Allow: allow,
					Reason: fmt.Sprintf("FireNet of transit %s (firewalls %s, %s hash): %s", tr.Name, strings.Join(fws, ", "), f.Hash, why)})
			}
		}
	}
	return out
}

// fireNetEgressVerdicts are the firewalls' decisions on internet egress
// from each egress domain's first workload to each internet server: the
// east-west probes and HTTP (tcp/80), first match wins, then the default;
// what passes leaves with the source address of the firewall's elastic
// IP.
func (p *Plan) fireNetEgressVerdicts(tr *topologies.Transit, fws []string, probes []topologies.FirewallRule) []ServiceVerdict {
	f, in := tr.FireNet, p.Topology.Internet
	if !f.Egress || in == nil {
		return nil
	}
	if !slices.ContainsFunc(probes, func(q topologies.FirewallRule) bool { return q.Protocol == topologies.ProtoTCP && q.Port == 80 }) {
		probes = append(slices.Clone(probes), topologies.FirewallRule{Protocol: topologies.ProtoTCP, Port: 80})
	}
	var out []ServiceVerdict
	for _, d := range f.EgressFrom() {
		a := p.domainWorkload(d)
		if a == nil {
			continue
		}
		for _, h := range in.Hosts {
			if h.Role == topologies.RoleClient {
				continue
			}
			for _, probe := range probes {
				allow, why := fireNetDecide(f, probe, a.Address, h.Address)
				if allow {
					why += "; it leaves with the source address of the firewall's elastic IP"
				}
				out = append(out, ServiceVerdict{Service: "firenet", From: a.Name, To: h.Name, Probe: probeName(probe), Allow: allow,
					Reason: fmt.Sprintf("FireNet egress of transit %s (firewalls %s, %s hash): %s", tr.Name, strings.Join(fws, ", "), f.Hash, why)})
			}
		}
	}
	return out
}

// probeName names a probe: "icmp", "tcp/22".
func probeName(probe topologies.FirewallRule) string {
	if probe.Port != 0 {
		return fmt.Sprintf("%s/%d", probe.Protocol, probe.Port)
	}
	return string(probe.Protocol)
}

// domainWorkload is the first workload endpoint of domain d with a fixed
// address, or nil.
func (p *Plan) domainWorkload(d string) *Endpoint {
	for i := range p.Endpoints {
		e := &p.Endpoints[i]
		if e.VPC != "" && e.Address.IsValid() && p.DomainOf(e) == d {
			return e
		}
	}
	return nil
}

// fireNetDecide is the firewalls' verdict on a new flow of probe's
// protocol and port from src to dst: the first rule that matches, then
// the default.
func fireNetDecide(f *topologies.FireNet, probe topologies.FirewallRule, src, dst netip.Addr) (bool, string) {
	for i, r := range f.Rules {
		if r.Protocol != topologies.ProtoAny && r.Protocol != probe.Protocol || r.Port != 0 && r.Port != probe.Port ||
			r.From.IsValid() && !r.From.Contains(src) || r.To.IsValid() && !r.To.Contains(dst) {
			continue
		}
		port := ""
		if r.Port != 0 {
			port = fmt.Sprintf(" port %d", r.Port)
		}
		return r.Action == topologies.FirewallAllow, fmt.Sprintf("rule %d (%s %s%s)", i+1, r.Action, r.Protocol, port)
	}
	return f.Default != topologies.FirewallDeny, "default " + string(f.Default)
}

// guardDutyVerdicts are GuardDuty enforcement's verdicts on the internet's
// clients probing each public workload of an account with GuardDuty.
func (p *Plan) guardDutyVerdicts() []ServiceVerdict {
	var out []ServiceVerdict
	in := p.Topology.Internet
	if in == nil {
		return nil
	}
	for _, a := range p.Topology.Cloud.Accounts {
		g := a.GuardDuty
		if g == nil {
			continue
		}
		threats, exclude := p.Topology.ResolveThreats(g.Threats), p.Topology.ResolveThreats(g.Exclude)
		for _, v := range p.Topology.Cloud.VPCs {
			if v.Account != a.Name {
				continue
			}
			for _, w := range v.Workloads {
				if !w.Public {
					continue
				}
				for _, h := range in.Hosts {
					if h.Role != topologies.RoleClient {
						continue
					}
					sv := ServiceVerdict{Service: "guardduty", From: h.Name, To: w.Name, Probe: "tcp/80", Allow: true,
						Reason: fmt.Sprintf("account %s: %s is not on the threat list", a.Name, h.Name)}
					switch listed, excluded := containsAddr(threats, h.Address), containsAddr(exclude, h.Address); {
					case listed && excluded:
						sv.Reason = fmt.Sprintf("account %s: %s is on the threat list but excluded: a finding, never a block", a.Name, h.Name)
					case listed && g.Enforce:
						sv.Allow = false
						where := w.Name + "'s network ACL"
						if v.Protected(w.Subnet) {
							where += " and at Public Subnet Filtering gateway " + v.PSF.Gateway
						}
						sv.Reason = fmt.Sprintf("account %s: %s is on the threat list: its first flow raises a finding and the controller blocks it in %s within the poll interval (%s)",
							a.Name, h.Name, where, pollOf(g))
					case listed:
						sv.Reason = fmt.Sprintf("account %s: %s is on the threat list: a finding, no block (enforce is off)", a.Name, h.Name)
					}
					out = append(out, sv)
				}
			}
		}
	}
	return out
}

func pollOf(g *topologies.GuardDuty) string {
	if g.Poll == 0 {
		return topologies.DefaultGuardDutyPoll.String()
	}
	return g.Poll.String()
}

func containsAddr(ps []netip.Prefix, a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
