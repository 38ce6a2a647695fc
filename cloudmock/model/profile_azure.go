package model

import (
	"crypto/rand"
	"encoding/hex"
	"net/netip"
	"strings"
)

// ProviderAzure is the provider of the Azure profile.
const ProviderAzure = "azure"

// Azure places. An Azure object's Place.Scope is its resource group; a
// child resource (a subnet of a virtual network) has its parent's path as
// scope, "resource-group/parent-name", so that its name is unique among
// its siblings, as Azure makes it. An account is a subscription.
//
// Case: ARM resource IDs and names are case-insensitive. The profile folds
// case in the name index (Profile.FoldNameCase): ByName finds "RG1/VNet1"
// by "rg1/vnet1", and a second "VNET1" in that group is refused as taken.
// An object keeps the ID it was minted with (the names as first given,
// which Azure returns too); front-ends resolve an ID from a request by
// its names through ByName, never by comparing ID strings.
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/resource-name-rules — resource names are case-insensitive unless noted (so are the IDs made of them)

// KindScope is a scope that is an object of its own: an Azure resource
// group (scope.go).
const KindScope Kind = "scope"

// azureProfile is Microsoft Azure: IDs are ARM resource IDs derived from
// the subscription, resource group and names; names are unique per
// resource group and type (case-insensitive); a new virtual network comes
// with no NSG and no network ACL (its system routes stand in the model's
// main route table).
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/resource-name-rules — unique per resource group and type
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/network-security-groups-overview — a subnet or NIC has no NSG until one is associated
var azureProfile = Profile{
	Provider:     ProviderAzure,
	NewID:        azureNewID,
	UniqueNames:  true,
	FoldNameCase: true,
	Limits:       azureLimits(),
	// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-networks-udr-overview#system-routes — every subnet gets system routes (the VNet, 0.0.0.0/0 to the Internet, reserved ranges to None, peered VNets) that user-defined routes override
	SystemRoutes: true,
	// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/ip-services/public-ip-addresses#sku — Standard public IPs are secure by default and closed to inbound traffic unless a network security group allows it
	PublicIPClosed: true,
	// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/ip-services/public-ip-addresses#sku — Basic SKU public IPs are open by default (network security groups are recommended but optional)
	OpenPublicIPTier: "Basic",
	ImplicitRules:    map[Flavor][]Rule{FlavorNSG: azureDefaultRules()},
	// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/what-is-ip-address-168-63-129-16 — Azure-provided DNS answers VMs at the host node's virtual IP 168.63.129.16 in every VNet
	ResolverVIP: hostNodeVIP.Addr(),
	// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-networks-faq#are-there-any-restrictions-on-using-ip-addresses-within-these-subnets — x.x.x.0 network, x.x.x.1 gateway, x.x.x.2 and x.x.x.3 DNS, and the broadcast address are reserved
	ReservedLow: 4, ReservedHigh: 1,
	// Azure: https://learn.microsoft.com/en-us/azure/reliability/regions-list — the regions and their programmatic names (locations)
	Regions: []string{
		"eastus", "eastus2", "centralus", "northcentralus", "southcentralus", "westcentralus", "westus", "westus2", "westus3",
		"canadacentral", "canadaeast", "brazilsouth", "brazilsoutheast", "mexicocentral", "chilecentral",
		"northeurope", "westeurope", "uksouth", "ukwest", "francecentral", "francesouth", "germanywestcentral", "germanynorth",
		"switzerlandnorth", "switzerlandwest", "norwayeast", "norwaywest", "swedencentral", "polandcentral", "italynorth", "spaincentral",
		"eastasia", "southeastasia", "japaneast", "japanwest", "koreacentral", "koreasouth", "australiaeast", "australiasoutheast",
		"australiacentral", "centralindia", "southindia", "westindia", "indonesiacentral", "malaysiawest", "newzealandnorth",
		"uaenorth", "uaecentral", "qatarcentral", "israelcentral", "southafricanorth", "southafricawest",
	},
}

