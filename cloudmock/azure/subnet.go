package azure

import (
	"net/http"
	"net/netip"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// Subnets: model subnets whose scope is "group/vnet" (profile_azure.go),
// inline in their virtual network and addressable on their own.
// Azure: https://learn.microsoft.com/en-us/rest/api/virtualnetwork/subnets — create or update, get, list, delete

// subnetBody is a subnet on the wire.
type subnetBody struct {
	ID         string      `json:"id,omitempty"`
	Name       string      `json:"name,omitempty"`
	Type       string      `json:"type,omitempty"`
	Etag       string      `json:"etag,omitempty"`
	Properties subnetProps `json:"properties"`
}

type subnetProps struct {
	AddressPrefix                     string   `json:"addressPrefix,omitempty"`
	AddressPrefixes                   []string `json:"addressPrefixes,omitempty"`
	NetworkSecurityGroup              *ref     `json:"networkSecurityGroup,omitempty"`
	RouteTable                        *ref     `json:"routeTable,omitempty"`
	NatGateway                        *ref     `json:"natGateway,omitempty"`
	IPConfigurations                  []ref    `json:"ipConfigurations,omitempty"`
	Delegations                       []any    `json:"delegations"`
	PrivateEndpointNetworkPolicies    string   `json:"privateEndpointNetworkPolicies,omitempty"`
	PrivateLinkServiceNetworkPolicies string   `json:"privateLinkServiceNetworkPolicies,omitempty"`
	ProvisioningState                 string   `json:"provisioningState,omitempty"`
}

const subnetType = "Microsoft.Network/virtualNetworks/subnets"

// subnetOut renders a subnet with its NSG and interfaces.
// Azure: https://learn.microsoft.com/en-us/rest/api/virtualnetwork/subnets/get — privateEndpointNetworkPolicies Disabled, privateLinkServiceNetworkPolicies Enabled by default
func subnetOut(sn model.Subnet, l subnetLinks) subnetBody {
	b := subnetBody{ID: sn.ID, Name: sn.Name, Type: subnetType, Properties: subnetProps{
		AddressPrefix: sn.Prefix.String(), Delegations: []any{}, IPConfigurations: l.ipcs[sn.ID],
		PrivateEndpointNetworkPolicies: "Disabled", PrivateLinkServiceNetworkPolicies: "Enabled", ProvisioningState: "Succeeded",
	}}
	if n, ok := l.nsgs[sn.ID]; ok {
		b.Properties.NetworkSecurityGroup = &ref{ID: n[0]}
	}
	if t, ok := l.tables[sn.ID]; ok {
		b.Properties.RouteTable = &ref{ID: t[0]}
	}
	if g, ok := l.nats[sn.ID]; ok {
		b.Properties.NatGateway = &ref{ID: g}
	}
	b.Etag = etagOf(b)
	return b
}

// subnetLinks are what subnets are associated with, by subnet ID: NSGs
// and route tables (with the association's ID), NICs' IP configurations
// and NAT gateways.
type subnetLinks struct {
	nsgs, tables map[string][2]string
	ipcs         map[string][]ref
	nats         map[string]string
}

// linksOf gathers the subscription's subnet links.
func (s *Server) linksOf(sub string) subnetLinks {
	return subnetLinks{nsgs: s.nsgOfSubnets(sub), tables: s.tableOfSubnets(sub), ipcs: s.ipConfigs(sub), nats: s.natOfSubnets(sub)}
}

// subnetPlan is a checked subnet of a request.
type subnetPlan struct {
	name   string
	prefix netip.Prefix
	nsg    string // the NSG's model ID, or empty
	table  string // the route table's model ID, or empty
	nat    string // the NAT gateway's model ID, or empty
}

// planSubnets checks a network's subnets as Azure does before it changes
// anything: names, prefixes inside the address space, no overlaps, NSGs
// that exist.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-network-manage-subnet — a subnet's range is within the virtual network's address space and overlaps no other subnet
func (s *Server) planSubnets(sub, vnet string, space []netip.Prefix, in []subnetBody) ([]subnetPlan, error) {
	var out []subnetPlan
	for _, b := range in {
		p, err := s.planSubnet(sub, vnet, space, b)
		if err != nil {
			return nil, err
		}
		for _, o := range out {
			if strings.EqualFold(o.name, p.name) {
				return nil, fail(http.StatusBadRequest, "InvalidRequestFormat", "Cannot parse the request: subnet '%s' appears twice.", clip(p.name))
			}
			if o.prefix.Overlaps(p.prefix) {
				return nil, overlap(p.name, vnet)
			}
		}
		out = append(out, p)
	}
	return out, nil
}

func overlap(name, vnet string) error {
	return fail(http.StatusBadRequest, "NetcfgSubnetRangesOverlap",
		"Subnet '%s' is not valid in virtual network '%s' because its IP address range overlaps with that of an existing subnet in virtual network.", clip(name), clip(vnet))
}

// planSubnet checks one subnet of a request.
func (s *Server) planSubnet(sub, vnet string, space []netip.Prefix, b subnetBody) (subnetPlan, error) {
	if b.Name == "" {
		return subnetPlan{}, fail(http.StatusBadRequest, "InvalidRequestFormat", "Cannot parse the request: a subnet has no name.")
	}
	a := b.Properties.AddressPrefix
	if a == "" && len(b.Properties.AddressPrefixes) > 0 {
		a = b.Properties.AddressPrefixes[0]
	}
	p, err := parsePrefix(a)
	if err != nil {
		return subnetPlan{}, err
	}
	// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-networks-faq#how-small-and-how-large-can-virtual-networks-and-subnets-be — the smallest IPv4 subnet is /29, the largest /2
	if p.Bits() < 2 || p.Bits() > 29 {
		return subnetPlan{}, fail(http.StatusBadRequest, "NetcfgInvalidSubnet", "Subnet '%s' is not valid in virtual network '%s'.", clip(b.Name), clip(vnet))
	}
	inside := false
	for _, v := range space {
		inside = inside || v.Bits() <= p.Bits() && v.Contains(p.Addr())
	}
	if !inside {
		return subnetPlan{}, fail(http.StatusBadRequest, "NetcfgSubnetRangeOutsideVnet",
			"Subnet '%s' is not valid because its IP address range is outside the IP address range of virtual network '%s'.", clip(b.Name), clip(vnet))
	}
	plan := subnetPlan{name: b.Name, prefix: p}
	if r := b.Properties.NetworkSecurityGroup; r != nil && r.ID != "" {
		if plan.nsg, err = s.resolveRef(sub, r.ID, "networkSecurityGroups", model.KindNetworkSecurityGroup); err != nil {
			return subnetPlan{}, err
		}
		if isGatewaySubnetName(b.Name) {
			return subnetPlan{}, errNSGOnGatewaySubnet(r.ID)
		}
	}
	if r := b.Properties.RouteTable; r != nil && r.ID != "" {
		if plan.table, err = s.resolveRef(sub, r.ID, "routeTables", model.KindRouteTable); err != nil {
			return subnetPlan{}, err
		}
	}
	if r := b.Properties.NatGateway; r != nil && r.ID != "" {
		if plan.nat, _, err = s.refTo(sub, r.ID, "natgateways", model.KindNATGateway, false); err != nil {
			return subnetPlan{}, err
		}
	}
	return plan, nil
}

// resolveRef finds the model object an ARM reference names, by names.
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/troubleshooting/error-not-found — InvalidResourceReference: a referenced resource was not found
func (s *Server) resolveRef(sub, id, typ string, kind model.Kind) (string, error) {
	w := splitPath(id)
	bad := fail(http.StatusBadRequest, "InvalidResourceReference", "Resource %s referenced by the request was not found.", clip(id))
	if len(w) != 8 || lower(w[0]) != "subscriptions" || !strings.EqualFold(w[1], sub) || lower(w[2]) != "resourcegroups" ||
		lower(w[4]) != "providers" || lower(w[5]) != "microsoft.network" || lower(w[6]) != lower(typ) {
		return "", bad
	}
	got, err := s.cloud.ByName(sub, w[3], kind, w[7])
	if err != nil {
		return "", bad
	}
	return got, nil
}

// syncSubnets makes a network's subnets those of the plans: it deletes
// the others, re-creates one whose prefix changed, and sets each NSG.
func (s *Server) syncSubnets(n model.Network, plans []subnetPlan) error {
	have := map[string]model.Subnet{}
	for _, sn := range s.cloud.Subnets(n.Account) {
		if sn.NetworkID == n.ID {
			have[lower(sn.Name)] = sn
		}
	}
	keep := map[string]bool{}
	for _, p := range plans {
		keep[lower(p.name)] = true
	}
	for _, k := range sortedKeys(have) {
		if !keep[k] {
			if err := s.deleteSubnet(n.Account, have[k]); err != nil {
				return err
			}
		}
	}
	for _, p := range plans {
		old, ok := have[lower(p.name)]
		if err := s.applySubnet(n, p, old, ok); err != nil {
			return err
		}
	}
	return nil
}

// applySubnet makes one subnet as planned and returns nothing but errors.
func (s *Server) applySubnet(n model.Network, p subnetPlan, old model.Subnet, exists bool) error {
	id := old.ID
	if exists && old.Prefix != p.prefix {
		if err := s.deleteSubnet(n.Account, old); err != nil {
			return err
		}
		exists = false
	}
	if !exists {
		sn, err := s.cloud.CreateSubnetAt(n.Account, n.ID, model.Place{Scope: n.Scope + "/" + n.Name, Name: p.name}, p.prefix, "", nil)
		switch codeOf(err) {
		case "":
		case model.CodeConflict:
			return overlap(p.name, n.Name)
		case model.CodeInvalidRange:
			return fail(http.StatusBadRequest, "NetcfgInvalidSubnet", "Subnet '%s' is not valid in virtual network '%s'.", clip(p.name), n.Name)
		default:
			return err
		}
		id = sn.ID
	}
	if err := s.setSubnetNSG(n.Account, id, p.nsg); err != nil {
		return err
	}
	if err := s.setSubnetNAT(n.Account, id, p.nat); err != nil {
		return err
	}
	return s.setSubnetRouteTable(n.Account, id, p.table)
}

// setSubnetNSG associates the subnet with the NSG (none when nsg is
// empty), replacing the one it had.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/network-security-group-how-it-works — a subnet has at most one NSG
func (s *Server) setSubnetNSG(sub, subnetID, nsg string) error {
	cur, has := s.nsgOfSubnets(sub)[subnetID]
	if has && cur[0] == nsg {
		return nil
	}
	if has {
		if err := s.cloud.DetachRuleSet(sub, cur[1]); err != nil {
			return err
		}
	}
	if nsg == "" {
		return nil
	}
	_, err := s.cloud.AttachRuleSet(sub, model.FlavorNSG, nsg, model.Attachment{Kind: model.OnSubnet, TargetID: subnetID})
	if codeOf(err) == model.CodeInvalidParameter {
		return fail(http.StatusBadRequest, "NetworkSecurityGroupInDifferentRegion", "%s", err.Error())
	}
	return err
}

// deleteSubnet deletes a subnet that no interface uses.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-network-manage-subnet#delete-a-subnet — a subnet with resources in it cannot be deleted (InUseSubnetCannotBeDeleted)
func (s *Server) deleteSubnet(sub string, sn model.Subnet) error {
	err := s.cloud.DeleteSubnet(sub, sn.ID)
	if codeOf(err) == model.CodeDependency {
		return fail(http.StatusBadRequest, "InUseSubnetCannotBeDeleted",
			"Subnet %s is in use and cannot be deleted. In order to delete the subnet, delete all the resources within the subnet. See aka.ms/deletesubnet. (%s)", sn.Name, err.Error())
	}
	return err
}

// setSubnetNAT makes a NAT gateway serve the subnet (none when nat is
// empty), in place of the one that did.
// Azure: https://learn.microsoft.com/en-us/azure/nat-gateway/nat-gateway-resource — a subnet has at most one NAT gateway, of its region and virtual network's
func (s *Server) setSubnetNAT(sub, subnetID, nat string) error {
	if s.natOfSubnets(sub)[subnetID] == nat {
		return nil
	}
	err := s.cloud.SetSubnetNAT(sub, subnetID, nat)
	if codeOf(err) == model.CodeInvalidParameter {
		return fail(http.StatusBadRequest, "InvalidRequestFormat", "%s", err.Error())
	}
	return err
}
