package azure

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// ruleGroups groups a set's model rules by name, in order: the parts of
// each Azure rule (ruleIn).
func ruleGroups(rules []model.Rule) [][]model.Rule {
	var out [][]model.Rule
	at := map[string]int{}
	for _, r := range rules {
		k := lower(r.Name)
		if i, ok := at[k]; ok {
			out[i] = append(out[i], r)
			continue
		}
		at[k] = len(out)
		out = append(out, []model.Rule{r})
	}
	return out
}

// ruleOut renders one Azure rule of the NSG with the given ID from its
// model parts: one value in the singular field, several in the list.
func ruleOut(nsgID string, parts []model.Rule) ruleBody {
	r := parts[0]
	prio := int32(r.Priority)
	b := ruleBody{ID: nsgID + "/securityRules/" + r.Name, Name: r.Name, Type: ruleType, Properties: ruleProps{
		Description: r.Description, Protocol: protocolNames[r.Protocol], SourcePortRange: "*",
		SourcePortRanges: []string{}, DestinationPortRanges: []string{}, SourceAddressPrefixes: []string{}, DestinationAddressPrefixes: []string{},
		Access: map[model.Action]string{model.Allow: "Allow", model.Deny: "Deny"}[r.Action], Priority: &prio,
		Direction: map[model.Direction]string{model.Ingress: "Inbound", model.Egress: "Outbound"}[r.Direction], ProvisioningState: "Succeeded",
	}}
	if b.Properties.Protocol == "" {
		b.Properties.Protocol = r.Protocol
	}
	var ports, peers []string
	protos := map[string]bool{}
	for _, x := range parts {
		protos[x.Protocol] = true
		port := "*"
		if (x.Protocol == "tcp" || x.Protocol == "udp") && !(x.FromPort == 0 && x.ToPort == 65535) {
			port = strconv.Itoa(x.FromPort)
			if x.ToPort != x.FromPort {
				port += "-" + strconv.Itoa(x.ToPort)
			}
		}
		if !slices.Contains(ports, port) {
			ports = append(ports, port)
		}
		peer := peerOut(x.Peer)
		if !slices.Contains(peers, peer) {
			peers = append(peers, peer)
		}
	}
	if protos["tcp"] && protos["udp"] {
		b.Properties.Protocol = "*"
	}
	one := func(vals []string, single *string, plural *[]string) {
		if len(vals) == 1 {
			*single = vals[0]
		} else {
			*plural = vals
		}
	}
	one(ports, &b.Properties.DestinationPortRange, &b.Properties.DestinationPortRanges)
	local := peerOut(r.Local)
	if r.Direction == model.Egress {
		b.Properties.SourceAddressPrefix = local
		one(peers, &b.Properties.DestinationAddressPrefix, &b.Properties.DestinationAddressPrefixes)
	} else {
		b.Properties.DestinationAddressPrefix = local
		one(peers, &b.Properties.SourceAddressPrefix, &b.Properties.SourceAddressPrefixes)
	}
	b.Etag = etagOf(b)
	return b
}

// defaultRules are the rules every NSG has below its own, which cannot be
// removed: allow within the virtual network and from the load balancer,
// allow out to the internet, deny the rest.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/network-security-groups-overview#default-security-rules — AllowVNetInBound 65000, AllowAzureLoadBalancerInBound 65001, DenyAllInbound 65500, AllowVnetOutBound 65000, AllowInternetOutBound 65001, DenyAllOutBound 65500
func defaultRules(nsgID string) []ruleBody {
	mk := func(name, desc, dir, access string, prio int32, src, dst string) ruleBody {
		return ruleBody{ID: nsgID + "/defaultSecurityRules/" + name, Name: name, Type: "Microsoft.Network/networkSecurityGroups/defaultSecurityRules",
			Properties: ruleProps{Description: desc, Protocol: "*", SourcePortRange: "*", DestinationPortRange: "*",
				SourceAddressPrefix: src, DestinationAddressPrefix: dst, SourcePortRanges: []string{}, DestinationPortRanges: []string{},
				SourceAddressPrefixes: []string{}, DestinationAddressPrefixes: []string{}, Access: access, Priority: &prio,
				Direction: dir, ProvisioningState: "Succeeded"}}
	}
	out := []ruleBody{
		mk("AllowVnetInBound", "Allow inbound traffic from all VMs in VNET", "Inbound", "Allow", 65000, "VirtualNetwork", "VirtualNetwork"),
		mk("AllowAzureLoadBalancerInBound", "Allow inbound traffic from azure load balancer", "Inbound", "Allow", 65001, "AzureLoadBalancer", "*"),
		mk("DenyAllInBound", "Deny all inbound traffic", "Inbound", "Deny", 65500, "*", "*"),
		mk("AllowVnetOutBound", "Allow outbound traffic from all VMs to all VMs in VNET", "Outbound", "Allow", 65000, "VirtualNetwork", "VirtualNetwork"),
		mk("AllowInternetOutBound", "Allow outbound traffic from all VMs to Internet", "Outbound", "Allow", 65001, "*", "Internet"),
		mk("DenyAllOutBound", "Deny all outbound traffic", "Outbound", "Deny", 65500, "*", "*"),
	}
	for i := range out {
		out[i].Etag = etagOf(out[i])
	}
	return out
}

