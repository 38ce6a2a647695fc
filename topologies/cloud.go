package topologies

import "net/netip"

// Cloud intent: what the controller builds in the clouds. A topology may
// hold nodes and links (built by the emulator), cloud intent (built by the
// controller through the cloud APIs), or both. Every slice is in file order.
//
// In YAML (see FORMAT.md):
//
//	accounts:
//	  aws-lab: {provider: aws, credentials: lab}
//	  azure-lab: {provider: azure, credentials: lab}
//	  gcp-lab: {provider: gcp, credentials: lab}
//	vpcs:
//	  prod-vpc:
//	    account: aws-lab
//	    region: us-east-1
//	    cidr: 10.1.0.0/16
//	    subnets: {gw: 10.1.0.0/24, app: 10.1.1.0/24}
//	    workloads:
//	      prod-app: {subnet: app, address: 10.1.1.10, allow: [10.0.0.0/8]}
//	transits:
//	  transit: {vpc: transit-vpc, subnet: gw, asn: 65000, ha: true, hpe: {tunnels: 2},
//	            approval: {mode: manual, approved: {dc1: [10.100.0.0/24]}}}
//	spokes:
//	  prod: {vpc: prod-vpc, subnet: gw, transit: transit, ha: true}
//	transit-peerings:
//	  - [transit-east, transit-west]
//	sites:
//	  dc1:
//	    router: frr
//	    asn: 65100
//	    advertise: [10.100.0.0/24, 10.101.0.0/24]
//	    connection: {type: private-line, transit: transit}
//	    hosts: {dc1-app: 10.100.0.10, dc1-lab: 10.101.0.10}
//	domains:
//	  prod: {members: [prod]}
//	  shared: {members: [shared, dc1]}
//	connections:
//	  - [prod, shared]
type Cloud struct {
	Accounts        []*Account
	VPCs            []*VPC
	Transits        []*Transit
	Spokes          []*Spoke
	TransitPeerings []*TransitPeering
	Sites           []*Site
	Domains         []*Domain
	Connections     []*DomainConnection
}

// Provider names a cloud.
type Provider string

// The providers format v1 accepts.
const (
	ProviderAWS   Provider = "aws"
	ProviderAzure Provider = "azure"
	ProviderGCP   Provider = "gcp"
)

// Account is a cloud account the controller acts in.
type Account struct {
	Name     string
	Provider Provider
	// Credentials says where the account's credentials come from: "lab"
	// (the lab's emulated cloud; the default), "env" (the SDK's default
	// chain: environment, shared files, instance role) or "profile:NAME"
	// (a named profile of the shared configuration files).
	Credentials string
	// Quotas are the AWS quotas the account has raised (see Quotas), in
	// the order of Quotas; a quota not listed has AWS's default.
	Quotas []*QuotaValue
	// QuotasPos is where the account's quotas mapping is; zero when it
	// has none.
	QuotasPos Pos
	// GuardDuty, when set, turns GuardDuty on in the account (guardduty.go).
	GuardDuty *GuardDuty
	// Compartment is, on an OCI account only, the compartment everything
	// of the account is made in: the name of a compartment directly
	// under the tenancy's root (the controller makes it when missing) or
	// a compartment's OCID; "" is the root compartment (or
	// OCI_COMPARTMENT_ID with credentials env).
	Compartment string
	// CompartmentPos is where the compartment is written; zero without.
	CompartmentPos Pos
	Pos            Pos
}

// VPC is a virtual network with its subnets and workloads.
type VPC struct {
	Name    string
	Account string // name of an Account
	Region  string // such as us-east-1 (AWS), eastus (Azure) or us-central1 (GCP)
	// ResourceGroup is the Azure resource group the VNet and everything
	// in it are made in; "" lets the controller choose (mcnlab-LAB).
	// Only a VPC of an Azure account has one.
	ResourceGroup string
	CIDR          netip.Prefix
	Subnets       []*Subnet
	// Workloads are test instances (ordinary instances) in the VPC's subnets.
	Workloads []*Workload
	// Egress, when set, is the VPC's FQDN egress gateway (egress.go).
	Egress *Egress
	// PSF, when set, is the VPC's Public Subnet Filtering gateway (psf.go).
	PSF *PSF
	Pos Pos
}

