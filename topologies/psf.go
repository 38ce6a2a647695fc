package topologies

import (
	"net/netip"

	"gopkg.in/yaml.v3"
)

// PSF: a Public Subnet Filtering gateway on a VPC, the commercial
// platform's name for a gateway that inspects the traffic entering the
// VPC's public subnets from the internet. In YAML (see FORMAT.md):
//
//	vpcs:
//	  shared-vpc:
//	    ...
//	    subnets: {gw: 10.3.0.0/24, psf: 10.3.3.0/24, web: 10.3.2.0/24}
//	    psf: {gateway: shared-psf, subnet: psf, address: 10.3.3.20, protects: [web]}
//
// The gateway is an instance with an elastic IP in its own subnet (whose
// route table sends 0.0.0.0/0 to the internet); the controller gives the
// VPC's internet gateway a route table of its own (VPC ingress routing)
// that sends each protected subnet's inbound traffic to the gateway, and
// points the protected subnets' default routes at it, so both directions
// cross it. GuardDuty enforcement blocks a malicious address there too.
// Aviatrix: https://docs.aviatrix.com/documentation/latest/security/guardduty.html — GuardDuty enforcement blocks the malicious addresses in the VPC's network ACL and, with VPC ingress routing, at the Public Subnet Filtering gateway (../shared/background/ace-prep-notes.txt, Ingress Security)
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/gateway-route-tables.html — a gateway route table sends a subnet's inbound traffic to a middlebox
type PSF struct {
	// Gateway is the gateway instance's name, unique among the lab's
	// names.
	Gateway string
	// Subnet is the subnet it is launched in; Address its private
	// address there (zero: the cloud's choice).
	Subnet  string
	Address netip.Addr
	// Protects are the public subnets whose traffic with the internet
	// crosses the gateway.
	Protects []string
	Pos      Pos
}

// psf decodes a VPC's psf block.
func (d *decoder) psf(n *yaml.Node, path string) *PSF {
	g := &PSF{Pos: posOf(n)}
	f := d.fields(n, path, "psf")
	if f == nil {
		return g
	}
	if v := f["gateway"]; v != nil {
		g.Gateway, _ = d.str(v, join(path, "gateway"))
	}
	if v := f["subnet"]; v != nil {
		g.Subnet, _ = d.str(v, join(path, "subnet"))
	}
	if v := f["address"]; v != nil {
		g.Address = d.address(v, join(path, "address"), "10.1.3.20")
	}
	if v := f["protects"]; v != nil {
		g.Protects = d.strings(v, join(path, "protects"), "subnet names of the vpc, such as [web]")
	}
	return g
}

// marshalPSF writes a VPC's psf block as a flow mapping.
func marshalPSF(g *PSF) *yaml.Node {
	m := mapping("gateway", str(g.Gateway), "subnet", str(g.Subnet))
	if g.Address.IsValid() {
		m.Content = append(m.Content, str("address"), str(g.Address.String()))
	}
	m.Content = append(m.Content, str("protects"), flowList(g.Protects))
	return flow(m)
}

// Protected reports whether subnet s of v is one its PSF gateway protects.
func (v *VPC) Protected(s string) bool {
	if v == nil || v.PSF == nil {
		return false
	}
	for _, p := range v.PSF.Protects {
		if p == s {
			return true
		}
	}
	return false
}

// checkPSF checks each VPC's psf block: the gateway's subnet and address,
// and the protected subnets: subnets of the VPC, not the gateway's own,
// not a transit's or spoke's (whose default route is the internet
// gateway), not served by an egress gateway, each once, at least one. The
// gateway's name is checked with the lab's other names (checkNames).
func (c *checker) checkPSF(t *Topology) {
	if t.Cloud == nil {
		return
	}
	for _, v := range t.Cloud.VPCs {
		if v == nil || v.PSF == nil {
			continue
		}
		g := v.PSF
		path := join(join("vpcs", v.Name), "psf")
		for _, a := range t.Cloud.Accounts {
			if a != nil && a.Name == v.Account && a.Provider != ProviderAWS {
				c.errf(path, g.Pos, "a psf gateway needs an aws account: VPC ingress routing (a route table of the internet gateway) is AWS's, and account %s is %s", a.Name, a.Provider)
			}
		}
		sub := c.refSubnet(join(path, "subnet"), g.Pos, g.Subnet, v)
		c.checkApplianceAddress(v, providerOfVPC(t.Cloud, v), g.Address, g.Pos, sub, join(path, "address"))
		pp := join(path, "protects")
		if c.bad[pp] {
			continue
		}
		if len(g.Protects) == 0 {
			c.errf(pp, g.Pos, "an empty list protects no subnet; list the public subnets whose internet traffic the gateway filters, such as [web]")
			continue
		}
		other := map[string]string{g.Subnet: "the gateway's own subnet"}
		for _, tr := range t.Cloud.Transits {
			if tr != nil && tr.VPC == v.Name {
				other[tr.Subnet] = "transit " + tr.Name + "'s gateway subnet, whose default route is the internet gateway"
			}
		}
		for _, s := range t.Cloud.Spokes {
			if s != nil && s.VPC == v.Name {
				other[s.Subnet] = "spoke " + s.Name + "'s gateway subnet, whose default route is the internet gateway"
			}
		}
		if v.Egress != nil {
			for _, s := range t.Cloud.EgressSubnets(v) {
				other[s] = "a private subnet of egress gateway " + v.Egress.Gateway + ", whose default route is that gateway"
			}
		}
		seen := map[string]bool{}
		for i, name := range g.Protects {
			ip := index(pp, i)
			if c.refSubnet(ip, g.Pos, name, v) == nil {
				continue
			}
			switch {
			case other[name] != "":
				c.errf(ip, g.Pos, "subnet %s is %s; list the public subnets whose internet traffic the gateway filters", name, other[name])
			case seen[name]:
				c.errf(ip, g.Pos, "subnet %s is listed twice", name)
			}
			seen[name] = true
		}
	}
}
