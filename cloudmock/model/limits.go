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
	}
}

// Account is one tenant of the cloud; it sees only its own objects.
type Account struct {
	ID     string
	Limits Limits
}
