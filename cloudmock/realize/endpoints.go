package realize

import (
	"maps"
	"net/netip"
	"slices"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/emulator/internet"
)

// Prefix lists and gateway endpoints in the dataplane. A route to a
// prefix list is one kernel route per CIDR of the list (the snapshot's
// tables hold them expanded, model.Cloud.ExpandRoutes), and a rule whose
// peer is a list matches its CIDRs (ruleIndex.peers); a change of the
// list announces its tables and rule sets, so the next pass rewrites
// both. A gateway endpoint's route leaves the VPC router over the
// router's link to the internet namespace, which the router has while
// the network has an internet gateway or a gateway endpoint; the router
// masquerades what it sends to the endpoint's services behind its end of
// the link, so the services answer it whatever the VPC's addresses
// (overlapping VPCs included). The services themselves are web hosts of
// the emulated internet (withServices), at the addresses of the AWS
// managed prefix lists (model.ServiceSpace).

// withServices returns cfg with a web host (HTTP and HTTPS) for each
// gateway service of every region (S3 and DynamoDB, and OCI's Oracle
// Services Network), at its address on model.ServiceSpace (OCI's on
// model.OCIServiceSpace) and answering its regional name
// (s3.REGION.amazonaws.com), which the internet's resolver and every
// VPC's resolver answer; nil for nil.
// AWS: https://docs.aws.amazon.com/general/latest/gr/s3.html — the regional endpoint s3.REGION.amazonaws.com
// AWS: https://docs.aws.amazon.com/general/latest/gr/ddb.html — the regional endpoint dynamodb.REGION.amazonaws.com
func withServices(cfg *internet.Config) *internet.Config {
	if cfg == nil {
		return nil
	}
	out := *cfg
	out.Records = maps.Clone(cfg.Records)
	if out.Records == nil {
		out.Records = map[string][]netip.Addr{}
	}
	out.Hosts = slices.Clone(cfg.Hosts)
	// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/servicegateway.htm — each region's Oracle Services Network (model.OCIServices), reached through a service gateway
	for _, s := range append(model.Services(""), model.OCIServices("")...) {
		if !s.Gateway {
			continue
		}
		if _, taken := out.Records[s.DNSName]; taken {
			continue // the topology's internet serves the name itself
		}
		out.Records[s.DNSName] = []netip.Addr{s.Addr}
		out.Hosts = append(out.Hosts, internet.Host{Name: s.Short + "-" + s.Region, Address: s.Addr, Names: []string{s.DNSName}, HTTP: true, HTTPS: true})
	}
	return &out
}

// prefixListCIDRs are the current CIDRs of every prefix list the
// snapshot's accounts see, by ID: the IPv4 ones, as the dataplane's
// routers and rule sets are IPv4 (ipv4Only).
func prefixListCIDRs(c *model.Cloud, account string, into map[string][]netip.Prefix) {
	for _, p := range c.PrefixLists(account) {
		into[p.ID] = slices.DeleteFunc(p.CIDRs(), func(x netip.Prefix) bool { return !x.Addr().Is4() })
	}
	// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/servicegateway.htm — a service CIDR label stands for the region's Oracle Services Network addresses
	for _, s := range model.OCIServices("") {
		into[s.PrefixListID] = []netip.Prefix{netip.PrefixFrom(s.Addr, 32)}
	}
}

// gatewayEndpointNets returns the networks with a gateway endpoint, and
// the CIDRs of the services each reaches through one (what its router
// masquerades onto its internet link).
func gatewayEndpointNets(s *snapshot) map[string][]netip.Prefix {
	out := map[string][]netip.Prefix{}
	for _, e := range s.endpoints {
		if e.Type != model.EndpointGateway {
			continue
		}
		svc, ok := model.ServiceByName(e.Region, e.ServiceName)
		if !ok {
			continue
		}
		dst := netip.PrefixFrom(svc.Addr, 32)
		if !slices.Contains(out[e.NetworkID], dst) {
			out[e.NetworkID] = append(out[e.NetworkID], dst)
		}
	}
	for _, v := range out {
		slices.SortFunc(v, func(a, b netip.Prefix) int { return a.Addr().Compare(b.Addr()) })
	}
	return out
}

// privateNames returns, by network, the names its resolver answers for
// its own interface endpoints with private DNS: each endpoint's service
// name (sts.REGION.amazonaws.com) resolves to the endpoint's interface
// addresses, in subnet order.
// AWS: https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html#private-dns — with private DNS, the service's default DNS name resolves to the endpoint's private addresses within the VPC
func privateNames(s *snapshot) map[string]map[string][]netip.Addr {
	addrOf := map[string]netip.Addr{}
	for _, e := range s.enis {
		addrOf[e.ID] = e.PrivateIP
	}
	out := map[string]map[string][]netip.Addr{}
	for _, e := range s.endpoints {
		svc, ok := model.ServiceByName(e.Region, e.ServiceName)
		if e.Type != model.EndpointInterface || !e.PrivateDNS || !ok {
			continue
		}
		var addrs []netip.Addr
		for _, id := range e.NetworkInterfaceIDs {
			if a, ok := addrOf[id]; ok {
				addrs = append(addrs, a)
			}
		}
		if len(addrs) == 0 {
			continue
		}
		if out[e.NetworkID] == nil {
			out[e.NetworkID] = map[string][]netip.Addr{}
		}
		out[e.NetworkID][svc.DNSName] = append(out[e.NetworkID][svc.DNSName], addrs...)
	}
	return out
}

// networkZone is the zone a network's resolver answers: the internet's,
// with the network's own names (privateNames) over it.
func (r *Realizer) networkZone(own map[string][]netip.Addr) (*internet.Zone, error) {
	if len(own) == 0 {
		return r.svc.zone, nil
	}
	records := maps.Clone(r.opts.Internet.Records)
	if records == nil {
		records = map[string][]netip.Addr{}
	}
	maps.Copy(records, own)
	return internet.NewZone(records)
}
