package topologies

import "gopkg.in/yaml.v3"

// marshalUserVPN writes the user-vpn block with the keys that are set.
func marshalUserVPN(u *UserVPN) *yaml.Node {
	m := mapping()
	add := func(n *yaml.Node, k string, v *yaml.Node) { n.Content = append(n.Content, str(k), v) }
	gws := mapping()
	for _, g := range u.Gateways {
		gm := mapping("vpc", str(g.VPC), "subnet", str(g.Subnet))
		if g.Tunnel != "" {
			add(gm, "tunnel", str(g.Tunnel))
		}
		if g.Pool.IsValid() {
			add(gm, "pool", str(g.Pool.String()))
		}
		gm.Style = yaml.FlowStyle
		add(gws, g.Name, gm)
	}
	add(m, "gateways", gws)
	if u.Lifetime != 0 {
		add(m, "lifetime", str(u.Lifetime.String()))
	}
	if len(u.Laptops) > 0 {
		var names []string
		for _, l := range u.Laptops {
			names = append(names, l.Name)
		}
		add(m, "laptops", flowList(names))
	}
	if len(u.Users) > 0 {
		users := mapping()
		for _, us := range u.Users {
			um := mapping("password", str(us.Password))
			if len(us.Groups) > 0 {
				add(um, "groups", flowList(us.Groups))
			}
			if us.Profile != "" {
				add(um, "profile", str(us.Profile))
			}
			um.Style = yaml.FlowStyle
			add(users, us.Name, um)
		}
		add(m, "users", users)
	}
	if len(u.Profiles) > 0 {
		ps := mapping()
		for _, p := range u.Profiles {
			pm := mapping("base", str(p.Base))
			if len(p.Groups) > 0 {
				add(pm, "groups", flowList(p.Groups))
			}
			if len(p.Rules) > 0 {
				rules := &yaml.Node{Kind: yaml.SequenceNode}
				for _, r := range p.Rules {
					rm := mapping("cidr", str(r.CIDR.String()))
					if r.Protocol != "" {
						add(rm, "protocol", str(r.Protocol))
					}
					if r.Port != 0 {
						add(rm, "port", integer(int64(r.Port)))
					}
					rm.Style = yaml.FlowStyle
					rules.Content = append(rules.Content, rm)
				}
				add(pm, "rules", rules)
			}
			add(ps, p.Name, pm)
		}
		add(m, "profiles", ps)
	}
	return m
}
