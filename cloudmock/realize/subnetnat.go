package realize

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/dataplane/policy"
)

// subnetNAT is a NAT gateway of no subnet (Azure's) serving subnets of a
// network: their new connections out to the internet leave from its
// public IP, ahead of their own public IPs; what comes in to their own
// public IPs still comes in, and its replies leave from them.
// Azure: https://learn.microsoft.com/en-us/azure/nat-gateway/nat-overview — a NAT gateway takes precedence over a VM's instance-level public IP for outbound connections; inbound through the VM's public IP still works
type subnetNAT struct {
	Subnets []netip.Prefix
	Public  netip.Addr
	// Last: the instances' own public IPs come first (GCP's Cloud NAT
	// translates only what has none).
	// GCP: https://cloud.google.com/nat/docs/overview — Cloud NAT does not apply to a VM's interface that has an external IP
	Last bool
}

// planSubnetNATs plans each available NAT gateway of no subnet that has a
// public IP and serves subnets of a network reaching the internet, and
// routes its address from the internet to that network. A gateway with
// more than one address translates to its first.
func planSubnetNATs(p *plan, s *snapshot, igwOf map[string]string) {
	gs := slices.Clone(s.natgws)
	slices.SortFunc(gs, func(a, b model.NATGateway) int { return strings.Compare(a.ID, b.ID) })
	for _, g := range gs {
		if g.SubnetID != "" || g.State != model.StateAvailable || !g.PublicIP.IsValid() || igwOf[g.NetworkID] == "" {
			continue
		}
		sn := subnetNAT{Public: g.PublicIP, Last: s.system.natLast[g.NetworkID]}
		for _, id := range g.Serves {
			if x, ok := s.subnets[id]; ok && x.NetworkID == g.NetworkID {
				sn.Subnets = append(sn.Subnets, x.Prefix)
			}
		}
		if len(sn.Subnets) == 0 {
			continue
		}
		p.subnetNAT[g.NetworkID] = append(p.subnetNAT[g.NetworkID], sn)
		p.inetRoutes[g.NetworkID] = append(p.inetRoutes[g.NetworkID], g.PublicIP)
	}
}

// subnetNATRules translates the served subnets' new connections to the
// internet (post) and lets them out (fwd): the gateways that come before
// the one-to-one mappings of public IPs (last false), or after them.
func subnetNATRules(post, fwd *policy.Chain, nats []subnetNAT, last bool) {
	for _, sn := range nats {
		if sn.Last != last {
			continue
		}
		for _, sub := range sn.Subnets {
			post.Rules = append(post.Rules, policy.Rule{Match: policy.Match{OIF: igwIf, Src: sub}, NAT: &policy.NAT{Kind: policy.SNAT, Addr: sn.Public}})
			fwd.Rules = append(fwd.Rules, accepting(policy.Match{OIF: igwIf, Src: sub}))
		}
	}
}
