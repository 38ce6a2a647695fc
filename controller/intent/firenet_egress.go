package intent

import (
	"net/netip"
	"slices"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/gwcfg"
	"github.com/mcnlab/mcnlab/dataplane/fwmgmt"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/topologies"
)

// FireNet egress, as the commercial platform builds it
// (../shared/background/ace-prep-notes.txt, FireNet): the transit
// gateways originate 0.0.0.0/0 towards the spokes of the egress domains
// only (an export filter keeps it from every other peer), so those
// spokes' gateways learn it and the controller's route sync points the
// default route of their VPCs' private route tables at them; the transit
// gateways steer the egress domains' internet-bound flows to the
// firewalls by the east-west hash; and each firewall has a second
// interface, FireNetEgressLink, in the transit VPC's egress subnet (whose
// route table sends 0.0.0.0/0 to the internet gateway) with an elastic
// IP, out of which it sends what its rules pass with its source
// translated. The replies come back to that interface, so each flow's two
// directions cross one firewall.

// FireNetEgressLink is a firewall's egress interface: its second one.
const FireNetEgressLink = "eth1"

// FirewallEgressGroupKey is the key of the security group of the
// firewalls' egress interfaces in VPC vpc: it admits nothing (the
// replies of the firewalls' own connections pass as tracked ones).
func FirewallEgressGroupKey(vpc string) string { return vpc + "/firewall-egress" }

// Private are the lab's private prefixes: every VPC's range and every
// site's prefixes. A gateway admits them; FireNet egress never covers
// them.
func (p *Plan) Private() []netip.Prefix {
	var out []netip.Prefix
	for _, v := range p.Topology.Cloud.VPCs {
		out = append(out, v.CIDR.Masked())
	}
	for _, s := range p.Topology.Cloud.Sites {
		out = append(out, s.Advertise...)
	}
	return out
}

// firewallEgress adds, for transit tr with FireNet egress, its egress
// subnet's route to the internet and the egress interfaces' security
// group to d, and returns the firewalls' egress interface (nil without
// egress, and where the firewalls' egress is one-armed: oneArmedEgress).
func (dc *desiredCompiler) firewallEgress(d *cloud.Desired, tr *topologies.Transit) []cloud.Interface {
	f := tr.FireNet
	if !f.Egress || dc.p.oneArmedEgress(tr) {
		return nil
	}
	sub := SubnetKey(tr.VPC, f.EgressSubnet)
	d.SecurityGroups = append(d.SecurityGroups, cloud.SecurityGroup{Key: FirewallEgressGroupKey(tr.VPC), VPC: tr.VPC})
	if !slices.ContainsFunc(d.Routes, func(r cloud.Route) bool { return r.Subnet == sub && r.Destination == defaultRoute }) {
		d.Routes = append(d.Routes, cloud.Route{Subnet: sub, Destination: defaultRoute, Target: cloud.TargetInternet})
	}
	return []cloud.Interface{{Subnet: sub, SecurityGroups: []string{FirewallEgressGroupKey(tr.VPC)}, PublicIP: true}}
}

// firewallEgressConfig is the egress part of transit tr's firewalls'
// policy: nil without egress. It names the transit's gateways (those
// whose instances are known, with their MAC address where the cloud's
// API reports one; on GCP, whose API has none, the firewall resolves it
// by ARP on its LAN: firewall.Resolver) so that each firewall returns
// the replies of a flow to the gateway that sent it: the spokes
// balance their egress over both gateways of an HA pair, and each
// gateway's security group admits only the replies of what it sent.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html — security groups are stateful: a response to traffic sent out is allowed in; another instance's responses are not
func (p *Plan) firewallEgressConfig(tr *topologies.Transit, instances map[string]cloud.InstanceInfo) *fwmgmt.Egress {
	if !tr.FireNet.Egress {
		return nil
	}
	e := &fwmgmt.Egress{LAN: FireNetLink, Interface: FireNetEgressLink, Internal: gwcfg.NormalPrefixes(p.Private())}
	if p.oneArmedEgress(tr) {
		e.Interface = FireNetLink
	}
	for _, g := range p.GatewaysOf(tr.Name) {
		if in, ok := instances[g.Key]; ok && in.PrivateIP.IsValid() {
			e.Gateways = append(e.Gateways, fwmgmt.Gateway{Address: in.PrivateIP, MAC: in.MAC})
		}
	}
	return e
}

// oneArmedEgress says whether transit tr's firewalls send their egress
// out of the interface the gateways reach them on, from an external
// address of its own, instead of a second interface in an egress subnet:
// on GCP, where each of a VM's interfaces is in a different VPC network
// (the egress subnet is the transit's network's), and an instance's
// interface with an external address reaches the internet by its
// subnet's default route.
// GCP: https://cloud.google.com/vpc/docs/multiple-interfaces-concepts — each network interface of a VM is in a different VPC network
// GCP: https://cloud.google.com/compute/docs/ip-addresses#externaladdresses — a VM's interface with an external IP address reaches the internet, its internal address translated one to one
//
// And on OCI, where the controller gives an instance one VNIC (its
// primary): the firewall's reserved public IP is assigned to that VNIC's
// primary private IP, and the transit subnet's route table already sends
// 0.0.0.0/0 to the VCN's internet gateway (the gateways' tunnels leave
// that way).
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingpublicIPs.htm — a public IP is assigned to a private IP of a VNIC in a public subnet
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingIGs.htm — a subnet's route rule to the internet gateway gives its VNICs with public IPs the internet
func (p *Plan) oneArmedEgress(tr *topologies.Transit) bool {
	pr := p.providerOf(tr.VPC)
	return pr == topologies.ProviderGCP || pr == topologies.ProviderOCI
}

