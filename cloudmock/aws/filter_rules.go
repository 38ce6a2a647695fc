package aws

import (
	"strconv"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// permissionField answers the ip-permission.* and egress.ip-permission.*
// filters of DescribeSecurityGroups from a group's rules of one direction.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSecurityGroups.html — ip-permission.cidr, .from-port, .group-id, .group-name, .ipv6-cidr, .prefix-list-id, .protocol, .to-port, .user-id
func (h *Handler) permissionField(g model.RuleSet, name string) ([]string, bool) {
	rules := g.In()
	field, ok := strings.CutPrefix(name, "ip-permission.")
	if !ok {
		if field, ok = strings.CutPrefix(name, "egress.ip-permission."); !ok {
			return nil, false
		}
		rules = g.Out()
	}
	var out []string
	for _, r := range rules {
		from, to := sgPorts(r)
		switch field {
		case "cidr":
			if r.Peer.Prefix.IsValid() && r.Peer.Prefix.Addr().Is4() {
				out = append(out, r.Peer.Prefix.String())
			}
		case "ipv6-cidr":
			if r.Peer.Prefix.IsValid() && r.Peer.Prefix.Addr().Is6() {
				out = append(out, r.Peer.Prefix.String())
			}
		case "from-port":
			if r.Protocol != "-1" {
				out = append(out, strconv.Itoa(from))
			}
		case "to-port":
			if r.Protocol != "-1" {
				out = append(out, strconv.Itoa(to))
			}
		case "protocol":
			// AWS: the filter takes the name or the number; -1 for all.
			out = append(out, r.Protocol)
			if n, ok := protoNumbers[r.Protocol]; ok {
				out = append(out, n)
			}
		case "group-id":
			if r.Peer.RuleSetID != "" {
				out = append(out, r.Peer.RuleSetID)
			}
		case "group-name":
			if r.Peer.RuleSetID != "" {
				if peer, err := h.cloud.RuleSet(g.Account, model.FlavorSecurityGroup, r.Peer.RuleSetID); err == nil {
					out = append(out, peer.Name)
				}
			}
		case "user-id":
			if r.Peer.RuleSetID != "" {
				out = append(out, g.Account)
			}
		case "prefix-list-id":
			if r.Peer.PrefixListID != "" {
				out = append(out, r.Peer.PrefixListID)
			}
		default:
			return nil, false
		}
	}
	return out, true
}

// aclEntryField answers the entry.* filters of DescribeNetworkAcls.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeNetworkAcls.html — entry.cidr, .icmp.code, .icmp.type, .ipv6-cidr, .port-range.from, .port-range.to, .protocol, .rule-action, .rule-number, .egress
func aclEntryField(a model.RuleSet, name string) ([]string, bool) {
	field, ok := strings.CutPrefix(name, "entry.")
	if !ok {
		return nil, false
	}
	var out []string
	for _, e := range a.Rules {
		switch field {
		case "rule-number":
			out = append(out, strconv.Itoa(e.Priority))
		case "cidr":
			if e.Peer.Prefix.IsValid() && e.Peer.Prefix.Addr().Is4() {
				out = append(out, e.Peer.Prefix.String())
			}
		case "ipv6-cidr":
			if e.Peer.Prefix.IsValid() && e.Peer.Prefix.Addr().Is6() {
				out = append(out, e.Peer.Prefix.String())
			}
		case "icmp.type", "icmp.code":
			if e.Protocol == "icmp" || e.Protocol == "1" {
				v := e.ICMPType
				if field == "icmp.code" {
					v = e.ICMPCode
				}
				out = append(out, strconv.Itoa(v))
			}
		case "port-range.from", "port-range.to":
			if e.FromPort >= 0 {
				v := e.FromPort
				if field == "port-range.to" {
					v = e.ToPort
				}
				out = append(out, strconv.Itoa(v))
			}
		case "protocol":
			p := e.Protocol
			if n, ok := protoNumbers[p]; ok {
				p = n
			}
			out = append(out, p)
		case "rule-action":
			out = append(out, string(e.Action))
		case "egress":
			out = append(out, strconv.FormatBool(e.Direction == model.Egress))
		default:
			return nil, false
		}
	}
	return out, true
}

// vpnField answers the DescribeVpnConnections filters that need more
// than the connection itself.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpnConnections.html — bgp-asn (the customer gateway's), route.destination-cidr-block, type, customer-gateway-configuration
func (h *Handler) vpnField(v model.VPNConnection, name string) ([]string, bool) {
	switch name {
	case "type":
		return one("ipsec.1"), true
	case "bgp-asn":
		for _, g := range h.cloud.CustomerGateways(v.Account) {
			if g.ID == v.CustomerGatewayID {
				return one(strconv.FormatInt(g.ASN, 10)), true
			}
		}
		return nil, true
	case "route.destination-cidr-block":
		var out []string
		for _, p := range v.Routes {
			out = append(out, p.String())
		}
		return out, true
	case "customer-gateway-configuration":
		// The lab answers no device configuration document.
		return nil, true
	}
	return nil, false
}

// peeringField answers the DescribeVpcPeeringConnections filters on the
// two VPCs' CIDR blocks and the status message.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcPeeringConnections.html — accepter-vpc-info.cidr-block, requester-vpc-info.cidr-block, status-message, expiration-time
func (h *Handler) peeringField(p model.Peering, name string) ([]string, bool) {
	x := h.toXMLPeering(p)
	switch name {
	case "requester-vpc-info.cidr-block":
		return one(x.Requester.CIDRBlock), true
	case "accepter-vpc-info.cidr-block":
		if x.Accepter.CIDRBlock == "" {
			return nil, true
		}
		return one(x.Accepter.CIDRBlock), true
	case "status-message":
		return one(x.Status.Message), true
	case "expiration-time":
		// The lab's peering requests do not expire: no time to match.
		return nil, true
	}
	return nil, false
}
