package firenet

import (
	"net/netip"
	"slices"

	"github.com/mcnlab/mcnlab/dataplane/policy"
)

// TableName is the nftables table (inet) that the gateway's FireNet owns.
const TableName = "mcn-firenet"

// CounterNoFirewall counts inspected packets dropped while no firewall
// was healthy.
const CounterNoFirewall = "no-firewall"

// counterName is the counter of packets steered to firewall name.
func counterName(name string) string { return "fw-" + name }

var families = []policy.Family{policy.FamilyIPv4, policy.FamilyIPv6}

func famSuffix(f policy.Family) string {
	return map[policy.Family]string{policy.FamilyIPv4: "4", policy.FamilyIPv6: "6"}[f]
}

func ofFamily(ps []netip.Prefix, f policy.Family) []netip.Prefix {
	var out []netip.Prefix
	for _, p := range ps {
		if p.Addr().Is4() == (f == policy.FamilyIPv4) {
			out = append(out, p)
		}
	}
	return out
}

// builder assembles the table of one Config and health view.
type builder struct {
	cfg     Config
	healthy []int // positions of the healthy firewalls
	t       policy.Table
	pre     []policy.Rule
}

// steerTable is the table that steers cfg's traffic over the firewalls
// whose positions healthy lists.
func steerTable(cfg Config, healthy []int) policy.Table {
	b := &builder{cfg: cfg, healthy: healthy, t: policy.Table{Name: TableName, Counters: []string{CounterNoFirewall}}}
	var links []string
	for _, f := range cfg.Firewalls {
		b.t.Counters = append(b.t.Counters, counterName(f.Name))
		if !slices.Contains(links, f.Link) {
			links = append(links, f.Link)
			b.pre = append(b.pre, policy.Rule{Match: policy.Match{IIF: f.Link}, Verdict: policy.Return})
		}
	}
	for _, fam := range families {
		b.family(fam)
	}
	b.t.Chains = append([]policy.Chain{{Name: "prerouting", Hook: policy.HookPrerouting, Priority: policy.PriorityMangle, Rules: b.pre}}, b.t.Chains...)
	return b.t
}

// set adds a set of ps's prefixes of family fam, named name plus the
// family's suffix; "" when there are none.
func (b *builder) set(name string, ps []netip.Prefix, fam policy.Family) string {
	ps = ofFamily(ps, fam)
	if len(ps) == 0 {
		return ""
	}
	name += famSuffix(fam)
	if !slices.ContainsFunc(b.t.Sets, func(s policy.Set) bool { return s.Name == name }) {
		b.t.Sets = append(b.t.Sets, policy.Set{Name: name, Family: fam, Prefixes: ps})
	}
	return name
}

// family adds the rules of one address family: exclusions, then pairs
// (both ways), then egress (both ways).
func (b *builder) family(fam policy.Family) {
	if ex := b.set("exclude", b.cfg.Exclude, fam); ex != "" {
		b.pre = append(b.pre, policy.Rule{Match: policy.Match{DstSet: ex}, Verdict: policy.Return})
	}
	for _, p := range b.cfg.Pairs {
		a := b.set("dom-"+p.A, b.cfg.domain(p.A).Prefixes, fam)
		z := b.set("dom-"+p.B, b.cfg.domain(p.B).Prefixes, fam)
		if a == "" || z == "" {
			continue
		}
		name := "pair-" + p.A + "-" + p.B + "-" + famSuffix(fam)
		b.class(name, fam, true, policy.Match{SrcSet: a, DstSet: z})
		if p.A != p.B {
			b.class(name+"-back", fam, false, policy.Match{SrcSet: z, DstSet: a})
		}
	}
	if !b.cfg.Egress {
		return
	}
	var inside, from []netip.Prefix
	for _, d := range b.cfg.Domains {
		inside = append(inside, d.Prefixes...)
	}
	for _, d := range b.cfg.egressFrom() {
		from = append(from, d.Prefixes...)
	}
	in := b.set("inside", append(inside, b.cfg.Internal...), fam)
	src := in // every domain, nothing else
	if len(b.cfg.EgressDomains) > 0 || len(b.cfg.Internal) > 0 {
		src = b.set("egress-from", from, fam)
	}
	if in != "" && src != "" {
		name := "egress-" + famSuffix(fam)
		b.class(name, fam, true, policy.Match{SrcSet: src, DstSet: in, NotDst: true})
		b.class(name+"-back", fam, false, policy.Match{SrcSet: in, NotSrc: true, DstSet: src})
	}
}

// class adds a chain that steers the packets m matches (jumped to from
// prerouting): a connection's kept choice if its firewall is healthy,
// else a new choice by hash. srcFirst says whether the packet's source is
// the side that the hash takes first (the pair's A side, the inside of
// egress), so both directions hash alike.
func (b *builder) class(name string, fam policy.Family, srcFirst bool, m policy.Match) {
	b.pre = append(b.pre, policy.Rule{Match: m, Verdict: policy.Jump(name)})
	var rules []policy.Rule
	for _, i := range b.healthy {
		mark := b.cfg.mark(i)
		rules = append(rules, policy.Rule{Match: policy.Match{CtMark: mark}, CounterName: counterName(b.cfg.Firewalls[i].Name), SetMark: mark, Verdict: policy.Accept})
	}
	switch {
	case len(b.healthy) == 0 && b.cfg.FailOpen:
		rules = append(rules, policy.Rule{Verdict: policy.Return})
	case len(b.healthy) == 0:
		rules = append(rules, policy.Rule{CounterName: CounterNoFirewall, Verdict: policy.Drop})
	case b.cfg.Hash == FiveTuple && len(b.healthy) > 1:
		rules = append(rules, b.choose(fam, policy.ProtoTCP, srcFirst)...)
		rules = append(rules, b.choose(fam, policy.ProtoUDP, srcFirst)...)
		rules = append(rules, b.choose(fam, policy.ProtoAny, srcFirst)...)
	default:
		rules = append(rules, b.choose(fam, policy.ProtoAny, srcFirst)...)
	}
	b.t.Chains = append(b.t.Chains, policy.Chain{Name: name, Rules: rules})
}

// choose is one rule per healthy firewall: the flows of protocol proto
// (ProtoAny: any) whose hash picks it get its mark, in the packet and the
// connection.
func (b *builder) choose(fam policy.Family, proto policy.Proto, srcFirst bool) []policy.Rule {
	first, second := policy.HashSrcAddr, policy.HashDstAddr
	pfirst, psecond := policy.HashSrcPort, policy.HashDstPort
	if !srcFirst {
		first, second, pfirst, psecond = second, first, psecond, pfirst
	}
	fields := []policy.HashField{first, second}
	switch {
	case proto != policy.ProtoAny:
		fields = append(fields, pfirst, psecond)
	case b.cfg.Hash == FiveTuple:
		fields = append(fields, policy.HashL4Proto)
	}
	n := uint32(len(b.healthy))
	var out []policy.Rule
	for k, i := range b.healthy {
		m := policy.Match{Family: fam, Proto: proto}
		if n > 1 {
			m.Hash = &policy.Hash{Fields: fields, Seed: b.cfg.Seed, Mod: n, Value: uint32(k)}
		}
		mark := b.cfg.mark(i)
		out = append(out, policy.Rule{Match: m, CounterName: counterName(b.cfg.Firewalls[i].Name), SetMark: mark, SetCtMark: mark, Verdict: policy.Accept})
	}
	return out
}
