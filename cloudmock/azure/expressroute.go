package azure

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// ExpressRoute circuits are the lab's private lines (model Direct Connect
// connections, provisioned by the lab under the names its topology
// gives). A circuit PUT claims the subscription's line of the circuit's
// name (model.PlaceDXConnection): the lab is the connectivity provider,
// and its line is the circuit's, provisioned. Its SKU, service provider
// properties and private peering are kept in the line's attributes; a
// connection of type ExpressRoute from a virtual network gateway of type
// ExpressRoute to the circuit is a private virtual interface on the line
// with the peering's VLAN, ASN and primary /30, landing on that gateway
// (connections_er.go).
// Azure: https://learn.microsoft.com/en-us/rest/api/expressroute/express-route-circuits — create or update, get, list, list all, delete
// Azure: https://learn.microsoft.com/en-us/rest/api/expressroute/express-route-circuit-peerings — create or update, get, list, delete

// circuitBody is a circuit on the wire.
type circuitBody struct {
	resourceHead
	SKU        *circuitSKU  `json:"sku,omitempty"`
	Properties circuitProps `json:"properties"`
}

type circuitSKU struct {
	Name   string `json:"name,omitempty"`
	Tier   string `json:"tier,omitempty"`
	Family string `json:"family,omitempty"`
}

type circuitProps struct {
	ServiceProviderProperties        *serviceProvider `json:"serviceProviderProperties,omitempty"`
	CircuitProvisioningState         string           `json:"circuitProvisioningState,omitempty"`
	ServiceProviderProvisioningState string           `json:"serviceProviderProvisioningState,omitempty"`
	ServiceKey                       string           `json:"serviceKey,omitempty"`
	Peerings                         []erPeeringBody  `json:"peerings"`
	Authorizations                   []any            `json:"authorizations"`
	AllowClassicOperations           *bool            `json:"allowClassicOperations,omitempty"`
	GlobalReachEnabled               *bool            `json:"globalReachEnabled,omitempty"`
	GatewayManagerEtag               string           `json:"gatewayManagerEtag"`
	ProvisioningState                string           `json:"provisioningState,omitempty"`
}

type serviceProvider struct {
	ServiceProviderName string `json:"serviceProviderName,omitempty"`
	PeeringLocation     string `json:"peeringLocation,omitempty"`
	BandwidthInMbps     int32  `json:"bandwidthInMbps,omitempty"`
}

const circuitType = "Microsoft.Network/expressRouteCircuits"

// The attributes a claimed line keeps.
const (
	attrLocation = "azure.location"
	attrSKU      = "azure.sku"
	attrProvider = "azure.serviceProvider"
	attrPeering  = "azure.privatePeering"
)

// circuitID is a claimed line's ARM ID, from its place.
func circuitID(x model.DXConnection) string {
	return model.AzureID(x.Account, model.KindDXConnection, model.Place{Scope: x.Meta.Scope, Name: x.Meta.Name})
}

// circuitOut renders a circuit: Enabled, and Provisioned by the lab.
// Azure: https://learn.microsoft.com/en-us/rest/api/expressroute/express-route-circuits/get — circuitProvisioningState, serviceProviderProvisioningState (NotProvisioned, Provisioning, Provisioned, Deprovisioning), serviceKey
func (s *Server) circuitOut(x model.DXConnection) circuitBody {
	id := circuitID(x)
	b := circuitBody{resourceHead: resourceHead{ID: id, Name: x.Meta.Name, Type: circuitType, Location: x.Meta.Attrs[attrLocation], Tags: x.Tags}}
	b.SKU = &circuitSKU{}
	_ = json.Unmarshal([]byte(x.Meta.Attrs[attrSKU]), b.SKU)
	p := &b.Properties
	p.ServiceProviderProperties = &serviceProvider{}
	_ = json.Unmarshal([]byte(x.Meta.Attrs[attrProvider]), p.ServiceProviderProperties)
	no := false
	p.CircuitProvisioningState, p.ServiceProviderProvisioningState, p.ServiceKey = "Enabled", "Provisioned", guidOf(x.ID)
	p.AllowClassicOperations, p.GlobalReachEnabled, p.ProvisioningState = &no, &no, "Succeeded"
	p.Peerings, p.Authorizations = []erPeeringBody{}, authList(x)
	if pr, ok := peeringOf(x); ok {
		p.Peerings = append(p.Peerings, erPeeringOut(id, pr))
	}
	b.Etag = etagOf(b)
	return b
}

