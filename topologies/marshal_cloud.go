package topologies

import (
	"net/netip"

	"gopkg.in/yaml.v3"
)

// marshalCloud appends the cloud intent's top-level keys to root. accounts
// is always written, so that a file whose cloud intent is otherwise empty
// reads back with a (non-nil) Cloud.
func marshalCloud(root *yaml.Node, cl *Cloud) {
	accounts := named(cl.Accounts, func(a *Account) (string, *yaml.Node) {
		m := mapping("provider", str(string(a.Provider)))
		if a.Credentials != "" {
			m.Content = append(m.Content, str("credentials"), str(a.Credentials))
		}
		if len(a.Quotas) > 0 {
			q := mapping()
			for _, v := range a.Quotas {
				q.Content = append(q.Content, str(v.Key), integer(int64(v.Value)))
			}
			m.Content = append(m.Content, str("quotas"), flow(q))
		}
		if a.GuardDuty != nil {
			m.Content = append(m.Content, str("guardduty"), marshalGuardDuty(a.GuardDuty))
		}
		if a.Compartment != "" {
			m.Content = append(m.Content, str("compartment"), str(a.Compartment))
		}
		return a.Name, flow(m)
	})
	if len(cl.Accounts) == 0 {
		accounts.Style = yaml.FlowStyle
	}
	root.Content = append(root.Content, str("accounts"), accounts)
	if len(cl.VPCs) > 0 {
		root.Content = append(root.Content, str("vpcs"), named(cl.VPCs, func(v *VPC) (string, *yaml.Node) { return v.Name, marshalVPC(v) }))
	}
	if len(cl.Transits) > 0 {
		root.Content = append(root.Content, str("transits"), named(cl.Transits, func(t *Transit) (string, *yaml.Node) { return t.Name, marshalTransit(t) }))
	}
	if len(cl.Spokes) > 0 {
		root.Content = append(root.Content, str("spokes"), named(cl.Spokes, func(s *Spoke) (string, *yaml.Node) {
			m := mapping("vpc", str(s.VPC), "subnet", str(s.Subnet), "transit", str(s.Transit))
			if s.HA {
				m.Content = append(m.Content, str("ha"), boolean(true))
			}
			if s.ASN != 0 {
				m.Content = append(m.Content, str("asn"), integer(int64(s.ASN)))
			}
			return s.Name, flow(m)
		}))
	}
	if len(cl.TransitPeerings) > 0 {
		root.Content = append(root.Content, str("transit-peerings"), pairList(cl.TransitPeerings, func(p *TransitPeering) (string, string) { return p.A, p.B }))
	}
	if len(cl.Sites) > 0 {
		root.Content = append(root.Content, str("sites"), named(cl.Sites, func(s *Site) (string, *yaml.Node) { return s.Name, marshalSite(s) }))
	}
	if len(cl.Domains) > 0 {
		root.Content = append(root.Content, str("domains"), named(cl.Domains, func(d *Domain) (string, *yaml.Node) {
			members := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
			for _, m := range d.Members {
				members.Content = append(members.Content, str(m))
			}
			return d.Name, flow(mapping("members", members))
		}))
	}
	if len(cl.Connections) > 0 {
		root.Content = append(root.Content, str("connections"), pairList(cl.Connections, func(c *DomainConnection) (string, string) { return c.A, c.B }))
	}
}

// named writes items as a mapping from each one's name to its node, in
// order.
func named[T any](items []*T, item func(*T) (string, *yaml.Node)) *yaml.Node {
	m := mapping()
	for _, it := range items {
		name, n := item(it)
		m.Content = append(m.Content, str(name), n)
	}
	return m
}

// pairList writes items as a list of two-name flow lists, [a, b].
func pairList[T any](items []*T, pair func(*T) (a, b string)) *yaml.Node {
	l := &yaml.Node{Kind: yaml.SequenceNode}
	for _, it := range items {
		l.Content = append(l.Content, strings2(pair(it)))
	}
	return l
}

