package firenet

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/policy"
)

// HashMode is what the balancing hash covers.
type HashMode uint8

// Hash modes; the zero HashMode is FiveTuple.
const (
	// FiveTuple hashes addresses, protocol and (TCP, UDP) ports: the
	// flows between two hosts spread over the firewalls.
	FiveTuple HashMode = iota
	// TwoTuple hashes the addresses only: all flows between two hosts go
	// through one firewall.
	TwoTuple
)

// String is "5-tuple" or "2-tuple".
func (m HashMode) String() string {
	if m == TwoTuple {
		return "2-tuple"
	}
	return "5-tuple"
}

// Firewall is one firewall instance as the gateway reaches it.
type Firewall struct {
	// Name names the firewall in status and counters; unique.
	Name string
	// Addr is the firewall's address on its link: the next hop of
	// steered traffic and the target of health probes.
	Addr netip.Addr
	// Addr6 is the firewall's IPv6 address on the link when Addr is an
	// IPv4 one (dual stack): the next hop of steered IPv6 traffic.
	Addr6 netip.Addr
	// Link is the gateway's interface towards the firewall (one per
	// firewall, or one shared by all); packets arriving on it come back
	// from a firewall and are not steered again.
	Link string
}

// Domain is a named set of prefixes (a security domain's networks).
type Domain struct {
	Name     string
	Prefixes []netip.Prefix
}

// Pair is an inspected domain pair: traffic from A to B and from B to A
// goes through a firewall. A may equal B (traffic within a domain).
type Pair struct{ A, B string }

// Health is how firewalls are probed.
type Health struct {
	// Interval is the time between probes of one firewall, and each
	// probe's timeout (default 200ms).
	Interval time.Duration
	// Fall consecutive failed probes mark a firewall down (default 3);
	// Rise consecutive answered ones mark it up again (default 2).
	Fall, Rise int
}

// Config is a transit gateway's FireNet.
type Config struct {
	// Firewalls in order; a firewall's mark and routing table follow
	// its position.
	Firewalls []Firewall
	Domains   []Domain
	Pairs     []Pair
	// Egress steers traffic between a domain and addresses outside every
	// domain, Internal and Exclude (the internet), both ways, through a
	// firewall.
	Egress bool
	// EgressDomains are the domains whose egress is steered; empty means
	// every domain.
	EgressDomains []string
	// Internal are further destinations that egress never covers: what
	// the gateway reaches besides the domains (VPCs and sites outside
	// every domain). Pairs are not affected.
	Internal []netip.Prefix
	// Exclude are destinations never steered: the gateway's own
	// addresses, tunnel, firewall-link and management subnets.
	Exclude []netip.Prefix
	Hash    HashMode
	// FailOpen routes inspected traffic directly while no firewall is
	// healthy; without it such traffic is dropped (fail closed).
	FailOpen bool
	Health   Health
	// MarkBase is the mark of no firewall: the firewall at position i
	// gets mark MarkBase+i+1 (default 0x4d430000).
	MarkBase uint32
	// TableBase is likewise the base of the firewalls' routing tables
	// (default 4600), and RulePriority the priority of their ip rules
	// (default 1000).
	TableBase, RulePriority int
	// Seed seeds the hash (default 0x6d636e); two gateways of an HA
	// pair must use the same.
	Seed uint32
}

// Defaults.
const (
	DefaultMarkBase     = 0x4d430000
	DefaultTableBase    = 4600
	DefaultRulePriority = 1000
	DefaultSeed         = 0x6d636e
	DefaultInterval     = 200 * time.Millisecond
	DefaultFall         = 3
	DefaultRise         = 2
)

// withDefaults fills the zero fields.
func (c Config) withDefaults() Config {
	if c.MarkBase == 0 {
		c.MarkBase = DefaultMarkBase
	}
	if c.TableBase == 0 {
		c.TableBase = DefaultTableBase
	}
	if c.RulePriority == 0 {
		c.RulePriority = DefaultRulePriority
	}
	if c.Seed == 0 {
		c.Seed = DefaultSeed
	}
	if c.Health.Interval <= 0 {
		c.Health.Interval = DefaultInterval
	}
	if c.Health.Fall <= 0 {
		c.Health.Fall = DefaultFall
	}
	if c.Health.Rise <= 0 {
		c.Health.Rise = DefaultRise
	}
	return c
}

