package model

import (
	"crypto/rand"
	"encoding/base32"
	"maps"
	"net/netip"
	"slices"
	"strings"
)

// ProviderOCI is the provider of the Oracle Cloud Infrastructure profile.
const ProviderOCI = "oci"

// OCI places. An account is a tenancy; an object's Place.Scope is the
// OCID of its compartment (the tenancy's own OCID is its root
// compartment), and a compartment below it is a scope object (KindScope,
// scope.go) whose OCID is ocid1.compartment.oc1..UNIQUE. Display names are not unique, so an object is addressed
// by its OCID only, and OCIDs are random.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Identity/compartments/managingcompartments.htm — a compartment is a collection of related resources; the tenancy is the root compartment
// OCI: https://docs.oracle.com/en-us/iaas/Content/General/Concepts/identifiers.htm — ocid1.<RESOURCE TYPE>.<REALM>.[REGION][.FUTURE USE].<UNIQUE ID>; display names need not be unique

// OCIRealm is the realm of every OCID the profile mints (the commercial realm).
const OCIRealm = "oc1"

// ociTypes are the OCID resource types of the kinds an OCI tenancy makes.
// KindRuleSet is a security list; KindNetworkSecurityGroup a network
// security group (FlavorNSG).
// OCI: https://docs.oracle.com/en-us/iaas/Content/General/Concepts/identifiers.htm — the resource type of an OCID (vcn, subnet, securitylist, networksecuritygroup, routetable, internetgateway, natgateway, dhcpoptions, compartment)
var ociTypes = map[Kind]string{
	KindNetwork:              "vcn",
	KindSubnet:               "subnet",
	KindRuleSet:              "securitylist",
	KindNetworkSecurityGroup: "networksecuritygroup",
	KindRule:                 "securityrule",
	KindRouteTable:           "routetable",
	KindInternetGateway:      "internetgateway",
	KindNATGateway:           "natgateway",
	KindDHCPOptions:          "dhcpoptions",
	KindElasticIP:            "publicip",
	KindScope:                "compartment",
	KindAccount:              "tenancy",
	// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingDRGs.htm — a DRG (v2) with its DRG route tables and attachments: the model's transit gateway
	KindTransitGateway:           "drg",
	KindTransitGatewayRouteTable: "drgroutetable",
	KindTransitGatewayAttachment: "drgattachment",
	// OCI: https://docs.oracle.com/en-us/iaas/Content/Compute/Concepts/computeoverview.htm — instances; each has VNICs, attached by VNIC attachments
	KindInstance:            "instance",
	KindNetworkInterface:    "vnic",
	KindInterfaceAttachment: "vnicattachment",
	// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingIPsec.htm — a CPE and an IPSec connection to a DRG
	KindCustomerGateway: "cpe",
	KindVPNConnection:   "ipsecconnection",
	// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/servicegateway.htm — a service gateway: the model's gateway endpoint to the region's Oracle Services Network
	KindVPCEndpoint: "servicegateway",
}

// ociGlobalTypes are the types whose OCIDs name no region (IAM objects).
var ociGlobalTypes = map[Kind]bool{KindScope: true, KindAccount: true}

// ociUnique is the alphabet of an OCID's unique part (lower-case base32).
var ociUnique = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// OCIID mints a fresh OCID of an object of the given kind in a region
// (empty for IAM objects, whose OCIDs name none): ocid1.TYPE.oc1.REGION.UNIQUE.
// OCI: https://docs.oracle.com/en-us/iaas/Content/General/Concepts/identifiers.htm — ocid1.<RESOURCE TYPE>.<REALM>.[REGION][.FUTURE USE].<UNIQUE ID>
func OCIID(kind Kind, region string) string {
	typ, ok := ociTypes[kind]
	if !ok {
		typ = strings.ReplaceAll(string(kind), "-", "")
	}
	var b [35]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("model: crypto/rand failed: " + err.Error())
	}
	if ociGlobalTypes[kind] {
		region = ""
	}
	return "ocid1." + typ + "." + OCIRealm + "." + region + "." + ociUnique.EncodeToString(b[:])
}

