package model

import (
	"crypto/rand"
	"encoding/hex"
	"net/netip"
)

// awsProfile is Amazon Web Services: random IDs with a prefix per kind,
// no unique names (a Name tag is only a tag), and a new VPC comes with a
// main route table, a default network ACL and a default security group.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/resource-ids.html — long (17 hex digit) resource IDs
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Tags.html — the Name tag is a tag like any other
var awsProfile = Profile{
	Provider:  ProviderAWS,
	NewID:     awsNewID,
	RandomIDs: true,
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html#add-cidr-block-restrictions — a VPC in one RFC 1918 range cannot add another RFC 1918 range
	OneRFC1918Range: true,
	Network: NetworkDefaults{
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/default-network-acl.html — every VPC has a default network ACL
		NetworkACL: true,
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html — every VPC has a default security group
		SecurityGroup: true,
	},
	Limits: awsLimits(),
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html — the first four and the last address of each subnet are reserved
	ReservedLow: 4, ReservedHigh: 1,
	// AWS: https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html — the Regions and their codes
	Regions: []string{
		"us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "ca-west-1", "mx-central-1", "sa-east-1",
		"eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3", "eu-south-1", "eu-south-2", "eu-north-1",
		"af-south-1", "il-central-1", "me-south-1", "me-central-1",
		"ap-east-1", "ap-east-2", "ap-south-1", "ap-south-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
		"ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-7",
		"us-gov-east-1", "us-gov-west-1", "cn-north-1", "cn-northwest-1",
	},
	Zones: awsZones,
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/default-vpc.html#default-vpc-components — a default VPC in each Region: 172.31.0.0/16, a /20 default subnet in each Availability Zone, an internet gateway, a route to it in the main route table, the default security group and network ACL, the default DHCP options set
	DefaultNetwork: &DefaultNetworkSpec{CIDR: netip.MustParsePrefix("172.31.0.0/16"), SubnetBits: 20},
}

// awsZonesPerRegion is how many availability zones each region has here:
// a, b and c.
const awsZonesPerRegion = 3

// awsZones are a region's availability zones: the region's name and a
// letter.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-regions-availability-zones.html — a zone's name is its Region's code followed by a letter
func awsZones(region string) []string {
	out := make([]string, awsZonesPerRegion)
	for i := range out {
		out[i] = region + string(rune('a'+i))
	}
	return out
}

// awsPrefixes are the ID prefixes of AWS's resources, by kind.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/resource-ids.html — resource IDs are a prefix, a hyphen and hexadecimal digits
var awsPrefixes = map[Kind]string{
	KindNetwork:               "vpc",
	KindNetworkCIDR:           "vpc-cidr-assoc",
	KindSubnet:                "subnet",
	KindRouteTable:            "rtb",
	KindRouteTableAssociation: "rtbassoc",
	KindInternetGateway:       "igw",
	KindEgressOnlyGateway:     "eigw",
	KindSubnetCIDR:            "subnet-cidr-assoc",
	KindNATGateway:            "nat",
	KindElasticIP:             "eipalloc",
	KindSecurityGroup:         "sg",
	KindSecurityRule:          "sgr",
	KindNetworkACL:            "acl",
	KindNetworkACLAssociation: "aclassoc",
	// The rule-set flavours AWS does not have (model.FlavorNSG and the
	// others), for tests of an AWS account that makes them.
	KindRuleSet:                  "rs",
	KindRule:                     "rsr",
	KindRuleSetAttachment:        "rsassoc",
	KindInstance:                 "i",
	KindReservation:              "r",
	KindNetworkInterface:         "eni",
	KindInterfaceAttachment:      "eni-attach",
	KindPeering:                  "pcx",
	KindTransitGateway:           "tgw",
	KindTransitGatewayRouteTable: "tgw-rtb",
	KindTransitGatewayAttachment: "tgw-attach",
	KindVPNGateway:               "vgw",
	KindCustomerGateway:          "cgw",
	KindVPNConnection:            "vpn",
	KindPrefixList:               "pl",
	KindVPCEndpoint:              "vpce",
	KindLaunchTemplate:           "lt",
	KindDHCPOptions:              "dopt",
	KindFlowLog:                  "fl",
	KindSubnetCIDRReservation:    "scr",
}

// awsNewID mints an AWS ID: EC2's shape, or Direct Connect's for its
// connections and virtual interfaces.
func awsNewID(_ string, kind Kind, _ Place) string {
	switch kind {
	case KindDXConnection:
		return newDXID("dxcon")
	case KindDXVirtualInterface:
		return newDXID("dxvif")
	case KindDetector, KindThreatIntelSet, KindFinding:
		return newHex32ID()
	}
	return newID(awsPrefixes[kind])
}

// newDXID returns an ID shaped like Direct Connect's: a prefix, a dash and
// 8 lower-case letters and digits.
// AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/API_CreatePrivateVirtualInterface.html — example IDs dxcon-fg5678gh, dxvif-ffhhk74f
func newDXID(prefix string) string {
	return prefix + "-" + randomString(8)
}

// newID returns an ID shaped like AWS's: a prefix, a dash and 17 hex
// digits. Only the AWS profile calls it (and, until the rule-set kind
// replaces them, the security group and network ACL code).
func newID(prefix string) string {
	var b [9]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("model: crypto/rand failed: " + err.Error())
	}
	return prefix + "-" + hex.EncodeToString(b[:])[:17]
}

// awsLimits are AWS's default quotas and sizes.
func awsLimits() Limits {
	return Limits{
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html — VPC CIDR /16 to /28
		MinNetworkPrefixBits: 16, MaxNetworkPrefixBits: 28,
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html — subnet CIDR /16 to /28
		MinSubnetPrefixBits: 16, MaxSubnetPrefixBits: 28,
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html — first four and last address reserved
		ReservedPerSubnet: 5,
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — 5 IPv4 CIDR blocks per VPC
		CIDRsPerNetwork: 5,
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — 50 routes per route table
		RoutesPerTable: 50,
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — 60 inbound and 60 outbound rules per security group
		RulesPerGroupDirection: 60,
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — 20 rules per network ACL direction
		ACLEntriesPerDirection: 20,
		// AWS: https://docs.aws.amazon.com/vpc/latest/tgw/transit-gateway-quotas.html — 20 route tables per transit gateway
		RouteTablesPerTransitGateway: 20,
		// AWS: https://docs.aws.amazon.com/vpn/latest/s2svpn/vpn-limits.html — 100 BGP advertised routes per VPN connection
		BGPRoutesPerVPN: 100,
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — VPCs per Region: 5
		NetworksPerRegion: 5,
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — Internet gateways per Region: 5
		InternetGatewaysPerRegion: 5,
		// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/elastic-ip-addresses-eip.html#using-instance-addressing-limit — 5 Elastic IP addresses per Region
		ElasticIPsPerRegion: 5,
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — Subnets per VPC: 200
		SubnetsPerNetwork: 200,
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — Route tables per VPC: 200, the main route table included
		RouteTablesPerNetwork: 200,
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — VPC security groups per Region: 2,500
		SecurityGroupsPerRegion: 2500,
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — NAT gateways per Availability Zone: 5
		NATGatewaysPerZone: 5,
	}
}
