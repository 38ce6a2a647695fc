package intent

import (
	"net/netip"
	"slices"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/topologies"
)

// DefaultACL is the network ACL a VPC starts with: every packet allowed in
// and out (rule 100), then the final deny (*, rule 32767)
// (AWS: https://docs.aws.amazon.com/vpc/latest/userguide/default-network-acl.html).
func DefaultACL(id string) *cloud.ACLState {
	all := cloud.Rule{Protocol: cloud.ProtocolAll, Source: netip.MustParsePrefix("0.0.0.0/0")}
	entries := []cloud.ACLEntry{{Number: 100, Allow: true, Rule: all}, {Number: 32767, Rule: all}}
	return &cloud.ACLState{ID: id, Inbound: slices.Clone(entries), Outbound: entries}
}

// DesiredView is the view of the cloud as the controller builds and
// programs it, the way a provider would read it back: each workload's
// and spoke gateway's subnet (ID: its key) with the VPC's default network
// ACL, each workload's security group from the desired state with its
// egress open, and each subnet's route table holding the local route and
// the learned routes to the spoke's first gateway (ID: its key), and
// the private subnets' default route to their VPC's egress gateway, whose
// own subnet goes to the internet; on Azure and GCP the filters those
// clouds have instead (cloudShape). It is
// what Trace over real cloud reads is checked against: its verdicts
// must equal IntentView's. addr gives workloads without a fixed address
// one.
func (p *Plan) DesiredView(approved map[string][]topologies.ApprovedRoute, addr map[string]netip.Addr) *View {
	v := &View{Ends: map[string]cloud.EndState{}, Approved: approved, Gateways: map[string]string{}}
	for _, g := range p.Gateways {
		v.Gateways[g.Key] = g.Key
		v.Ends[g.Key] = p.cloudShape(g.VPC, cloud.EndState{Instance: g.Key, Address: g.PrivateIP, Subnet: g.Subnet, ACL: DefaultACL("acl-" + g.VPC)})
	}
	for _, g := range p.EgressGateways() {
		v.Gateways[g.Key] = g.Key
		end := cloud.EndState{Instance: g.Key, Address: g.Address, Subnet: SubnetKey(g.VPC.Name, g.Subnet), ACL: DefaultACL("acl-" + g.VPC.Name)}
		end.Table = cloud.TableState{ID: "rtb-" + end.Subnet, Routes: []cloud.RouteState{{Destination: g.VPC.CIDR.Masked(), Kind: cloud.RouteLocal, Target: "local"},
			{Destination: defaultRoute, Kind: cloud.RouteInternet, Target: "igw-" + g.VPC.Name}}}
		v.Ends[g.Key] = end
	}
	in := p.IntentView(approved, addr)
	for i := range p.Endpoints {
		e := &p.Endpoints[i]
		if e.VPC == "" {
			continue
		}
		es := in.Ends[e.Instance]
		es.ACL = DefaultACL("acl-" + e.VPC)
		for _, a := range p.Accounts {
			for _, x := range a.Desired.Instances {
				if x.Key == e.Instance {
					es.Subnet = x.Subnet
				}
			}
		}
		es.Table = cloud.TableState{ID: "rtb-" + es.Subnet, Routes: []cloud.RouteState{{Destination: vpcPrefix(p, e), Kind: cloud.RouteLocal, Target: "local"}}}
		if g := p.egressOf(e); g != nil {
			es.Table.Routes = append(es.Table.Routes, cloud.RouteState{Destination: defaultRoute, Kind: cloud.RouteInstance, Target: g.Key})
		}
		gws := p.GatewaysOf(e.Spoke)
		for j := range p.Endpoints {
			b := &p.Endpoints[j]
			if b.VPC == e.VPC || len(gws) == 0 {
				continue
			}
			if _, why := p.routeWhy(e, b, approved); why == "" && !slices.ContainsFunc(es.Table.Routes, func(r cloud.RouteState) bool { return r.Destination == b.Prefix }) {
				es.Table.Routes = append(es.Table.Routes, cloud.RouteState{Destination: b.Prefix, Kind: cloud.RouteInstance, Target: gws[0].Key})
			}
		}
		v.Ends[e.Instance] = p.cloudShape(e.VPC, es)
	}
	return v
}

// vpcPrefix is the CIDR of a workload's VPC.
func vpcPrefix(p *Plan, e *Endpoint) netip.Prefix {
	for _, a := range p.Accounts {
		for _, v := range a.Desired.VPCs {
			if v.Key == e.VPC {
				return v.CIDR
			}
		}
	}
	return e.Prefix
}