// ociNewID mints an OCID (OCIID) in the place's region.
func ociNewID(_ string, kind Kind, at Place) string { return OCIID(kind, at.Region) }

// OCIKind returns the kind an OCID names by its resource type, and
// whether it is one of the profile's.
func OCIKind(ocid string) (Kind, bool) {
	parts := strings.Split(ocid, ".")
	if len(parts) < 5 || parts[0] != "ocid1" {
		return "", false
	}
	for k, t := range ociTypes {
		if t == parts[1] {
			return k, true
		}
	}
	return "", false
}

// ociRegionKeys are the three-letter keys of the regions, which name
// their availability domains.
// OCI: https://docs.oracle.com/en-us/iaas/Content/General/Concepts/regions.htm — region identifiers and region keys
var ociRegionKeys = map[string]string{
	"us-ashburn-1": "IAD", "us-phoenix-1": "PHX", "us-sanjose-1": "SJC", "us-chicago-1": "ORD",
	"ca-toronto-1": "YYZ", "ca-montreal-1": "YUL", "sa-saopaulo-1": "GRU", "sa-santiago-1": "SCL",
	"eu-frankfurt-1": "FRA", "eu-amsterdam-1": "AMS", "eu-zurich-1": "ZRH", "eu-madrid-1": "MAD",
	"eu-paris-1": "CDG", "eu-milan-1": "LIN", "eu-stockholm-1": "ARN", "uk-london-1": "LHR", "uk-cardiff-1": "CWL",
	"ap-tokyo-1": "NRT", "ap-osaka-1": "KIX", "ap-seoul-1": "ICN", "ap-singapore-1": "SIN", "ap-mumbai-1": "BOM",
	"ap-sydney-1": "SYD", "ap-melbourne-1": "MEL", "me-jeddah-1": "JED", "me-dubai-1": "DXB", "af-johannesburg-1": "JNB",
}

// ociADRegions are the regions with three availability domains; the
// others have one.
// OCI: https://docs.oracle.com/en-us/iaas/Content/General/Concepts/regions.htm — us-ashburn-1, us-phoenix-1, eu-frankfurt-1 and uk-london-1 have three availability domains
var ociADRegions = map[string]bool{"us-ashburn-1": true, "us-phoenix-1": true, "eu-frankfurt-1": true, "uk-london-1": true}

// OCIADPrefix is the tenancy-specific prefix of the availability domain
// names the profile gives (the real ones look like "Uocm:PHX-AD-1").
const OCIADPrefix = "mcnl"

// ociZones are a region's availability domains: PREFIX:KEY-AD-N.
// OCI: https://docs.oracle.com/en-us/iaas/Content/General/Concepts/regions.htm — availability domain names are tenancy-specific, like Uocm:PHX-AD-1
func ociZones(region string) []string {
	key, ok := ociRegionKeys[region]
	if !ok {
		return nil
	}
	n := 1
	if ociADRegions[region] {
		n = 3
	}
	out := make([]string, n)
	for i := range out {
		out[i] = OCIADPrefix + ":" + key + "-AD-" + string(rune('1'+i))
	}
	return out
}

// ociProfile is Oracle Cloud Infrastructure: random OCIDs, display names
// that need not be unique, compartments as scopes; a new VCN comes with a
// default route table (the model's main table), a default security list
// with OCI's default rules and default DHCP options; a subnet reserves its
// first two addresses and its last one.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingVCNs_topic-Overview_of_VCNs_and_Subnets.htm#Default — each VCN has a default route table, security list and set of DHCP options
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/overview.htm — the first two IP addresses and the last in each subnet's CIDR are reserved by the Networking service
var ociProfile = Profile{
	Provider:    ProviderOCI,
	NewID:       ociNewID,
	RandomIDs:   true,
	Network:     NetworkDefaults{SecurityList: true, DHCPOptions: true},
	Limits:      ociLimits(),
	ReservedLow: 2, ReservedHigh: 1,
	WholeNetworkAttachments: true,
	Zones:                   ociZones,
	// OCI: https://docs.oracle.com/en-us/iaas/Content/General/Concepts/regions.htm — the region identifiers
	Regions: ociRegions(),
}

