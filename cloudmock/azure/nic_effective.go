package azure

import (
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// A NIC's effective routes and security rules: POST actions that Azure
// answers as long-running operations (202 and a Location whose result is
// the list). The operation's ID names the NIC and the action, so that
// the result is computed, from the model, when the client fetches it.
// Azure: https://learn.microsoft.com/en-us/rest/api/virtualnetwork/network-interfaces/get-effective-route-table — POST, 200 or 202 with Location; a list of EffectiveRoute
// Azure: https://learn.microsoft.com/en-us/rest/api/virtualnetwork/network-interfaces/list-effective-network-security-groups — POST, 200 or 202 with Location; a list of EffectiveNetworkSecurityGroup

// nicActions are the POST actions of a network interface, by lower-case name.
var nicActions = map[string]func(s *Server, e model.NetworkInterface) (any, error){
	"effectiveroutetable":            (*Server).effectiveRoutes,
	"effectivenetworksecuritygroups": (*Server).effectiveNSGs,
}

// serveNICAction answers POST .../networkInterfaces/N/ACTION: 202 with a
// Location to the result.
func (s *Server) serveNICAction(q *request, group, name, action string) {
	if q.Method != http.MethodPost {
		methodNotAllowed(q)
		return
	}
	e, err := s.nicByName(q.sub, group, name)
	if err != nil {
		writeError(q.w, err)
		return
	}
	acceptAction(q, e.Region, "nic."+base64.RawURLEncoding.EncodeToString([]byte(e.Scope+"/"+e.Name+"/"+lower(action))))
}

// acceptAction answers a POST action as a long-running operation: 202
// with a Location (the operation tok of region) to its result.
func acceptAction(q *request, region, tok string) {
	h := q.w.Header()
	h.Set("Location", q.base+"/subscriptions/"+q.sub+"/providers/Microsoft.Network/locations/"+region+"/operationResults/"+tok+
		"?api-version="+q.URL.Query().Get("api-version"))
	h.Set("Retry-After", "0")
	q.w.WriteHeader(http.StatusAccepted)
}

// nicActionResult answers the Location of a NIC action: the action's
// result now; ok is false for another operation.
func (s *Server) nicActionResult(q *request, tok string) bool {
	raw, found := strings.CutPrefix(tok, "nic.")
	if !found {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(raw)
	parts := strings.Split(string(b), "/")
	if err != nil || len(parts) != 3 || nicActions[parts[2]] == nil {
		writeError(q.w, fail(http.StatusNotFound, "NotFound", "The operation '%s' was not found.", clip(tok)))
		return true
	}
	e, err := s.nicByName(q.sub, parts[0], parts[1])
	if err != nil {
		writeError(q.w, err)
		return true
	}
	v, err := nicActions[parts[2]](s, e)
	if err != nil {
		writeError(q.w, err)
		return true
	}
	writeJSON(q.w, http.StatusOK, v)
	return true
}

// effectiveRouteBody is an effective route on the wire.
type effectiveRouteBody struct {
	Name                       string   `json:"name,omitempty"`
	DisableBgpRoutePropagation bool     `json:"disableBgpRoutePropagation"`
	Source                     string   `json:"source"`
	State                      string   `json:"state"`
	AddressPrefix              []string `json:"addressPrefix"`
	NextHopIPAddress           []string `json:"nextHopIpAddress"`
	NextHopType                string   `json:"nextHopType"`
}

// effectiveNextHops are Azure's next-hop types of effective routes.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-networks-udr-overview#system-routes — Virtual network, Internet, None, VNet peering, Virtual network gateway, Virtual appliance
var effectiveNextHops = map[model.TargetKind]string{
	model.TargetNetworkLocal: "VnetLocal", model.TargetInternet: "Internet", model.TargetBlackhole: "None",
	model.TargetPeering: "VNetPeering", model.TargetNetworkGateway: "VirtualNetworkGateway", model.TargetAddress: "VirtualAppliance",
}

// effectiveRoutes lists a NIC's routes: its subnet's system routes and
// user-defined routes, the ones not in force Invalid.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/diagnose-network-routing-problem — effective routes: source Default, User or VirtualNetworkGateway; state Active or Invalid
func (s *Server) effectiveRoutes(e model.NetworkInterface) (any, error) {
	routes, err := s.cloud.EffectiveRoutes(e.Account, e.SubnetID)
	if err != nil {
		return nil, err
	}
	out := []effectiveRouteBody{}
	for _, r := range routes {
		b := effectiveRouteBody{Name: r.Name, Source: string(r.Source), State: map[bool]string{true: "Active", false: "Invalid"}[r.Active],
			AddressPrefix: []string{r.Destination.String()}, NextHopIPAddress: []string{}, NextHopType: effectiveNextHops[r.Target.Kind]}
		if r.Target.Addr.IsValid() {
			b.NextHopIPAddress = []string{r.Target.Addr.String()}
		}
		out = append(out, b)
	}
	return map[string]any{"value": out}, nil
}

// effectiveRuleBody is an effective security rule on the wire.
type effectiveRuleBody struct {
	Name                             string   `json:"name"`
	Protocol                         string   `json:"protocol"`
	SourcePortRange                  string   `json:"sourcePortRange"`
	DestinationPortRange             string   `json:"destinationPortRange"`
	SourceAddressPrefix              string   `json:"sourceAddressPrefix"`
	DestinationAddressPrefix         string   `json:"destinationAddressPrefix"`
	ExpandedSourceAddressPrefix      []string `json:"expandedSourceAddressPrefix"`
	ExpandedDestinationAddressPrefix []string `json:"expandedDestinationAddressPrefix"`
	Access                           string   `json:"access"`
	Priority                         int32    `json:"priority"`
	Direction                        string   `json:"direction"`
}

// effectiveNSGs lists the NSGs that filter a NIC: its subnet's, then its
// own, each with its rules and the default rules in priority order, and
// the VirtualNetwork tag's prefixes.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/network-security-group-how-it-works — inbound: the subnet's NSG then the NIC's; outbound: the NIC's then the subnet's
func (s *Server) effectiveNSGs(e model.NetworkInterface) (any, error) {
	vnetTag, err := s.cloud.VirtualNetworkTag(e.Account, e.SubnetID)
	if err != nil {
		return nil, err
	}
	var tag []string
	for _, p := range vnetTag {
		tag = append(tag, p.String())
	}
	out := []any{}
	add := func(nsgID string, assoc map[string]ref) {
		rs, err := s.cloud.RuleSet(e.Account, model.FlavorNSG, nsgID)
		if err != nil {
			return
		}
		var rules []effectiveRuleBody
		for _, r := range append(nsgOut(rs).Properties.SecurityRules, defaultRules(rs.ID)...) {
			rules = append(rules, effectiveRule(r, tag))
		}
		out = append(out, map[string]any{"networkSecurityGroup": ref{ID: rs.ID}, "association": assoc,
			"effectiveSecurityRules": rules, "tagMap": map[string][]string{"VirtualNetwork": tag}})
	}
	if n, ok := s.nsgOfSubnets(e.Account)[e.SubnetID]; ok {
		add(n[0], map[string]ref{"subnet": {ID: e.SubnetID}})
	}
	for _, id := range e.SecurityGroupIDs {
		add(id, map[string]ref{"networkInterface": {ID: e.ID}})
	}
	return map[string]any{"value": out}, nil
}

// effectiveRule turns a rule into its effective form: ranges as lo-hi,
// * as 0.0.0.0/0 and the VirtualNetwork tag expanded.
func effectiveRule(r ruleBody, vnetTag []string) effectiveRuleBody {
	p := r.Properties
	kind := "securityRules/"
	if strings.Contains(r.Type, "defaultSecurityRules") {
		kind = "defaultSecurityRules/"
	}
	port := func(v string) string {
		if v == "*" || v == "" {
			return "0-65535"
		}
		if !strings.Contains(v, "-") {
			return v + "-" + v
		}
		return v
	}
	addr := func(v string) (string, []string) {
		switch lower(v) {
		case "*", "":
			return "0.0.0.0/0", []string{}
		case "virtualnetwork":
			return "VirtualNetwork", vnetTag
		}
		return v, []string{}
	}
	b := effectiveRuleBody{Name: kind + r.Name, Protocol: p.Protocol, SourcePortRange: port(p.SourcePortRange),
		DestinationPortRange: port(p.DestinationPortRange), Access: p.Access, Direction: p.Direction}
	if b.Protocol == "*" {
		b.Protocol = "All"
	}
	if p.Priority != nil {
		b.Priority = *p.Priority
	}
	b.SourceAddressPrefix, b.ExpandedSourceAddressPrefix = addr(p.SourceAddressPrefix)
	b.DestinationAddressPrefix, b.ExpandedDestinationAddressPrefix = addr(p.DestinationAddressPrefix)
	return b
}
