package azure

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// ruleOut renders a model rule of the NSG with the given ID.
func ruleOut(nsgID string, r model.Rule) ruleBody {
	prio := int32(r.Priority)
	b := ruleBody{ID: nsgID + "/securityRules/" + r.Name, Name: r.Name, Type: ruleType, Properties: ruleProps{
		Description: r.Description, Protocol: protocolNames[r.Protocol], SourcePortRange: "*", DestinationPortRange: "*",
		SourcePortRanges: []string{}, DestinationPortRanges: []string{}, SourceAddressPrefixes: []string{}, DestinationAddressPrefixes: []string{},
		Access: map[model.Action]string{model.Allow: "Allow", model.Deny: "Deny"}[r.Action], Priority: &prio,
		Direction: map[model.Direction]string{model.Ingress: "Inbound", model.Egress: "Outbound"}[r.Direction], ProvisioningState: "Succeeded",
	}}
	if b.Properties.Protocol == "" {
		b.Properties.Protocol = r.Protocol
	}
	if (r.Protocol == "tcp" || r.Protocol == "udp") && !(r.FromPort == 0 && r.ToPort == 65535) {
		b.Properties.DestinationPortRange = strconv.Itoa(r.FromPort)
		if r.ToPort != r.FromPort {
			b.Properties.DestinationPortRange += "-" + strconv.Itoa(r.ToPort)
		}
	}
	peer := r.Peer.ServiceTag
	if peer == "" {
		peer = r.Peer.Prefix.String()
		if r.Peer.Prefix.Bits() == 0 {
			peer = "*"
		}
	}
	b.Properties.SourceAddressPrefix, b.Properties.DestinationAddressPrefix = peer, "*"
	if r.Direction == model.Egress {
		b.Properties.SourceAddressPrefix, b.Properties.DestinationAddressPrefix = "*", peer
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
		j := ruleByName(rs.Rules, name)
		if j < 0 {
			deleteDone(q, "", false)
			return
		}
		if _, err := s.cloud.ReplaceRules(q.sub, model.FlavorNSG, rs.ID, slices.Delete(slices.Clone(rs.Rules), j, j+1)); err != nil {
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
	in.Name = name
	r, err := ruleIn(in)
	if err != nil {
		writeError(q.w, err)
		return
	}
	rules := slices.Clone(rs.Rules)
	j := ruleByName(rules, name)
	if j >= 0 {
		r.Name = rules[j].Name
		rules = slices.Delete(rules, j, j+1)
	}
	for _, o := range rules {
		if o.Direction == r.Direction && o.Priority == r.Priority {
			writeError(q.w, conflict(name, o.Name))
			return
		}
	}
	if _, err := s.cloud.ReplaceRules(q.sub, model.FlavorNSG, rs.ID, append(rules, r)); err != nil {
		writeError(q.w, err)
		return
	}
	rs, _ = s.cloud.RuleSet(q.sub, model.FlavorNSG, rs.ID)
	out := ruleOut(rs.ID, rs.Rules[ruleByName(rs.Rules, name)])
	putDone(q, j < 0, rs.Region, out)
}