// validate checks names, references and addresses.
func (c Config) validate() error {
	if len(c.Firewalls) == 0 {
		return errors.New("firenet: no firewalls")
	}
	names := map[string]bool{}
	for i, f := range c.Firewalls {
		if f.Name == "" || names[f.Name] {
			return fmt.Errorf("firenet: firewall %d: name %q empty or used twice", i, f.Name)
		}
		names[f.Name] = true
		if !f.Addr.IsValid() || f.Link == "" {
			return fmt.Errorf("firenet: firewall %s: needs an address and a link", f.Name)
		}
		if f.Addr6.IsValid() && (!f.Addr6.Is6() || !f.Addr.Is4()) {
			return fmt.Errorf("firenet: firewall %s: Addr6 %s must be IPv6 beside an IPv4 Addr", f.Name, f.Addr6)
		}
	}
	doms := map[string]bool{}
	for _, d := range c.Domains {
		if d.Name == "" || doms[d.Name] {
			return fmt.Errorf("firenet: domain %q empty or defined twice", d.Name)
		}
		doms[d.Name] = true
		if i := slices.IndexFunc(d.Prefixes, func(p netip.Prefix) bool { return !p.IsValid() }); i >= 0 {
			return fmt.Errorf("firenet: domain %s: prefix %d is invalid", d.Name, i)
		}
	}
	for _, p := range c.Pairs {
		if !doms[p.A] || !doms[p.B] {
			return fmt.Errorf("firenet: pair %s-%s: unknown domain", p.A, p.B)
		}
	}
	for _, d := range c.EgressDomains {
		if !doms[d] {
			return fmt.Errorf("firenet: egress domain %q: unknown domain", d)
		}
	}
	if i := slices.IndexFunc(c.Internal, func(p netip.Prefix) bool { return !p.IsValid() }); i >= 0 {
		return fmt.Errorf("firenet: internal prefix %d is invalid", i)
	}
	for _, fam := range families {
		if !c.steers(fam) {
			continue
		}
		for i, f := range c.Firewalls {
			if !c.nextHop(i, fam).IsValid() {
				return fmt.Errorf("firenet: firewall %s has no %s address for the %s prefixes it would inspect", f.Name, fam, fam)
			}
		}
	}
	if c.Hash > TwoTuple {
		return fmt.Errorf("firenet: unknown hash mode %d", c.Hash)
	}
	return nil
}

func (c Config) domain(name string) Domain {
	i := slices.IndexFunc(c.Domains, func(d Domain) bool { return d.Name == name })
	return c.Domains[i]
}

// steers says whether c inspects traffic of family fam: a pair whose
// domains both have prefixes of it, or egress from a domain with some.
func (c Config) steers(fam policy.Family) bool {
	for _, p := range c.Pairs {
		if len(ofFamily(c.domain(p.A).Prefixes, fam)) > 0 && len(ofFamily(c.domain(p.B).Prefixes, fam)) > 0 {
			return true
		}
	}
	if c.Egress {
		for _, d := range c.egressFrom() {
			if len(ofFamily(d.Prefixes, fam)) > 0 {
				return true
			}
		}
	}
	return false
}

// egressFrom are the domains whose egress is steered.
func (c Config) egressFrom() []Domain {
	if len(c.EgressDomains) == 0 {
		return c.Domains
	}
	var out []Domain
	for _, name := range c.EgressDomains {
		out = append(out, c.domain(name))
	}
	return out
}

// nextHop is the firewall at position i's address of family fam (the
// zero Addr when it has none).
func (c Config) nextHop(i int, fam policy.Family) netip.Addr {
	f := c.Firewalls[i]
	switch {
	case f.Addr.Is4() == (fam == policy.FamilyIPv4):
		return f.Addr
	case fam == policy.FamilyIPv6:
		return f.Addr6
	}
	return netip.Addr{}
}

// routes are the firewall at position i's policy routes, one per family
// it has an address of.
func (c Config) routes(i int) []Route {
	var out []Route
	for _, fam := range families {
		if a := c.nextHop(i, fam); a.IsValid() {
			out = append(out, Route{Mark: c.mark(i), Table: c.table(i), Priority: c.RulePriority, Via: a, Link: c.Firewalls[i].Link})
		}
	}
	return out
}

// mark is the mark of the firewall at position i.
func (c Config) mark(i int) uint32 { return c.MarkBase + uint32(i) + 1 }

// table is the routing table of the firewall at position i.
func (c Config) table(i int) int { return c.TableBase + i + 1 }

// Validate checks the names, references and addresses of c; it touches
// nothing.
func (c Config) Validate() error { return c.withDefaults().validate() }

// Clone is a deep copy of c.
func (c Config) Clone() Config {
	c.Firewalls = slices.Clone(c.Firewalls)
	c.Domains = slices.Clone(c.Domains)
	for i := range c.Domains {
		c.Domains[i].Prefixes = slices.Clone(c.Domains[i].Prefixes)
	}
	c.Pairs = slices.Clone(c.Pairs)
	c.Exclude = slices.Clone(c.Exclude)
	c.EgressDomains = slices.Clone(c.EgressDomains)
	c.Internal = slices.Clone(c.Internal)
	return c
}

// Equal says whether c and d are the same configuration.
func (c Config) Equal(d Config) bool {
	return slices.Equal(c.Firewalls, d.Firewalls) && slices.Equal(c.Pairs, d.Pairs) && slices.Equal(c.Exclude, d.Exclude) &&
		slices.EqualFunc(c.Domains, d.Domains, func(x, y Domain) bool { return x.Name == y.Name && slices.Equal(x.Prefixes, y.Prefixes) }) &&
		slices.Equal(c.EgressDomains, d.EgressDomains) && slices.Equal(c.Internal, d.Internal) &&
		c.Egress == d.Egress && c.Hash == d.Hash && c.FailOpen == d.FailOpen && c.Health == d.Health &&
		c.MarkBase == d.MarkBase && c.TableBase == d.TableBase && c.RulePriority == d.RulePriority && c.Seed == d.Seed
}
