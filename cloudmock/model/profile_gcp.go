package model

import (
	"crypto/rand"
	"encoding/hex"
	"net/netip"
	"strings"
)

// ProviderGCP is the provider of the Google Cloud profile.
const ProviderGCP = "gcp"

// GCP places. An account is a project. A network and the project's other
// global resources (firewall rules, routes) have the scope "global"; a
// subnetwork, address or router has its region's, "regions/REGION"; an
// instance has its zone's, "zones/ZONE". Names are unique per project,
// scope and collection, as Compute Engine makes them. An object's ID is
// its resource path relative to the API root, which is how GCP refers to
// it: projects/PROJECT/global/networks/NAME.
// GCP: https://cloud.google.com/compute/docs/naming-resources — names are unique per project and collection (per region or zone for regional and zonal resources)
// GCP: https://cloud.google.com/compute/docs/regions-zones/global-regional-zonal-resources — global, regional and zonal resources

// The GCP scopes of global, regional and zonal resources.
const GCPGlobal = "global"

// GCPRegionScope and GCPZoneScope return the scope of a regional and a
// zonal resource.
func GCPRegionScope(region string) string { return "regions/" + region }

// GCPZoneScope returns the scope of a zonal resource.
func GCPZoneScope(zone string) string { return "zones/" + zone }

// gcpCollections are the Compute Engine collections of the kinds a GCP
// project makes.
var gcpCollections = map[Kind]string{
	KindNetwork:          "networks",
	KindSubnet:           "subnetworks",
	KindRuleSet:          "firewalls",
	KindRouteTable:       "routeTables", // the model's tables; GCP has none to name
	KindInstance:         "instances",
	KindElasticIP:        "addresses",
	KindNetworkInterface: "networkInterfaces",
	KindPeering:          "peerings",
	KindVPNGateway:       "vpnGateways",
	KindVPNConnection:    "vpnTunnels",
	KindCustomerGateway:  "externalVpnGateways",
	// A static internal address is a reserved address of its subnet; its
	// name shares the addresses collection with the external ones, which
	// the front-end keeps unique.
	KindSubnetCIDRReservation: "addresses",
}

// GCPID returns the ID (the resource path) of an object of the given kind
// at a place in a project.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1 — resource paths projects/{project}/global|regions/{region}|zones/{zone}/{collection}/{name}
func GCPID(project string, kind Kind, at Place) string {
	coll, ok := gcpCollections[kind]
	if !ok {
		coll = string(kind)
	}
	scope := at.Scope
	if scope == "" {
		scope = GCPGlobal
	}
	return "projects/" + project + "/" + scope + "/" + coll + "/" + at.Name
}

// GCPName returns the last word of a GCP ID: the object's name.
func GCPName(id string) string { return id[strings.LastIndexByte(id, '/')+1:] }

// gcpNewID mints a GCP ID (GCPID). An object the model makes without a
// name (a network's main route table, the model's associations) gets a
// random one that no API request can name: it starts with "~".
func gcpNewID(account string, kind Kind, at Place) string {
	if at.Name == "" {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			panic("model: crypto/rand failed: " + err.Error())
		}
		at.Name = "~" + hex.EncodeToString(b[:])
	}
	return GCPID(account, kind, at)
}

