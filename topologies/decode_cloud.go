package topologies

import (
	"fmt"
	"net/netip"
	"strings"

	"gopkg.in/yaml.v3"
)

// cloudKeys are the top-level keys of the cloud intent.
var cloudKeys = []string{"accounts", "vpcs", "transits", "spokes", "transit-peerings", "sites", "domains", "connections"}

// credentialsLab is the default of Account.Credentials.
const credentialsLab = "lab"

// posOf is the position of a YAML node.
func posOf(n *yaml.Node) Pos { return Pos{Line: n.Line, Col: n.Column} }

// cloud decodes the cloud intent from the top-level fields; nil when the
// file holds none of its keys.
func (d *decoder) cloud(f map[string]*yaml.Node) *Cloud {
	present := false
	for _, k := range cloudKeys {
		present = present || f[k] != nil
	}
	if !present {
		return nil
	}
	c := &Cloud{}
	if n := f["accounts"]; n != nil {
		d.named(n, "accounts", "account", "a mapping of account names to accounts, such as {aws-lab: {provider: aws}}",
			func(name string, key, v *yaml.Node, path string) {
				c.Accounts = append(c.Accounts, d.account(name, key, v, path))
			})
	}
	if n := f["vpcs"]; n != nil {
		d.named(n, "vpcs", "vpc", "a mapping of vpc names to vpcs", func(name string, key, v *yaml.Node, path string) {
			c.VPCs = append(c.VPCs, d.vpc(name, key, v, path))
		})
	}
	if n := f["transits"]; n != nil {
		d.named(n, "transits", "transit", "a mapping of transit names to transits", func(name string, key, v *yaml.Node, path string) {
			c.Transits = append(c.Transits, d.transit(name, key, v, path))
		})
	}
	if n := f["spokes"]; n != nil {
		d.named(n, "spokes", "spoke", "a mapping of spoke names to spokes", func(name string, key, v *yaml.Node, path string) {
			c.Spokes = append(c.Spokes, d.spoke(name, key, v, path))
		})
	}
	if n := f["transit-peerings"]; n != nil {
		for _, p := range d.pairs(n, "transit-peerings", "transit", "a transit peering joins 2 transits", "[transit-east, transit-west]") {
			c.TransitPeerings = append(c.TransitPeerings, &TransitPeering{A: p.a, B: p.b, Pos: p.pos})
		}
	}
	if n := f["sites"]; n != nil {
		d.named(n, "sites", "site", "a mapping of site names to sites", func(name string, key, v *yaml.Node, path string) {
			c.Sites = append(c.Sites, d.site(name, key, v, path))
		})
	}
	if n := f["domains"]; n != nil {
		d.named(n, "domains", "domain", "a mapping of domain names to domains, such as {prod: {members: [prod]}}",
			func(name string, key, v *yaml.Node, path string) {
				c.Domains = append(c.Domains, d.domain(name, key, v, path))
			})
	}
	if n := f["connections"]; n != nil {
		for _, p := range d.pairs(n, "connections", "domain", "a connection joins 2 domains", "[prod, shared]") {
			c.Connections = append(c.Connections, &DomainConnection{A: p.a, B: p.b, Pos: p.pos})
		}
	}
	return c
}

// named walks a mapping of names to objects in file order, calling each
// with the name, its key node, its value and its field path (positioned at
// the key). what names one object, such as "vpc"; want describes the
// mapping for the error when n is not one.
func (d *decoder) named(n *yaml.Node, path, what, want string, each func(name string, key, v *yaml.Node, path string)) {
	if n.Kind != yaml.MappingNode {
		d.errf(n, path, "expected %s, got %s", want, describe(n))
		return
	}
	d.at(n, path)
	first := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		switch {
		case k.Kind != yaml.ScalarNode || k.ShortTag() == "!!null":
			d.add(k.Line, k.Column, path, fmt.Sprintf("expected a %s name, got %s", what, describe(k)))
			continue
		case k.ShortTag() == "!!merge":
			d.add(k.Line, k.Column, join(path, k.Value), "merge keys (<<) are not supported; write the keys out")
			continue
		}
		kpath := join(path, k.Value)
		if f := first[k.Value]; f != nil {
			d.add(k.Line, k.Column, kpath, fmt.Sprintf("duplicate %s %q; first defined at line %d:%d", what, k.Value, f.Line, f.Column))
			continue
		}
		first[k.Value] = k
		d.at(k, kpath)
		each(k.Value, k, v, kpath)
	}
}

