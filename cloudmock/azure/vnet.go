package azure

import (
	"net/http"
	"net/netip"
	"slices"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// Virtual networks: model networks with an ARM name in a resource group.
// Azure: https://learn.microsoft.com/en-us/rest/api/virtualnetwork/virtual-networks — create or update, get, list, list all, delete

// vnetBody is a virtual network on the wire.
type vnetBody struct {
	resourceHead
	Properties vnetProps `json:"properties"`
}

type vnetProps struct {
	AddressSpace           *addressSpace `json:"addressSpace,omitempty"`
	DhcpOptions            *dhcpOptions  `json:"dhcpOptions,omitempty"`
	Subnets                []subnetBody  `json:"subnets"`
	VirtualNetworkPeerings []peeringBody `json:"virtualNetworkPeerings"`
	EnableDdosProtection   *bool         `json:"enableDdosProtection,omitempty"`
	ResourceGUID           string        `json:"resourceGuid,omitempty"`
	ProvisioningState      string        `json:"provisioningState,omitempty"`
}

type addressSpace struct {
	AddressPrefixes []string `json:"addressPrefixes"`
}

type dhcpOptions struct {
	DNSServers []string `json:"dnsServers"`
}

const vnetType = "Microsoft.Network/virtualNetworks"

// networkByName returns the group's virtual network with the name.
func (s *Server) networkByName(sub, group, name string) (model.Network, error) {
	id, err := s.cloud.ByName(sub, group, model.KindNetwork, name)
	if err != nil {
		return model.Network{}, notFound("virtualNetworks", name, group)
	}
	return s.cloud.Network(sub, id)
}

// nsgOfSubnets maps each subnet to the NSG attached to it and the
// attachment's ID.
func (s *Server) nsgOfSubnets(sub string) map[string][2]string {
	out := map[string][2]string{}
	for _, rs := range s.cloud.RuleSets(sub, model.FlavorNSG) {
		for _, a := range rs.Attachments {
			if a.Kind == model.OnSubnet {
				out[a.TargetID] = [2]string{rs.ID, a.ID}
			}
		}
	}
	return out
}

// vnetOut renders a network with its subnets.
// Azure: https://learn.microsoft.com/en-us/rest/api/virtualnetwork/virtual-networks/get — enableDdosProtection false, dhcpOptions, subnets and peerings inline
func (s *Server) vnetOut(n model.Network) vnetBody {
	b := vnetBody{resourceHead: resourceHead{ID: n.ID, Name: n.Name, Type: vnetType, Location: n.Region, Tags: n.Tags}}
	p := &b.Properties
	p.AddressSpace = &addressSpace{}
	for _, c := range n.CIDRs {
		p.AddressSpace.AddressPrefixes = append(p.AddressSpace.AddressPrefixes, c.Prefix.String())
	}
	p.DhcpOptions = &dhcpOptions{DNSServers: []string{}}
	p.Subnets, p.VirtualNetworkPeerings = []subnetBody{}, []peeringBody{}
	for _, sd := range s.sidesOf(n.Account, n) {
		p.VirtualNetworkPeerings = append(p.VirtualNetworkPeerings, s.peeringOut(n.ID, sd))
	}
	p.EnableDdosProtection = new(bool)
	p.ResourceGUID, p.ProvisioningState = guidOf(n.ID+n.Handle), "Succeeded"
	links := s.linksOf(n.Account)
	for _, sn := range s.cloud.Subnets(n.Account) {
		if sn.NetworkID == n.ID {
			p.Subnets = append(p.Subnets, subnetOut(sn, links))
		}
	}
	b.Etag = etagOf(b)
	return b
}

// ipConfigs lists the interfaces of each subnet as ARM ipConfigurations.
func (s *Server) ipConfigs(sub string) map[string][]ref {
	out := map[string][]ref{}
	for _, e := range s.cloud.NetworkInterfaces(sub) {
		out[e.SubnetID] = append(out[e.SubnetID], ref{ID: e.ID + "/ipConfigurations/" + ipConfigName(e)})
	}
	return out
}

func (s *Server) listVNets(q *request, group string) ([]any, error) {
	var items []any
	for _, n := range s.cloud.Networks(q.sub) {
		if n.Name != "" && inGroup(n.Scope, group) {
			items = append(items, s.vnetOut(n))
		}
	}
	return items, nil
}

// serveVNet answers one virtual network's methods.
func (s *Server) serveVNet(q *request, group, name string) {
	serveResource(q, group, name, resource[model.Network]{
		find: s.networkByName, out: func(n model.Network) any { return s.vnetOut(n) }, put: s.putVNet,
		del: s.deleteNetwork, region: func(n model.Network) string { return n.Region }})
}

// deleteNetwork deletes a virtual network with its subnets; a subnet in
// use stops it.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/manage-virtual-network#delete-a-virtual-network — a virtual network with connected resources cannot be deleted
func (s *Server) deleteNetwork(sub string, n model.Network) error {
	if err := s.deletePeerings(sub, n); err != nil {
		return err
	}
	for _, sn := range s.cloud.Subnets(sub) {
		if sn.NetworkID == n.ID {
			if err := s.deleteSubnet(sub, sn); err != nil {
				return err
			}
		}
	}
	return s.cloud.DeleteNetwork(sub, n.ID)
}

// putVNet creates or updates a virtual network and its inline subnets:
// the body is the whole network, so subnets it does not list are deleted.
// Azure: https://learn.microsoft.com/en-us/rest/api/virtualnetwork/virtual-networks/create-or-update — a PUT replaces the resource; subnets left out are removed
func (s *Server) putVNet(q *request, group, name string) {
	var in vnetBody
	if err := decodeBody(q.Request, &in); err != nil {
		writeError(q.w, err)
		return
	}
	loc, err := location(in.Location, "LocationNotAvailableForResourceType")
	if err != nil {
		writeError(q.w, err)
		return
	}
	prefixes, err := vnetPrefixes(in)
	if err != nil {
		writeError(q.w, err)
		return
	}
	plans, err := s.planSubnets(q.sub, name, prefixes, in.Properties.Subnets)
	if err != nil {
		writeError(q.w, err)
		return
	}
	n, err := s.networkByName(q.sub, group, name)
	created := err != nil
	if created {
		n, err = s.createVNet(q.sub, group, name, loc, prefixes, in.Tags)
	} else {
		err = s.updateVNet(n, loc, prefixes, in.Tags)
	}
	if err == nil {
		err = s.syncSubnets(n, plans)
	}
	if err != nil {
		if created && n.ID != "" {
			_ = s.deleteNetwork(q.sub, n)
		}
		writeError(q.w, err)
		return
	}
	n, _ = s.cloud.Network(q.sub, n.ID)
	putDone(q, created, loc, s.vnetOut(n))
}

// vnetPrefixes parses a body's address space.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/manage-virtual-network — a virtual network needs at least one address prefix
func vnetPrefixes(in vnetBody) ([]netip.Prefix, error) {
	if in.Properties.AddressSpace == nil || len(in.Properties.AddressSpace.AddressPrefixes) == 0 {
		return nil, fail(http.StatusBadRequest, "InvalidRequestFormat", "Cannot parse the request: the virtual network has no addressSpace.addressPrefixes.")
	}
	var out []netip.Prefix
	for _, a := range in.Properties.AddressSpace.AddressPrefixes {
		p, err := parsePrefix(a)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// parsePrefix parses an address prefix as Azure checks it.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-network-manage-subnet — the prefix must be in CIDR notation, its host bits zero
func parsePrefix(a string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(a)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, fail(http.StatusBadRequest, "InvalidAddressPrefixFormat", "Address prefix %s is not in a valid IPv4 CIDR format.", clip(a))
	}
	if p.Masked() != p {
		return netip.Prefix{}, fail(http.StatusBadRequest, "InvalidCIDRNotation",
			"The address prefix %s has an invalid CIDR notation. For the given prefix length, the address prefix should be %s.", a, p.Masked())
	}
	return p, nil
}

func (s *Server) createVNet(sub, group, name, loc string, prefixes []netip.Prefix, tags map[string]string) (model.Network, error) {
	g, err := s.group(sub, group)
	if err != nil {
		return model.Network{}, err
	}
	n, err := s.cloud.CreateNetworkAt(sub, model.Place{Region: loc, Scope: g.Name, Name: name}, prefixes[0], tags)
	if err != nil {
		return model.Network{}, vnetError(err, name)
	}
	for _, p := range prefixes[1:] {
		if _, err := s.cloud.AddNetworkCIDR(sub, n.ID, p); err != nil {
			return n, vnetError(err, name)
		}
	}
	return n, nil
}

// updateVNet adds new address prefixes and replaces the tags.
func (s *Server) updateVNet(n model.Network, loc string, prefixes []netip.Prefix, tags map[string]string) error {
	// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/move-resource-group-and-subscription — a resource's location cannot change
	if loc != n.Region {
		return fail(http.StatusBadRequest, "InvalidResourceLocation",
			"The resource '%s' already exists in location '%s' in resource group '%s'. A resource with the same name cannot be created in location '%s'.",
			n.Name, n.Region, n.Scope, loc)
	}
	for _, c := range n.CIDRs {
		if !slices.Contains(prefixes, c.Prefix) {
			return fail(http.StatusBadRequest, "InvalidRequestFormat",
				"The lab cannot remove the address prefix %s from virtual network '%s' (not modelled yet).", c.Prefix, n.Name)
		}
	}
	for _, p := range prefixes {
		if !slices.ContainsFunc(n.CIDRs, func(c model.CIDRBlock) bool { return c.Prefix == p }) {
			if _, err := s.cloud.AddNetworkCIDR(n.Account, n.ID, p); err != nil {
				return vnetError(err, n.Name)
			}
		}
	}
	return s.cloud.ReplaceTags(n.Account, n.ID, tags)
}

// vnetError maps a model error about a network's prefixes.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-networks-faq#how-small-and-how-large-can-virtual-networks-and-subnets-be — /2 to /29
func vnetError(err error, name string) error {
	switch codeOf(err) {
	case model.CodeInvalidRange, model.CodeConflict:
		return fail(http.StatusBadRequest, "InvalidAddressPrefix", "Virtual network '%s' has an invalid address prefix: %s", clip(name), err.Error())
	case model.CodeAlreadyExists:
		return fail(http.StatusConflict, "Conflict", "%s", err.Error())
	}
	return err
}
