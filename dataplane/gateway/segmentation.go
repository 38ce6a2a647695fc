package gateway

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
)

// Segmentation splits the addresses behind the gateway into domains (prod,
// dev, shared…) and drops forwarded traffic between two domains unless they
// are connected: network segmentation as Aviatrix's network domains do it
// on transit gateways. Traffic to or from an address in no domain, within
// one domain, or between connected domains passes.
type Segmentation struct {
	// Domains, sorted by name by Validate.
	Domains []Domain
	// Connections are pairs of domain names allowed to talk, both ways;
	// Validate puts each pair in name order and sorts and deduplicates
	// them.
	Connections [][2]string
}

// Domain is a named set of prefixes. Prefixes of different domains never
// overlap (Validate).
type Domain struct {
	Name     string
	Prefixes []netip.Prefix
}

// DomainDrops counts the packets dropped from one domain to another: the
// kernel counter of that denied ordered pair.
type DomainDrops struct {
	From, To       string
	Packets, Bytes uint64
}

var domainRE = regexp.MustCompile(`^[a-z0-9-]{1,32}$`)

// validate checks s and normalises it: domains sorted by name, prefixes
// masked, sorted and deduplicated, connections in name order, sorted and
// deduplicated.
func (s *Segmentation) validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	known := map[string]bool{}
	type owned struct {
		p      netip.Prefix
		domain string
	}
	var all []owned
	for i := range s.Domains {
		d := &s.Domains[i]
		if !domainRE.MatchString(d.Name) {
			bad("domains[%d] %q: name must match %s", i, d.Name, domainRE)
		} else if known[d.Name] {
			bad("domains[%d] %q: name already used", i, d.Name)
		}
		known[d.Name] = true
		for j, p := range d.Prefixes {
			if !p.IsValid() {
				bad("domains[%d] %q: prefixes[%d] invalid", i, d.Name, j)
				continue
			}
			d.Prefixes[j] = p.Masked()
		}
		d.Prefixes = slices.DeleteFunc(d.Prefixes, func(p netip.Prefix) bool { return !p.IsValid() })
		slices.SortFunc(d.Prefixes, comparePrefix)
		d.Prefixes = slices.Compact(d.Prefixes)
		for _, p := range d.Prefixes {
			for _, o := range all {
				if o.domain != d.Name && o.p.Overlaps(p) {
					bad("domain %q prefix %s overlaps domain %q prefix %s", d.Name, p, o.domain, o.p)
				}
			}
		}
		for _, p := range d.Prefixes {
			all = append(all, owned{p, d.Name})
		}
	}
	slices.SortFunc(s.Domains, func(a, b Domain) int { return strings.Compare(a.Name, b.Name) })
	for i, c := range s.Connections {
		for _, name := range c {
			if !known[name] {
				bad("connections[%d] %q-%q: no domain %q", i, c[0], c[1], name)
			}
		}
		if c[0] == c[1] {
			bad("connections[%d] connects domain %q to itself", i, c[0])
		}
		if c[0] > c[1] {
			s.Connections[i] = [2]string{c[1], c[0]}
		}
	}
	slices.SortFunc(s.Connections, compareConn)
	s.Connections = slices.Compact(s.Connections)
	return errors.Join(errs...)
}

func compareConn(a, b [2]string) int {
	if c := strings.Compare(a[0], b[0]); c != 0 {
		return c
	}
	return strings.Compare(a[1], b[1])
}

// denied returns the ordered pairs of distinct domains that are not
// connected, sorted by From then To.
func (s *Segmentation) denied() [][2]string {
	var out [][2]string
	for _, a := range s.Domains {
		for _, b := range s.Domains {
			if a.Name == b.Name {
				continue
			}
			pair := [2]string{min(a.Name, b.Name), max(a.Name, b.Name)}
			if _, ok := slices.BinarySearchFunc(s.Connections, pair, compareConn); !ok {
				out = append(out, [2]string{a.Name, b.Name})
			}
		}
	}
	return out
}

func segEqual(a, b *Segmentation) bool {
	if a == nil || b == nil {
		return a == b
	}
	return slices.Equal(a.Connections, b.Connections) && slices.EqualFunc(a.Domains, b.Domains, func(x, y Domain) bool {
		return x.Name == y.Name && slices.Equal(x.Prefixes, y.Prefixes)
	})
}

func cloneSegmentation(s *Segmentation) *Segmentation {
	if s == nil {
		return nil
	}
	c := &Segmentation{Connections: slices.Clone(s.Connections), Domains: slices.Clone(s.Domains)}
	for i := range c.Domains {
		c.Domains[i].Prefixes = slices.Clone(c.Domains[i].Prefixes)
	}
	return c
}

// counterName is the nftables counter object of a denied ordered pair:
// "<from>_<to>" ('_' is not allowed in domain names).
func counterName(pair [2]string) string { return pair[0] + "_" + pair[1] }

// outermost drops the prefixes that lie inside another one of the list.
func outermost(ps []netip.Prefix) []netip.Prefix {
	var out []netip.Prefix
	for _, p := range ps {
		if !slices.ContainsFunc(ps, func(o netip.Prefix) bool { return o.Bits() < p.Bits() && o.Overlaps(p) }) {
			out = append(out, p)
		}
	}
	return out
}