// pair is one [a, b] item of transit-peerings or connections.
type pair struct {
	a, b string
	pos  Pos
}

// pairs decodes a list of 2-name lists. what names the items ("transit"),
// rule says what an item joins, example is one item.
func (d *decoder) pairs(n *yaml.Node, path, what, rule, example string) []pair {
	items, ok := d.list(n, path, fmt.Sprintf("pairs of %s names, such as [%s]", what, example))
	if !ok {
		return nil
	}
	var out []pair
	for i, item := range items {
		p := index(path, i)
		d.at(item, p)
		names, ok := d.list(item, p, fmt.Sprintf("2 %s names, such as %s", what, example))
		if !ok {
			continue
		}
		if len(names) != 2 {
			d.errf(item, p, "%s, got %d; write %s", rule, len(names), example)
			continue
		}
		pr := pair{pos: posOf(item)}
		for j, nn := range names {
			np := index(p, j)
			d.at(nn, np)
			s, _ := d.str(nn, np)
			if j == 0 {
				pr.a = s
			} else {
				pr.b = s
			}
		}
		out = append(out, pr)
	}
	return out
}

// boolean decodes true or false.
func (d *decoder) boolean(n *yaml.Node, path string) bool {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!bool" {
		var b bool
		if err := n.Decode(&b); err == nil {
			return b
		}
	}
	d.errf(n, path, "expected true or false, got %s", describe(n))
	return false
}

// prefix decodes a prefix such as 10.1.0.0/16; example goes in the hint.
func (d *decoder) prefix(n *yaml.Node, path, example string) netip.Prefix {
	d.at(n, path)
	s, ok := d.str(n, path)
	if !ok {
		return netip.Prefix{}
	}
	p, err := parsePrefix(s, example)
	if err != nil {
		d.errf(n, path, "%v", err)
	}
	return p
}

// prefixes decodes a list of prefixes; the result is empty, not nil, for
// an empty list.
func (d *decoder) prefixes(n *yaml.Node, path, example string) []netip.Prefix {
	items, ok := d.list(n, path, "prefixes")
	if !ok {
		return nil
	}
	out := make([]netip.Prefix, 0, len(items))
	for i, item := range items {
		out = append(out, d.prefix(item, index(path, i), example))
	}
	return out
}

// address decodes a plain address such as 10.1.1.10.
func (d *decoder) address(n *yaml.Node, path, example string) netip.Addr {
	d.at(n, path)
	s, ok := d.str(n, path)
	if !ok {
		return netip.Addr{}
	}
	a, err := parseHostAddr(s, example)
	if err != nil {
		d.errf(n, path, "%v", err)
	}
	return a
}

// parsePrefix reads a prefix; example shows a valid one in errors.
func parsePrefix(s, example string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		if _, err := netip.ParseAddr(s); err == nil {
			return netip.Prefix{}, fmt.Errorf("%s is an address, not a prefix; write it with its prefix length, such as %s", s, example)
		}
		return netip.Prefix{}, fmt.Errorf("bad prefix %q; write a prefix such as %s", s, example)
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("bad prefix %q (%s); write a prefix such as %s", s, netipReason(err), example)
	}
	if p.Addr().Is4In6() {
		return netip.Prefix{}, fmt.Errorf("bad prefix %q: IPv4-mapped IPv6 prefixes are not allowed; write an IPv4 prefix such as %s", s, example)
	}
	return p, nil
}

// parseHostAddr reads a plain address; example shows a valid one in errors.
func parseHostAddr(s, example string) (netip.Addr, error) {
	if before, _, ok := strings.Cut(s, "/"); ok {
		return netip.Addr{}, fmt.Errorf("address %q has a prefix length; write the address alone, such as %s", s, before)
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("bad address %q (%s); write an address such as %s", s, netipReason(err), example)
	}
	if a.Zone() != "" {
		return netip.Addr{}, fmt.Errorf("bad address %q: zones are not allowed", s)
	}
	if a.Is4In6() {
		return netip.Addr{}, fmt.Errorf("bad address %q: IPv4-mapped IPv6 addresses are not allowed; write %s", s, a.Unmap())
	}
	return a, nil
}