// azureTypes are the ARM resource types of the kinds an Azure account
// makes, under Microsoft.Network unless azureNamespaces says otherwise.
var azureTypes = map[Kind]string{
	KindNetwork:              "virtualNetworks",
	KindSubnet:               "subnets",
	KindRouteTable:           "routeTables",
	KindNetworkSecurityGroup: "networkSecurityGroups",
	KindRule:                 "securityRules",
	KindNATGateway:           "natGateways",
	KindElasticIP:            "publicIPAddresses",
	KindPeering:              "virtualNetworkPeerings",
	KindVPNGateway:           "virtualNetworkGateways",
	KindVPNConnection:        "connections",

	KindNetworkInterface: "networkInterfaces",
	KindCustomerGateway:  "localNetworkGateways",

	KindInstance: "virtualMachines",

	// Azure: https://learn.microsoft.com/en-us/azure/expressroute/expressroute-circuit-peerings — an ExpressRoute circuit is the lab's private line; a VNet gateway's connection to its private peering is a private virtual interface on it
	KindDXConnection:       "expressRouteCircuits",
	KindDXVirtualInterface: "connections",
}

// azureNamespaces are the resource provider namespaces of the kinds that
// are not Microsoft.Network's.
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/azure-services-resource-providers — Microsoft.Compute is the namespace of virtual machines
var azureNamespaces = map[Kind]string{KindInstance: "Microsoft.Compute"}

// childKinds are the kinds whose scope is their parent's path
// ("group/parent") and whose IDs hang below the parent's.
var childKinds = map[Kind]string{KindSubnet: "virtualNetworks", KindPeering: "virtualNetworks"}

// AzureID returns the ARM resource ID of an object of the given kind at
// a place in a subscription: what the Azure profile mints. A resource
// group is "/subscriptions/S/resourceGroups/G".
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/resource-name-rules — /subscriptions/{sub}/resourceGroups/{rg}/providers/{namespace}/{type}/{name}
func AzureID(subscription string, kind Kind, at Place) string {
	base := "/subscriptions/" + subscription
	if kind == KindScope {
		return base + "/resourceGroups/" + at.Name
	}
	group, parent, _ := strings.Cut(at.Scope, "/")
	ns, ok := azureNamespaces[kind]
	if !ok {
		ns = "Microsoft.Network"
	}
	base += "/resourceGroups/" + group + "/providers/" + ns + "/"
	if pt, ok := childKinds[kind]; ok {
		return base + pt + "/" + parent + "/" + azureTypes[kind] + "/" + at.Name
	}
	typ, ok := azureTypes[kind]
	if !ok {
		typ = string(kind)
	}
	return base + typ + "/" + at.Name
}

// azureNewID mints an Azure ID (AzureID). An object the model makes
// without a name (a network's main route table, which stands for Azure's
// system routes, and the associations the model keeps) gets a random name
// that no ARM request can name: it starts with "~".
func azureNewID(account string, kind Kind, at Place) string {
	if at.Name == "" {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			panic("model: crypto/rand failed: " + err.Error())
		}
		at.Name = "~" + hex.EncodeToString(b[:])
	}
	return AzureID(account, kind, at)
}

