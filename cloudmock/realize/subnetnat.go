package realize

import (
	"maps"
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
func planSubnetNATs(p *plan, s *snapshot, linkOf map[string]string) {
	gs := slices.Clone(s.natgws)
	slices.SortFunc(gs, func(a, b model.NATGateway) int { return strings.Compare(a.ID, b.ID) })
	p.networkNATs = map[string]bool{}
	for _, g := range gs {
		if g.SubnetID != "" || g.State != model.StateAvailable || !g.PublicIP.IsValid() || linkOf[g.NetworkID] == "" {
			continue
		}
		p.networkNATs[g.ID] = true
		sn := subnetNAT{Public: g.PublicIP, Last: s.system.natLast[g.NetworkID]}
		for _, id := range append(slices.Clone(g.Serves), routedTo(s, g.NetworkID, g.ID)...) {
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

// routedTo returns the subnets of a network whose route table (their own,
// else the network's main one) has a route to the gateway.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/NATgateway.htm — a subnet's instances use the NAT gateway that a rule of the subnet's route table targets
func routedTo(s *snapshot, networkID, gatewayID string) []string {
	main := ""
	for _, n := range s.networks {
		if n.ID == networkID {
			main = n.MainRouteTableID
		}
	}
	tableOf := map[string]string{}
	for _, t := range s.tables {
		for _, a := range t.Associations {
			if a.SubnetID != "" {
				tableOf[a.SubnetID] = t.ID
			}
		}
	}
	var out []string
	for _, id := range slices.Sorted(maps.Keys(s.subnets)) {
		sub := s.subnets[id]
		if sub.NetworkID != networkID {
			continue
		}
		t, ok := tableOf[id]
		if !ok {
			t = main
		}
		for _, rt := range s.tables {
			if rt.ID == t && slices.ContainsFunc(rt.Routes, func(r model.Route) bool {
				return r.Target.Kind == model.TargetNATGateway && r.Target.ID == gatewayID
			}) {
				out = append(out, id)
			}
		}
	}
	return out
}

// routedNATLinks gives an internet link to each network with a NAT
// gateway of no subnet that a route table of the network targets: the
// gateway is the network's own path out, with no internet gateway.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/NATgateway.htm — a NAT gateway gives a VCN's private instances access to the internet without an internet gateway
func routedNATLinks(s *snapshot, nets map[string]model.Network, linkOf map[string]string) {
	for _, g := range s.natgws {
		if _, ok := nets[g.NetworkID]; !ok || g.SubnetID != "" || linkOf[g.NetworkID] != "" || g.State != model.StateAvailable {
			continue
		}
		if len(routedTo(s, g.NetworkID, g.ID)) > 0 {
			linkOf[g.NetworkID] = "nat-gateway"
		}
	}
}
