package intent

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/dataplane/fwmgmt"
	"github.com/mcnlab/mcnlab/topologies"
)

// Public Subnet Filtering: a VPC's PSF gateway is a cloud instance of the
// firewall image (the FireNet firewall's engine, allow by default) in the
// subnet the topology names, with the source/destination check off, in a
// security group that admits everything (it filters by its own rules).
// Its subnet's route table sends 0.0.0.0/0 to the internet; the VPC's
// internet gateway gets a route table of its own (cloud.VPC.IngressRouting)
// whose routes send each protected subnet to the gateway (IngressRoutes),
// and each protected subnet's default route points at it
// (GatewayDefaultRoutes), so that both directions of the subnet's
// internet traffic cross it. GuardDuty enforcement adds a deny rule per
// blocked address (PSFConfig).
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/gateway-route-tables.html — a gateway route table sends a subnet's inbound traffic to a middlebox
// Aviatrix: https://docs.aviatrix.com/documentation/latest/security/guardduty.html — GuardDuty enforcement blocks the malicious addresses at the Public Subnet Filtering gateway too (../shared/background/ace-prep-notes.txt, Ingress Security)

// PSFGateway is one VPC's Public Subnet Filtering gateway.
type PSFGateway struct {
	Key     string // its instance's key: the topology's gateway name
	VPC     *topologies.VPC
	Account string
	*topologies.PSF
}

// PSFGroupKey is the key of the security group of a VPC's PSF gateway.
func PSFGroupKey(vpc string) string { return vpc + "/psf" }

// PSFGateways lists the topology's PSF gateways in file order.
func (p *Plan) PSFGateways() []PSFGateway {
	var out []PSFGateway
	for _, v := range p.Topology.Cloud.VPCs {
		if g := v.PSF; g != nil {
			out = append(out, PSFGateway{Key: g.Gateway, VPC: v, Account: v.Account, PSF: g})
		}
	}
	return out
}

// PSFOf returns the PSF gateway of the VPC that holds the subnet with
// key subnetKey (SubnetKey), or nil.
func (p *Plan) PSFOf(subnetKey string) *PSFGateway {
	for _, g := range p.PSFGateways() {
		if slices.ContainsFunc(g.VPC.Subnets, func(s *topologies.Subnet) bool { return SubnetKey(g.VPC.Name, s.Name) == subnetKey }) {
			return &g
		}
	}
	return nil
}

// psf adds VPC v's PSF gateway to the account's desired state; its
// group admits everything, as it filters by its own rules.
func (dc *desiredCompiler) psf(v *topologies.VPC) {
	if g := v.PSF; g != nil {
		dc.appliance(v, cloud.Instance{Key: g.Gateway, Subnet: SubnetKey(v.Name, g.Subnet), PrivateIP: g.Address, Image: cloud.ImageFirewall},
			PSFGroupKey(v.Name), defaultRoute)
	}
}

// IngressRoutes are the routes of each PSF VPC's internet gateway route
// table (by its key, cloud.IngressTableKey): each protected subnet's
// prefix to the PSF gateway.
func (p *Plan) IngressRoutes() map[string]map[netip.Prefix]string {
	out := map[string]map[netip.Prefix]string{}
	for _, g := range p.PSFGateways() {
		want := map[netip.Prefix]string{}
		for _, s := range g.VPC.Subnets {
			if g.VPC.Protected(s.Name) {
				want[s.CIDR.Masked()] = g.Key
			}
		}
		out[cloud.IngressTableKey(g.VPC.Name)] = want
	}
	return out
}

// GatewayDefaultRoutes are the default routes the controller points at a
// gateway instance, by subnet key: the egress gateways' private subnets
// (EgressRoutes) and the PSF gateways' protected subnets.
func (p *Plan) GatewayDefaultRoutes() map[string]EgressRoute {
	out := p.EgressRoutes()
	for _, g := range p.PSFGateways() {
		for _, s := range g.Protects {
			out[SubnetKey(g.VPC.Name, s)] = EgressRoute{Account: g.Account, Gateway: g.Key}
		}
	}
	return out
}

// PSFRulePrefix starts the name of each deny rule of a PSF gateway.
const PSFRulePrefix = "guardduty-"

// PSFConfig is a PSF gateway's policy: a deny rule for each blocked
// address (named PSFRulePrefix and the address, in the order given), the
// rest allowed.
func PSFConfig(blocked []netip.Addr) fwmgmt.Config {
	cfg := fwmgmt.Config{Rules: []fwmgmt.Rule{}, Default: string(topologies.FirewallAllow)}
	for _, a := range blocked {
		name := fmt.Sprintf("%s%s", PSFRulePrefix, a)
		if slices.ContainsFunc(cfg.Rules, func(r fwmgmt.Rule) bool { return r.Name == name }) {
			continue
		}
		cfg.Rules = append(cfg.Rules, fwmgmt.Rule{Name: name, Action: string(topologies.FirewallDeny), Src: netip.PrefixFrom(a, a.BitLen())})
	}
	return cfg
}
