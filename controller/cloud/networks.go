package cloud

import (
	"context"
	"net/netip"
)

// Network is a virtual network as its cloud lists it (an AWS VPC, an
// Azure VNet, a GCP VPC network, an OCI VCN), whoever made it: what a VPC
// tracker lists beside the sites' prefixes.
type Network struct {
	// ID is the provider's ID of the network, Name its name (AWS's Name
	// tag, Azure's resource name).
	ID, Name string
	// Region is where it is (Azure's location); Group its container
	// where the provider has one (Azure's resource group).
	Region, Group string
	// CIDRs are its address ranges: the primary and secondary IPv4
	// blocks and IPv6 blocks (AWS), the address space (Azure).
	CIDRs []netip.Prefix
	// Key and Owner are its TagKey and TagOwner; empty on networks the
	// controller did not make.
	Key, Owner string
}

// NetworkLister is a Provider that lists every network of its account,
// whatever its owner: the controller's VPC tracker reads the clouds
// through it, without any gateway.
type NetworkLister interface {
	// Networks lists every network of the account in the regions the
	// provider serves; it is read-only.
	Networks(ctx context.Context) ([]Network, error)
}
