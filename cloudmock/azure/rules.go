package azure

import (
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// Security rules of an NSG: model rules with a Name.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/network-security-groups-overview#security-rules — name, priority 100-4096, source/destination, protocol, direction, port range, action

// ruleBody is a security rule on the wire.
type ruleBody struct {
	ID         string    `json:"id,omitempty"`
	Name       string    `json:"name,omitempty"`
	Type       string    `json:"type,omitempty"`
	Etag       string    `json:"etag,omitempty"`
	Properties ruleProps `json:"properties"`
}

type ruleProps struct {
	Description                string   `json:"description,omitempty"`
	Protocol                   string   `json:"protocol"`
	SourcePortRange            string   `json:"sourcePortRange,omitempty"`
	DestinationPortRange       string   `json:"destinationPortRange,omitempty"`
	SourceAddressPrefix        string   `json:"sourceAddressPrefix,omitempty"`
	DestinationAddressPrefix   string   `json:"destinationAddressPrefix,omitempty"`
	SourcePortRanges           []string `json:"sourcePortRanges"`
	DestinationPortRanges      []string `json:"destinationPortRanges"`
	SourceAddressPrefixes      []string `json:"sourceAddressPrefixes"`
	DestinationAddressPrefixes []string `json:"destinationAddressPrefixes"`
	Access                     string   `json:"access"`
	Priority                   *int32   `json:"priority,omitempty"`
	Direction                  string   `json:"direction"`
	ProvisioningState          string   `json:"provisioningState,omitempty"`
}

const ruleType = "Microsoft.Network/networkSecurityGroups/securityRules"

// serviceTags are the service tags a rule may name, as Azure spells them.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/service-tags-overview — VirtualNetwork, Internet, AzureLoadBalancer
var serviceTags = map[string]string{"virtualnetwork": "VirtualNetwork", "internet": "Internet", "azureloadbalancer": "AzureLoadBalancer"}

// protocols map Azure's protocol names to the model's.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/network-security-groups-overview#security-rules — TCP, UDP, ICMP, ESP, AH, or Any
var protocols = map[string]string{"*": "-1", "tcp": "tcp", "udp": "udp", "icmp": "icmp", "esp": "50", "ah": "51"}
var protocolNames = map[string]string{"-1": "*", "tcp": "Tcp", "udp": "Udp", "icmp": "Icmp", "50": "Esp", "51": "Ah"}

func badRule(code, format string, args ...any) error {
	return fail(http.StatusBadRequest, code, format, args...)
}

// rulesIn checks a request's rules: each on its own (ruleIn), names unique,
// and no two with one priority and direction.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/network-security-groups-overview#security-rules — priorities are unique per direction (SecurityRuleConflict)
func rulesIn(in []ruleBody) ([]model.Rule, error) {
	var out []model.Rule
	for _, b := range in {
		r, err := ruleIn(b)
		if err != nil {
			return nil, err
		}
		for _, o := range out {
			if strings.EqualFold(o.Name, r.Name) {
				return nil, badRule("InvalidRequestFormat", "Cannot parse the request: security rule '%s' appears twice.", clip(r.Name))
			}
			if o.Direction == r.Direction && o.Priority == r.Priority {
				return nil, conflict(r.Name, o.Name)
			}
		}
		out = append(out, r)
	}
	return out, nil
}

func conflict(a, b string) error {
	return badRule("SecurityRuleConflict", "Security rule %s conflicts with rule %s. Rules cannot have the same Priority and Direction. To learn more, see aka.ms/nsgrules.", clip(a), clip(b))
}

// ruleIn turns one wire rule into a model rule. The model's rule has one
// peer (the source of an inbound rule, the destination of an outbound
// one) and one destination port range of one protocol; a rule that needs
// more (a named local side, source ports, several prefixes or ranges, a
// port range with protocol *) is refused as not modelled yet.
func ruleIn(b ruleBody) (model.Rule, error) {
	p := b.Properties
	r := model.Rule{Name: b.Name, Description: p.Description, FromPort: -1, ToPort: -1, ICMPType: -1, ICMPCode: -1}
	if b.Name == "" {
		return r, badRule("InvalidRequestFormat", "Cannot parse the request: a security rule has no name.")
	}
	switch lower(p.Direction) {
	case "inbound":
		r.Direction = model.Ingress
	case "outbound":
		r.Direction = model.Egress
	default:
		return r, badRule("SecurityRuleInvalidDirection", "Security rule %s has invalid Direction. Value provided: %s. Allowed values are Inbound and Outbound.", clip(b.Name), clip(p.Direction))
	}
	switch lower(p.Access) {
	case "allow":
		r.Action = model.Allow
	case "deny":
		r.Action = model.Deny
	default:
		return r, badRule("SecurityRuleInvalidAccess", "Security rule %s has invalid Access. Value provided: %s. Allowed values are Allow and Deny.", clip(b.Name), clip(p.Access))
	}
	// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/network-security-groups-overview#security-rules — priority between 100 and 4096
	if p.Priority == nil || *p.Priority < 100 || *p.Priority > 4096 {
		got := "null"
		if p.Priority != nil {
			got = strconv.Itoa(int(*p.Priority))
		}
		return r, badRule("SecurityRuleInvalidPriority", "Security rule %s has invalid Priority. Value provided: %s. Allowed range 100-4096.", clip(b.Name), got)
	}
	r.Priority = int(*p.Priority)
	proto, ok := protocols[lower(p.Protocol)]
	if !ok {
		return r, badRule("SecurityRuleInvalidProtocol", "Security rule %s has invalid Protocol. Value provided: %s. Allowed values are Tcp, Udp, Icmp, Esp, Ah and *.", clip(b.Name), clip(p.Protocol))
	}
	r.Protocol = proto
	if err := rulePorts(&r, p); err != nil {
		return r, err
	}
	return r, rulePeer(&r, p)
}

// notModelled refuses a rule the model cannot hold yet.
func notModelled(name, what string) error {
	return badRule("InvalidRequestFormat", "Security rule %s: the lab does not model %s yet.", clip(name), what)
}

// one returns the single value of a singular or plural field.
func one(single string, plural []string) (string, bool) {
	switch {
	case single != "" && len(plural) == 0:
		return single, true
	case single == "" && len(plural) == 1:
		return plural[0], true
	case single == "" && len(plural) == 0:
		return "*", true
	}
	return "", false
}

// rulePorts reads the destination port range.
func rulePorts(r *model.Rule, p ruleProps) error {
	if sp, ok := one(p.SourcePortRange, p.SourcePortRanges); !ok || sp != "*" {
		return notModelled(r.Name, "source port ranges other than *")
	}
	dp, ok := one(p.DestinationPortRange, p.DestinationPortRanges)
	if !ok {
		return notModelled(r.Name, "several destination port ranges")
	}
	if dp == "*" {
		if r.Protocol == "tcp" || r.Protocol == "udp" {
			r.FromPort, r.ToPort = 0, 65535
		}
		return nil
	}
	lo, hi, isRange := strings.Cut(dp, "-")
	if !isRange {
		hi = lo
	}
	from, err1 := strconv.Atoi(lo)
	to, err2 := strconv.Atoi(hi)
	// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/network-security-groups-overview#security-rules — a port, a range such as 1024-65535, or *
	if err1 != nil || err2 != nil || from < 0 || to > 65535 || from > to {
		return badRule("SecurityRuleInvalidPortRange", "Security rule %s has invalid Port range. Value provided: %s. Value should be an integer OR integer range with '-' delimiter. Valid range 0-65535.", clip(r.Name), clip(dp))
	}
	if r.Protocol != "tcp" && r.Protocol != "udp" {
		return notModelled(r.Name, "a port range with protocol "+protocolNames[r.Protocol])
	}
	r.FromPort, r.ToPort = from, to
	return nil
}

// rulePeer reads the rule's peer: the source of an inbound rule, the
// destination of an outbound one; the other side must be *.
func rulePeer(r *model.Rule, p ruleProps) error {
	src, ok1 := one(p.SourceAddressPrefix, p.SourceAddressPrefixes)
	dst, ok2 := one(p.DestinationAddressPrefix, p.DestinationAddressPrefixes)
	if !ok1 || !ok2 {
		return notModelled(r.Name, "several address prefixes")
	}
	peer, local := src, dst
	if r.Direction == model.Egress {
		peer, local = dst, src
	}
	if local != "*" {
		return notModelled(r.Name, fmt.Sprintf("a %s address other than *", map[bool]string{true: "destination", false: "source"}[r.Direction == model.Ingress]))
	}
	if tag, ok := serviceTags[lower(peer)]; ok {
		r.Peer.ServiceTag = tag
		return nil
	}
	if peer == "*" || lower(peer) == "any" {
		r.Peer.Prefix = netip.MustParsePrefix("0.0.0.0/0")
		return nil
	}
	if a, err := netip.ParseAddr(peer); err == nil && a.Is4() {
		r.Peer.Prefix = netip.PrefixFrom(a, 32)
		return nil
	}
	pr, err := netip.ParsePrefix(peer)
	if err != nil || !pr.Addr().Is4() || pr.Masked() != pr {
		return badRule("SecurityRuleInvalidAddressPrefix", "Security rule %s has invalid Address prefix. Value provided: %s.", clip(r.Name), clip(peer))
	}
	r.Peer.Prefix = pr
	return nil
}
