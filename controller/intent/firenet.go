package intent

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/dataplane/fwmgmt"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/topologies"
)

// FireNet: a transit's firewalls are cloud instances in the transit's
// subnet (so its gateways reach each one directly, on the link they reach
// the subnet on), launched with the firewall image and the source/
// destination check off; the controller pushes each its rules (fwmgmt)
// and gives the transit's gateways their FireNet configuration (the same
// firewall order, seed and bases on both gateways of an HA pair, so they
// choose alike). What a firewall passes it sends to its subnet's router,
// whose route table sends the inspected domains' prefixes to the transit
// gateway (FireNetRoutes): the gateway then routes it on, unsteered, as
// it came back on a firewall link. (The replies of FireNet egress go
// straight back to the gateway that sent each flow instead:
// firewallEgressConfig.)

// FireNetLink is the gateway interface the firewalls are reached on: a
// cloud gateway's one interface, in its subnet.
const FireNetLink = "eth0"

// Firewall is one firewall instance of a transit's FireNet.
type Firewall struct {
	Key     string // its instance's key: the topology's firewall name
	Transit string
	*topologies.Firewall
}

// Firewalls lists every firewall of the topology, transit by transit, in
// file order.
func (p *Plan) Firewalls() []Firewall {
	var out []Firewall
	for _, tr := range p.Topology.Cloud.Transits {
		if tr.FireNet == nil {
			continue
		}
		for _, fw := range tr.FireNet.Firewalls {
			out = append(out, Firewall{Key: fw.Name, Transit: tr.Name, Firewall: fw})
		}
	}
	return out
}

// firewalls adds transit tr's firewall instances to its account's desired
// state: in the transit's subnet, in its gateways' security group (which
// admits every prefix of the topology), forwarding.
func (dc *desiredCompiler) firewalls(tr *topologies.Transit) {
	if tr.FireNet == nil {
		return
	}
	var account string
	for _, v := range dc.p.Topology.Cloud.VPCs {
		if v.Name == tr.VPC {
			account = v.Account
		}
	}
	d := &dc.p.Accounts[dc.byName[account]].Desired
	egress := dc.firewallEgress(d, tr)
	oneArmed := tr.FireNet.Egress && dc.p.oneArmedEgress(tr)
	for _, fw := range tr.FireNet.Firewalls {
		d.Instances = append(d.Instances, cloud.Instance{Key: fw.Name, VPC: tr.VPC, Subnet: SubnetKey(tr.VPC, tr.Subnet),
			PrivateIP: fw.Address, Image: cloud.ImageFirewall, SecurityGroups: []string{GatewayGroupKey(tr.VPC)},
			Interfaces: slices.Clone(egress), PublicIP: oneArmed})
	}
}

// FirewallConfigs are the policies of the firewalls, by instance key:
// their transit's rules, named by position from 1, and each firewall's
// engine; an l7 firewall's squid resolves through the transit VPC's
// resolver, as the instances do. instances are the live instances by key
// (the egress's gateways come from them).
func (p *Plan) FirewallConfigs(instances map[string]cloud.InstanceInfo) map[string]fwmgmt.Config {
	out := map[string]fwmgmt.Config{}
	for _, tr := range p.Topology.Cloud.Transits {
		f := tr.FireNet
		if f == nil {
			continue
		}
		cfg := fwmgmt.Config{Rules: []fwmgmt.Rule{}, Default: string(f.Default), Egress: p.firewallEgressConfig(tr, instances)}
		if cfg.Default == "" {
			cfg.Default = string(topologies.FirewallAllow)
		}
		for i, r := range f.Rules {
			proto := string(r.Protocol)
			if proto == string(topologies.ProtoAny) {
				proto = ""
			}
			cfg.Rules = append(cfg.Rules, fwmgmt.Rule{Name: fmt.Sprint(i + 1), Action: string(r.Action), Protocol: proto,
				Src: r.From, Dst: r.To, DstPort: uint16(r.Port), Host: r.Host, Path: r.Path, SNI: r.SNI})
		}
		for _, fw := range f.Firewalls {
			c := cfg
			if f.EngineOf(fw) == topologies.EngineL7 {
				c.EngineName = fwmgmt.EngineL7
				c.Resolvers = p.vpcResolver(tr.VPC)
			}
			out[fw.Name] = c
		}
	}
	return out
}

