package azure

import (
	"net/http"
	"net/netip"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// Virtual network gateways and local network gateways: model VPN gateways
// (attached to the VNet of their GatewaySubnet, with GatewayOptions) and
// customer gateways (with their on-premises prefixes and BGP address).
// Azure: https://learn.microsoft.com/en-us/rest/api/network-gateway/virtual-network-gateways — create or update, get, list, delete
// Azure: https://learn.microsoft.com/en-us/rest/api/network-gateway/local-network-gateways — create or update, get, list, delete

// bgpSettings are a gateway's BGP settings on the wire.
type bgpSettings struct {
	ASN               *int64 `json:"asn,omitempty"`
	BGPPeeringAddress string `json:"bgpPeeringAddress,omitempty"`
	PeerWeight        *int32 `json:"peerWeight,omitempty"`
	// BGPPeeringAddresses is a gateway's, one per instance (IP
	// configuration); a local network gateway has none.
	BGPPeeringAddresses []bgpPeeringAddress `json:"bgpPeeringAddresses,omitempty"`
}

// bgpPeeringAddress is a gateway instance's BGP address.
// Azure: https://learn.microsoft.com/en-us/rest/api/network-gateway/virtual-network-gateways/get#ipconfigurationbgppeeringaddress — ipconfigurationId, defaultBgpIpAddresses, customBgpIpAddresses, tunnelIpAddresses
type bgpPeeringAddress struct {
	IPConfigurationID     string   `json:"ipconfigurationId"`
	DefaultBGPIPAddresses []string `json:"defaultBgpIpAddresses"`
	CustomBGPIPAddresses  []string `json:"customBgpIpAddresses"`
	TunnelIPAddresses     []string `json:"tunnelIpAddresses"`
}

// localGWBody is a local network gateway on the wire.
type localGWBody struct {
	resourceHead
	Properties struct {
		GatewayIPAddress         string        `json:"gatewayIpAddress,omitempty"`
		LocalNetworkAddressSpace *addressSpace `json:"localNetworkAddressSpace,omitempty"`
		BGPSettings              *bgpSettings  `json:"bgpSettings,omitempty"`
		ResourceGUID             string        `json:"resourceGuid,omitempty"`
		ProvisioningState        string        `json:"provisioningState,omitempty"`
	} `json:"properties"`
}

const localGWType = "Microsoft.Network/localNetworkGateways"

func localGWOut(g model.CustomerGateway) localGWBody {
	b := localGWBody{resourceHead: resourceHead{ID: g.ID, Name: g.Name, Type: localGWType, Location: g.Region, Tags: g.Tags}}
	p := &b.Properties
	p.GatewayIPAddress = g.IP.String()
	p.LocalNetworkAddressSpace = &addressSpace{AddressPrefixes: []string{}}
	for _, x := range g.Prefixes {
		p.LocalNetworkAddressSpace.AddressPrefixes = append(p.LocalNetworkAddressSpace.AddressPrefixes, x.String())
	}
	if g.BGPAddr.IsValid() {
		asn := g.ASN
		p.BGPSettings = &bgpSettings{ASN: &asn, BGPPeeringAddress: g.BGPAddr.String()}
	}
	p.ResourceGUID, p.ProvisioningState = guidOf(g.ID+g.Handle), "Succeeded"
	b.Etag = etagOf(b)
	return b
}

func (s *Server) localGWByName(sub, group, name string) (model.CustomerGateway, error) {
	return byName(s, sub, group, name, model.KindCustomerGateway, "localNetworkGateways", s.cloud.CustomerGateway)
}

func (s *Server) listLocalGWs(q *request, group string) ([]any, error) {
	var items []any
	for _, g := range s.cloud.CustomerGateways(q.sub) {
		if g.Name != "" && inGroup(g.Scope, group) {
			items = append(items, localGWOut(g))
		}
	}
	return items, nil
}

func (s *Server) serveLocalGW(q *request, group, name string) {
	serveResource(q, group, name, resource[model.CustomerGateway]{
		find: s.localGWByName, out: func(g model.CustomerGateway) any { return localGWOut(g) }, put: s.putLocalGW,
		del:    func(sub string, g model.CustomerGateway) error { return s.cloud.DeleteCustomerGateway(sub, g.ID) },
		region: func(g model.CustomerGateway) string { return g.Region }})
}

// putLocalGW creates or updates a local network gateway: its public
// address, on-premises prefixes and BGP settings (ASN 65000 when none).
// Azure: https://learn.microsoft.com/en-us/rest/api/network-gateway/local-network-gateways/create-or-update — gatewayIpAddress, localNetworkAddressSpace, bgpSettings
func (s *Server) putLocalGW(q *request, group, name string) {
	var in localGWBody
	if err := decodeBody(q.Request, &in); err != nil {
		writeError(q.w, err)
		return
	}
	loc, err := location(in.Location, "LocationNotAvailableForResourceType")
	if err != nil {
		writeError(q.w, err)
		return
	}
	ip, err := netip.ParseAddr(in.Properties.GatewayIPAddress)
	if err != nil || !ip.Is4() {
		writeError(q.w, fail(http.StatusBadRequest, "InvalidRequestFormat", "Cannot parse the request: gatewayIpAddress '%s' is not an IPv4 address.", clip(in.Properties.GatewayIPAddress)))
		return
	}
	var prefixes []netip.Prefix
	if sp := in.Properties.LocalNetworkAddressSpace; sp != nil {
		for _, a := range sp.AddressPrefixes {
			p, err := parsePrefix(a)
			if err != nil {
				writeError(q.w, err)
				return
			}
			prefixes = append(prefixes, p)
		}
	}
	asn, bgp, err := bgpIn(in.Properties.BGPSettings)
	if err != nil {
		writeError(q.w, err)
		return
	}
	g, err := s.localGWByName(q.sub, group, name)
	created := err != nil
	if !created && (g.IP != ip || g.ASN != asn) {
		// The model keeps a customer gateway's address and ASN: a change makes it anew.
		if err = s.cloud.DeleteCustomerGateway(q.sub, g.ID); err != nil {
			writeError(q.w, fail(http.StatusBadRequest, "InvalidRequestFormat", "Local network gateway %s is used by a connection: its address and ASN cannot change.", g.ID))
			return
		}
		created = true
	}
	if created {
		sc, gerr := s.group(q.sub, group)
		if gerr != nil {
			writeError(q.w, gerr)
			return
		}
		g, err = s.cloud.CreateCustomerGatewayAt(q.sub, model.Place{Region: loc, Scope: sc.Name, Name: name}, asn, ip, in.Tags)
	} else if err = sameRegion(name, g.Region, g.Scope, loc); err == nil {
		err = s.cloud.ReplaceTags(q.sub, g.ID, in.Tags)
	}
	if err == nil {
		err = s.cloud.SetCustomerGatewaySite(q.sub, g.ID, prefixes, bgp)
	}
	if err != nil {
		writeError(q.w, err)
		return
	}
	g, _ = s.cloud.CustomerGateway(q.sub, g.ID)
	putDone(q, created, loc, localGWOut(g))
}

// bgpIn reads BGP settings: the ASN (65000 when none, Azure's default
// for a local gateway's BGP) and the peering address.
// Azure: https://learn.microsoft.com/en-us/azure/vpn-gateway/vpn-gateway-bgp-overview — ASNs and BGP peer addresses
func bgpIn(b *bgpSettings) (int64, netip.Addr, error) {
	asn := int64(65000)
	if b == nil {
		return asn, netip.Addr{}, nil
	}
	if b.ASN != nil {
		asn = *b.ASN
	}
	if asn < 1 || asn > 4294967295 {
		return 0, netip.Addr{}, fail(http.StatusBadRequest, "InvalidRequestFormat", "Cannot parse the request: the BGP ASN %d is out of range.", asn)
	}
	var a netip.Addr
	if b.BGPPeeringAddress != "" {
		var err error
		if a, err = netip.ParseAddr(b.BGPPeeringAddress); err != nil || !a.Is4() {
			return 0, netip.Addr{}, fail(http.StatusBadRequest, "InvalidRequestFormat", "Cannot parse the request: bgpPeeringAddress '%s' is not an IPv4 address.", clip(b.BGPPeeringAddress))
		}
	}
	return asn, a, nil
}

// isGatewaySubnet reports whether a subnet may hold a virtual network
// gateway.
// Azure: https://learn.microsoft.com/en-us/azure/vpn-gateway/vpn-gateway-about-vpn-gateway-settings#gwsub — the gateway subnet must be named GatewaySubnet
func isGatewaySubnet(sn model.Subnet) bool { return isGatewaySubnetName(sn.Name) }

// isGatewaySubnetName reports whether a subnet of that name is the
// GatewaySubnet (names compare case-insensitively in ARM).
func isGatewaySubnetName(name string) bool { return strings.EqualFold(name, "GatewaySubnet") }

// errGatewaySubnetInUse refuses anything but a virtual network gateway
// (a network interface) in the GatewaySubnet, with the code and message
// Azure answers.
// Azure: https://learn.microsoft.com/en-us/azure/vpn-gateway/vpn-gateway-about-vpn-gateway-settings#gwsub — never deploy other resources to the gateway subnet; the answer, Code="GatewaySubnet" Message="Subnet with name 'GatewaySubnet' can be used only for the Gateway resource.", as Azure gave it in https://github.com/Azure/azure-rest-api-specs/issues/11861 (and a network interface error code in https://github.com/Azure/aks-deployer/blob/master/pkg/armerror/const.go)
func errGatewaySubnetInUse() error {
	return fail(http.StatusBadRequest, "GatewaySubnet", "Subnet with name 'GatewaySubnet' can be used only for the Gateway resource.")
}

// errNSGOnGatewaySubnet refuses a network security group on the
// GatewaySubnet, with the code and message Azure answers.
// Azure: https://learn.microsoft.com/en-us/azure/vpn-gateway/vpn-gateway-about-vpn-gateway-settings#gwsub — network security groups on the gateway subnet aren't supported; the answer, Code="NetworkSecurityGroupCannotBeAttachedToGatewaySubnet", as Azure gave it in https://github.com/Azure-Terraform/terraform-azurerm-virtual-network/issues/18
func errNSGOnGatewaySubnet(nsgID string) error {
	name := nsgID[strings.LastIndex(nsgID, "/")+1:]
	return fail(http.StatusBadRequest, "NetworkSecurityGroupCannotBeAttachedToGatewaySubnet",
		"The operation failed because the network security group %s can not be associated to the GatewaySubnet. Please remove the network security group associated to the GatewaySubnet. No changes have occurred on the gateway at this time. See here for additional details: https://aka.ms/GatewaySubnet.", clip(name))
}
