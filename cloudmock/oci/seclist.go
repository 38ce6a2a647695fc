package oci

import (
	"strconv"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// securityList is a security list on the wire.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/SecurityList/ — SecurityList
type securityList struct {
	shared
	VcnID   string    `json:"vcnId"`
	Ingress []secRule `json:"ingressSecurityRules"`
	Egress  []secRule `json:"egressSecurityRules"`
}

// secRule is an IngressSecurityRule or an EgressSecurityRule.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/IngressSecurityRule — protocol ("all" or a number), source, sourceType, isStateless, tcpOptions, udpOptions, icmpOptions
type secRule struct {
	Protocol        string       `json:"protocol"`
	Source          string       `json:"source,omitempty"`
	SourceType      string       `json:"sourceType,omitempty"`
	Destination     string       `json:"destination,omitempty"`
	DestinationType string       `json:"destinationType,omitempty"`
	IsStateless     bool         `json:"isStateless"`
	TCPOptions      *portOptions `json:"tcpOptions,omitempty"`
	UDPOptions      *portOptions `json:"udpOptions,omitempty"`
	ICMPOptions     *icmpOptions `json:"icmpOptions,omitempty"`
	Description     string       `json:"description,omitempty"`
}

type portOptions struct {
	DestinationPortRange *portRange `json:"destinationPortRange,omitempty"`
	SourcePortRange      *portRange `json:"sourcePortRange,omitempty"`
}

type portRange struct {
	Min int `json:"min"`
	Max int `json:"max"`
}

type icmpOptions struct {
	Type int  `json:"type"`
	Code *int `json:"code,omitempty"`
}

// securityListDetails is CreateSecurityListDetails and
// UpdateSecurityListDetails.
type securityListDetails struct {
	updateDetails
	placement
	Ingress *[]secRule `json:"ingressSecurityRules"`
	Egress  *[]secRule `json:"egressSecurityRules"`
}

// The sourceType/destinationType of a CIDR and of an NSG.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/SecurityRule — sourceType CIDR_BLOCK, SERVICE_CIDR_BLOCK, NETWORK_SECURITY_GROUP
const (
	cidrBlock = "CIDR_BLOCK"
	nsgType   = "NETWORK_SECURITY_GROUP"
)

func (s *Server) securityLists() *kind {
	return &kind{noun: "SecurityList", get: s.getSecurityList, create: s.createSecurityList, update: s.updateSecurityList,
		remove: func(q *request, id string) *apiError {
			return modelErr(s.cloud.DeleteRuleSet(q.tenancy, model.FlavorSecurityList, id))
		},
		list: func(tenancy string) []resource {
			var out []resource
			for _, l := range s.cloud.RuleSets(tenancy, model.FlavorSecurityList) {
				out = append(out, s.securityListOut(l))
			}
			return out
		},
		match: func(q *request, r resource) bool {
			return !q.URL.Query().Has("vcnId") || r.(*securityList).VcnID == q.URL.Query().Get("vcnId")
		}}
}

func (s *Server) getSecurityList(tenancy, id string) (resource, bool) {
	l, err := s.cloud.RuleSet(tenancy, model.FlavorSecurityList, id)
	if err != nil {
		return nil, false
	}
	return s.securityListOut(l), true
}

func (s *Server) securityListOut(l model.RuleSet) *securityList {
	out := &securityList{shared: s.commonOf(l.ID, l.Meta, l.Tags), VcnID: l.NetworkID, Ingress: []secRule{}, Egress: []secRule{}}
	for _, r := range l.Rules {
		w := ruleOut(r)
		if r.Direction == model.Ingress {
			out.Ingress = append(out.Ingress, w)
		} else {
			out.Egress = append(out.Egress, w)
		}
	}
	return out
}

// protocolNumbers are the model's protocol names as OCI's numbers.
var protocolNumbers = map[string]string{"-1": "all", "tcp": "6", "udp": "17", "icmp": "1"}

func ruleOut(r model.Rule) secRule {
	w := secRule{Protocol: r.Protocol, IsStateless: r.Stateless, Description: r.Description}
	if p, ok := protocolNumbers[r.Protocol]; ok {
		w.Protocol = p
	}
	peer, typ := r.Peer.Prefix.String(), cidrBlock
	if r.Peer.RuleSetID != "" {
		peer, typ = r.Peer.RuleSetID, nsgType
	}
	if r.Direction == model.Ingress {
		w.Source, w.SourceType = peer, typ
	} else {
		w.Destination, w.DestinationType = peer, typ
	}
	ports := &portOptions{}
	if r.FromPort >= 0 && (r.FromPort != 1 || r.ToPort != 65535) {
		ports.DestinationPortRange = &portRange{Min: r.FromPort, Max: r.ToPort}
	}
	switch r.Protocol {
	case "tcp":
		if ports.DestinationPortRange != nil {
			w.TCPOptions = ports
		}
	case "udp":
		if ports.DestinationPortRange != nil {
			w.UDPOptions = ports
		}
	case "icmp", model.ProtoICMPv6:
		if r.ICMPType >= 0 {
			w.ICMPOptions = &icmpOptions{Type: r.ICMPType}
			if r.ICMPCode >= 0 {
				w.ICMPOptions.Code = ptr(r.ICMPCode)
			}
		}
	}
	return w
}

// ruleIn reads one rule of a request.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/securityrules.htm — a rule is stateful unless isStateless; TCP/UDP options only with protocol 6/17, ICMP options only with 1/58
func ruleIn(dir model.Direction, w secRule, nsgPeers bool) (model.Rule, *apiError) {
	r := model.Rule{Direction: dir, Action: model.Allow, Stateless: w.IsStateless, FromPort: -1, ToPort: -1,
		ICMPType: -1, ICMPCode: -1, Description: w.Description}
	peer, typ, field := w.Source, w.SourceType, "source"
	if dir == model.Egress {
		peer, typ, field = w.Destination, w.DestinationType, "destination"
	}
	switch {
	case typ == "" || typ == cidrBlock:
		p, err := parseCIDR(field, peer)
		if err != nil {
			return r, err
		}
		r.Peer.Prefix = p
	case typ == nsgType && nsgPeers:
		// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/networksecuritygroups.htm#Security_Rules — an NSG rule's source or destination may be an NSG: the VNICs in it
		if k, _ := model.OCIKind(peer); k != model.KindNetworkSecurityGroup {
			return r, invalid("%s '%s' is not the OCID of a network security group", field, clip(peer))
		}
		r.Peer.RuleSetID = peer
	default:
		return r, invalid("%sType '%s' is not supported here", field, clip(typ))
	}
	switch w.Protocol {
	case "all":
		r.Protocol = "-1"
	case "6":
		r.Protocol = "tcp"
	case "17":
		r.Protocol = "udp"
	case "1":
		r.Protocol = "icmp"
	case "58":
		r.Protocol = model.ProtoICMPv6
	default:
		n, e := strconv.Atoi(w.Protocol)
		if e != nil || n < 0 || n > 255 {
			return r, invalid("protocol '%s' must be 'all' or an IP protocol number", clip(w.Protocol))
		}
		r.Protocol = w.Protocol
	}
	if (w.TCPOptions != nil && r.Protocol != "tcp") || (w.UDPOptions != nil && r.Protocol != "udp") ||
		(w.ICMPOptions != nil && r.Protocol != "icmp" && r.Protocol != model.ProtoICMPv6) {
		return r, invalid("The options of a rule must match its protocol %s", w.Protocol)
	}
	if r.Protocol == "tcp" || r.Protocol == "udp" {
		// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/TcpOptions — without a destination port range, all ports
		r.FromPort, r.ToPort = 1, 65535
	}
	if o := w.TCPOptions; o != nil || w.UDPOptions != nil {
		if o == nil {
			o = w.UDPOptions
		}
		if o.SourcePortRange != nil {
			return r, invalid("sourcePortRange is not supported by this server")
		}
		if d := o.DestinationPortRange; d != nil {
			if d.Min < 1 || d.Max > 65535 || d.Min > d.Max {
				return r, invalid("destinationPortRange %d-%d must be within 1-65535 with min <= max", d.Min, d.Max)
			}
			r.FromPort, r.ToPort = d.Min, d.Max
		}
	}
	if o := w.ICMPOptions; o != nil {
		if o.Type < 0 || o.Type > 255 || (o.Code != nil && (*o.Code < 0 || *o.Code > 255)) {
			return r, invalid("icmpOptions type and code must be 0-255")
		}
		r.ICMPType = o.Type
		if o.Code != nil {
			r.ICMPCode = *o.Code
		}
	}
	return r, nil
}

// rulesIn reads a list's ingress and egress rules; a nil side keeps old.
func rulesIn(ingress, egress *[]secRule, old []model.Rule) ([]model.Rule, *apiError) {
	var out []model.Rule
	for _, side := range []struct {
		dir   model.Direction
		rules *[]secRule
	}{{model.Ingress, ingress}, {model.Egress, egress}} {
		if side.rules == nil {
			for _, r := range old {
				if r.Direction == side.dir {
					out = append(out, r)
				}
			}
			continue
		}
		for _, w := range *side.rules {
			r, err := ruleIn(side.dir, w, false)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
	}
	return out, nil
}

func (s *Server) createSecurityList(q *request) (string, *apiError) {
	var d securityListDetails
	if err := decode(q.body, &d); err != nil {
		return "", err
	}
	n, aerr := s.inVcn(q, d.placement)
	if aerr != nil {
		return "", aerr
	}
	rules, aerr := rulesIn(d.Ingress, d.Egress, nil)
	if aerr != nil {
		return "", aerr
	}
	l, err := s.cloud.CreateRuleSet(q.tenancy, model.RuleSetSpec{Flavor: model.FlavorSecurityList, NetworkID: n.ID, Scope: d.CompartmentID, Tags: d.FreeformTags})
	if err != nil {
		return "", fromModel(err)
	}
	if _, err := s.cloud.ReplaceRules(q.tenancy, model.FlavorSecurityList, l.ID, rules); err != nil {
		_ = s.cloud.DeleteRuleSet(q.tenancy, model.FlavorSecurityList, l.ID)
		return "", fromModel(err)
	}
	s.setAttrs(q, l.ID, map[string]string{attrName: s.nameOr(d.DisplayName, "securitylist")})
	return l.ID, nil
}

func (s *Server) updateSecurityList(q *request, id string) *apiError {
	var d securityListDetails
	if err := decode(q.body, &d); err != nil {
		return err
	}
	l, err := s.cloud.RuleSet(q.tenancy, model.FlavorSecurityList, id)
	if err != nil {
		return notFound("SecurityList", id)
	}
	if d.Ingress != nil || d.Egress != nil {
		rules, aerr := rulesIn(d.Ingress, d.Egress, l.Rules)
		if aerr != nil {
			return aerr
		}
		if _, err := s.cloud.ReplaceRules(q.tenancy, model.FlavorSecurityList, id, rules); err != nil {
			return fromModel(err)
		}
	}
	return s.applyUpdate(q, id, d.updateDetails)
}
