package model

// Limits are the per-account quotas and sizes the model enforces.
type Limits struct {
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html — VPC CIDR /16 to /28
	MinNetworkPrefixBits, MaxNetworkPrefixBits int
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html — subnet CIDR /16 to /28
	MinSubnetPrefixBits, MaxSubnetPrefixBits int
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html — first four and last address reserved
	ReservedPerSubnet int
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — 5 IPv4 CIDR blocks per VPC
	CIDRsPerNetwork int
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — 50 routes per route table
	RoutesPerTable int
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — 60 inbound and 60 outbound rules per security group
	RulesPerGroupDirection int
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — 20 rules per network ACL direction
	ACLEntriesPerDirection int
	// AWS: https://docs.aws.amazon.com/vpc/latest/tgw/transit-gateway-quotas.html — 20 route tables per transit gateway
	RouteTablesPerTransitGateway int
	// AWS: https://docs.aws.amazon.com/vpn/latest/s2svpn/vpn-limits.html — 100 BGP advertised routes per VPN connection
	BGPRoutesPerVPN int

	// The quotas below (and RoutesPerTable, RulesPerGroupDirection) are
	// the ones an account may raise (Quotas). A per-Region quota counts
	// the account's objects of one region (region.go).

	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — VPCs per Region: 5
	NetworksPerRegion int
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — Internet gateways per Region: 5
	InternetGatewaysPerRegion int
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/elastic-ip-addresses-eip.html#using-instance-addressing-limit — 5 Elastic IP addresses per Region
	ElasticIPsPerRegion int
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — Subnets per VPC: 200
	SubnetsPerNetwork int
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — Route tables per VPC: 200, the main route table included
	RouteTablesPerNetwork int
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — VPC security groups per Region: 2,500
	SecurityGroupsPerRegion int
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — NAT gateways per Availability Zone: 5
	NATGatewaysPerZone int
}

// DefaultLimits returns AWS's default quotas.
func DefaultLimits() Limits {
	return Limits{
		MinNetworkPrefixBits: 16, MaxNetworkPrefixBits: 28,
		MinSubnetPrefixBits: 16, MaxSubnetPrefixBits: 28,
		ReservedPerSubnet:            5,
		CIDRsPerNetwork:              5,
		RoutesPerTable:               50,
		RulesPerGroupDirection:       60,
		ACLEntriesPerDirection:       20,
		RouteTablesPerTransitGateway: 20,
		BGPRoutesPerVPN:              100,
		NetworksPerRegion:            5,
		InternetGatewaysPerRegion:    5,
		ElasticIPsPerRegion:          5,
		SubnetsPerNetwork:            200,
		RouteTablesPerNetwork:        200,
		SecurityGroupsPerRegion:      2500,
		NATGatewaysPerZone:           5,
	}
}

// Account is one tenant of the cloud; it sees only its own objects.
type Account struct {
	ID     string
	Limits Limits
}
