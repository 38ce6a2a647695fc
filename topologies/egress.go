package topologies

import (
	"net/netip"
	"strings"

	"gopkg.in/yaml.v3"
)

// Egress: an FQDN egress gateway that replaces the NAT gateway of a VPC's
// private subnets. In YAML (see FORMAT.md):
//
//	vpcs:
//	  dev-vpc:
//	    ...
//	    subnets: {gw: 10.3.0.0/24, app: 10.3.1.0/24}
//	    egress:
//	      gateway: dev-egress
//	      subnet: gw
//	      private: [app]
//	      base: allow-list
//	      tags:
//	        dev:
//	          sources: [app]
//	          rules:
//	            - {fqdn: api.example.com, protocol: tcp, port: 443}
//	            - {fqdn: "*.example.com", action: allow}
//
// The gateway is an instance in the public subnet (whose route table then
// sends 0.0.0.0/0 to the internet), with an elastic IP; the private
// subnets' route tables send 0.0.0.0/0 to it. It lets a client out by the
// name each new connection asks for (TLS SNI, HTTP Host), or for other
// protocols by the addresses the rules' names resolve to, and translates
// the client's address to its own.
// Aviatrix: https://docs.aviatrix.com/documentation/latest/security/fqdn-egress-filtering.html — FQDN filtering on the egress gateway by tags of rules (domain, protocol, port) under a whitelist or blacklist base policy

// Egress is a VPC's FQDN egress gateway.
type Egress struct {
	// Gateway is the gateway instance's name, unique among the lab's
	// names.
	Gateway string
	// Subnet is the public subnet it is launched in (a subnet of the
	// VPC); Address its private address there (zero: the cloud's choice).
	Subnet  string
	Address netip.Addr
	// Private are the subnets whose default route points at the gateway;
	// nil means every subnet of the VPC but the gateway's and those of
	// transit or spoke gateways.
	Private []string
	// Base is the base policy (EgressAllowList when unset).
	Base EgressBase
	// Tags are the rule groups in file order.
	Tags []*EgressTag
	Pos  Pos
}

// EgressBase is what becomes of a connection that no rule names.
type EgressBase string

// The base policies.
const (
	// EgressAllowList lets out only what a rule allows (Aviatrix's
	// whitelist).
	EgressAllowList EgressBase = "allow-list"
	// EgressDenyList lets out all but what a rule denies (blacklist).
	EgressDenyList EgressBase = "deny-list"
)

// EgressTag is a named group of rules applied to clients by source.
type EgressTag struct {
	Name string
	// Sources are subnet names of the VPC or IPv4 prefixes; none means
	// the VPC's whole range.
	Sources []EgressSource
	Rules   []*EgressRule
	Pos     Pos
}

// EgressSource is a subnet of the VPC (by name) or a prefix.
type EgressSource struct {
	Subnet string
	Prefix netip.Prefix
}

// String is the source as the topology writes it.
func (s EgressSource) String() string {
	if s.Subnet != "" {
		return s.Subnet
	}
	return s.Prefix.String()
}

// EgressAction is what a rule does; EgressActionBase (unset) is the
// opposite of the base policy: allow in an allow-list, deny in a
// deny-list.
type EgressAction string

// The rule actions.
const (
	EgressActionBase  EgressAction = ""
	EgressActionAllow EgressAction = "allow"
	EgressActionDeny  EgressAction = "deny"
)

// EgressRule names destinations by FQDN.
type EgressRule struct {
	// FQDN is a lower-case name (api.example.com) or a wildcard
	// (*.example.com: every name below example.com).
	FQDN string
	// Protocol is ProtoAny (when unset), ProtoTCP or ProtoUDP; Port 0 is
	// every port.
	Protocol FirewallProtocol
	Port     int
	Action   EgressAction
	Pos      Pos
}

// egressValues are the valid values of the egress block's enumerations.
var (
	egressBases     = []string{string(EgressAllowList), string(EgressDenyList)}
	egressActions   = []string{string(EgressActionAllow), string(EgressActionDeny)}
	egressProtocols = []string{string(ProtoAny), string(ProtoTCP), string(ProtoUDP)}
)

