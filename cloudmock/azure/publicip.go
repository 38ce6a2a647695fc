package azure

import (
	"net/http"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// Public IP addresses: model elastic IPs with a name in a resource group,
// from the lab's public pool (the emulated internet's documentation
// range); the SKU is the address's Tier, Dynamic allocation its Dynamic.
// Azure: https://learn.microsoft.com/en-us/rest/api/virtualnetwork/public-ip-addresses — create or update, get, list, list all, delete

// publicIPBody is a public IP address on the wire.
type publicIPBody struct {
	resourceHead
	SKU        *publicIPSKU  `json:"sku,omitempty"`
	Zones      []string      `json:"zones,omitempty"`
	Properties publicIPProps `json:"properties"`
}

type publicIPSKU struct {
	Name string `json:"name,omitempty"`
	Tier string `json:"tier,omitempty"`
}

type publicIPProps struct {
	IPAddress                string `json:"ipAddress,omitempty"`
	PublicIPAddressVersion   string `json:"publicIPAddressVersion,omitempty"`
	PublicIPAllocationMethod string `json:"publicIPAllocationMethod,omitempty"`
	IdleTimeoutInMinutes     *int32 `json:"idleTimeoutInMinutes,omitempty"`
	IPTags                   []any  `json:"ipTags"`
	IPConfiguration          *ref   `json:"ipConfiguration,omitempty"`
	NatGateway               *ref   `json:"natGateway,omitempty"`
	ResourceGUID             string `json:"resourceGuid,omitempty"`
	ProvisioningState        string `json:"provisioningState,omitempty"`
}

const publicIPType = "Microsoft.Network/publicIPAddresses"

// publicIPOut renders an address with what uses it: a NIC's IP
// configuration or a NAT gateway. A Dynamic address shows its address
// only while it is in use.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/ip-services/public-ip-addresses#ip-address-assignment — a dynamic address is assigned when the resource is associated, a static one at creation
func (s *Server) publicIPOut(e model.ElasticIP) publicIPBody {
	b := publicIPBody{resourceHead: resourceHead{ID: e.ID, Name: e.Name, Type: publicIPType, Location: e.Region, Tags: e.Tags}}
	b.SKU = &publicIPSKU{Name: e.Tier, Tier: "Regional"}
	p := &b.Properties
	idle := int32(4)
	p.PublicIPAddressVersion, p.IdleTimeoutInMinutes, p.IPTags = "IPv4", &idle, []any{}
	p.PublicIPAllocationMethod = map[bool]string{true: "Dynamic", false: "Static"}[e.Dynamic]
	if e.Associate != "" {
		if ni, err := s.cloud.NetworkInterface(e.Account, e.Associate); err == nil {
			p.IPConfiguration = &ref{ID: ni.ID + "/ipConfigurations/" + ipConfigName(ni)}
		} else {
			p.NatGateway = &ref{ID: e.Associate}
		}
	}
	if !e.Dynamic || e.Associate != "" {
		p.IPAddress = e.PublicIP.String()
	}
	p.ResourceGUID, p.ProvisioningState = guidOf(e.ID+e.Handle), "Succeeded"
	b.Etag = etagOf(b)
	return b
}

// publicIPByName returns the group's public IP with the name.
func (s *Server) publicIPByName(sub, group, name string) (model.ElasticIP, error) {
	return byName(s, sub, group, name, model.KindElasticIP, "publicIPAddresses", s.cloud.ElasticIP)
}

func (s *Server) listPublicIPs(q *request, group string) ([]any, error) {
	var items []any
	for _, e := range s.cloud.ElasticIPs(q.sub) {
		if e.Name != "" && inGroup(e.Scope, group) {
			items = append(items, s.publicIPOut(e))
		}
	}
	return items, nil
}

// servePublicIP answers one public IP's methods.
func (s *Server) servePublicIP(q *request, group, name string) {
	serveResource(q, group, name, resource[model.ElasticIP]{
		find: s.publicIPByName, out: func(e model.ElasticIP) any { return s.publicIPOut(e) }, put: s.putPublicIP,
		del: s.deletePublicIP, region: func(e model.ElasticIP) string { return e.Region }})
}

// deletePublicIP releases an address that nothing uses.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/ip-services/create-public-ip-portal#clean-up-resources — an address associated with a resource must be dissociated before it is deleted (PublicIPAddressCannotBeDeleted)
func (s *Server) deletePublicIP(sub string, e model.ElasticIP) error {
	if e.Associate != "" {
		user := e.Associate
		if ni, err := s.cloud.NetworkInterface(sub, e.Associate); err == nil {
			user = ni.ID + "/ipConfigurations/" + ipConfigName(ni)
		}
		return fail(http.StatusBadRequest, "PublicIPAddressCannotBeDeleted",
			"Public IP address %s can not be deleted since it is still allocated to resource %s. In order to delete the public IP, disassociate/detach the Public IP address from the resource.", e.ID, user)
	}
	return s.cloud.ReleaseAddress(sub, e.ID)
}

// publicIPClass checks a body's SKU and allocation method: Standard (the
// only SKU since Basic's retirement, accepted by the lab as older Azure
// did) is always Static; without a method, Standard is Static and Basic
// Dynamic.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/ip-services/public-ip-addresses#sku — Standard SKU addresses always use static allocation; Basic SKU addresses were retired on 30 September 2025
func publicIPClass(id string, in publicIPBody) (tier string, dynamic bool, err error) {
	tier = "Basic"
	if in.SKU != nil && in.SKU.Name != "" {
		switch lower(in.SKU.Name) {
		case "standard":
			tier = "Standard"
		case "basic":
		default:
			return "", false, fail(http.StatusBadRequest, "InvalidRequestFormat", "Cannot parse the request: the public IP SKU '%s' is not one of Basic, Standard.", clip(in.SKU.Name))
		}
	}
	switch lower(in.Properties.PublicIPAllocationMethod) {
	case "":
		dynamic = tier == "Basic"
	case "static":
	case "dynamic":
		dynamic = true
	default:
		return "", false, fail(http.StatusBadRequest, "InvalidRequestFormat", "Cannot parse the request: publicIPAllocationMethod '%s' is not one of Static, Dynamic.", clip(in.Properties.PublicIPAllocationMethod))
	}
	if v := in.Properties.PublicIPAddressVersion; v != "" && !strings.EqualFold(v, "IPv4") {
		return "", false, fail(http.StatusBadRequest, "InvalidRequestFormat", "Public IP %s: the lab does not model publicIPAddressVersion '%s' yet.", clip(id), clip(v))
	}
	if tier == "Standard" && dynamic {
		return "", false, fail(http.StatusBadRequest, "StandardAndStandardV2SkuPublicIPAddressesMustBeStatic",
			"Standard sku publicIp %s must have AllocationMethod set to Static.", clip(id))
	}
	return tier, dynamic, nil
}

// putPublicIP creates or updates a public IP; its SKU cannot change.
// Azure: https://learn.microsoft.com/en-us/rest/api/virtualnetwork/public-ip-addresses/create-or-update — 201 when created, 200 when updated
func (s *Server) putPublicIP(q *request, group, name string) {
	var in publicIPBody
	if err := decodeBody(q.Request, &in); err != nil {
		writeError(q.w, err)
		return
	}
	loc, err := location(in.Location, "LocationNotAvailableForResourceType")
	if err != nil {
		writeError(q.w, err)
		return
	}
	id := "/subscriptions/" + q.sub + "/resourceGroups/" + group + "/providers/" + publicIPType + "/" + name
	tier, dynamic, err := publicIPClass(id, in)
	if err != nil {
		writeError(q.w, err)
		return
	}
	e, err := s.publicIPByName(q.sub, group, name)
	created := err != nil
	if created {
		g, gerr := s.group(q.sub, group)
		if gerr != nil {
			writeError(q.w, gerr)
			return
		}
		e, err = s.cloud.AllocateAddressAt(q.sub, model.Place{Region: loc, Scope: g.Name, Name: name}, in.Tags)
	} else if err = sameRegion(name, e.Region, e.Scope, loc); err == nil && e.Tier != tier {
		// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/ip-services/public-ip-upgrade-portal — the SKU is set at creation
		err = fail(http.StatusBadRequest, "PropertyChangeNotAllowed",
			"Sku property is set at creation time and cannot be changed from %s to %s on resource update for resource %s.", e.Tier, tier, e.ID)
	} else if err == nil {
		err = s.cloud.ReplaceTags(q.sub, e.ID, in.Tags)
	}
	if err == nil {
		err = s.cloud.SetAddressClass(q.sub, e.ID, tier, dynamic)
	}
	if err != nil {
		if created && e.ID != "" {
			_ = s.cloud.ReleaseAddress(q.sub, e.ID)
		}
		writeError(q.w, err)
		return
	}
	e, _ = s.publicIPByName(q.sub, group, name)
	putDone(q, created, loc, s.publicIPOut(e))
}

// sameRegion refuses to move an existing resource to another location.
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/move-resource-group-and-subscription — a resource's location cannot change
func sameRegion(name, region, group, loc string) error {
	if loc == region {
		return nil
	}
	return fail(http.StatusBadRequest, "InvalidResourceLocation",
		"The resource '%s' already exists in location '%s' in resource group '%s'. A resource with the same name cannot be created in location '%s'.",
		name, region, group, loc)
}
