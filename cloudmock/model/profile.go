package model

import (
	"fmt"
	"net/netip"
	"slices"
)

// ProviderAWS is the provider of the AWS profile, and of an account that
// names none.
const ProviderAWS = "aws"

// Place is where a new object goes and what it is called: its region, its
// scope and its name.
type Place struct {
	Region string // its region (region.go); empty is the front-end's default
	Scope  string // its resource group, project or compartment; empty for AWS
	Name   string // the name its provider addresses it by; empty for AWS
}

// NetworkDefaults says which default objects a new network comes with,
// besides its main route table (which every network has).
type NetworkDefaults struct {
	NetworkACL    bool // a default network ACL, which new subnets use
	SecurityGroup bool // a default security group, which new instances use
	SecurityList  bool // a default security list (OCI's), which new subnets use unless they name theirs
	DHCPOptions   bool // DHCP options of its own (OCI's default DHCP options), deleted with it
}

// Profile is what differs between the providers the model serves, for the
// accounts of one provider: how IDs look, whether names are unique, which
// objects a new network comes with, the default limits, the addresses a
// subnet reserves and the regions there are. An account names its
// profile by Provider (Account.Provider).
type Profile struct {
	Provider string
	// NewID mints the ID of a new object or association of the given kind
	// that the account makes at the given place.
	NewID func(account string, kind Kind, at Place) string
	// RandomIDs says that NewID gives a fresh ID on each call: the model
	// mints again when an ID's handle is taken. A profile whose IDs derive
	// from names gets a conflict error instead.
	RandomIDs bool
	// UniqueNames says that an account's names are unique per scope and
	// kind: the model refuses a second object with a taken name.
	UniqueNames bool
	// FoldNameCase says that names and scopes are case-insensitive: the
	// name index compares them folded (Azure's, profile_azure.go).
	FoldNameCase bool
	// OneRFC1918Range says that a network whose primary prefix is in one
	// RFC 1918 range cannot add a prefix of another (AWS's rule; Azure
	// lets a VNet mix any ranges).
	OneRFC1918Range bool
	// Defaults made with each network.
	Network NetworkDefaults
	// Limits are a new account's limits (Account.Limits).
	Limits Limits
	// ReservedLow and ReservedHigh are how many addresses at the bottom
	// and at the top of each subnet the cloud keeps for itself.
	ReservedLow, ReservedHigh int
	// Regions are the provider's regions; an object may be made in one of
	// them or in the empty (default) region.
	Regions []string
	// SystemRoutes says that a subnet routes by the provider's system
	// routes under the user-defined routes of its associated table of no
	// network (EffectiveRoutes, effective.go): its network's prefixes, its
	// peers' prefixes, the internet and the reserved ranges that go
	// nowhere, with no gateway object needed (Azure's). Without it a
	// subnet routes by its network's table (AWS's).
	SystemRoutes bool
	// PublicIPClosed says that a public address associated with an
	// interface takes no connection from the internet unless a rule set
	// at the interface or its subnet admits it (Azure's Standard public
	// IPs); without it the address is open and only the interface's
	// rule sets filter (AWS's elastic IPs).
	PublicIPClosed bool
	// GlobalNetworks says that a network belongs to no region and each of
	// its subnets to the region it is made in (GCP's global VPC networks
	// with regional subnets); without it a subnet is in its network's
	// region.
	GlobalNetworks bool
	// PrefixesFromSubnets says that a network has no address range of its
	// own: each subnet's range becomes one of the network's prefixes while
	// the subnet lives (GCP's subnet routes), so a network may be made
	// without a prefix.
	PrefixesFromSubnets bool
	// PeeringRoutes says that an active peering brings each network's
	// main table the peer's subnet routes, and the peer's custom static
	// routes where the peer exports them and the network imports them
	// (GCP's VPC Network Peering; peeringroutes.go). Without it a peering
	// carries only what routes point at it (AWS's).
	PeeringRoutes bool
	// WholeNetworkAttachments says that a network attaches to a transit
	// gateway as a whole, naming no subnets (OCI's DRG attachments of a
	// VCN); without it an attachment needs a subnet per zone (AWS's).
	// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingDRGs.htm — a VCN is attached to a DRG, not its subnets
	WholeNetworkAttachments bool
	// RouteToInstanceNIC says that a route to an instance reaches its
	// interface in the route's network, however many interfaces it has
	// in other networks (GCP's next hop instance); without it a route to
	// an instance needs the instance to have one interface (AWS's).
	RouteToInstanceNIC bool
	// PublicIPBeforeNAT says that an instance's own public IP carries its
	// outbound connections ahead of a NAT gateway serving its subnet
	// (GCP's Cloud NAT); without it the NAT gateway comes first (Azure's).
	PublicIPBeforeNAT bool
	// OpenPublicIPTier is the tier (ElasticIP.Tier) whose addresses are
	// open all the same (Azure's Basic SKU); empty for none.
	OpenPublicIPTier string
	// ImplicitRules are, by flavour, the rules every rule set of that
	// flavour has below its own, which cannot be changed (RuleSet.Implicit).
	ImplicitRules map[Flavor][]Rule
	// NetworkRules are the rules every interface of a network is filtered
	// by beneath its own rule sets, whether or not any set applies to it
	// (GCP's implied firewall rules); nil for none.
	NetworkRules []Rule
	// Zones lists a region's zones (availability zones), in order; nil
	// for a provider whose subnets name no zone.
	Zones func(region string) []string
	// ResolverVIP, if valid, is the one address at which every network's
	// DNS resolver answers, whatever its prefixes (Azure's 168.63.129.16);
	// the zero address: at the primary prefix's base plus two and at
	// 169.254.169.253 (AWS's Route 53 Resolver).
	ResolverVIP netip.Addr
	// DefaultNetwork, if set, is the network each account has in each
	// region from the start (AWS's default VPC, defaultnet.go); nil for a
	// provider whose accounts start empty.
	DefaultNetwork *DefaultNetworkSpec
}

