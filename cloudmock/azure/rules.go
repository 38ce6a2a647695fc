package azure

import (
	"fmt"
	"net/http"
	"net/netip"
	"slices"
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

// rulesIn checks a request's rules: each on its own (ruleIn), names
// unique, and no two with one priority and direction.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/network-security-groups-overview#security-rules — priorities are unique per direction (SecurityRuleConflict)
func rulesIn(in []ruleBody) ([]model.Rule, error) {
	var out []model.Rule
	for _, b := range in {
		parts, err := ruleIn(b)
		if err != nil {
			return nil, err
		}
		r := parts[0]
		for _, o := range out {
			if strings.EqualFold(o.Name, r.Name) {
				return nil, badRule("InvalidRequestFormat", "Cannot parse the request: security rule '%s' appears twice.", clip(r.Name))
			}
			if o.Direction == r.Direction && o.Priority == r.Priority {
				return nil, conflict(r.Name, o.Name)
			}
		}
		out = append(out, parts...)
	}
	return out, nil
}

func conflict(a, b string) error {
	return badRule("SecurityRuleConflict", "Security rule %s conflicts with rule %s. Rules cannot have the same Priority and Direction. To learn more, see aka.ms/nsgrules.", clip(a), clip(b))
}

// ruleIn turns one wire rule into its model rules, which share its name
// and priority: one per protocol, peer prefix or tag and destination
// port range (the model's rule has one of each). Protocol * with ports
// is TCP and UDP. The local side (the destination of an inbound rule,
// the source of an outbound one) may be * or VirtualNetwork (Rule.Local),
// which hold every NIC the rule filters; a prefix there, and source
// ports other than *, are refused as not modelled yet.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/network-security-groups-overview#security-rules — protocol, source and destination with ports; lists of addresses and ports (augmented rules)
func ruleIn(b ruleBody) ([]model.Rule, error) {
	r, err := ruleHead(b)
	if err != nil {
		return nil, err
	}
	p := b.Properties
	proto, ok := protocols[lower(p.Protocol)]
	if !ok {
		return nil, badRule("SecurityRuleInvalidProtocol", "Security rule %s has invalid Protocol. Value provided: %s. Allowed values are Tcp, Udp, Icmp, Esp, Ah and *.", clip(b.Name), clip(p.Protocol))
	}
	ports, err := rulePorts(r.Name, proto, p)
	if err != nil {
		return nil, err
	}
	peers, local, err := rulePeers(r, p)
	if err != nil {
		return nil, err
	}
	r.Local = local
	protos := []string{proto}
	if proto == "-1" && ports != nil {
		protos = []string{"tcp", "udp"}
	}
	var out []model.Rule
	for _, pr := range protos {
		for _, peer := range peers {
			x := r
			x.Protocol, x.Peer = pr, peer
			if pr == "tcp" || pr == "udp" {
				x.FromPort, x.ToPort = 0, 65535
			}
			if ports == nil {
				out = append(out, x)
				continue
			}
			for _, rg := range ports {
				x.FromPort, x.ToPort = rg[0], rg[1]
				out = append(out, x)
			}
		}
	}
	return out, nil
}

// ruleHead reads a rule's name, direction, access and priority.
func ruleHead(b ruleBody) (model.Rule, error) {
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
	return r, nil
}

// notModelled refuses a rule the model cannot hold yet.
func notModelled(name, what string) error {
	return badRule("InvalidRequestFormat", "Security rule %s: the lab does not model %s yet.", clip(name), what)
}

// values returns a singular-or-plural field's values: the single one,
// the list, or * when neither is given; ok is false when both are.
func values(single string, plural []string) ([]string, bool) {
	switch {
	case single != "" && len(plural) == 0:
		return []string{single}, true
	case single == "" && len(plural) > 0:
		return plural, true
	case single == "" && len(plural) == 0:
		return []string{"*"}, true
	}
	return nil, false
}

// rulePorts reads the destination port ranges: nil for any port.
func rulePorts(name, proto string, p ruleProps) ([][2]int, error) {
	if sp, ok := values(p.SourcePortRange, p.SourcePortRanges); !ok || len(sp) != 1 || sp[0] != "*" {
		return nil, notModelled(name, "source port ranges other than *")
	}
	dps, ok := values(p.DestinationPortRange, p.DestinationPortRanges)
	if !ok {
		return nil, badRule("InvalidRequestFormat", "Cannot parse the request: security rule %s has both destinationPortRange and destinationPortRanges.", clip(name))
	}
	var out [][2]int
	for _, dp := range dps {
		if dp == "*" {
			if len(dps) > 1 {
				return nil, badRule("SecurityRuleInvalidPortRange", "Security rule %s has invalid Port range. Value provided: *. A list of ranges cannot hold *.", clip(name))
			}
			return nil, nil
		}
		lo, hi, isRange := strings.Cut(dp, "-")
		if !isRange {
			hi = lo
		}
		from, err1 := strconv.Atoi(lo)
		to, err2 := strconv.Atoi(hi)
		// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/network-security-groups-overview#security-rules — a port, a range such as 1024-65535, or *
		if err1 != nil || err2 != nil || from < 0 || to > 65535 || from > to {
			return nil, badRule("SecurityRuleInvalidPortRange", "Security rule %s has invalid Port range. Value provided: %s. Value should be an integer OR integer range with '-' delimiter. Valid range 0-65535.", clip(name), clip(dp))
		}
		out = append(out, [2]int{from, to})
	}
	if proto != "tcp" && proto != "udp" && proto != "-1" {
		return nil, notModelled(name, "a port range with protocol "+protocolNames[proto])
	}
	return out, nil
}

// rulePeers reads the rule's peers (the sources of an inbound rule, the
// destinations of an outbound one) and checks its local side.
func rulePeers(r model.Rule, p ruleProps) ([]model.Peer, model.Peer, error) {
	src, ok1 := values(p.SourceAddressPrefix, p.SourceAddressPrefixes)
	dst, ok2 := values(p.DestinationAddressPrefix, p.DestinationAddressPrefixes)
	if !ok1 || !ok2 {
		return nil, model.Peer{}, badRule("InvalidRequestFormat", "Cannot parse the request: security rule %s has both a single address prefix and a list of them.", clip(r.Name))
	}
	peers, local := src, dst
	if r.Direction == model.Egress {
		peers, local = dst, src
	}
	if len(local) != 1 || (local[0] != "*" && lower(local[0]) != "virtualnetwork") {
		return nil, model.Peer{}, notModelled(r.Name, fmt.Sprintf("a %s address other than * or VirtualNetwork", map[bool]string{true: "destination", false: "source"}[r.Direction == model.Ingress]))
	}
	var loc model.Peer
	if lower(local[0]) == "virtualnetwork" {
		loc.ServiceTag = "VirtualNetwork"
	}
	var out []model.Peer
	for _, v := range peers {
		pe, err := rulePeer(r.Name, v)
		if err != nil {
			return nil, loc, err
		}
		if !slices.Contains(out, pe) {
			out = append(out, pe)
		}
	}
	return out, loc, nil
}

// rulePeer reads one address prefix, address or service tag.
func rulePeer(name, v string) (model.Peer, error) {
	if tag, ok := serviceTags[lower(v)]; ok {
		return model.Peer{ServiceTag: tag}, nil
	}
	if v == "*" || lower(v) == "any" {
		return model.Peer{Prefix: netip.MustParsePrefix("0.0.0.0/0")}, nil
	}
	if a, err := netip.ParseAddr(v); err == nil && a.Is4() {
		return model.Peer{Prefix: netip.PrefixFrom(a, 32)}, nil
	}
	pr, err := netip.ParsePrefix(v)
	if err != nil || !pr.Addr().Is4() || pr.Masked() != pr {
		return model.Peer{}, badRule("SecurityRuleInvalidAddressPrefix", "Security rule %s has invalid Address prefix. Value provided: %s.", clip(name), clip(v))
	}
	return model.Peer{Prefix: pr}, nil
}