// FirewallEgressInterface is the interface firewall instance in sends
// its egress from, and its link name: its second one (FireNetEgressLink)
// once attached, or, without one (a one-armed firewall: oneArmedEgress),
// its own interface with its external address.
func FirewallEgressInterface(in cloud.InstanceInfo) (cloud.InterfaceInfo, string) {
	if in.Second.ID != "" {
		return in.Second, FireNetEgressLink
	}
	return cloud.InterfaceInfo{ID: in.Interface, PrivateIP: in.PrivateIP, PublicIP: in.PublicIP}, FireNetLink
}

// fireNetEgress fills the egress part of gateway configuration w of
// transit tr: the egress domains and what egress never covers.
func (p *Plan) fireNetEgress(w *mgmt.FireNet, tr *topologies.Transit) {
	if !tr.FireNet.Egress {
		return
	}
	w.EgressDomains = slices.Clone(tr.FireNet.EgressFrom())
	w.Internal = gwcfg.NormalPrefixes(p.Private())
}

// egressTransit is the transit whose FireNet egress serves gateway g: its
// own for a transit gateway, its transit's for a spoke's; nil when that
// transit has no FireNet egress.
func (p *Plan) egressTransit(g *Gateway) *topologies.Transit {
	for _, tr := range p.Topology.Cloud.Transits {
		if tr.FireNet != nil && tr.FireNet.Egress && (g.Role == RoleTransit && g.Group == tr.Name || g.Transit == tr.Name) {
			return tr
		}
	}
	return nil
}

// FireNetEgressSpokes are the spokes whose internet egress crosses transit
// tr's firewalls: the members of its egress domains.
func (p *Plan) FireNetEgressSpokes(tr *topologies.Transit) []string {
	var out []string
	for _, d := range p.Topology.Cloud.Domains {
		if !slices.Contains(tr.FireNet.EgressFrom(), d.Name) {
			continue
		}
		for _, m := range d.Members {
			if slices.ContainsFunc(p.Topology.Cloud.Spokes, func(s *topologies.Spoke) bool { return s.Name == m }) {
				out = append(out, m)
			}
		}
	}
	return out
}

// notDefault exports everything but a default route.
var notDefault = []mgmt.Filter{{Prefix: netip.MustParsePrefix("0.0.0.0/0"), GE: 1, LE: 32}, {Prefix: netip.MustParsePrefix("::/0"), GE: 1, LE: 128}}

// originateDefault makes transit gateway g's configuration cfg originate
// 0.0.0.0/0 when its transit has FireNet egress, exported only over the
// tunnels to the egress spokes' gateways.
func (p *Plan) originateDefault(g *Gateway, cfg *mgmt.Config) {
	if g == nil || g.Role != RoleTransit {
		return
	}
	tr := p.egressTransit(g)
	if tr == nil {
		return
	}
	cfg.Prefixes = gwcfg.NormalPrefixes(append(cfg.Prefixes, defaultRoute))
	spokes := p.FireNetEgressSpokes(tr)
	peerOf := map[string]*Gateway{} // tunnel name at g -> peer gateway
	for _, t := range p.Tunnels {
		switch g.Key {
		case t.A:
			peerOf[t.Name[0]] = p.Gateway(t.B)
		case t.B:
			peerOf[t.Name[1]] = p.Gateway(t.A)
		}
	}
	for i := range cfg.Peers {
		if pg := peerOf[cfg.Peers[i].Name]; pg == nil || pg.Role != RoleSpoke || !slices.Contains(spokes, pg.Group) {
			cfg.Peers[i].Export = slices.Clone(notDefault)
		}
	}
	for i := range cfg.Neighbors {
		cfg.Neighbors[i].Export = slices.Clone(notDefault)
	}
}

// staticDefault says whether subnet's route table has a static default
// route (to the internet) in the desired state: a learned default route
// never replaces it.
func (p *Plan) staticDefault(subnet string) bool {
	for _, a := range p.Accounts {
		if slices.ContainsFunc(a.Desired.Routes, func(r cloud.Route) bool { return r.Subnet == subnet && r.Destination == defaultRoute }) {
			return true
		}
	}
	return false
}

// LearnedDefaultOK says whether a default route learned by a spoke's
// gateway may go in subnet's route table: not where a static default
// route (a gateway's or an egress gateway's subnet's, to the internet)
// is.
func (p *Plan) LearnedDefaultOK(subnet string) bool { return !p.staticDefault(subnet) }

// TransitOf is the topology's transit of transit gateway key, or nil.
func (p *Plan) TransitOf(key string) *topologies.Transit {
	g := p.Gateway(key)
	if g == nil || g.Role != RoleTransit {
		return nil
	}
	for _, tr := range p.Topology.Cloud.Transits {
		if tr.Name == g.Group {
			return tr
		}
	}
	return nil
}