// EgressSubnets returns the subnets whose default route goes to v's egress
// gateway: Private, or by default every subnet but the gateway's, the
// transit and spoke gateways' subnets and the PSF gateway's subnet and
// protected subnets. Nil when v has no egress.
func (c *Cloud) EgressSubnets(v *VPC) []string {
	if v == nil || v.Egress == nil {
		return nil
	}
	if v.Egress.Private != nil {
		return v.Egress.Private
	}
	gw := map[string]bool{v.Egress.Subnet: true}
	for _, tr := range c.Transits {
		if tr != nil && tr.VPC == v.Name {
			gw[tr.Subnet] = true
		}
	}
	for _, s := range c.Spokes {
		if s != nil && s.VPC == v.Name {
			gw[s.Subnet] = true
		}
	}
	var out []string
	for _, s := range v.Subnets {
		if s != nil && !gw[s.Name] && !v.Protected(s.Name) && (v.PSF == nil || v.PSF.Subnet != s.Name) {
			out = append(out, s.Name)
		}
	}
	return out
}

// egress decodes a VPC's egress block.
func (d *decoder) egress(n *yaml.Node, path string) *Egress {
	e := &Egress{Pos: posOf(n)}
	f := d.fields(n, path, "egress")
	if f == nil {
		return e
	}
	if v := f["gateway"]; v != nil {
		e.Gateway, _ = d.str(v, join(path, "gateway"))
	}
	if v := f["subnet"]; v != nil {
		e.Subnet, _ = d.str(v, join(path, "subnet"))
	}
	if v := f["address"]; v != nil {
		e.Address = d.address(v, join(path, "address"), "10.1.0.20")
	}
	if v := f["private"]; v != nil {
		e.Private = d.strings(v, join(path, "private"), "subnet names of the vpc, such as [app]")
	}
	if v := f["base"]; v != nil {
		s, _ := d.str(v, join(path, "base"))
		e.Base = EgressBase(s)
	}
	if v := f["tags"]; v != nil {
		d.named(v, join(path, "tags"), "tag", "a mapping of tag names to tags, such as {dev: {rules: [{fqdn: api.example.com}]}}",
			func(name string, key, v *yaml.Node, p string) {
				e.Tags = append(e.Tags, d.egressTag(name, key, v, p))
			})
	}
	if e.Base == "" {
		e.Base = EgressAllowList
	}
	return e
}

// egressTag decodes one tag of an egress block.
func (d *decoder) egressTag(name string, key, n *yaml.Node, path string) *EgressTag {
	t := &EgressTag{Name: name, Pos: posOf(key)}
	f := d.fields(n, path, "egressTag")
	d.at(key, path)
	if f == nil {
		return t
	}
	if v := f["sources"]; v != nil {
		sp := join(path, "sources")
		for i, s := range d.strings(v, sp, "subnet names of the vpc or prefixes, such as [app, 10.1.2.0/24]") {
			if !strings.Contains(s, "/") {
				t.Sources = append(t.Sources, EgressSource{Subnet: s})
				continue
			}
			p, err := parsePrefix(s, "10.1.2.0/24")
			if err != nil {
				d.errf(v.Content[i], index(sp, i), "%v", err)
				continue
			}
			t.Sources = append(t.Sources, EgressSource{Prefix: p})
		}
	}
	if v := f["rules"]; v != nil {
		rp := join(path, "rules")
		if items, ok := d.list(v, rp, `FQDN rules, such as [{fqdn: api.example.com, protocol: tcp, port: 443}, {fqdn: "*.example.com"}]`); ok {
			for i, item := range items {
				t.Rules = append(t.Rules, d.egressRule(item, index(rp, i)))
			}
		}
	}
	return t
}

// egressRule decodes one FQDN rule.
func (d *decoder) egressRule(n *yaml.Node, path string) *EgressRule {
	r := &EgressRule{Pos: posOf(n)}
	d.at(n, path)
	f := d.fields(n, path, "egressRule")
	if f == nil {
		return r
	}
	if v := f["fqdn"]; v != nil {
		r.FQDN, _ = d.str(v, join(path, "fqdn"))
	}
	if v := f["protocol"]; v != nil {
		s, _ := d.str(v, join(path, "protocol"))
		r.Protocol = FirewallProtocol(s)
	}
	if v := f["port"]; v != nil {
		r.Port, _ = d.integer(v, join(path, "port"))
	}
	if v := f["action"]; v != nil {
		s, _ := d.str(v, join(path, "action"))
		r.Action = EgressAction(s)
	}
	if r.Protocol == "" {
		r.Protocol = ProtoAny
	}
	return r
}
