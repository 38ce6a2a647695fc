package model

import (
	"net/netip"
	"slices"
	"strings"
	"sync"
)

// Oracle Services Network. Each OCI region's services (Object Storage
// and the rest) are reached from a VCN without a public IP through a
// service gateway whose route rule has the region's service CIDR label
// (all-<key>-services-in-oracle-services-network) as its destination. In
// the model a service gateway is a gateway VPC endpoint to the region's
// one service of that name, whose CIDRs are a managed list of one entry:
// the lab serves the region's services at one address of
// OCIServiceSpace, a web host of the emulated internet answering the
// region's Object Storage name.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/servicegateway.htm — a service gateway gives a VCN's private resources access to the Oracle Services Network; a route rule's destination is a service CIDR label such as all-phx-services-in-oracle-services-network
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/Service/ — Service: id, name, description, cidrBlock (the CIDR label)

// OCIServiceSpace is where the lab serves the OCI regions' services:
// 192.0.2.160 plus the region's index in the OCI profile's Regions
// (192.0.2.160-186), on the emulated internet's TEST-NET-1 (RFC 5737).
var OCIServiceSpace = netip.MustParsePrefix("192.0.2.160/27")

// OCIServiceLabel is the service CIDR label of a region's "All Services
// In Oracle Services Network": all-<region key>-services-in-oracle-services-network.
func OCIServiceLabel(region string) string {
	return "all-" + strings.ToLower(ociRegionKeys[region]) + "-services-in-oracle-services-network"
}

var ociServices = sync.OnceValue(func() []Service {
	var out []Service
	for i, r := range ociProfile.Regions {
		name := OCIServiceLabel(r)
		a := OCIServiceSpace.Addr().As4()
		a[3] += byte(i)
		out = append(out, Service{Name: name, Region: r, Short: "all", Gateway: true,
			// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/objectstorage/20160918/ — the Object Storage endpoint objectstorage.REGION.oraclecloud.com
			DNSName: "objectstorage." + r + ".oraclecloud.com", PrefixListID: managedPrefixListID(name),
			Addr: netip.AddrFrom4(a)})
	}
	return out
})

// OCIServices returns a region's Oracle Services Network services (every
// region's for "").
func OCIServices(region string) []Service {
	var out []Service
	for _, s := range ociServices() {
		if region == "" || s.Region == region {
			out = append(out, s)
		}
	}
	return out
}

// ociServicePrefixList is the managed list of an OCI service, by its ID.
func ociServicePrefixList(id string) (PrefixList, bool) {
	i := slices.IndexFunc(ociServices(), func(s Service) bool { return s.PrefixListID == id })
	if i < 0 {
		return PrefixList{}, false
	}
	s := ociServices()[i]
	return PrefixList{ID: s.PrefixListID, Account: OCIOwner, Region: s.Region, Name: s.Name, Managed: true, Weight: 1,
		State: PrefixListCreateComplete, Versions: [][]PrefixListEntry{{{CIDR: netip.PrefixFrom(s.Addr, 32)}}}}, true
}

// OCIOwner owns the OCI services' managed lists.
const OCIOwner = "oracle"