// circuitByName returns the group's circuit with the name: a line placed
// there under it.
func (s *Server) circuitByName(sub, group, name string) (model.DXConnection, error) {
	if x, ok := named(s, sub, group, model.KindDXConnection, name, s.cloud.DXConnections(sub), func(x model.DXConnection) string { return x.ID }); ok {
		return x, nil
	}
	return model.DXConnection{}, notFound("expressRouteCircuits", name, group)
}

func (s *Server) listCircuits(q *request, group string) ([]any, error) {
	var items []any
	for _, x := range s.cloud.DXConnections(q.sub) {
		if x.Meta.Name != "" && inGroup(x.Meta.Scope, group) {
			items = append(items, s.circuitOut(x))
		}
	}
	return items, nil
}

func (s *Server) serveCircuit(q *request, group, name string) {
	serveResource(q, group, name, resource[model.DXConnection]{
		find: s.circuitByName, out: func(x model.DXConnection) any { return s.circuitOut(x) }, put: s.putCircuit,
		del: s.deleteCircuit, region: func(x model.DXConnection) string { return x.Meta.Attrs[attrLocation] }})
}

// circuitSKUs are the tiers and families of a circuit's SKU, whose name
// is tier_family.
// Azure: https://learn.microsoft.com/en-us/rest/api/expressroute/express-route-circuits/create-or-update#expressroutecircuitskutier — tier Standard, Premium, Basic or Local; family UnlimitedData or MeteredData
var (
	circuitTiers    = []string{"Standard", "Premium", "Basic", "Local"}
	circuitFamilies = []string{"MeteredData", "UnlimitedData"}
)

// circuitBandwidths are the bandwidths a provider offers, in Mbps.
// Azure: https://learn.microsoft.com/en-us/azure/expressroute/expressroute-introduction#bandwidth-options — 50 Mbps, 100 Mbps, 200 Mbps, 500 Mbps, 1 Gbps, 2 Gbps, 5 Gbps, 10 Gbps
var circuitBandwidths = []int32{50, 100, 200, 500, 1000, 2000, 5000, 10000}