// account decodes one account.
func (d *decoder) account(name string, key, n *yaml.Node, path string) *Account {
	a := &Account{Name: name, Credentials: credentialsLab, Pos: posOf(key)}
	f := d.fields(n, path, "account")
	d.at(key, path)
	if f == nil {
		return a
	}
	if v := f["provider"]; v != nil {
		s, _ := d.str(v, join(path, "provider"))
		a.Provider = Provider(s)
	}
	if v := f["credentials"]; v != nil {
		a.Credentials, _ = d.str(v, join(path, "credentials"))
	}
	if v := f["quotas"]; v != nil {
		a.QuotasPos = posOf(v)
		a.Quotas = d.quotas(v, join(path, "quotas"))
	}
	if v := f["guardduty"]; v != nil {
		a.GuardDuty = d.guardDuty(v, join(path, "guardduty"))
	}
	if v := f["compartment"]; v != nil {
		a.CompartmentPos = posOf(v)
		a.Compartment, _ = d.str(v, join(path, "compartment"))
	}
	return a
}

// vpc decodes one VPC with its subnets and workloads.
func (d *decoder) vpc(name string, key, n *yaml.Node, path string) *VPC {
	vpc := &VPC{Name: name, Pos: posOf(key)}
	f := d.fields(n, path, "vpc")
	d.at(key, path)
	if f == nil {
		return vpc
	}
	if v := f["account"]; v != nil {
		vpc.Account, _ = d.str(v, join(path, "account"))
	}
	if v := f["region"]; v != nil {
		vpc.Region, _ = d.str(v, join(path, "region"))
	}
	if v := f["resource-group"]; v != nil {
		vpc.ResourceGroup, _ = d.str(v, join(path, "resource-group"))
	}
	if v := f["cidr"]; v != nil {
		vpc.CIDR = d.prefix(v, join(path, "cidr"), "10.1.0.0/16")
	}
	if v := f["subnets"]; v != nil {
		d.named(v, join(path, "subnets"), "subnet", "a mapping of subnet names to prefixes, such as {gw: 10.1.0.0/24}",
			func(name string, key, v *yaml.Node, path string) {
				vpc.Subnets = append(vpc.Subnets, &Subnet{Name: name, CIDR: d.prefix(v, path, "10.1.0.0/24"), Pos: posOf(key)})
			})
	}
	if v := f["workloads"]; v != nil {
		d.named(v, join(path, "workloads"), "workload", "a mapping of workload names to workloads, such as {app: {subnet: app}}",
			func(name string, key, v *yaml.Node, path string) {
				vpc.Workloads = append(vpc.Workloads, d.workload(name, key, v, path))
			})
	}
	if v := f["egress"]; v != nil {
		vpc.Egress = d.egress(v, join(path, "egress"))
	}
	if v := f["psf"]; v != nil {
		vpc.PSF = d.psf(v, join(path, "psf"))
	}
	return vpc
}

// workload decodes one workload.
func (d *decoder) workload(name string, key, n *yaml.Node, path string) *Workload {
	w := &Workload{Name: name, Pos: posOf(key)}
	f := d.fields(n, path, "workload")
	d.at(key, path)
	if f == nil {
		return w
	}
	if v := f["subnet"]; v != nil {
		w.Subnet, _ = d.str(v, join(path, "subnet"))
	}
	if v := f["address"]; v != nil {
		w.Address = d.address(v, join(path, "address"), "10.1.1.10")
	}
	if v := f["allow"]; v != nil {
		w.Allow = d.prefixes(v, join(path, "allow"), "10.0.0.0/8")
	}
	if v := f["public"]; v != nil {
		w.Public = d.boolean(v, join(path, "public"))
	}
	return w
}

// transit decodes one transit.
func (d *decoder) transit(name string, key, n *yaml.Node, path string) *Transit {
	t := &Transit{Name: name, Approval: Approval{Mode: ApprovalAuto}, Pos: posOf(key)}
	f := d.fields(n, path, "transit")
	d.at(key, path)
	if f == nil {
		return t
	}
	if v := f["vpc"]; v != nil {
		t.VPC, _ = d.str(v, join(path, "vpc"))
	}
	if v := f["subnet"]; v != nil {
		t.Subnet, _ = d.str(v, join(path, "subnet"))
	}
	if v := f["asn"]; v != nil {
		t.ASN = d.asn(v, join(path, "asn"))
	}
	if v := f["ha"]; v != nil {
		t.HA = d.boolean(v, join(path, "ha"))
	}
	if v := f["hpe"]; v != nil {
		hp := join(path, "hpe")
		if hf := d.fields(v, hp, "hpe"); hf != nil && hf["tunnels"] != nil {
			t.HPETunnels, _ = d.integer(hf["tunnels"], join(hp, "tunnels"))
		}
	}
	if v := f["approval"]; v != nil {
		t.Approval = d.approval(v, join(path, "approval"))
	}
	if v := f["firenet"]; v != nil {
		t.FireNet = d.firenet(v, join(path, "firenet"))
	}
	return t
}