// azureLimits are Azure's default limits where the model has a
// counterpart; a limit of a construct Azure does not have is 0.
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/azure-subscription-service-limits#azure-networking-limits — the networking limits per subscription
func azureLimits() Limits {
	return Limits{
		// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-networks-faq#how-small-and-how-large-can-virtual-networks-and-subnets-be — the smallest IPv4 subnet is /29, the largest /2
		MinNetworkPrefixBits: 2, MaxNetworkPrefixBits: 29,
		MinSubnetPrefixBits: 2, MaxSubnetPrefixBits: 29,
		ReservedPerSubnet: 5,
		// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/azure-subscription-service-limits#azure-networking-limits — no documented limit of address spaces per virtual network other than its private addresses; the model caps them
		CIDRsPerNetwork: 100,
		// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/azure-subscription-service-limits#azure-networking-limits — 400 routes per route table
		RoutesPerTable: 400,
		// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/azure-subscription-service-limits#azure-networking-limits — 1,000 security rules per network security group
		RulesPerGroupDirection: 1000,
		// Azure: https://learn.microsoft.com/en-us/azure/vpn-gateway/vpn-gateway-bgp-overview — up to 4,000 routes from a BGP peer of a VPN gateway
		BGPRoutesPerVPN: 4000,
		// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/azure-subscription-service-limits#azure-networking-limits — 1,000 virtual networks per subscription per region
		NetworksPerRegion: 1000,
		// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/azure-subscription-service-limits#publicip-address — 1,000 Standard public IP addresses per region
		ElasticIPsPerRegion: 1000,
		// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/azure-subscription-service-limits#azure-networking-limits — 3,000 subnets per virtual network
		SubnetsPerNetwork: 3000,
		// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/azure-subscription-service-limits#azure-networking-limits — 200 route tables per region per subscription; a VNet's system routes are the model's main table
		RouteTablesPerNetwork: 200,
		// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/azure-subscription-service-limits#azure-networking-limits — 5,000 network security groups per region per subscription
		SecurityGroupsPerRegion: 5000,
		// Azure: https://learn.microsoft.com/en-us/azure/nat-gateway/nat-gateway-resource — a NAT gateway serves subnets in one zone; the subscription limits page caps them per region
		NATGatewaysPerZone: 1000,
	}
}

// azureDefaultRules are the rules every network security group has below
// its own: allow within the virtual network and from the load balancer,
// allow out to the internet, deny the rest; all stateful.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/network-security-groups-overview#default-security-rules — AllowVNetInBound 65000, AllowAzureLoadBalancerInBound 65001, DenyAllInbound 65500, AllowVnetOutBound 65000, AllowInternetOutBound 65001, DenyAllOutBound 65500
func azureDefaultRules() []Rule {
	all := netip.MustParsePrefix("0.0.0.0/0")
	mk := func(name string, dir Direction, prio int, a Action, peer Peer) Rule {
		return Rule{Name: name, Direction: dir, Priority: prio, Action: a, Protocol: "-1",
			FromPort: -1, ToPort: -1, ICMPType: -1, ICMPCode: -1, Peer: peer}
	}
	return []Rule{
		mk("AllowVnetInBound", Ingress, 65000, Allow, Peer{ServiceTag: "VirtualNetwork"}),
		mk("AllowAzureLoadBalancerInBound", Ingress, 65001, Allow, Peer{ServiceTag: "AzureLoadBalancer"}),
		mk("DenyAllInBound", Ingress, 65500, Deny, Peer{Prefix: all}),
		mk("AllowVnetOutBound", Egress, 65000, Allow, Peer{ServiceTag: "VirtualNetwork"}),
		mk("AllowInternetOutBound", Egress, 65001, Allow, Peer{ServiceTag: "Internet"}),
		mk("DenyAllOutBound", Egress, 65500, Deny, Peer{Prefix: all}),
	}
}

// AzureGatewayBGPAddresses are the BGP addresses of the n instances of a
// virtual network gateway in GatewaySubnet gw: the lab gives the first
// instance the subnet's last usable address and each further one the
// address before (Azure picks addresses of the GatewaySubnet).
// Azure: https://learn.microsoft.com/en-us/azure/vpn-gateway/vpn-gateway-bgp-resource-manager-ps — the gateway's BGP peer IP is an address of the GatewaySubnet; https://learn.microsoft.com/en-us/azure/vpn-gateway/about-active-active-gateways — one per instance when active-active
func AzureGatewayBGPAddresses(gw netip.Prefix, n int) []netip.Addr {
	gw = gw.Masked()
	a := gw.Addr()
	for range (1 << (32 - gw.Bits())) - 2 {
		a = a.Next()
	}
	var out []netip.Addr
	for range n {
		out = append(out, a)
		a = a.Prev()
	}
	return out
}
