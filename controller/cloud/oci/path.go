package oci

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/oracle/oci-go-sdk/v65/core"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

var _ cloud.PathReader = (*Provider)(nil)

// ReadEnd reads what FlightPath lays out for the instance of key: its
// primary VNIC (address, subnet and its range); the NSGs its VNIC is in
// and the security lists of its subnet, each as a group of stateful
// rules (a packet passes where any rule of any of them allows it: OCI's
// union of security lists and NSGs; stateless rules and rules whose peer
// is an NSG are left out); and its subnet's route table: the VCN's own
// ranges local (OCI lists no such rule), rules to an internet gateway
// internet, rules to a private IP to that private IP's VNIC. OCI has no
// network ACL.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/securityrules.htm — security lists and NSGs together: the union of their rules
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingroutetables.htm — traffic within the VCN is routed by the VCN's local routing; rules send the rest to a target
func (p *Provider) ReadEnd(ctx context.Context, key string) (cloud.EndState, error) {
	if err := p.inCompartment(ctx); err != nil {
		return cloud.EndState{}, err
	}
	w := &world{}
	if err := p.listInstances(ctx, w); err != nil {
		return cloud.EndState{}, err
	}
	o, ok := w.insts[key]
	if !ok || o.Key != key || o.vnic == "" {
		return cloud.EndState{}, fmt.Errorf("instance %s of owner %s: no such instance", key, p.owner)
	}
	e := cloud.EndState{Instance: o.ID, Address: o.ip, Subnet: o.subnet}
	sn, err := p.vn.GetSubnet(ctx, core.GetSubnetRequest{SubnetId: &o.subnet})
	if err != nil {
		return e, fmt.Errorf("get subnet %s of %s: %w", o.subnet, key, err)
	}
	e.SubnetCIDR, _ = netip.ParsePrefix(str(sn.CidrBlock))
	for _, id := range o.nsgs {
		g, err := p.readNSG(ctx, id)
		if err != nil {
			return e, fmt.Errorf("%s: %w", key, err)
		}
		e.Groups = append(e.Groups, g)
	}
	for _, id := range sn.SecurityListIds {
		l, err := p.vn.GetSecurityList(ctx, core.GetSecurityListRequest{SecurityListId: &id})
		if err != nil {
			return e, fmt.Errorf("get security list %s of %s: %w", id, key, err)
		}
		e.Groups = append(e.Groups, listGroup(l.SecurityList))
	}
	if e.Table, err = p.readTable(ctx, str(sn.RouteTableId), str(sn.VcnId)); err != nil {
		return e, fmt.Errorf("%s: %w", key, err)
	}
	return e, nil
}

// protocolOf is an OCI rule's protocol ("all", "6", "17", "1").
func protocolOf(s string) (cloud.Protocol, bool) {
	for p, n := range protocolNumbers {
		if n == s {
			return p, true
		}
	}
	return 0, false
}

// ruleOf is an NSG or security list rule as a group's rule: peer, and
// ports (TCP, UDP) or ICMP type and code (-1 for all).
func ruleOf(id, proto, peer string, ports *core.PortRange, icmp *core.IcmpOptions) (cloud.RuleState, bool) {
	p, ok := protocolOf(proto)
	pf, err := netip.ParsePrefix(peer)
	if !ok || err != nil {
		return cloud.RuleState{}, false
	}
	r := cloud.RuleState{ID: id, Rule: cloud.Rule{Protocol: p, Source: pf, FromPort: 0, ToPort: 65535}}
	switch {
	case p == cloud.ProtocolICMP:
		r.FromPort, r.ToPort = -1, -1
		if icmp != nil && icmp.Type != nil {
			r.FromPort = int32(*icmp.Type)
			if icmp.Code != nil {
				r.ToPort = int32(*icmp.Code)
			}
		}
	case ports != nil && ports.Min != nil && ports.Max != nil:
		r.FromPort, r.ToPort = int32(*ports.Min), int32(*ports.Max)
	}
	return r, true
}