// approval decodes a transit's approval mapping.
func (d *decoder) approval(n *yaml.Node, path string) Approval {
	a := Approval{Mode: ApprovalAuto}
	f := d.fields(n, path, "approval")
	if f == nil {
		return a
	}
	if v := f["mode"]; v != nil {
		s, _ := d.str(v, join(path, "mode"))
		a.Mode = ApprovalMode(s)
	}
	if v := f["approved"]; v != nil {
		d.named(v, join(path, "approved"), "site", "a mapping of site names to lists of prefixes, such as {dc1: [10.100.0.0/24]}",
			func(site string, key, v *yaml.Node, path string) {
				items, ok := d.list(v, path, "prefixes")
				if !ok {
					return
				}
				for i, item := range items {
					p := d.prefix(item, index(path, i), "10.100.0.0/24")
					a.Approved = append(a.Approved, ApprovedRoute{Site: site, Prefix: p, Pos: posOf(item)})
				}
			})
	}
	return a
}

// spoke decodes one spoke.
func (d *decoder) spoke(name string, key, n *yaml.Node, path string) *Spoke {
	s := &Spoke{Name: name, Pos: posOf(key)}
	f := d.fields(n, path, "spoke")
	d.at(key, path)
	if f == nil {
		return s
	}
	if v := f["vpc"]; v != nil {
		s.VPC, _ = d.str(v, join(path, "vpc"))
	}
	if v := f["subnet"]; v != nil {
		s.Subnet, _ = d.str(v, join(path, "subnet"))
	}
	if v := f["transit"]; v != nil {
		s.Transit, _ = d.str(v, join(path, "transit"))
	}
	if v := f["ha"]; v != nil {
		s.HA = d.boolean(v, join(path, "ha"))
	}
	if v := f["asn"]; v != nil {
		s.ASN = d.asn(v, join(path, "asn"))
	}
	return s
}

// site decodes one on-prem site.
func (d *decoder) site(name string, key, n *yaml.Node, path string) *Site {
	s := &Site{Name: name, Pos: posOf(key)}
	f := d.fields(n, path, "site")
	d.at(key, path)
	if f == nil {
		return s
	}
	if v := f["router"]; v != nil {
		r, _ := d.str(v, join(path, "router"))
		s.Router = SiteRouter(r)
	}
	if v := f["asn"]; v != nil {
		s.ASN = d.asn(v, join(path, "asn"))
	}
	if v := f["advertise"]; v != nil {
		s.Advertise = d.prefixes(v, join(path, "advertise"), "10.100.0.0/24")
	}
	if v := f["connection"]; v != nil {
		cp := join(path, "connection")
		s.Connection.Pos = posOf(v)
		if cf := d.fields(v, cp, "siteConnection"); cf != nil {
			if x := cf["type"]; x != nil {
				t, _ := d.str(x, join(cp, "type"))
				s.Connection.Type = ConnectionType(t)
			}
			if x := cf["transit"]; x != nil {
				s.Connection.Transit, _ = d.str(x, join(cp, "transit"))
			}
			if x := cf["address"]; x != nil {
				s.Connection.Address = d.prefix(x, join(cp, "address"), "169.254.100.0/30")
			}
		}
	}
	if v := f["hosts"]; v != nil {
		d.named(v, join(path, "hosts"), "host", "a mapping of host names to addresses, such as {dc1-app: 10.100.0.10}",
			func(name string, key, v *yaml.Node, path string) {
				s.Hosts = append(s.Hosts, &SiteHost{Name: name, Address: d.address(v, path, "10.100.0.10"), Pos: posOf(key)})
			})
	}
	return s
}

// domain decodes one segmentation domain.
func (d *decoder) domain(name string, key, n *yaml.Node, path string) *Domain {
	dm := &Domain{Name: name, Pos: posOf(key)}
	f := d.fields(n, path, "domain")
	d.at(key, path)
	if f == nil {
		return dm
	}
	if v := f["members"]; v != nil {
		mp := join(path, "members")
		if items, ok := d.list(v, mp, "spoke and site names"); ok {
			dm.Members = []string{}
			for i, item := range items {
				p := index(mp, i)
				d.at(item, p)
				s, _ := d.str(item, p)
				dm.Members = append(dm.Members, s)
			}
		}
	}
	return dm
}
