package realize

import (
	"slices"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// dropIdleDefaults leaves out of the snapshot each default network (an
// account's default VPC in a region, model.Network.Default) that nothing
// uses: no interface or NAT gateway in it, no peering, transit gateway
// attachment or virtual interface to it. Every account has one in each
// region it acts in, and a lab that builds its own networks never uses
// them: an idle default VPC costs no namespace, bridge, internet link or
// resolver. The change that first puts something in it (a launch into a
// default subnet) brings it into the plan like any network.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/default-vpc.html — a default VPC is ready to use; until something is launched into it, it carries no traffic
func (s *snapshot) dropIdleDefaults() {
	used := map[string]bool{}
	for _, e := range s.enis {
		used[e.NetworkID] = true
	}
	for _, g := range s.natgws {
		if g.State != model.StateDeleted {
			used[g.NetworkID] = true
		}
	}
	for _, p := range s.peerings {
		if p.State != model.PeeringDeleted {
			used[p.RequesterNetworkID], used[p.AccepterNetworkID] = true, true
		}
	}
	for _, a := range s.tgwAtts {
		if a.State != model.StateDeleted {
			used[a.NetworkID] = true
		}
	}
	for _, v := range s.vifs {
		used[v.NetworkID] = true
	}
	s.networks = slices.DeleteFunc(s.networks, func(n model.Network) bool { return n.Default && !used[n.ID] })
}
