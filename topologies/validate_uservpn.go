package topologies

// maxUplinks is how many internet uplinks (/30s of 198.51.100.0/25) the
// lab hands out: one per tunnel site and one per laptop.
const maxUplinks = 32

// checkUserVPN checks the user-vpn block: each gateway in a VPC that a
// spoke attaches to the transit, in that spoke's subnet (which routes to
// the internet), with a known tunnel mode and a pool clear of the cloud's
// and sites' addresses; the credential lifetime; the laptops' count; each
// user's password, groups and profile; each profile's base and rules.
// Gateway and laptop names are checked with the lab's other names
// (checkNames).
func (c *checker) checkUserVPN(t *Topology) {
	u := t.UserVPN
	if u == nil {
		return
	}
	if t.Cloud == nil || len(t.Cloud.VPCs) == 0 {
		c.errf("user-vpn", u.Pos, "a user VPN needs the cloud intent: its gateways are instances in a vpc attached to a transit")
		return
	}
	if len(u.Gateways) == 0 && !c.bad["user-vpn.gateways"] {
		c.errf("user-vpn.gateways", u.Pos, "no VPN gateway; add one such as gateways: {vpn: {vpc: access-vpc, subnet: gw}}")
	}
	for _, g := range u.Gateways {
		c.checkVPNGateway(t, g)
	}
	if u.Lifetime != 0 && !c.bad["user-vpn.lifetime"] && (u.Lifetime < MinVPNLifetime || u.Lifetime > MaxVPNLifetime) {
		c.errf("user-vpn.lifetime", u.Pos, "lifetime %v is out of range; use %v..%v", u.Lifetime, MinVPNLifetime, MaxVPNLifetime)
	}
	if n := len(u.Laptops) + len(t.Cloud.Sites); n > maxUplinks {
		c.errf("user-vpn.laptops", u.Pos, "%d laptops and %d sites need %d internet uplinks; the lab has %d", len(u.Laptops), len(t.Cloud.Sites), n, maxUplinks)
	}
	var profiles []string
	for _, p := range u.Profiles {
		profiles = append(profiles, p.Name)
		c.checkVPNProfile(p)
	}
	for _, us := range u.Users {
		path := join("user-vpn.users", us.Name)
		if msg := checkName("user", us.Name); msg != "" {
			c.errf(path, us.Pos, "%s", msg)
		}
		if us.Password == "" && !c.bad[join(path, "password")] {
			c.errf(join(path, "password"), us.Pos, "missing password; the IdP signs the user in with it, such as password: carol-pw")
		}
		for i, g := range us.Groups {
			if msg := checkName("group", g); msg != "" {
				c.errf(index(join(path, "groups"), i), us.Pos, "%s", msg)
			}
		}
		if us.Profile != "" {
			c.ref(join(path, "profile"), us.Pos, "profile", us.Profile, profiles, "profiles under user-vpn.profiles")
		}
	}
}

// checkVPNGateway checks one gateway's VPC, subnet, tunnel and pool.
func (c *checker) checkVPNGateway(t *Topology, g *VPNGateway) {
	path := join("user-vpn.gateways", g.Name)
	var vpcs []string
	var v *VPC
	for _, x := range t.Cloud.VPCs {
		vpcs = append(vpcs, x.Name)
		if x.Name == g.VPC {
			v = x
		}
	}
	if !c.ref(join(path, "vpc"), g.Pos, "vpc", g.VPC, vpcs, "vpcs") {
		return
	}
	for _, a := range t.Cloud.Accounts {
		if a != nil && a.Name == v.Account && a.Provider != "" && a.Provider != ProviderAWS {
			c.errf(join(path, "vpc"), g.Pos, "vpc %s is in account %s of provider %s; VPN gateways are built on AWS accounts only for now", g.VPC, a.Name, a.Provider)
			return
		}
	}
	var spoke *Spoke
	for _, s := range t.Cloud.Spokes {
		if s != nil && s.VPC == g.VPC {
			spoke = s
		}
	}
	if spoke == nil {
		c.errf(join(path, "vpc"), g.Pos, "vpc %s has no spoke: a VPN gateway's vpc must be attached to a transit; add one such as spokes: {access: {vpc: %s, subnet: gw, transit: transit}}", g.VPC, g.VPC)
	} else if sp := join(path, "subnet"); c.refSubnet(sp, g.Pos, g.Subnet, v) != nil && g.Subnet != spoke.Subnet {
		c.errf(sp, g.Pos, "subnet %s does not route to the internet; use the spoke %s's subnet %s", g.Subnet, spoke.Name, spoke.Subnet)
	}
	c.checkEnum(join(path, "tunnel"), g.Pos, g.Tunnel, "tunnel mode", vpnTunnels)
	pp := join(path, "pool")
	if !g.Pool.IsValid() || c.bad[pp] || !c.checkPrefix4(pp, g.Pos, g.Pool, DefaultVPNPool.String()) {
		return
	}
	if g.Pool.Bits() < 16 || g.Pool.Bits() > 29 {
		c.errf(pp, g.Pos, "pool %s is /%d; use /16../29", g.Pool, g.Pool.Bits())
		return
	}
	for _, x := range t.Cloud.VPCs {
		if x.CIDR.IsValid() && x.CIDR.Overlaps(g.Pool) {
			c.errf(pp, g.Pos, "pool %s overlaps vpc %s (%s); the clients' addresses must be apart from the cloud's", g.Pool, x.Name, x.CIDR)
		}
	}
	for _, s := range t.Cloud.Sites {
		for _, a := range s.Advertise {
			if a.Overlaps(g.Pool) {
				c.errf(pp, g.Pos, "pool %s overlaps %s, which site %s advertises", g.Pool, a, s.Name)
			}
		}
	}
}

// checkVPNProfile checks a profile's base, groups and rules.
func (c *checker) checkVPNProfile(p *VPNProfile) {
	path := join("user-vpn.profiles", p.Name)
	if msg := checkName("profile", p.Name); msg != "" {
		c.errf(path, p.Pos, "%s", msg)
	}
	if bp := join(path, "base"); p.Base == "" && !c.bad[bp] {
		c.errf(bp, p.Pos, "missing base; write base: allow-all or base: deny-all")
	}
	c.checkEnum(join(path, "base"), p.Pos, p.Base, "base", vpnBases)
	for i, g := range p.Groups {
		if msg := checkName("group", g); msg != "" {
			c.errf(index(join(path, "groups"), i), p.Pos, "%s", msg)
		}
	}
	for i, r := range p.Rules {
		rp := index(join(path, "rules"), i)
		c.checkPrefix4(join(rp, "cidr"), r.Pos, r.CIDR, "10.2.0.0/16")
		c.checkEnum(join(rp, "protocol"), r.Pos, r.Protocol, "protocol", vpnProtocols)
		if pt := join(rp, "port"); r.Port != 0 && !c.bad[pt] {
			switch {
			case r.Port < 1 || r.Port > 65535:
				c.errf(pt, r.Pos, "port %d is out of range; use 1..65535", r.Port)
			case r.Protocol != "tcp" && r.Protocol != "udp":
				c.errf(pt, r.Pos, "a port needs protocol tcp or udp, not %s", orAny(FirewallProtocol(r.Protocol)))
			}
		}
	}
}
