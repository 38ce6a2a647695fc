package intent

import (
	"net/netip"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/dataplane/egressmgmt"
	"github.com/mcnlab/mcnlab/topologies"
)

// FQDN egress: a VPC's egress gateway is a cloud instance of the egress
// image in the public subnet the topology names, with an elastic IP and
// the source/destination check off, in a security group that admits the
// VPC's own range. Its subnet's route table sends 0.0.0.0/0 to the
// internet, and the private subnets' route tables send 0.0.0.0/0 to it
// (EgressRoutes, set with the learned routes): it replaces their NAT
// gateway. The controller pushes it its policy (EgressConfigs).
// Aviatrix: https://docs.aviatrix.com/documentation/latest/security/fqdn-egress-filtering.html — the controller launches the egress gateway in a public subnet and points the private route tables' default route at it

// EgressGateway is one VPC's egress gateway.
type EgressGateway struct {
	Key      string // its instance's key: the topology's gateway name
	VPC      *topologies.VPC
	Account  string
	Provider topologies.Provider // the account's cloud
	*topologies.Egress
}

// EgressGroupKey is the key of the security group of a VPC's egress
// gateway.
func EgressGroupKey(vpc string) string { return vpc + "/egress" }

// EgressGateways lists the topology's egress gateways in file order.
func (p *Plan) EgressGateways() []EgressGateway {
	var out []EgressGateway
	for _, v := range p.Topology.Cloud.VPCs {
		if v.Egress == nil {
			continue
		}
		g := EgressGateway{Key: v.Egress.Gateway, VPC: v, Account: v.Account, Egress: v.Egress}
		for _, a := range p.Topology.Cloud.Accounts {
			if a.Name == v.Account {
				g.Provider = a.Provider
			}
		}
		out = append(out, g)
	}
	return out
}

// EgressGateway returns the egress gateway named key, or nil.
func (p *Plan) EgressGateway(key string) *EgressGateway {
	for _, g := range p.EgressGateways() {
		if g.Key == key {
			return &g
		}
	}
	return nil
}

var defaultRoute = netip.MustParsePrefix("0.0.0.0/0")

// egress adds VPC v's egress gateway to the account's desired state.
func (dc *desiredCompiler) egress(v *topologies.VPC) {
	e := v.Egress
	if e == nil {
		return
	}
	dc.appliance(v, cloud.Instance{Key: e.Gateway, Subnet: SubnetKey(v.Name, e.Subnet), PrivateIP: e.Address,
		Image: cloud.ImageEgress, PublicIP: true}, EgressGroupKey(v.Name), v.CIDR.Masked())
}

// appliance adds a gateway instance of VPC v (an egress or PSF gateway)
// with the source/destination check off, in a security group of its own
// (key group) that admits everything from source, and its subnet's
// default route to the internet (unless a gateway of that subnet adds
// it).
func (dc *desiredCompiler) appliance(v *topologies.VPC, in cloud.Instance, group string, source netip.Prefix) {
	d := &dc.p.Accounts[dc.byName[v.Account]].Desired
	d.SecurityGroups = append(d.SecurityGroups, cloud.SecurityGroup{Key: group, VPC: v.Name,
		Ingress: []cloud.Rule{{Protocol: cloud.ProtocolAll, Source: source}}})
	in.VPC, in.SecurityGroups = v.Name, []string{group}
	d.Instances = append(d.Instances, in)
	for _, r := range d.Routes {
		if r.Subnet == in.Subnet && r.Destination == defaultRoute {
			return
		}
	}
	d.Routes = append(d.Routes, cloud.Route{Subnet: in.Subnet, Destination: defaultRoute, Target: cloud.TargetInternet})
}

// EgressRoute is the default route of a private subnet to its VPC's
// egress gateway.
type EgressRoute struct {
	Account string
	Gateway string // the egress gateway's key
}

// EgressRoutes are the private subnets' default routes, by subnet key.
func (p *Plan) EgressRoutes() map[string]EgressRoute {
	out := map[string]EgressRoute{}
	for _, g := range p.EgressGateways() {
		for _, s := range p.Topology.Cloud.EgressSubnets(g.VPC) {
			out[SubnetKey(g.VPC.Name, s)] = EgressRoute{Account: g.Account, Gateway: g.Key}
		}
	}
	return out
}

// DefaultRoute is the destination of an egress route.
func DefaultRoute() netip.Prefix { return defaultRoute }

// AzureDNS is the address of Azure-provided DNS in every VNet.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/what-is-ip-address-168-63-129-16 — the host node's virtual IP answers DNS for the VMs of every VNet
var AzureDNS = netip.MustParseAddr("168.63.129.16")

// GCPDNS is the address of the metadata server, every GCP VM's name
// server.
// GCP: https://cloud.google.com/compute/docs/internal-dns — VMs resolve through the metadata server at 169.254.169.254
var GCPDNS = netip.MustParseAddr("169.254.169.254")

// Resolver is the DNS server of the VPC of egress gateway g
// (cloudResolver).
func (g EgressGateway) Resolver() netip.Addr { return cloudResolver(g.Provider, g.VPC.CIDR) }

// cloudResolver is the DNS server of a VPC of provider pr with range
// cidr: Azure's AzureDNS in a VNet, GCP's GCPDNS in a VPC network, else
// the base of the VPC's range plus two.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/AmazonDNS-concepts.html — the Amazon DNS server is at the base of the VPC's IPv4 range plus two
func cloudResolver(pr topologies.Provider, cidr netip.Prefix) netip.Addr {
	switch pr {
	case topologies.ProviderAzure:
		return AzureDNS
	case topologies.ProviderGCP:
		return GCPDNS
	}
	return cidr.Masked().Addr().Next().Next()
}

// EgressConfig is gateway g's policy: the topology's base policy and
// tags, each tag's sources as prefixes (a subnet by its range; none: the
// VPC's range), and the VPC's resolver (Resolver).
func (g EgressGateway) EgressConfig() egressmgmt.Config {
	v := g.VPC
	cfg := egressmgmt.Config{Base: string(g.Base), Tags: []egressmgmt.Tag{}, Resolver: g.Resolver()}
	if cfg.Base == "" {
		cfg.Base = string(topologies.EgressAllowList)
	}
	for _, t := range g.Tags {
		wt := egressmgmt.Tag{Name: t.Name, Rules: []egressmgmt.Rule{}}
		for _, s := range t.Sources {
			pr := s.Prefix
			if s.Subnet != "" {
				for _, sub := range v.Subnets {
					if sub.Name == s.Subnet {
						pr = sub.CIDR
					}
				}
			}
			wt.Sources = append(wt.Sources, pr.Masked())
		}
		if len(wt.Sources) == 0 {
			wt.Sources = []netip.Prefix{v.CIDR.Masked()}
		}
		for _, r := range t.Rules {
			proto := string(r.Protocol)
			if proto == string(topologies.ProtoAny) {
				proto = ""
			}
			wt.Rules = append(wt.Rules, egressmgmt.Rule{FQDN: r.FQDN, Protocol: proto, Port: uint16(r.Port), Action: string(r.Action)})
		}
		cfg.Tags = append(cfg.Tags, wt)
	}
	return cfg
}
