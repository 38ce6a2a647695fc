package topologies

import (
	"fmt"
	"net/netip"
)

// providerOfVPC is the provider of v's account, or "" when the account is
// unknown (reported elsewhere).
func providerOfVPC(cl *Cloud, v *VPC) Provider {
	for _, a := range cl.Accounts {
		if a != nil && a.Name == v.Account {
			return a.Provider
		}
	}
	return ""
}

// reservedIn says why address a of subnet sub may not be an instance's
// on the VPC's provider, or "": each provider keeps some of every
// subnet's addresses for itself, and the message names the range an
// instance may use.
func reservedIn(prov Provider, sub *Subnet, a netip.Addr) string {
	p := sub.CIDR.Masked()
	first, last := p.Addr(), lastAddr(p)
	switch prov {
	case ProviderGCP:
		// GCP: https://cloud.google.com/vpc/docs/subnets#reserved_ip_addresses_in_every_subnet
		// — the network address, the default gateway (the second
		// address), the second-to-last address and the broadcast address
		// of every primary IPv4 range.
		if a == first || a == first.Next() || a == last.Prev() || a == last {
			return fmt.Sprintf("%s is reserved by GCP in subnet %s (%s): the network address, the default gateway %s, the second-to-last address %s and the broadcast address %s of a subnet's range are; use one of %s..%s",
				a, sub.Name, p, first.Next(), last.Prev(), last, first.Next().Next(), last.Prev().Prev())
		}
	case ProviderOCI:
		// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/overview.htm
		// — the first two IP addresses and the last in each subnet's CIDR
		// are reserved by the Networking service.
		if a == first || a == first.Next() || a == last {
			return fmt.Sprintf("%s is reserved by OCI in subnet %s (%s): the first two addresses and the last one of a subnet are; use one of %s..%s",
				a, sub.Name, p, first.Next().Next(), last.Prev())
		}
	case ProviderAzure:
		// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-networks-faq#are-there-any-restrictions-on-using-ip-addresses-within-these-subnets
		// — the first four addresses (network, default gateway, two for
		// Azure DNS) and the last (broadcast) of each subnet.
		if awsReserved(p, a) {
			return fmt.Sprintf("%s is reserved by Azure in subnet %s (%s): the first four addresses and the last one of a subnet are; use one of %s..%s",
				a, sub.Name, p, firstUsable(p), last.Prev())
		}
	default:
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html
		// — "The first four IP addresses and the last IP address in each
		// subnet CIDR block are not available for your use".
		if awsReserved(p, a) {
			return fmt.Sprintf("%s is reserved by AWS in subnet %s (%s): the first four addresses and the last one of a subnet are; use one of %s..%s",
				a, sub.Name, p, firstUsable(p), last.Prev())
		}
	}
	return ""
}