// serveRule answers .../networkSecurityGroups/N/securityRules[/NAME] and
// .../defaultSecurityRules[/NAME] (read-only).
func (s *Server) serveRule(q *request, group, nsg, childType, name string) {
	rs, err := s.nsgByName(q.sub, group, nsg)
	if err != nil {
		writeError(q.w, err)
		return
	}
	all := nsgOut(rs).Properties.SecurityRules
	if childType == "defaultSecurityRules" {
		all = defaultRules(rs.ID)
		if q.Method != http.MethodGet {
			writeError(q.w, fail(http.StatusMethodNotAllowed, "MethodNotAllowed", "Default security rules cannot be changed."))
			return
		}
	}
	if name == "" {
		var items []any
		for _, r := range all {
			items = append(items, r)
		}
		s.page(q, items)
		return
	}
	i := slices.IndexFunc(all, func(b ruleBody) bool { return lower(b.Name) == lower(name) })
	switch q.Method {
	case http.MethodGet:
		if i < 0 {
			writeError(q.w, childNotFound(rs.ID+"/"+childType+"/"+name))
			return
		}
		writeJSON(q.w, http.StatusOK, all[i])
	case http.MethodPut:
		s.putRule(q, rs, name)
	case http.MethodDelete:
		if ruleByName(rs.Rules, name) < 0 {
			deleteDone(q, "", false)
			return
		}
		if _, err := s.cloud.ReplaceRules(q.sub, model.FlavorNSG, rs.ID, withoutRule(rs.Rules, name)); err != nil {
			writeError(q.w, err)
			return
		}
		deleteDone(q, rs.Region, true)
	default:
		writeError(q.w, fail(http.StatusMethodNotAllowed, "MethodNotAllowed", "The method '%s' is not allowed here.", q.Method))
	}
}

// putRule creates or replaces one rule of an NSG.
// Azure: https://learn.microsoft.com/en-us/rest/api/virtualnetwork/security-rules/create-or-update — 201 when created, 200 when updated
func (s *Server) putRule(q *request, rs model.RuleSet, name string) {
	var in ruleBody
	if err := decodeBody(q.Request, &in); err != nil {
		writeError(q.w, err)
		return
	}
	j := ruleByName(rs.Rules, name)
	in.Name = name
	if j >= 0 {
		in.Name = rs.Rules[j].Name
	}
	parts, err := ruleIn(in)
	if err != nil {
		writeError(q.w, err)
		return
	}
	rules := withoutRule(rs.Rules, name)
	for _, o := range rules {
		if o.Direction == parts[0].Direction && o.Priority == parts[0].Priority {
			writeError(q.w, conflict(name, o.Name))
			return
		}
	}
	if _, err := s.cloud.ReplaceRules(q.sub, model.FlavorNSG, rs.ID, append(rules, parts...)); err != nil {
		writeError(q.w, err)
		return
	}
	rs, _ = s.cloud.RuleSet(q.sub, model.FlavorNSG, rs.ID)
	var mine []model.Rule
	for _, r := range rs.Rules {
		if strings.EqualFold(r.Name, name) {
			mine = append(mine, r)
		}
	}
	putDone(q, j < 0, rs.Region, ruleOut(rs.ID, mine))
}

// withoutRule returns a copy of rules without the parts of the named one.
func withoutRule(rules []model.Rule, name string) []model.Rule {
	return slices.DeleteFunc(slices.Clone(rules), func(r model.Rule) bool { return strings.EqualFold(r.Name, name) })
}

// peerOut renders a rule's peer: a service tag, * for any address, an
// address for a /32 (as clients send one), else the prefix.
func peerOut(p model.Peer) string {
	switch {
	case p.ServiceTag != "":
		return p.ServiceTag
	case !p.Prefix.IsValid() || p.Prefix.Bits() == 0:
		return "*"
	case p.Prefix.IsSingleIP():
		return p.Prefix.Addr().String()
	}
	return p.Prefix.String()
}
