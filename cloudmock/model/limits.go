package model

// Limits are the per-account quotas and sizes the model enforces. An
// account's profile gives a new account its values (Profile.Limits); the
// AWS profile's cite AWS's documentation (profile_aws.go).
type Limits struct {
	MinNetworkPrefixBits, MaxNetworkPrefixBits int // a network prefix's length
	MinSubnetPrefixBits, MaxSubnetPrefixBits   int // a subnet prefix's length
	// ReservedPerSubnet is kept so that stored accounts decode; the
	// addresses a subnet reserves are its profile's (Profile.ReservedLow,
	// Profile.ReservedHigh).
	ReservedPerSubnet            int
	CIDRsPerNetwork              int // prefixes per network
	RoutesPerTable               int // routes per route table
	RulesPerGroupDirection       int // rules per security group and direction
	ACLEntriesPerDirection       int // entries per network ACL and direction
	RouteTablesPerTransitGateway int // route tables per transit gateway
	BGPRoutesPerVPN              int // routes a VPN connection's BGP peer may advertise

	// The quotas below (and RoutesPerTable, RulesPerGroupDirection) are
	// the ones an account may raise (Quotas). A per-Region quota counts
	// the account's objects of one region (region.go).

	NetworksPerRegion         int // networks per region
	InternetGatewaysPerRegion int // internet gateways per region
	ElasticIPsPerRegion       int // elastic IPs per region
	SubnetsPerNetwork         int // subnets per network
	RouteTablesPerNetwork     int // route tables per network, the main one included
	SecurityGroupsPerRegion   int // security groups per region
	NATGatewaysPerZone        int // NAT gateways per zone
}

// DefaultLimits returns AWS's default quotas: the AWS profile's limits.
func DefaultLimits() Limits { return awsLimits() }

// Account is one tenant of the cloud; it sees only its own objects.
type Account struct {
	ID     string
	Limits Limits // zero: its profile's (Profile.Limits)
	// Provider names its profile (Profile); empty is AWS.
	Provider string `json:",omitempty"`
	// DefaultNetworkRegions are the regions in which the account's
	// default network has been made (defaultnet.go), whether or not it
	// still exists: one deleted is not made again but by
	// CreateDefaultNetwork.
	DefaultNetworkRegions []string `json:",omitempty"`
}