// marshalVPC writes one VPC's mapping.
func marshalVPC(v *VPC) *yaml.Node {
	subnets := mapping()
	for _, s := range v.Subnets {
		subnets.Content = append(subnets.Content, str(s.Name), str(s.CIDR.String()))
	}
	m := mapping("account", str(v.Account), "region", str(v.Region))
	if v.ResourceGroup != "" {
		m.Content = append(m.Content, str("resource-group"), str(v.ResourceGroup))
	}
	m.Content = append(m.Content, str("cidr"), str(v.CIDR.String()), str("subnets"), flow(subnets))
	if len(v.Workloads) > 0 {
		workloads := mapping()
		for _, w := range v.Workloads {
			wm := mapping("subnet", str(w.Subnet))
			if w.Address.IsValid() {
				wm.Content = append(wm.Content, str("address"), str(w.Address.String()))
			}
			if w.Allow != nil {
				wm.Content = append(wm.Content, str("allow"), prefixList(w.Allow))
			}
			if w.Public {
				wm.Content = append(wm.Content, str("public"), boolean(true))
			}
			workloads.Content = append(workloads.Content, str(w.Name), flow(wm))
		}
		m.Content = append(m.Content, str("workloads"), workloads)
	}
	if v.Egress != nil {
		m.Content = append(m.Content, str("egress"), marshalEgress(v.Egress))
	}
	if v.PSF != nil {
		m.Content = append(m.Content, str("psf"), marshalPSF(v.PSF))
	}
	return m
}

// marshalTransit writes one transit's mapping; ha, hpe and an automatic
// approval without approved routes are left out when unset.
func marshalTransit(t *Transit) *yaml.Node {
	m := mapping("vpc", str(t.VPC), "subnet", str(t.Subnet), "asn", integer(int64(t.ASN)))
	if t.HA {
		m.Content = append(m.Content, str("ha"), boolean(true))
	}
	if t.HPETunnels != 0 {
		m.Content = append(m.Content, str("hpe"), flow(mapping("tunnels", integer(int64(t.HPETunnels)))))
	}
	a := t.Approval
	if (a.Mode != "" && a.Mode != ApprovalAuto) || len(a.Approved) > 0 {
		am := mapping("mode", str(string(a.Mode)))
		if a.Mode == "" {
			am = mapping("mode", str(string(ApprovalAuto)))
		}
		if len(a.Approved) > 0 {
			// Routes of one site are written together, sites in the order
			// they first appear.
			approved := mapping()
			lists := map[string]*yaml.Node{}
			for _, r := range a.Approved {
				l := lists[r.Site]
				if l == nil {
					l = &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
					lists[r.Site] = l
					approved.Content = append(approved.Content, str(r.Site), l)
				}
				l.Content = append(l.Content, str(r.Prefix.String()))
			}
			am.Content = append(am.Content, str("approved"), approved)
		} else {
			am.Style = yaml.FlowStyle
		}
		m.Content = append(m.Content, str("approval"), am)
	}
	if t.FireNet != nil {
		m.Content = append(m.Content, str("firenet"), marshalFireNet(t.FireNet))
	}
	return m
}

// marshalSite writes one site's mapping.
func marshalSite(s *Site) *yaml.Node {
	conn := mapping("type", str(string(s.Connection.Type)), "transit", str(s.Connection.Transit))
	if s.Connection.Address.IsValid() {
		conn.Content = append(conn.Content, str("address"), str(s.Connection.Address.String()))
	}
	m := mapping("router", str(string(s.Router)), "asn", integer(int64(s.ASN)),
		"advertise", prefixList(s.Advertise), "connection", flow(conn))
	if len(s.Hosts) > 0 {
		hosts := mapping()
		for _, h := range s.Hosts {
			hosts.Content = append(hosts.Content, str(h.Name), str(h.Address.String()))
		}
		m.Content = append(m.Content, str("hosts"), flow(hosts))
	}
	return m
}

// prefixList writes prefixes as a flow list.
func prefixList(ps []netip.Prefix) *yaml.Node {
	l := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, p := range ps {
		l.Content = append(l.Content, str(p.String()))
	}
	return l
}

// strings2 writes two names as a flow list, [a, b].
func strings2(a, b string) *yaml.Node {
	return &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle, Content: []*yaml.Node{str(a), str(b)}}
}

// flow sets a node's style to flow and returns it.
func flow(n *yaml.Node) *yaml.Node {
	n.Style = yaml.FlowStyle
	return n
}

// boolean builds a boolean scalar.
func boolean(b bool) *yaml.Node {
	v := "false"
	if b {
		v = "true"
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: v}
}
