package azure

import (
	"net/http"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// NAT gateways: model NAT gateways of no subnet (CreateSubnetNATAt) with
// a name in a resource group and their public IPs; a subnet is
// associated through its natGateway property, which the gateway lists as
// its subnets.
// Azure: https://learn.microsoft.com/en-us/rest/api/virtualnetwork/nat-gateways — create or update, get, list, list all, delete

// natBody is a NAT gateway on the wire.
type natBody struct {
	resourceHead
	SKU        *publicIPSKU `json:"sku,omitempty"`
	Zones      []string     `json:"zones,omitempty"`
	Properties natProps     `json:"properties"`
}

type natProps struct {
	IdleTimeoutInMinutes *int32 `json:"idleTimeoutInMinutes,omitempty"`
	PublicIPAddresses    []ref  `json:"publicIpAddresses"`
	PublicIPPrefixes     []ref  `json:"publicIpPrefixes"`
	Subnets              []ref  `json:"subnets,omitempty"`
	ResourceGUID         string `json:"resourceGuid,omitempty"`
	ProvisioningState    string `json:"provisioningState,omitempty"`
}

const natType = "Microsoft.Network/natGateways"

// natOut renders a gateway with its addresses and subnets.
// Azure: https://learn.microsoft.com/en-us/rest/api/virtualnetwork/nat-gateways/get — sku Standard, idleTimeoutInMinutes 4 by default
func natOut(g model.NATGateway) natBody {
	b := natBody{resourceHead: resourceHead{ID: g.ID, Name: g.Name, Type: natType, Location: g.Region, Tags: g.Tags},
		SKU: &publicIPSKU{Name: "Standard"}}
	p := &b.Properties
	idle := int32(4)
	p.IdleTimeoutInMinutes, p.PublicIPAddresses, p.PublicIPPrefixes = &idle, []ref{}, []ref{}
	for _, id := range append([]string{g.AllocationID}, g.MoreAllocationIDs...) {
		if id != "" {
			p.PublicIPAddresses = append(p.PublicIPAddresses, ref{ID: id})
		}
	}
	for _, id := range g.Serves {
		p.Subnets = append(p.Subnets, ref{ID: id})
	}
	p.ResourceGUID, p.ProvisioningState = guidOf(g.ID+g.Handle), "Succeeded"
	b.Etag = etagOf(b)
	return b
}

// natByName returns the group's NAT gateway with the name.
func (s *Server) natByName(sub, group, name string) (model.NATGateway, error) {
	if id, err := s.cloud.ByName(sub, group, model.KindNATGateway, name); err == nil {
		if g, err := s.cloud.NATGateway(sub, id); err == nil && g.SubnetID == "" {
			return g, nil
		}
	}
	return model.NATGateway{}, notFound("natGateways", name, group)
}

func (s *Server) listNATs(q *request, group string) ([]any, error) {
	var items []any
	for _, g := range s.cloud.NATGateways(q.sub) {
		if g.Name != "" && g.SubnetID == "" && g.State != model.StateDeleted && inGroup(g.Scope, group) {
			items = append(items, natOut(g))
		}
	}
	return items, nil
}

// serveNAT answers one NAT gateway's methods.
func (s *Server) serveNAT(q *request, group, name string) {
	serveResource(q, group, name, resource[model.NATGateway]{
		find: s.natByName, out: func(g model.NATGateway) any { return natOut(g) }, put: s.putNAT,
		del: s.deleteNAT, region: func(g model.NATGateway) string { return g.Region }})
}

// deleteNAT deletes a gateway that no subnet uses.
// Azure: https://learn.microsoft.com/en-us/azure/nat-gateway/manage-nat-gateway#remove-a-nat-gateway-from-an-existing-subnet-and-delete-the-resource — dissociate the subnets first (InUseNatGatewayCannotBeDeleted)
func (s *Server) deleteNAT(sub string, g model.NATGateway) error {
	if len(g.Serves) > 0 {
		return fail(http.StatusBadRequest, "InUseNatGatewayCannotBeDeleted",
			"Nat Gateway %s is in use by subnet %s and cannot be deleted. In order to delete the Nat Gateway, remove the association with the subnet.", g.ID, g.Serves[0])
	}
	return s.cloud.DeleteNATGateway(sub, g.ID)
}

// natAddresses resolves a body's public IPs: Standard ones of the
// gateway's region that nothing else uses.
// Azure: https://learn.microsoft.com/en-us/azure/nat-gateway/nat-gateway-resource#nat-gateway-configurations — up to 16 Standard SKU public IP addresses
func (s *Server) natAddresses(q *request, self, loc string, in natBody) ([]string, error) {
	if len(in.Properties.PublicIPPrefixes) > 0 {
		return nil, fail(http.StatusBadRequest, "InvalidRequestFormat", "NAT gateway %s: the lab does not model public IP prefixes yet.", clip(self))
	}
	if len(in.Properties.PublicIPAddresses) > 16 {
		return nil, fail(http.StatusBadRequest, "InvalidRequestFormat",
			"NAT gateway %s cannot have more than 16 public IP addresses and prefixes.", clip(self))
	}
	var ids []string
	for _, r := range in.Properties.PublicIPAddresses {
		id, _, err := s.refTo(q.sub, r.ID, "publicipaddresses", model.KindElasticIP, false)
		if err != nil {
			return nil, err
		}
		e, err := s.cloud.ElasticIP(q.sub, id)
		if err != nil {
			return nil, badRef(r.ID)
		}
		if e.Region != loc {
			return nil, badRef(r.ID)
		}
		if e.Associate != "" && !strings.EqualFold(e.Associate, self) {
			return nil, fail(http.StatusBadRequest, "PublicIPAddressInUse",
				"Resource %s is referencing public IP address %s that is already allocated to resource %s.", clip(self), e.ID, e.Associate)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// putNAT creates or updates a NAT gateway.
// Azure: https://learn.microsoft.com/en-us/rest/api/virtualnetwork/nat-gateways/create-or-update — 201 when created, 200 when updated; sku Standard
func (s *Server) putNAT(q *request, group, name string) {
	var in natBody
	if err := decodeBody(q.Request, &in); err != nil {
		writeError(q.w, err)
		return
	}
	loc, err := location(in.Location, "LocationNotAvailableForResourceType")
	if err != nil {
		writeError(q.w, err)
		return
	}
	if in.SKU != nil && in.SKU.Name != "" && !strings.EqualFold(in.SKU.Name, "Standard") {
		writeError(q.w, fail(http.StatusBadRequest, "InvalidRequestFormat", "Cannot parse the request: the NAT gateway SKU '%s' is not Standard.", clip(in.SKU.Name)))
		return
	}
	self := "/subscriptions/" + q.sub + "/resourceGroups/" + group + "/providers/" + natType + "/" + name
	ids, err := s.natAddresses(q, self, loc, in)
	if err != nil {
		writeError(q.w, err)
		return
	}
	g, err := s.natByName(q.sub, group, name)
	created := err != nil
	if created {
		sc, gerr := s.group(q.sub, group)
		if gerr != nil {
			writeError(q.w, gerr)
			return
		}
		g, err = s.cloud.CreateSubnetNATAt(q.sub, model.Place{Region: loc, Scope: sc.Name, Name: name}, ids, in.Tags)
	} else if err = sameRegion(name, g.Region, g.Scope, loc); err == nil {
		if err = s.cloud.SetNATAddresses(q.sub, g.ID, ids); err == nil {
			err = s.cloud.ReplaceTags(q.sub, g.ID, in.Tags)
		}
	}
	if err != nil {
		writeError(q.w, err)
		return
	}
	g, _ = s.cloud.NATGateway(q.sub, g.ID)
	putDone(q, created, loc, natOut(g))
}

// natOfSubnets maps each subnet to the NAT gateway that serves it.
func (s *Server) natOfSubnets(sub string) map[string]string {
	out := map[string]string{}
	for _, g := range s.cloud.NATGateways(sub) {
		for _, id := range g.Serves {
			out[id] = g.ID
		}
	}
	return out
}