// ociRegions are the profile's regions, sorted.
func ociRegions() []string {
	return slices.Sorted(maps.Keys(ociRegionKeys))
}

// ociLimits are OCI's default limits where the model has a counterpart.
// OCI: https://docs.oracle.com/en-us/iaas/Content/General/Concepts/servicelimits.htm#vcnlimits — the networking limits
func ociLimits() Limits {
	return Limits{
		// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/overview.htm — a VCN's CIDR blocks are /16 to /30; a subnet is at most its VCN's block and at least /30
		MinNetworkPrefixBits: 16, MaxNetworkPrefixBits: 30,
		MinSubnetPrefixBits: 16, MaxSubnetPrefixBits: 30,
		ReservedPerSubnet: 3,
		// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/overview.htm — a VCN can have up to five IPv4 CIDR blocks
		CIDRsPerNetwork: 5,
		// OCI: https://docs.oracle.com/en-us/iaas/Content/General/Concepts/servicelimits.htm#vcnlimits — 50 VCNs per region, 300 subnets per VCN, 300 route tables and 300 security lists per VCN, 200 rules per route table and per security list (each direction)
		NetworksPerRegion: 50, SubnetsPerNetwork: 300,
		// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingIGs.htm — one internet gateway per VCN: as many per region as VCNs
		InternetGatewaysPerRegion: 50,
		RouteTablesPerNetwork:     300, RoutesPerTable: 200,
		SecurityGroupsPerRegion: 300, RulesPerGroupDirection: 200,
		// OCI: https://docs.oracle.com/en-us/iaas/Content/General/Concepts/servicelimits.htm#vcnlimits — one NAT gateway per VCN by default; the model counts them per zone
		NATGatewaysPerZone: 1,
		// OCI: https://docs.oracle.com/en-us/iaas/Content/General/Concepts/servicelimits.htm#vcnlimits — reserved public IPs: 50 per region
		ElasticIPsPerRegion: 50,
		BGPRoutesPerVPN:     2000,
		// OCI: https://docs.oracle.com/en-us/iaas/Content/General/Concepts/servicelimits.htm#vcnlimits — DRG route tables per DRG: 100
		RouteTablesPerTransitGateway: 100,
	}
}

// ociDefaultRules are the rules of a VCN's default security list, all
// stateful: SSH (TCP 22) and ICMP type 3 code 4 from anywhere, ICMP
// type 3 from the VCN's primary CIDR, all traffic out.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/securitylists.htm#Default — the default security list's stateful rules
func ociDefaultRules(vcn netip.Prefix) []Rule {
	all := netip.MustParsePrefix("0.0.0.0/0")
	mk := func(dir Direction, proto string, from, to, icmpType, icmpCode int, p netip.Prefix) Rule {
		return Rule{Direction: dir, Action: Allow, Protocol: proto, FromPort: from, ToPort: to,
			ICMPType: icmpType, ICMPCode: icmpCode, Peer: Peer{Prefix: p}}
	}
	return []Rule{
		mk(Ingress, "tcp", 22, 22, -1, -1, all),
		mk(Ingress, "icmp", -1, -1, 3, 4, all),
		mk(Ingress, "icmp", -1, -1, 3, -1, vcn.Masked()),
		mk(Egress, "-1", -1, -1, -1, -1, all),
	}
}

// ociDefaultDHCPOptions are a VCN's default DHCP options: the Internet
// and VCN Resolver.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingDHCP.htm — the default set has DNS type Internet and VCN Resolver (VcnLocalPlusInternet) and a search domain when the VCN has a DNS label
func ociDefaultDHCPOptions() []DHCPOption {
	return []DHCPOption{{Key: "domain-name-servers", Values: []string{OCIVcnLocalPlusInternet}}}
}

// OCIVcnLocalPlusInternet is the DNS server of OCI's default DHCP
// options: the Internet and VCN Resolver.
const OCIVcnLocalPlusInternet = "VcnLocalPlusInternet"
