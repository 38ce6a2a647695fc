package intent

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/internal/prefixset"
	"github.com/mcnlab/mcnlab/topologies"
)

// desired fills each account's desired cloud state: per VPC its network,
// its gateways' security group and its workloads; per gateway its
// instance, its default route and its transit's private lines.
func (p *Plan) desired() error {
	c := p.Topology.Cloud
	dc := &desiredCompiler{p: p, byName: map[string]int{}, withGateways: map[string]bool{},
		siteOf: map[string][]*topologies.Site{}, transitOfVPC: map[string]*topologies.Transit{}}
	for _, a := range c.Accounts {
		dc.byName[a.Name] = len(p.Accounts)
		p.Accounts = append(p.Accounts, Account{Account: a, Desired: cloud.Desired{Owner: p.Topology.Name}})
	}
	for _, v := range c.VPCs {
		dc.private = append(dc.private, v.CIDR)
	}
	for _, s := range c.Sites {
		dc.private = append(dc.private, s.Advertise...)
	}
	// One rule per contiguous range, not per VPC: each gateway group
	// would otherwise hold a rule per VPC of the topology (n² rules).
	dc.private = prefixset.Aggregate(dc.private)
	for _, g := range p.Gateways {
		if g.Role != RoleSite {
			dc.withGateways[g.VPC] = true
		}
	}
	for _, s := range c.Sites {
		if s.Connection.Type == topologies.ConnPrivateLine {
			dc.siteOf[s.Connection.Transit] = append(dc.siteOf[s.Connection.Transit], s)
		}
	}
	for _, tr := range c.Transits {
		dc.transitOfVPC[tr.VPC] = tr
	}
	for _, v := range c.VPCs {
		if err := dc.vpc(v); err != nil {
			return err
		}
	}
	for _, g := range p.Gateways {
		if g.Role != RoleSite { // a site's is the lab's (or the customer's) router, not a cloud instance
			dc.gateway(g)
		}
	}
	for _, tr := range c.Transits {
		dc.firewalls(tr)
	}
	for _, v := range c.VPCs {
		dc.egress(v)
		dc.psf(v)
	}
	dc.userVPN()
	dc.order()
	return nil
}

// desiredCompiler holds what desired looks up.
type desiredCompiler struct {
	p      *Plan
	byName map[string]int // account name -> index in p.Accounts
	// private is every prefix of the topology, aggregated: forwarded
	// traffic a gateway admits.
	private      []netip.Prefix
	withGateways map[string]bool                // VPCs with gateway instances
	siteOf       map[string][]*topologies.Site  // transit -> sites on a private line
	transitOfVPC map[string]*topologies.Transit // VPC -> the transit in it
}

// vpc adds a VPC's network, its gateways' security group and its
// workloads to its account.
func (dc *desiredCompiler) vpc(v *topologies.VPC) error {
	ai, ok := dc.byName[v.Account]
	if !ok {
		return fmt.Errorf("vpc %s: no account %s", v.Name, v.Account)
	}
	a := &dc.p.Accounts[ai]
	if a.Region == "" {
		a.Region = v.Region // the home region: that of the account's first VPC
	}
	d := &a.Desired
	tr := dc.transitOfVPC[v.Name]
	cv := cloud.VPC{Key: v.Name, CIDR: v.CIDR, Region: v.Region, Group: v.ResourceGroup, Internet: dc.withGateways[v.Name] || v.Egress != nil || v.PSF != nil,
		IngressRouting: v.PSF != nil, PrivateLines: tr != nil && len(dc.siteOf[tr.Name]) > 0}
	for _, s := range v.Subnets {
		// A PSF gateway's subnet has a network ACL of its own: the blocks
		// GuardDuty enforcement adds to the default one must not keep
		// the traffic from reaching the gateway (psf.go).
		cv.Subnets = append(cv.Subnets, cloud.Subnet{Key: SubnetKey(v.Name, s.Name), CIDR: s.CIDR, OwnACL: v.PSF != nil && v.PSF.Subnet == s.Name})
	}
	d.VPCs = append(d.VPCs, cv)
	if dc.withGateways[v.Name] {
		d.SecurityGroups = append(d.SecurityGroups, dc.gatewayGroup(v, tr))
	}
	for _, w := range v.Workloads {
		sg := cloud.SecurityGroup{Key: WorkloadGroupKey(v.Name, w.Name), VPC: v.Name}
		allow := w.Allow
		if allow == nil {
			allow = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
		}
		for _, pr := range allow {
			sg.Ingress = append(sg.Ingress, cloud.Rule{Protocol: cloud.ProtocolAll, Source: pr})
		}
		d.SecurityGroups = append(d.SecurityGroups, sg)
		d.Instances = append(d.Instances, cloud.Instance{Key: w.Name, VPC: v.Name, Subnet: SubnetKey(v.Name, w.Subnet),
			PrivateIP: w.Address, Image: cloud.ImageWorkload, SecurityGroups: []string{sg.Key}, SourceDestCheck: true, PublicIP: w.Public})
	}
	return nil
}

