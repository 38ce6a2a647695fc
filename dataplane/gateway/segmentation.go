package gateway

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
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

// segTable is the nftables table (family inet) holding the segmentation
// policy; it is separate from mssTable so that replacing one never touches
// the other.
const segTable = "mcnlab-segmentation"

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

// applySegmentation makes the kernel's segmentation table match s in one
// nftables transaction, so no packet ever sees half a policy: the old
// table is deleted and the new one built in the same batch. The drop
// counters of pairs denied before and after carry over. A nil s deletes
// the table.
//
// The table (family inet) has a base chain "forward" (hook forward,
// priority filter) that sends a packet whose source lies in a domain with
// denied partners to that domain's chain "from-<domain>", where a packet
// to a denied partner's prefix hits the pair's counter and is dropped:
//
//	chain forward  { ip saddr 10.1.0.0/16 jump from-prod … }
//	chain from-prod { ip daddr 10.2.0.0/16 counter name "prod_dev" drop … }
func applySegmentation(s *Segmentation) error {
	c, err := nftables.New()
	if err != nil {
		return fmt.Errorf("segmentation: %w", err)
	}
	t := &nftables.Table{Family: nftables.TableFamilyINet, Name: segTable}
	if s == nil {
		c.AddTable(t)
		c.DelTable(t) // whether it existed or not
		if err := c.Flush(); err != nil {
			return fmt.Errorf("segmentation: delete table %s: %w", segTable, err)
		}
		return nil
	}
	old, _ := readCounters(c) // none when the table does not exist yet
	c.AddTable(t)
	c.DelTable(t)
	c.AddTable(t)
	fwd := c.AddChain(&nftables.Chain{
		Name: "forward", Table: t, Type: nftables.ChainTypeFilter,
		Hooknum: nftables.ChainHookForward, Priority: nftables.ChainPriorityFilter,
	})
	prefixes := map[string][]netip.Prefix{}
	for _, d := range s.Domains {
		prefixes[d.Name] = outermost(d.Prefixes)
	}
	denied := s.denied()
	for _, d := range s.Domains {
		var to [][2]string
		for _, pair := range denied {
			if pair[0] == d.Name {
				to = append(to, pair)
			}
		}
		if len(to) == 0 {
			continue
		}
		ch := c.AddChain(&nftables.Chain{Name: "from-" + d.Name, Table: t})
		for _, pair := range to {
			name := counterName(pair)
			co := &nftables.CounterObj{Table: t, Name: name}
			if prev, ok := old[name]; ok {
				co.Packets, co.Bytes = prev.Packets, prev.Bytes
			}
			c.AddObj(co)
			for _, p := range prefixes[pair[1]] {
				exprs := append(matchPrefix(p, true),
					&expr.Objref{Type: int(nftables.ObjTypeCounter), Name: name},
					&expr.Verdict{Kind: expr.VerdictDrop})
				c.AddRule(&nftables.Rule{Table: t, Chain: ch, Exprs: exprs})
			}
		}
		for _, p := range prefixes[d.Name] {
			exprs := append(matchPrefix(p, false), &expr.Verdict{Kind: expr.VerdictJump, Chain: ch.Name})
			c.AddRule(&nftables.Rule{Table: t, Chain: fwd, Exprs: exprs})
		}
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("segmentation: replace table %s: %w", segTable, err)
	}
	return nil
}

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

// matchPrefix matches packets of p's family whose source (or, with dst,
// destination) address lies in p.
func matchPrefix(p netip.Prefix, dst bool) []expr.Any {
	proto, off, size := byte(unix.NFPROTO_IPV4), uint32(12), uint32(4) // ip saddr
	if p.Addr().Is6() {
		proto, off, size = unix.NFPROTO_IPV6, 8, 16 // ip6 saddr
	}
	if dst {
		off += size // daddr follows saddr in both headers
	}
	exprs := []expr.Any{
		&expr.Meta{Key: expr.MetaKeyNFPROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{proto}},
	}
	if p.Bits() == 0 {
		return exprs
	}
	exprs = append(exprs, &expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: off, Len: size})
	if p.Bits() < p.Addr().BitLen() {
		exprs = append(exprs, &expr.Bitwise{
			SourceRegister: 1, DestRegister: 1, Len: size,
			Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen()), Xor: make([]byte, size),
		})
	}
	return append(exprs, &expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: p.Masked().Addr().AsSlice()})
}

// readCounters returns the counter objects of the segmentation table by
// name; an error when the table does not exist.
func readCounters(c *nftables.Conn) (map[string]*nftables.CounterObj, error) {
	objs, err := c.GetObjects(&nftables.Table{Family: nftables.TableFamilyINet, Name: segTable})
	if err != nil {
		return nil, fmt.Errorf("segmentation: read counters: %w", err)
	}
	out := map[string]*nftables.CounterObj{}
	for _, o := range objs {
		if co, ok := o.(*nftables.CounterObj); ok {
			out[co.Name] = co
		}
	}
	return out, nil
}

// segmentationDrops reads the kernel's drop counter of every pair s
// denies, in s.denied's order.
func segmentationDrops(s *Segmentation) ([]DomainDrops, error) {
	c, err := nftables.New()
	if err != nil {
		return nil, fmt.Errorf("segmentation: %w", err)
	}
	counters, err := readCounters(c)
	if err != nil {
		return nil, err
	}
	var out []DomainDrops
	var missing []string
	for _, pair := range s.denied() {
		d := DomainDrops{From: pair[0], To: pair[1]}
		if co, ok := counters[counterName(pair)]; ok {
			d.Packets, d.Bytes = co.Packets, co.Bytes
		} else {
			missing = append(missing, counterName(pair))
		}
		out = append(out, d)
	}
	if len(missing) > 0 {
		return out, fmt.Errorf("segmentation: counters %v missing from table %s", missing, segTable)
	}
	return out, nil
}