// planCircuit checks a circuit request and returns its SKU and service
// provider properties.
func planCircuit(self string, in circuitBody) (circuitSKU, serviceProvider, error) {
	bad := func(format string, args ...any) (circuitSKU, serviceProvider, error) {
		return circuitSKU{}, serviceProvider{}, fail(http.StatusBadRequest, "InvalidRequestFormat", "ExpressRoute circuit %s: "+format, append([]any{clip(self)}, args...)...)
	}
	sku := circuitSKU{Tier: "Standard", Family: "MeteredData"}
	if in.SKU != nil {
		sku.Tier, sku.Family = cmpOr(in.SKU.Tier, sku.Tier), cmpOr(in.SKU.Family, sku.Family)
	}
	i, j := slices.IndexFunc(circuitTiers, func(t string) bool { return strings.EqualFold(t, sku.Tier) }),
		slices.IndexFunc(circuitFamilies, func(f string) bool { return strings.EqualFold(f, sku.Family) })
	if i < 0 || j < 0 {
		return bad("sku tier '%s' and family '%s' must be one of %v and one of %v.", clip(sku.Tier), clip(sku.Family), circuitTiers, circuitFamilies)
	}
	sku.Tier, sku.Family = circuitTiers[i], circuitFamilies[j]
	sku.Name = sku.Tier + "_" + sku.Family
	if in.SKU != nil && in.SKU.Name != "" && !strings.EqualFold(in.SKU.Name, sku.Name) {
		return bad("sku name '%s' does not match its tier and family (%s).", clip(in.SKU.Name), sku.Name)
	}
	sp := in.Properties.ServiceProviderProperties
	if sp == nil || sp.ServiceProviderName == "" || sp.PeeringLocation == "" || !slices.Contains(circuitBandwidths, sp.BandwidthInMbps) {
		return bad("serviceProviderProperties needs serviceProviderName, peeringLocation and bandwidthInMbps (one of %v).", circuitBandwidths)
	}
	return sku, *sp, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// putCircuit creates (claims the lab's line of the name) or updates a
// circuit, and its private peering where the body has peerings inline.
// Azure: https://learn.microsoft.com/en-us/rest/api/expressroute/express-route-circuits/create-or-update — sku, serviceProviderProperties, peerings; 201 when created, 200 when updated
func (s *Server) putCircuit(q *request, group, name string) {
	var in circuitBody
	loc, ok := readPut(q, &in, func(b *circuitBody) string { return b.Location })
	if !ok {
		return
	}
	self := "/subscriptions/" + q.sub + "/resourceGroups/" + group + "/providers/" + circuitType + "/" + name
	sku, sp, err := planCircuit(self, in)
	if err != nil {
		writeError(q.w, err)
		return
	}
	x, err := s.circuitByName(q.sub, group, name)
	created := err != nil
	if created {
		x, err = s.claimLine(q.sub, group, name, loc)
	} else {
		err = sameRegion(name, x.Meta.Attrs[attrLocation], group, loc)
	}
	if err == nil && in.Properties.Peerings != nil {
		err = s.setInlinePeerings(x, in.Properties.Peerings)
	}
	if err != nil {
		if created && x.ID != "" {
			_ = s.releaseLine(x)
		}
		writeError(q.w, err)
		return
	}
	sk, _ := json.Marshal(sku)
	pv, _ := json.Marshal(sp)
	if err := s.cloud.SetAttrs(q.sub, x.ID, map[string]string{attrLocation: loc, attrSKU: string(sk), attrProvider: string(pv)}); err != nil {
		writeError(q.w, err)
		return
	}
	if err := s.cloud.ReplaceTags(q.sub, x.ID, in.Tags); err != nil {
		writeError(q.w, err)
		return
	}
	x, _ = s.circuitByName(q.sub, group, name)
	putDone(q, created, loc, s.circuitOut(x))
}

// claimLine places the subscription's unclaimed line named name (the lab
// provisions lines by name) in the group as the circuit.
func (s *Server) claimLine(sub, group, name, loc string) (model.DXConnection, error) {
	g, err := s.group(sub, group)
	if err != nil {
		return model.DXConnection{}, err
	}
	for _, x := range s.cloud.DXConnections(sub) {
		if x.Meta.Name != "" || !strings.EqualFold(x.Name, name) {
			continue
		}
		if x.Region != "" && x.Region != loc {
			return model.DXConnection{}, fail(http.StatusBadRequest, "InvalidRequestFormat",
				"ExpressRoute circuit %s: the lab's line '%s' is in %s, not %s.", clip(name), x.Name, x.Region, loc)
		}
		if err := s.cloud.PlaceDXConnection(sub, x.ID, model.Place{Scope: g.Name, Name: name}); err != nil {
			return model.DXConnection{}, err
		}
		return s.circuitByName(sub, group, name)
	}
	return model.DXConnection{}, fail(http.StatusBadRequest, "InvalidRequestFormat",
		"ExpressRoute circuit %s: the lab has no unclaimed private line named '%s' for subscription %s; the lab is the connectivity provider and provisions a circuit's line under the circuit's name (the topology's circuits).",
		clip(name), clip(name), sub)
}

// releaseLine gives a circuit's line back to the lab: its place and
// attributes go, the line stays.
func (s *Server) releaseLine(x model.DXConnection) error {
	if err := s.cloud.SetAttrs(x.Account, x.ID, map[string]string{attrLocation: "", attrSKU: "", attrProvider: "", attrPeering: ""}); err != nil {
		return err
	}
	if err := s.cloud.ReplaceTags(x.Account, x.ID, nil); err != nil {
		return err
	}
	return s.cloud.PlaceDXConnection(x.Account, x.ID, model.Place{})
}

// deleteCircuit deletes a circuit that no connection uses.
// Azure: https://learn.microsoft.com/en-us/azure/expressroute/expressroute-howto-circuit-arm#delete — unlink all virtual networks from the circuit before deleting it
func (s *Server) deleteCircuit(sub string, x model.DXConnection) error {
	if c := s.erConnsOn(x); len(c) > 0 {
		return fail(http.StatusBadRequest, "InUseResourceCannotBeDeleted",
			"ExpressRoute circuit %s is used by connection %s. Unlink the virtual network gateways from the circuit before deleting it.", circuitID(x), c[0].ID)
	}
	return s.releaseLine(x)
}
