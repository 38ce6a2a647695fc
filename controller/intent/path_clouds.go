package intent

import (
	"fmt"
	"net/netip"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/topologies"
)

// providerOf is the provider of VPC vpc's account (AWS when unknown).
func (p *Plan) providerOf(vpc string) topologies.Provider {
	for _, v := range p.Topology.Cloud.VPCs {
		if v == nil || v.Name != vpc {
			continue
		}
		for _, a := range p.Topology.Cloud.Accounts {
			if a != nil && a.Name == v.Account {
				return a.Provider
			}
		}
	}
	return topologies.ProviderAWS
}

// cloudShape gives end es, in VPC vpc, the filters its cloud has in
// place of a security group and a network ACL, as the controller's
// providers make them: on Azure the network interface's NSG (the group's
// ingress rules as allow-in-100 up, deny-other-inbound at 4096, Azure's
// default rules) with the VirtualNetwork tag standing for the VPC's range
// and the route table's user-defined routes; on GCP the network's
// firewall rules for the instance (one allow at 1000 per ingress rule)
// and the implied rules. Neither cloud has a network ACL. On OCI the
// groups are the NSGs of the VNIC, stateful allow lists as AWS's groups
// are, and the subnet's security list (the provider's base list: all
// egress, no ingress) adds nothing to their union, so that no network
// ACL stands in its place. An AWS end is left as it is.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/securityrules.htm — a packet is allowed if any rule of the security lists and NSGs that apply allows it
func (p *Plan) cloudShape(vpc string, es cloud.EndState) cloud.EndState {
	switch p.providerOf(vpc) {
	case topologies.ProviderAzure:
		es.ACL = nil
		g := cloud.NSGState{ID: "nsg-" + es.Instance, Name: es.Instance + "-nsg", Level: cloud.NSGInterface, Rules: azureDefaultRules()}
		for i, r := range distinctIngress(es.Groups) {
			n := nsgRuleOf(r, int32(100+i), true)
			n.Name = fmt.Sprintf("allow-in-%d", 100+i)
			g.Rules = append(g.Rules, n)
		}
		g.Rules = append(g.Rules, cloud.NSGRule{Name: "deny-other-inbound", Priority: 4096, Inbound: true, Protocol: cloud.ProtocolAll,
			Source: cloud.NSGAddresses{Any: true}, Dest: cloud.NSGAddresses{Any: true}})
		g.VirtualNetwork = []netip.Prefix{vpcPrefix(p, &Endpoint{VPC: vpc})}
		for _, r := range es.Table.Routes {
			if r.Kind == cloud.RouteInstance {
				g.VirtualNetwork = append(g.VirtualNetwork, r.Destination)
			}
		}
		es.Groups, es.NSGs = nil, []cloud.NSGState{g}
	case topologies.ProviderOCI:
		es.ACL = nil
	case topologies.ProviderGCP:
		es.ACL = nil
		any4 := cloud.NSGAddresses{Any: true}
		g := cloud.NSGState{ID: "firewalls-" + vpc, Name: "firewall rules of network " + vpc, Level: cloud.NSGNetwork}
		for i, r := range distinctIngress(es.Groups) {
			n := nsgRuleOf(r, 1000, true)
			n.Name = fmt.Sprintf("fw-%s-%d", es.Instance, i+1)
			g.Rules = append(g.Rules, n)
		}
		g.Rules = append(g.Rules,
			cloud.NSGRule{Name: "implied-deny-ingress", Priority: 65535, Inbound: true, Default: true, Protocol: cloud.ProtocolAll, Source: any4, Dest: any4},
			cloud.NSGRule{Name: "implied-allow-egress", Priority: 65535, Allow: true, Default: true, Protocol: cloud.ProtocolAll, Source: any4, Dest: any4})
		es.Groups, es.NSGs = nil, []cloud.NSGState{g}
	}
	return es
}

// distinctIngress are the ingress rules of groups, each once.
func distinctIngress(gs []cloud.GroupState) []cloud.Rule {
	var out []cloud.Rule
	for _, g := range gs {
		for _, r := range g.Ingress {
			seen := false
			for _, o := range out {
				seen = seen || o == r.Rule
			}
			if !seen {
				out = append(out, r.Rule)
			}
		}
	}
	return out
}

// nsgRuleOf is a security group rule as an allow or deny of priority
// prio from its source to any address.
func nsgRuleOf(r cloud.Rule, prio int32, allow bool) cloud.NSGRule {
	n := cloud.NSGRule{Priority: prio, Inbound: true, Allow: allow, Protocol: r.Protocol, Source: cloud.NSGAddresses{Prefixes: []netip.Prefix{r.Source}},
		Dest: cloud.NSGAddresses{Any: true}}
	if r.Source.Bits() == 0 {
		n.Source = cloud.NSGAddresses{Any: true}
	}
	if (r.Protocol == cloud.ProtocolTCP || r.Protocol == cloud.ProtocolUDP) && !(r.FromPort <= 0 && (r.ToPort >= 65535 || r.ToPort < 0)) && r.FromPort >= 0 {
		n.DstPorts = [][2]int32{{r.FromPort, r.ToPort}}
	}
	return n
}

// azureDefaultRules are the default rules every NSG has.
// Azure: https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview#default-security-rules
func azureDefaultRules() []cloud.NSGRule {
	vnet, any4 := cloud.NSGAddresses{Tags: []string{"VirtualNetwork"}}, cloud.NSGAddresses{Any: true}
	mk := func(name string, prio int32, in, allow bool, src, dst cloud.NSGAddresses) cloud.NSGRule {
		return cloud.NSGRule{Name: name, Priority: prio, Inbound: in, Allow: allow, Default: true, Protocol: cloud.ProtocolAll, Source: src, Dest: dst}
	}
	return []cloud.NSGRule{
		mk("AllowVnetInBound", 65000, true, true, vnet, vnet),
		mk("AllowAzureLoadBalancerInBound", 65001, true, true, cloud.NSGAddresses{Tags: []string{"AzureLoadBalancer"}}, any4),
		mk("DenyAllInBound", 65500, true, false, any4, any4),
		mk("AllowVnetOutBound", 65000, false, true, vnet, vnet),
		mk("AllowInternetOutBound", 65001, false, true, any4, cloud.NSGAddresses{Tags: []string{"Internet"}}),
		mk("DenyAllOutBound", 65500, false, false, any4, any4),
	}
}
