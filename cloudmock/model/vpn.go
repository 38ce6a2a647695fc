package model

import "net/netip"

// VPNGateway is the cloud side of site-to-site VPNs for one network.
// AWS: https://docs.aws.amazon.com/vpn/latest/s2svpn/how_it_works.html — virtual private gateway
type VPNGateway struct {
	ID        string
	Account   string
	ASN       int64
	NetworkID string // attached network, or empty
	State     State
	Tags      map[string]string
}

// CustomerGateway describes the on-premises end of a VPN.
type CustomerGateway struct {
	ID      string
	Account string
	ASN     int64
	IP      netip.Addr
	State   State
	Tags    map[string]string
}

// VPNConnection is a site-to-site VPN between a customer gateway and a VPN
// gateway or transit gateway, routed statically or by BGP.
type VPNConnection struct {
	ID                string
	Account           string
	CustomerGatewayID string
	VPNGatewayID      string
	TransitGatewayID  string
	AttachmentID      string // the transit gateway attachment, if any
	StaticRoutesOnly  bool
	Routes            []netip.Prefix // static routes to the customer's network
	State             State
	Tags              map[string]string
}