// gatewayGroup is the security group of the gateways of VPC v, whose
// transit tr (nil: none) may have sites on private lines.
func (dc *desiredCompiler) gatewayGroup(v *topologies.VPC, tr *topologies.Transit) cloud.SecurityGroup {
	sg := cloud.SecurityGroup{Key: GatewayGroupKey(v.Name), VPC: v.Name}
	// WireGuard tunnels arrive from the peers' public addresses, on
	// ports numbered per gateway.
	sg.Ingress = append(sg.Ingress, cloud.Rule{Protocol: cloud.ProtocolUDP, FromPort: BasePort, ToPort: MaxPort,
		Source: netip.MustParsePrefix("0.0.0.0/0")})
	for _, pr := range dc.private {
		sg.Ingress = append(sg.Ingress, cloud.Rule{Protocol: cloud.ProtocolAll, Source: pr})
	}
	dc.s2cIngress(&sg, v)
	if tr != nil {
		for _, s := range dc.siteOf[tr.Name] {
			ln, _, _, _ := dc.p.Line(s.Name)
			sg.Ingress = append(sg.Ingress, cloud.Rule{Protocol: cloud.ProtocolUDP, FromPort: VXLANPort, ToPort: VXLANPort, Source: ln})
		}
	}
	return sg
}

// gateway adds a cloud gateway's instance; the first of a group adds its
// subnet's default route, and a transit's first its sites' private lines
// (a route and a virtual interface each).
func (dc *desiredCompiler) gateway(g Gateway) {
	p := dc.p
	d := &p.Accounts[dc.byName[g.Account]].Desired
	d.Instances = append(d.Instances, cloud.Instance{Key: g.Key, VPC: g.VPC, Subnet: g.Subnet, PrivateIP: g.PrivateIP,
		Image: cloud.ImageGateway, SecurityGroups: []string{GatewayGroupKey(g.VPC)}, PublicIP: true})
	if g.Index == 1 {
		d.Routes = append(d.Routes, cloud.Route{Subnet: g.Subnet, Destination: netip.MustParsePrefix("0.0.0.0/0"), Target: cloud.TargetInternet})
	}
	if g.Role != RoleTransit || g.Index != 1 {
		return
	}
	for _, s := range dc.siteOf[g.Group] {
		ln, cloudEnd, customer, _ := p.Line(s.Name)
		vif := cloud.VirtualInterface{Key: s.Name + "-vif", Connection: s.Name,
			VPC: g.VPC, VLAN: int32(100 + slices.Index(p.Topology.Cloud.Sites, s)), ASN: s.ASN,
			CloudAddress: netip.PrefixFrom(cloudEnd, ln.Bits()), CustomerAddress: netip.PrefixFrom(customer, ln.Bits())}
		ec, es, edge := p.Edge(s.Name)
		asn, static := p.EdgeOf(s.Name)
		if edge {
			// The VPC learns the line from the edge router's BGP (edge.go).
			vif.CloudAddress, vif.CustomerAddress, vif.CloudASN = ec, es, asn
		}
		if !edge || static {
			d.Routes = append(d.Routes, cloud.Route{Subnet: g.Subnet, Destination: ln, Target: cloud.TargetPrivateLine})
		}
		d.VirtualInterfaces = append(d.VirtualInterfaces, vif)
	}
}

// defaultRegion is the home region of an account without VPCs, by provider.
var defaultRegion = map[topologies.Provider]string{topologies.ProviderAWS: "us-east-1", topologies.ProviderAzure: "eastus",
	topologies.ProviderGCP: "us-central1", topologies.ProviderOCI: "us-ashburn-1"}

// order gives each account a region (defaultRegion for one without VPCs) and
// puts its instances and routes in the order Apply makes them.
func (dc *desiredCompiler) order() {
	for i := range dc.p.Accounts {
		a := &dc.p.Accounts[i]
		if a.Region == "" {
			a.Region = defaultRegion[a.Account.Provider]
		}
		// Instances with a fixed address launch first: one without takes
		// the cloud's choice of the free addresses, which must not be one
		// that a later instance asks for.
		slices.SortStableFunc(a.Desired.Instances, func(x, y cloud.Instance) int {
			return cmp.Compare(boolInt(!x.PrivateIP.IsValid()), boolInt(!y.PrivateIP.IsValid()))
		})
		slices.SortStableFunc(a.Desired.Routes, func(x, y cloud.Route) int { return cmp.Compare(x.Subnet, y.Subnet) })
	}
}
