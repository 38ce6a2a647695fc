package model

import "net/netip"

// TransitGateway is a regional router that connects networks and VPNs
// through attachments and its own route tables.
// AWS: https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html — attachments, route tables, associations and propagations
type TransitGateway struct {
	ID                  string
	Account             string
	ASN                 int64
	Description         string
	DefaultAssociation  bool
	DefaultPropagation  bool
	DefaultRouteTableID string
	State               State
	Tags                map[string]string
}

// TransitGatewayRoute is one route of a transit gateway route table.
type TransitGatewayRoute struct {
	Destination  netip.Prefix
	AttachmentID string // empty for blackhole routes
	Blackhole    bool
	Propagated   bool
}

// TransitGatewayRouteTable routes traffic arriving from the attachments
// associated with it; attachments that propagate to it add their routes.
type TransitGatewayRouteTable struct {
	ID               string
	Account          string
	TransitGatewayID string
	Default          bool
	Static           []TransitGatewayRoute
	Associations     []string // attachment IDs
	Propagations     []string // attachment IDs
	Tags             map[string]string
}

// AttachmentKind says what a transit gateway attachment connects.
type AttachmentKind string

// The attachment kinds.
const (
	AttachNetwork AttachmentKind = "vpc"
	AttachVPN     AttachmentKind = "vpn"
)

// TransitGatewayAttachment connects a network or a VPN to a transit gateway.
type TransitGatewayAttachment struct {
	ID               string
	Account          string
	TransitGatewayID string
	Kind             AttachmentKind
	NetworkID        string
	SubnetIDs        []string
	VPNConnectionID  string
	State            State
	Tags             map[string]string
}