// Subnet is a subnet of a VPC; in YAML `name: cidr`.
type Subnet struct {
	Name string
	CIDR netip.Prefix // inside the VPC's CIDR, /16../28
	Pos  Pos
}

// Workload is an instance in a VPC subnet that probes and answers probes.
type Workload struct {
	Name   string
	Subnet string // name of a subnet of the VPC
	// Address is its private address; invalid (zero) means the cloud's choice.
	Address netip.Addr
	// Allow lists the sources its security group admits (all protocols);
	// nil means from anywhere (0.0.0.0/0).
	Allow []netip.Prefix
	// Public gives it an elastic IP, reached through the VPC's internet
	// gateway: its subnet must route to the internet (a transit's or
	// spoke's subnet).
	Public bool
	Pos    Pos
}

// Transit is a transit gateway (a pair with HA) in a VPC subnet.
type Transit struct {
	Name   string
	VPC    string // name of a VPC
	Subnet string // name of a subnet of that VPC
	ASN    uint32
	HA     bool
	// HPETunnels is the number of tunnels to each peer gateway (high
	// performance encryption); 0 or 1 means one tunnel.
	HPETunnels int
	Approval   Approval
	// FireNet, when set, attaches firewalls to the transit (firenet.go).
	FireNet *FireNet
	Pos     Pos
}

// ApprovalMode says whether routes learned from on-prem need approval.
type ApprovalMode string

// The approval modes.
const (
	ApprovalAuto   ApprovalMode = "auto"   // every learned route is accepted (the default)
	ApprovalManual ApprovalMode = "manual" // a learned route is held until approved
)

// Approval is a transit's learned-route approval.
type Approval struct {
	Mode ApprovalMode
	// Approved are the routes approved up front, in file order.
	Approved []ApprovedRoute
}

// ApprovedRoute is one approved on-prem prefix of a site.
type ApprovedRoute struct {
	Site   string
	Prefix netip.Prefix
	Pos    Pos
}

// Spoke is a spoke gateway (a pair with HA) in a VPC subnet, attached to a
// transit.
type Spoke struct {
	Name    string
	VPC     string
	Subnet  string
	Transit string // name of a Transit
	HA      bool
	// ASN is the spoke's AS; 0 lets the controller choose one.
	ASN uint32
	Pos Pos
}

// TransitPeering joins two transits.
type TransitPeering struct {
	A, B string // transit names
	Pos  Pos
}

// SiteRouter is the kind of router an on-prem site runs.
type SiteRouter string

// The site router kinds.
const (
	SiteFRR   SiteRouter = "frr"
	SiteBIRD  SiteRouter = "bird"
	SiteGoBGP SiteRouter = "gobgp" // an mcnlab gateway (GoBGP) as the site's edge
)

// ConnectionType says how a site reaches its transit.
type ConnectionType string

// The connection types.
const (
	// ConnPrivateLine is a private line into the transit's VPC, like AWS
	// Direct Connect: the site's router peers with the transit gateways
	// over an overlay (VXLAN here) across the line.
	ConnPrivateLine ConnectionType = "private-line"
	// ConnTunnel is an encrypted tunnel over the internet to the transit
	// gateways' public addresses (router gobgp only).
	ConnTunnel ConnectionType = "tunnel"
)

// Site is an on-prem data centre: a router and hosts on its prefixes.
type Site struct {
	Name       string
	Router     SiteRouter
	ASN        uint32
	Advertise  []netip.Prefix
	Connection SiteConnection
	// Hosts are the site's test hosts, each on one of the advertised
	// prefixes.
	Hosts []*SiteHost
	Pos   Pos
}

// SiteConnection is how a site reaches a transit.
type SiteConnection struct {
	Type    ConnectionType
	Transit string
	// Address is the line's /30 (private line): the cloud side takes its
	// first host address, the site its second. Zero means the controller
	// picks one from 169.254.0.0/16.
	Address netip.Prefix
	Pos     Pos
}

// SiteHost is a host of a site.
type SiteHost struct {
	Name    string
	Address netip.Addr
	Pos     Pos
}

// Domain is a segmentation domain.
type Domain struct {
	Name    string
	Members []string // spoke and site names
	Pos     Pos
}

// DomainConnection lets two domains reach each other.
type DomainConnection struct {
	A, B string
	Pos  Pos
}
