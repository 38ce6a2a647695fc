package azure

import (
	"net/http"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// vngBody is a virtual network gateway on the wire.
type vngBody struct {
	resourceHead
	Properties vngProps `json:"properties"`
}

type vngProps struct {
	GatewayType       string         `json:"gatewayType,omitempty"`
	VpnType           string         `json:"vpnType,omitempty"`
	SKU               *publicIPSKU   `json:"sku,omitempty"`
	ActiveActive      *bool          `json:"activeActive,omitempty"`
	EnableBgp         *bool          `json:"enableBgp,omitempty"`
	BGPSettings       *bgpSettings   `json:"bgpSettings,omitempty"`
	IPConfigurations  []ipConfigBody `json:"ipConfigurations"`
	ResourceGUID      string         `json:"resourceGuid,omitempty"`
	ProvisioningState string         `json:"provisioningState,omitempty"`
}

const vngType = "Microsoft.Network/virtualNetworkGateways"

// vngOut renders a gateway: its GatewaySubnet configurations (one per
// instance, each with its public IP) and BGP settings, the peering
// address the last usable address of the GatewaySubnet (the lab's choice;
// Azure picks one in the GatewaySubnet).
// Azure: https://learn.microsoft.com/en-us/rest/api/network-gateway/virtual-network-gateways/get — gatewayType, vpnType, sku, activeActive, enableBgp, bgpSettings, ipConfigurations
func (s *Server) vngOut(g model.VPNGateway) vngBody {
	b := vngBody{resourceHead: resourceHead{ID: g.ID, Name: g.Name, Type: vngType, Location: g.Region, Tags: g.Tags}}
	p := &b.Properties
	aa, bgp := g.Options.ActiveActive, g.Options.BGP
	p.GatewayType, p.SKU, p.ActiveActive, p.EnableBgp = gatewayTypeOf(g), &publicIPSKU{Name: g.Options.SKU, Tier: g.Options.SKU}, &aa, &bgp
	if p.GatewayType == "Vpn" {
		p.VpnType = "RouteBased"
	}
	asn := g.ASN
	p.BGPSettings = &bgpSettings{ASN: &asn}
	gwSubnet := s.gatewaySubnetOf(g)
	p.IPConfigurations = []ipConfigBody{}
	for i, aid := range g.Options.Addresses {
		name := []string{"default", "activeActive"}[min(i, 1)]
		c := ipConfigBody{ID: g.ID + "/ipConfigurations/" + name, Name: name, Properties: ipConfigProps{
			PrivateIPAllocationMethod: "Dynamic", PublicIPAddress: &ref{ID: aid}, ProvisioningState: "Succeeded"}}
		if gwSubnet.ID != "" {
			c.Properties.Subnet = &ref{ID: gwSubnet.ID}
		}
		p.IPConfigurations = append(p.IPConfigurations, c)
	}
	if gwSubnet.ID != "" {
		// Azure: https://learn.microsoft.com/en-us/azure/vpn-gateway/about-active-active-gateways — each instance of an active-active gateway has a BGP address of its own; bgpPeeringAddress lists them, comma-separated
		var addrs []string
		for i, a := range model.AzureGatewayBGPAddresses(gwSubnet.Prefix, max(1, len(g.Options.Addresses))) {
			addrs = append(addrs, a.String())
			if i >= len(g.Options.Addresses) {
				continue // an ExpressRoute gateway has no public IP
			}
			pa := bgpPeeringAddress{IPConfigurationID: p.IPConfigurations[i].ID, DefaultBGPIPAddresses: []string{a.String()},
				CustomBGPIPAddresses: []string{}, TunnelIPAddresses: []string{}}
			if e, err := s.cloud.ElasticIP(g.Account, g.Options.Addresses[i]); err == nil && e.PublicIP.IsValid() {
				pa.TunnelIPAddresses = []string{e.PublicIP.String()}
			}
			p.BGPSettings.BGPPeeringAddresses = append(p.BGPSettings.BGPPeeringAddresses, pa)
		}
		p.BGPSettings.BGPPeeringAddress = strings.Join(addrs, ",")
	}
	p.ResourceGUID, p.ProvisioningState = guidOf(g.ID+g.Handle), "Succeeded"
	b.Etag = etagOf(b)
	return b
}

// gatewaySubnetOf is the GatewaySubnet of a gateway's network.
func (s *Server) gatewaySubnetOf(g model.VPNGateway) model.Subnet {
	for _, sn := range s.cloud.Subnets(g.Account) {
		if sn.NetworkID == g.NetworkID && g.NetworkID != "" && isGatewaySubnet(sn) {
			return sn
		}
	}
	return model.Subnet{}
}

func (s *Server) vngByName(sub, group, name string) (model.VPNGateway, error) {
	return byName(s, sub, group, name, model.KindVPNGateway, "virtualNetworkGateways", s.cloud.VPNGateway)
}

func (s *Server) listVNGs(q *request, group string) ([]any, error) {
	var items []any
	for _, g := range s.cloud.VPNGateways(q.sub) {
		if g.Name != "" && inGroup(g.Scope, group) {
			items = append(items, s.vngOut(g))
		}
	}
	return items, nil
}

func (s *Server) serveVNG(q *request, group, name string) {
	serveResource(q, group, name, resource[model.VPNGateway]{
		find: s.vngByName, out: func(g model.VPNGateway) any { return s.vngOut(g) }, put: s.putVNG,
		del: s.deleteVNG, region: func(g model.VPNGateway) string { return g.Region }})
}

// deleteVNG frees a gateway's public IPs, detaches and deletes it.
func (s *Server) deleteVNG(sub string, g model.VPNGateway) error {
	if err := s.cloud.SetGatewayOptions(sub, g.ID, model.GatewayOptions{}); err != nil {
		return err
	}
	if g.NetworkID != "" {
		if err := s.cloud.DetachVPNGateway(sub, g.ID, g.NetworkID); err != nil {
			return err
		}
	}
	return s.cloud.DeleteVPNGateway(sub, g.ID)
}

// vngPlan checks a gateway request: type Vpn, route-based, one IP
// configuration in a GatewaySubnet (two, of one subnet, when
// active-active), each with a public IP.
// Azure: https://learn.microsoft.com/en-us/azure/vpn-gateway/vpn-gateway-about-vpn-gateway-settings — gateway type, VPN type, SKU, GatewaySubnet; https://learn.microsoft.com/en-us/azure/vpn-gateway/about-active-active-gateways — two IP configurations and public IPs
func (s *Server) vngPlan(q *request, self string, in vngBody) (model.Subnet, model.GatewayOptions, int64, error) {
	p := in.Properties
	var o model.GatewayOptions
	bad := func(format string, args ...any) (model.Subnet, model.GatewayOptions, int64, error) {
		return model.Subnet{}, o, 0, fail(http.StatusBadRequest, "InvalidRequestFormat", "Virtual network gateway %s: "+format, append([]any{clip(self)}, args...)...)
	}
	er := strings.EqualFold(p.GatewayType, "ExpressRoute")
	if !er && !strings.EqualFold(p.GatewayType, "Vpn") {
		return bad("the lab models gatewayType Vpn and ExpressRoute, not '%s'", clip(p.GatewayType))
	}
	if !er && p.VpnType != "" && !strings.EqualFold(p.VpnType, "RouteBased") {
		return bad("the lab models vpnType RouteBased, not '%s'", clip(p.VpnType))
	}
	o.ActiveActive = p.ActiveActive != nil && *p.ActiveActive
	o.BGP = p.EnableBgp != nil && *p.EnableBgp
	if o.SKU = map[bool]string{true: "Standard", false: "VpnGw1"}[er]; p.SKU != nil && p.SKU.Name != "" {
		o.SKU = p.SKU.Name
	}
	// Azure: https://learn.microsoft.com/en-us/azure/expressroute/expressroute-about-virtual-network-gateways — ExpressRoute gateway SKUs Standard, HighPerformance, UltraPerformance, ErGw1AZ, ErGw2AZ, ErGw3AZ, ErGwScale; no active-active setting, a public IP no longer needed
	if er && (o.ActiveActive || !slices.ContainsFunc(erGatewaySKUs, func(k string) bool { return strings.EqualFold(k, o.SKU) })) {
		return bad("an ExpressRoute gateway has one of the SKUs %v and is not active-active, not sku '%s' activeActive %v", erGatewaySKUs, clip(o.SKU), o.ActiveActive)
	}
	want := map[bool]int{true: 2, false: 1}[o.ActiveActive]
	if len(p.IPConfigurations) != want {
		return bad("activeActive %v needs %d IP configurations, not %d", o.ActiveActive, want, len(p.IPConfigurations))
	}
	var sn model.Subnet
	for _, c := range p.IPConfigurations {
		if c.Properties.Subnet == nil || (c.Properties.PublicIPAddress == nil && !er) {
			return bad("IP configuration '%s' needs a subnet and a public IP address", clip(c.Name))
		}
		got, err := s.subnetRef(q.sub, c.Properties.Subnet.ID)
		if err != nil {
			return model.Subnet{}, o, 0, err
		}
		if !isGatewaySubnet(got) || (sn.ID != "" && got.ID != sn.ID) {
			return bad("its subnet %s must be the virtual network's GatewaySubnet", got.ID)
		}
		sn = got
		if c.Properties.PublicIPAddress == nil {
			continue
		}
		aid, _, err := s.refTo(q.sub, c.Properties.PublicIPAddress.ID, "publicipaddresses", model.KindElasticIP, false)
		if err != nil {
			return model.Subnet{}, o, 0, err
		}
		o.Addresses = append(o.Addresses, aid)
	}
	asn := int64(65515) // Azure: https://learn.microsoft.com/en-us/azure/vpn-gateway/vpn-gateway-bgp-overview — the default ASN of an Azure VPN gateway is 65515
	if p.BGPSettings != nil && p.BGPSettings.ASN != nil {
		asn = *p.BGPSettings.ASN
	}
	return sn, o, asn, nil
}

// erGatewaySKUs are the SKUs of an ExpressRoute virtual network gateway.
var erGatewaySKUs = []string{"Standard", "HighPerformance", "UltraPerformance", "ErGw1AZ", "ErGw2AZ", "ErGw3AZ", "ErGwScale"}

// putVNG creates or updates a virtual network gateway; its VNet and ASN
// are set at creation.
// Azure: https://learn.microsoft.com/en-us/rest/api/network-gateway/virtual-network-gateways/create-or-update — 201 when created, 200 when updated
func (s *Server) putVNG(q *request, group, name string) {
	var in vngBody
	if err := decodeBody(q.Request, &in); err != nil {
		writeError(q.w, err)
		return
	}
	loc, err := location(in.Location, "LocationNotAvailableForResourceType")
	if err != nil {
		writeError(q.w, err)
		return
	}
	self := "/subscriptions/" + q.sub + "/resourceGroups/" + group + "/providers/" + vngType + "/" + name
	sn, o, asn, err := s.vngPlan(q, self, in)
	if err != nil {
		writeError(q.w, err)
		return
	}
	g, err := s.vngByName(q.sub, group, name)
	created := err != nil
	switch {
	case created:
		g, err = s.createVNG(q.sub, group, name, loc, sn, asn, in.Tags)
	case g.NetworkID != sn.NetworkID || g.ASN != asn || !strings.EqualFold(gatewayTypeOf(g), in.Properties.GatewayType):
		err = fail(http.StatusBadRequest, "InvalidRequestFormat", "Virtual network gateway %s: its type, virtual network and ASN are set at creation.", g.ID)
	default:
		if err = sameRegion(name, g.Region, g.Scope, loc); err == nil {
			err = s.cloud.ReplaceTags(q.sub, g.ID, in.Tags)
		}
	}
	if err == nil && created && strings.EqualFold(in.Properties.GatewayType, "ExpressRoute") {
		err = s.cloud.SetAttrs(q.sub, g.ID, map[string]string{attrGatewayType: "ExpressRoute"})
	}
	if err == nil {
		err = s.cloud.SetGatewayOptions(q.sub, g.ID, o)
		if codeOf(err) == model.CodeAlreadyAssociated {
			err = fail(http.StatusBadRequest, "PublicIPAddressInUse", "Resource %s is referencing a public IP address that is already allocated to another resource.", self)
		}
	}
	if err != nil {
		if created && g.ID != "" {
			_ = s.deleteVNG(q.sub, g)
		}
		writeError(q.w, err)
		return
	}
	g, _ = s.cloud.VPNGateway(q.sub, g.ID)
	putDone(q, created, loc, s.vngOut(g))
}

func (s *Server) createVNG(sub, group, name, loc string, sn model.Subnet, asn int64, tags map[string]string) (model.VPNGateway, error) {
	sc, err := s.group(sub, group)
	if err != nil {
		return model.VPNGateway{}, err
	}
	g, err := s.cloud.CreateVPNGatewayAt(sub, model.Place{Region: loc, Scope: sc.Name, Name: name}, asn, tags)
	if err != nil {
		return g, err
	}
	if err := s.cloud.AttachVPNGateway(sub, g.ID, sn.NetworkID); err != nil {
		if codeOf(err) == model.CodeAlreadyAssociated {
			err = fail(http.StatusBadRequest, "InvalidRequestFormat", "Virtual network %s already has a virtual network gateway of type Vpn.", sn.NetworkID)
		}
		return g, err
	}
	return g, nil
}
