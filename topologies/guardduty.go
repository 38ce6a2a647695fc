package topologies

import (
	"net/netip"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// GuardDuty is an account's GuardDuty (`accounts.<name>.guardduty`): the
// controller turns it on (a detector in the account's home region) with a
// threat list of internet addresses, the lab's cloud raises findings for
// flows from them to the account's public instances, and with Enforce the
// controller blocks each malicious caller in the network ACL of the subnet
// it probed (Aviatrix's GuardDuty enforcement).
// Aviatrix: https://docs.aviatrix.com/documentation/latest/security/guardduty.html — the controller polls GuardDuty findings and blocks the malicious IP addresses in the VPC's network ACL
type GuardDuty struct {
	// Enforce blocks the malicious addresses that findings name; without
	// it the findings are only raised.
	Enforce bool
	// Poll is how often the controller reads the findings; 0 is
	// DefaultGuardDutyPoll.
	Poll time.Duration
	// Threats is the threat list: addresses, CIDR ranges or names of
	// internet hosts (`internet.hosts`).
	Threats []ThreatRef
	// Exclude are addresses never blocked, in the same forms.
	Exclude []ThreatRef
}

// ThreatRef is one entry of a threat or exclusion list: an internet host's
// name, or an address or CIDR range (Prefix; an address is a /32).
type ThreatRef struct {
	Host   string
	Prefix netip.Prefix
}

// String is the entry as the topology writes it.
func (r ThreatRef) String() string {
	switch {
	case r.Host != "":
		return r.Host
	case r.Prefix.IsSingleIP():
		return r.Prefix.Addr().String()
	}
	return r.Prefix.String()
}

// The bounds and default of GuardDuty.Poll.
const (
	DefaultGuardDutyPoll = time.Second
	MinGuardDutyPoll     = 200 * time.Millisecond
	MaxGuardDutyPoll     = time.Hour
)

// ResolveThreats returns the prefixes of refs, with each internet host
// named by its address (/32); a name that is not an internet host is left
// out (Validate reports it).
func (t *Topology) ResolveThreats(refs []ThreatRef) []netip.Prefix {
	var out []netip.Prefix
	for _, r := range refs {
		if r.Host == "" {
			out = append(out, r.Prefix)
			continue
		}
		if t.Internet == nil {
			continue
		}
		for _, h := range t.Internet.Hosts {
			if h != nil && h.Name == r.Host && h.Address.IsValid() {
				out = append(out, netip.PrefixFrom(h.Address, 32))
			}
		}
	}
	return out
}

// guardDuty decodes an account's guardduty block.
func (d *decoder) guardDuty(n *yaml.Node, path string) *GuardDuty {
	g := &GuardDuty{}
	f := d.fields(n, path, "guardduty")
	if f == nil {
		return g
	}
	if v := f["enforce"]; v != nil {
		g.Enforce = d.boolean(v, join(path, "enforce"))
	}
	if v := f["poll"]; v != nil {
		p := join(path, "poll")
		if s, ok := d.str(v, p); !ok {
			d.errf(v, p, "expected a duration such as 1s or 500ms, got %s", describe(v))
		} else if dur, err := time.ParseDuration(s); err != nil {
			d.errf(v, p, "%q is not a duration such as 1s or 500ms", clip(s))
		} else {
			g.Poll = dur
		}
	}
	if v := f["threats"]; v != nil {
		g.Threats = d.threatRefs(v, join(path, "threats"))
	}
	if v := f["exclude"]; v != nil {
		g.Exclude = d.threatRefs(v, join(path, "exclude"))
	}
	return g
}

// threatRefs decodes a list of internet host names, addresses and CIDR
// ranges.
func (d *decoder) threatRefs(n *yaml.Node, path string) []ThreatRef {
	items, ok := d.list(n, path, "internet host names, addresses or CIDR ranges, such as [attacker, 198.51.100.0/24]")
	if !ok {
		return nil
	}
	out := make([]ThreatRef, 0, len(items))
	for i, item := range items {
		p := index(path, i)
		d.at(item, p)
		s, ok := d.str(item, p)
		if !ok {
			d.errf(item, p, "expected an internet host name, an address or a CIDR range, got %s", describe(item))
			continue
		}
		switch {
		case strings.Contains(s, "/"):
			pr, err := netip.ParsePrefix(s)
			if err != nil {
				d.errf(item, p, "%q is not a CIDR range such as 198.51.100.0/24", clip(s))
				continue
			}
			out = append(out, ThreatRef{Prefix: pr})
		case strings.ContainsAny(s, ".:") && s[0] >= '0' && s[0] <= '9':
			a, err := netip.ParseAddr(s)
			if err != nil {
				d.errf(item, p, "%q is not an address such as 192.0.2.66", clip(s))
				continue
			}
			out = append(out, ThreatRef{Prefix: netip.PrefixFrom(a, a.BitLen())})
		default:
			out = append(out, ThreatRef{Host: s})
		}
	}
	return out
}

// checkGuardDuty checks the accounts' guardduty blocks: an AWS account,
// a poll interval in bounds, IPv4 ranges written masked, and internet
// hosts that exist.
func (c *checker) checkGuardDuty(t *Topology) {
	if t.Cloud == nil {
		return
	}
	c.checkPublicWorkloads(t.Cloud)
	var hosts []string
	if t.Internet != nil {
		for _, h := range t.Internet.Hosts {
			if h != nil {
				hosts = append(hosts, h.Name)
			}
		}
	}
	for _, a := range t.Cloud.Accounts {
		if a == nil || a.GuardDuty == nil {
			continue
		}
		path := join(join("accounts", a.Name), "guardduty")
		g := a.GuardDuty
		if a.Provider != "" && a.Provider != "aws" {
			c.errf(path, a.Pos, "guardduty is an AWS service; account %s is on %s", a.Name, a.Provider)
		}
		if g.Poll != 0 && (g.Poll < MinGuardDutyPoll || g.Poll > MaxGuardDutyPoll) {
			c.errf(join(path, "poll"), a.Pos, "poll %s is out of range: %s to %s", g.Poll, MinGuardDutyPoll, MaxGuardDutyPoll)
		}
		if len(g.Threats) == 0 && !c.bad[join(path, "threats")] {
			c.errf(path, a.Pos, "guardduty needs a threat list (threats: [attacker, 198.51.100.0/24])")
		}
		c.checkThreatRefs(g.Threats, join(path, "threats"), a.Pos, hosts)
		c.checkThreatRefs(g.Exclude, join(path, "exclude"), a.Pos, hosts)
	}
}

func (c *checker) checkThreatRefs(refs []ThreatRef, path string, pos Pos, hosts []string) {
	for i, r := range refs {
		p := index(path, i)
		switch {
		case r.Host != "" && !slices.Contains(hosts, r.Host):
			c.errf(p, pos, "%q is not an internet host (internet.hosts)%s", r.Host, didYouMean(r.Host, hosts))
		case r.Host == "" && !r.Prefix.Addr().Is4():
			c.errf(p, pos, "%s is not IPv4: the emulated internet is IPv4 only", r)
		case r.Host == "" && r.Prefix != r.Prefix.Masked():
			c.errf(p, pos, "%s has host bits set; write %s", r.Prefix, r.Prefix.Masked())
		}
	}
}

// marshalGuardDuty is an account's guardduty block as Marshal writes it.
func marshalGuardDuty(g *GuardDuty) *yaml.Node {
	m := mapping()
	if g.Enforce {
		m.Content = append(m.Content, str("enforce"), boolean(true))
	}
	if g.Poll != 0 {
		m.Content = append(m.Content, str("poll"), str(g.Poll.String()))
	}
	refs := func(rs []ThreatRef) *yaml.Node {
		l := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, r := range rs {
			l.Content = append(l.Content, str(r.String()))
		}
		return l
	}
	if g.Threats != nil {
		m.Content = append(m.Content, str("threats"), refs(g.Threats))
	}
	if g.Exclude != nil {
		m.Content = append(m.Content, str("exclude"), refs(g.Exclude))
	}
	return flow(m)
}

// checkPublicWorkloads checks that each public workload is in a subnet
// that routes to the internet: a transit's or a spoke's, whose route
// table the controller points at the internet gateway, or one that the
// VPC's PSF gateway protects, whose default route is that gateway.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html — an instance with a public address is reached through the internet gateway of a subnet that routes to it
func (c *checker) checkPublicWorkloads(cl *Cloud) {
	routed := map[[2]string]bool{}
	for _, tr := range cl.Transits {
		if tr != nil {
			routed[[2]string{tr.VPC, tr.Subnet}] = true
		}
	}
	for _, sp := range cl.Spokes {
		if sp != nil {
			routed[[2]string{sp.VPC, sp.Subnet}] = true
		}
	}
	for _, v := range cl.VPCs {
		if v == nil {
			continue
		}
		for _, w := range v.Workloads {
			if w != nil && w.Public && !routed[[2]string{v.Name, w.Subnet}] && !v.Protected(w.Subnet) {
				path := join(join(join(join("vpcs", v.Name), "workloads"), w.Name), "public")
				c.errf(path, w.Pos, "workload %s is public, but its subnet %s does not route to the internet: put it in a transit's or spoke's subnet, or one the vpc's psf gateway protects", w.Name, w.Subnet)
			}
		}
	}
}