// gcpProfile is Google Cloud: IDs are resource paths derived from the
// project, scope and name; names are unique per scope and collection; a
// network is global and has no range of its own (its subnets' ranges are
// its prefixes) and comes with no firewall rules of its own (the implied
// rules are the realizer's); a subnet reserves four addresses.
// GCP: https://cloud.google.com/vpc/docs/vpc — VPC networks are global resources; subnets are regional
// GCP: https://cloud.google.com/vpc/docs/subnets#unusable-ip-addresses-in-every-subnet — network, default gateway, second-to-last and broadcast addresses are reserved
var gcpProfile = Profile{
	Provider:            ProviderGCP,
	NewID:               gcpNewID,
	UniqueNames:         true,
	GlobalNetworks:      true,
	PrefixesFromSubnets: true,
	PeeringRoutes:       true,
	RouteToInstanceNIC:  true,
	// GCP: https://cloud.google.com/nat/docs/overview — Cloud NAT does not apply to a VM's interface that has an external IP
	PublicIPBeforeNAT: true,
	// GCP: https://cloud.google.com/compute/docs/internal-dns — a VM's name server is the metadata server at 169.254.169.254, which resolves internet names through Google's public DNS
	ResolverVIP: netip.MustParseAddr("169.254.169.254"),
	Limits:      gcpLimits(),
	ReservedLow: 2, ReservedHigh: 2,
	NetworkRules: gcpImpliedRules(),
	// GCP: https://cloud.google.com/compute/docs/regions-zones — the regions
	Regions: []string{
		"us-central1", "us-east1", "us-east4", "us-east5", "us-south1", "us-west1", "us-west2", "us-west3", "us-west4",
		"northamerica-northeast1", "northamerica-northeast2", "northamerica-south1", "southamerica-east1", "southamerica-west1",
		"europe-central2", "europe-north1", "europe-north2", "europe-southwest1", "europe-west1", "europe-west2", "europe-west3",
		"europe-west4", "europe-west6", "europe-west8", "europe-west9", "europe-west10", "europe-west12",
		"asia-east1", "asia-east2", "asia-northeast1", "asia-northeast2", "asia-northeast3", "asia-south1", "asia-south2",
		"asia-southeast1", "asia-southeast2", "australia-southeast1", "australia-southeast2",
		"me-central1", "me-central2", "me-west1", "africa-south1",
	},
}

// gcpLimits are GCP's default quotas where the model has a counterpart.
// GCP: https://cloud.google.com/vpc/docs/quota — VPC quotas and limits
func gcpLimits() Limits {
	return Limits{
		// GCP: https://cloud.google.com/vpc/docs/subnets#valid-ranges — a subnet's primary range is /4 to /29
		MinNetworkPrefixBits: 4, MaxNetworkPrefixBits: 29,
		MinSubnetPrefixBits: 4, MaxSubnetPrefixBits: 29,
		ReservedPerSubnet: 4,
		// GCP: https://cloud.google.com/vpc/docs/quota#per_network — subnet ranges per network (primary and secondary): 300 by default
		CIDRsPerNetwork: 300, SubnetsPerNetwork: 300,
		// GCP: https://cloud.google.com/vpc/docs/quota#per_project — 15 networks per project by default; the model counts them per region, and GCP's networks have none
		NetworksPerRegion: 15,
		// GCP: https://cloud.google.com/vpc/docs/quota#per_project — 250 routes per project by default (static routes, custom)
		RoutesPerTable: 250,
		// GCP: https://cloud.google.com/vpc/docs/quota#per_project — 200 firewall rules per project by default; a rule may list up to 256 ranges and ports
		RulesPerGroupDirection: 256, SecurityGroupsPerRegion: 200,
		RouteTablesPerNetwork: 250,
		// GCP: https://cloud.google.com/compute/quotas — static external IP addresses per region: 8 by default (raised on request)
		ElasticIPsPerRegion: 8,
		NATGatewaysPerZone:  5,
		// GCP: https://cloud.google.com/network-connectivity/docs/router/quotas — Cloud Router learned routes per region: 250 by default
		BGPRoutesPerVPN: 250,
	}
}

// gcpImpliedRules are the two rules every VPC network has, at the lowest
// priority: ingress denied, egress allowed, to and from anywhere.
// GCP: https://cloud.google.com/firewall/docs/firewalls#default_firewall_rules — implied allow egress and implied deny ingress, priority 65535, cannot be removed
func gcpImpliedRules() []Rule {
	all := netip.MustParsePrefix("0.0.0.0/0")
	mk := func(name string, dir Direction, a Action) Rule {
		return Rule{Name: name, Direction: dir, Priority: 65535, Action: a, Protocol: "-1",
			FromPort: -1, ToPort: -1, ICMPType: -1, ICMPCode: -1, Peer: Peer{Prefix: all}}
	}
	return []Rule{mk("implied-deny-ingress", Ingress, Deny), mk("implied-allow-egress", Egress, Allow)}
}