// readNSG reads an NSG's stateful CIDR rules as a group.
func (p *Provider) readNSG(ctx context.Context, id string) (cloud.GroupState, error) {
	g, err := p.vn.GetNetworkSecurityGroup(ctx, core.GetNetworkSecurityGroupRequest{NetworkSecurityGroupId: &id})
	if err != nil {
		return cloud.GroupState{}, fmt.Errorf("get nsg %s: %w", id, err)
	}
	out := cloud.GroupState{ID: id, Name: str(g.DisplayName)}
	err = pages(ctx, "security rules of "+id, func(ctx context.Context, page *string) (*string, error) {
		r, err := p.vn.ListNetworkSecurityGroupSecurityRules(ctx, core.ListNetworkSecurityGroupSecurityRulesRequest{NetworkSecurityGroupId: &id, Page: page})
		for _, sr := range r.Items {
			if sr.Direction == core.SecurityRuleDirectionEgress {
				if rs, ok := statefulRule(str(sr.Id), sr.IsStateless, sr.Protocol, sr.Destination, sr.TcpOptions, sr.UdpOptions, sr.IcmpOptions); ok {
					out.Egress = append(out.Egress, rs)
				}
			} else if rs, ok := statefulRule(str(sr.Id), sr.IsStateless, sr.Protocol, sr.Source, sr.TcpOptions, sr.UdpOptions, sr.IcmpOptions); ok {
				out.Ingress = append(out.Ingress, rs)
			}
		}
		return r.OpcNextPage, err
	})
	return out, err
}

// listGroup is a security list's stateful rules as a group, each named
// by its direction and place (security list rules have no IDs).
func listGroup(l core.SecurityList) cloud.GroupState {
	g := cloud.GroupState{ID: str(l.Id), Name: str(l.DisplayName)}
	for i, r := range l.IngressSecurityRules {
		if rs, ok := statefulRule("ingress#"+strconv.Itoa(i), r.IsStateless, r.Protocol, r.Source, r.TcpOptions, r.UdpOptions, r.IcmpOptions); ok {
			g.Ingress = append(g.Ingress, rs)
		}
	}
	for i, r := range l.EgressSecurityRules {
		if rs, ok := statefulRule("egress#"+strconv.Itoa(i), r.IsStateless, r.Protocol, r.Destination, r.TcpOptions, r.UdpOptions, r.IcmpOptions); ok {
			g.Egress = append(g.Egress, rs)
		}
	}
	return g
}

// statefulRule is a stateful rule as a group's rule; a stateless one is
// left out.
func statefulRule(id string, stateless *bool, proto, peer *string, tcp *core.TcpOptions, udp *core.UdpOptions, icmp *core.IcmpOptions) (cloud.RuleState, bool) {
	if stateless != nil && *stateless {
		return cloud.RuleState{}, false
	}
	var ports *core.PortRange
	if tcp != nil {
		ports = tcp.DestinationPortRange
	} else if udp != nil {
		ports = udp.DestinationPortRange
	}
	return ruleOf(id, str(proto), str(peer), ports, icmp)
}

// readTable reads a subnet's route table, the VCN's ranges local first.
func (p *Provider) readTable(ctx context.Context, id, vcn string) (cloud.TableState, error) {
	t := cloud.TableState{ID: id}
	v, err := p.vn.GetVcn(ctx, core.GetVcnRequest{VcnId: &vcn})
	if err != nil {
		return t, fmt.Errorf("get vcn %s: %w", vcn, err)
	}
	for _, c := range v.CidrBlocks {
		if pf, err := netip.ParsePrefix(c); err == nil {
			t.Routes = append(t.Routes, cloud.RouteState{Destination: pf, Kind: cloud.RouteLocal, Target: "local"})
		}
	}
	rt, err := p.vn.GetRouteTable(ctx, core.GetRouteTableRequest{RtId: &id})
	if err != nil {
		return t, fmt.Errorf("get route table %s: %w", id, err)
	}
	for _, r := range rulesOf(rt.RouteRules) {
		rs := cloud.RouteState{Destination: r.dst, Kind: cloud.RouteOther, Target: r.target}
		switch {
		case strings.HasPrefix(r.target, "ocid1.internetgateway."):
			rs.Kind = cloud.RouteInternet
		case isPrivateIP(r.target):
			pip, err := p.vn.GetPrivateIp(ctx, core.GetPrivateIpRequest{PrivateIpId: &r.target})
			if err != nil {
				rs.Kind = cloud.RouteBlackhole
				break
			}
			rs.Kind, rs.Target = cloud.RouteInstance, str(pip.VnicId)
		}
		t.Routes = append(t.Routes, rs)
	}
	return t, nil
}