// profiles are the profiles by provider.
var profiles = map[string]*Profile{ProviderAWS: &awsProfile, ProviderAzure: &azureProfile, ProviderGCP: &gcpProfile, ProviderOCI: &ociProfile}

// profileOf returns the profile of a provider; the empty provider is AWS.
func profileOf(provider string) (*Profile, error) {
	if provider == "" {
		provider = ProviderAWS
	}
	p, ok := profiles[provider]
	if !ok {
		return nil, fmt.Errorf("no cloud profile for provider %q", provider)
	}
	return p, nil
}

// LookupProfile returns a copy of the profile of a provider ("" is AWS).
func LookupProfile(provider string) (Profile, bool) {
	p, err := profileOf(provider)
	if err != nil {
		return Profile{}, false
	}
	return *p, true
}

// hasRegion reports whether an object may be made in the region.
func (p *Profile) hasRegion(region string) bool {
	return region == "" || slices.Contains(p.Regions, region)
}

// profileLocked returns the profile of an account.
func (c *Cloud) profileLocked(account string) (*Profile, error) {
	a, ok := c.accounts[account]
	if !ok {
		return nil, notFound(KindAccount, account)
	}
	return profileOf(a.Provider)
}

// maxMints is how often the model mints a random ID whose handle or ID is
// taken before it gives up.
const maxMints = 100

// newIDLocked mints the ID of a new object of the account: one that no
// object has and whose handle no object has (handles.go), trying again
// with a profile whose IDs are random and failing with a conflict for one
// whose IDs derive from names. It also checks the place: its region must
// be the profile's, and with unique names its name must be free.
func (c *Cloud) newIDLocked(account string, kind Kind, at Place) (string, error) {
	p, err := c.profileLocked(account)
	if err != nil {
		return "", err
	}
	if !p.hasRegion(at.Region) {
		return "", errf(CodeInvalidParameter, kind, at.Region, "the region '%s' does not exist", at.Region)
	}
	if err := c.checkNameLocked(p, account, kind, at); err != nil {
		return "", err
	}
	for range maxMints {
		id := p.NewID(account, kind, at)
		_, taken := c.owners[id]
		other, clash := c.handleIDs[c.hash(id)]
		if !taken && !clash {
			return id, nil
		}
		if !p.RandomIDs {
			if taken {
				other = id
			}
			return "", errf(CodeConflict, kind, id, "the %s ID '%s' cannot be used: it or its handle is taken by '%s'", kind, id, other)
		}
	}
	return "", errf(CodeLimitExceeded, kind, "", "no free %s ID after %d tries", kind, maxMints)
}

// subIDLocked mints the ID of something that is part of an object (an
// association, a reservation): it names no kernel object and has no
// handle.
func (c *Cloud) subIDLocked(account string, kind Kind) string {
	p, err := c.profileLocked(account)
	if err != nil {
		p = &awsProfile // the caller has checked the account
	}
	return p.NewID(account, kind, Place{})
}

// reservedLocked is how many addresses each subnet of the account keeps
// for the cloud.
func (c *Cloud) reservedLocked(account string) int {
	p, err := c.profileLocked(account)
	if err != nil {
		return 0
	}
	return p.ReservedLow + p.ReservedHigh
}