// vpcResolver is the address of VPC vpc's resolver, as its cloud has it
// (cloudResolver: on AWS its CIDR's base plus two).
func (p *Plan) vpcResolver(vpc string) []netip.Addr {
	for _, v := range p.Topology.Cloud.VPCs {
		if v.Name == vpc && v.CIDR.IsValid() {
			return []netip.Addr{cloudResolver(p.providerOf(vpc), v.CIDR)}
		}
	}
	return nil
}

// fireNet is gateway g's FireNet configuration: nil unless g is a gateway
// of a transit with firewalls, all of whose instances are known. Both
// gateways of a pair get the same firewalls in the same order, and the
// defaults of seed, marks and tables.
func (p *Plan) fireNet(g *Gateway, l Live) *mgmt.FireNet {
	if g == nil || g.Role != RoleTransit {
		return nil
	}
	var tr *topologies.Transit
	for _, t := range p.Topology.Cloud.Transits {
		if t.Name == g.Group {
			tr = t
		}
	}
	if tr == nil || tr.FireNet == nil {
		return nil
	}
	f := tr.FireNet
	w := &mgmt.FireNet{Hash: string(f.Hash), Egress: f.Egress, Firewalls: []mgmt.Firewall{}}
	if w.Hash == "" {
		w.Hash = string(topologies.HashFiveTuple)
	}
	for _, fw := range f.Firewalls {
		in, ok := l.Instances[fw.Name]
		if !ok || !in.PrivateIP.IsValid() {
			return nil
		}
		w.Firewalls = append(w.Firewalls, mgmt.Firewall{Name: fw.Name, Address: in.PrivateIP, Link: FireNetLink})
	}
	if seg := p.segmentation(); seg != nil {
		for _, d := range seg.Domains {
			w.Domains = append(w.Domains, mgmt.Domain{Name: d.Name, Prefixes: slices.Clone(d.Prefixes)})
		}
	}
	for _, pr := range f.Inspect {
		w.Pairs = append(w.Pairs, [2]string{pr.A, pr.B})
	}
	w.Exclude = p.fireNetExclude(g, tr, l)
	p.fireNetEgress(w, tr)
	return w
}

// fireNetExclude are the destinations a transit gateway never steers: its
// VPC's range (the gateways' and firewalls' own addresses, the health
// probes), the gateways' public addresses, and the inner addresses of its
// tunnels and overlays.
func (p *Plan) fireNetExclude(g *Gateway, tr *topologies.Transit, l Live) []netip.Prefix {
	var out []netip.Prefix
	for _, v := range p.Topology.Cloud.VPCs {
		if v.Name == tr.VPC {
			out = append(out, v.CIDR.Masked())
		}
	}
	for _, o := range p.GatewaysOf(tr.Name) {
		if in, ok := l.Instances[o.Key]; ok && in.PublicIP.IsValid() {
			out = append(out, netip.PrefixFrom(in.PublicIP, 32))
		}
	}
	for _, t := range p.Tunnels {
		if t.A == g.Key || t.B == g.Key {
			out = append(out, t.Inner[0].Masked())
		}
	}
	for _, o := range p.Overlays {
		if o.Gateway == g.Key {
			out = append(out, o.Inner[0].Masked())
		}
	}
	slices.SortFunc(out, func(a, b netip.Prefix) int { return a.Compare(b) })
	return slices.Compact(out)
}

// FireNetRoutes are, per transit with inspected pairs or egress (by the
// key of the transit's subnet), the prefixes of the inspected and egress
// domains that the subnet's route table sends to a transit gateway: the
// way back from the firewalls.
func (p *Plan) FireNetRoutes() map[string][]netip.Prefix {
	out := map[string][]netip.Prefix{}
	seg := p.segmentation()
	if seg == nil {
		return out
	}
	for _, tr := range p.Topology.Cloud.Transits {
		if tr.FireNet == nil || len(tr.FireNet.Inspect) == 0 && !tr.FireNet.Egress {
			continue
		}
		var ps []netip.Prefix
		for _, d := range seg.Domains {
			if tr.FireNet.Inspects(d.Name) || slices.Contains(tr.FireNet.EgressFrom(), d.Name) {
				ps = append(ps, d.Prefixes...)
			}
		}
		slices.SortFunc(ps, func(a, b netip.Prefix) int { return a.Compare(b) })
		out[SubnetKey(tr.VPC, tr.Subnet)] = slices.Compact(ps)
	}
	return out
}
