package egress

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/mcnlab/mcnlab/dataplane/policy"
)

// Marks the filter's table uses, as packet marks and conntrack marks.
const (
	// MarkAllow and MarkDeny are a decided connection's conntrack mark
	// (and the packet mark of the queued packet that carries the
	// decision back).
	MarkAllow uint32 = 0x6d610001
	MarkDeny  uint32 = 0x6d610002
	// markRule | id is the packet mark of the first packet of a
	// connection that an address rule (or the base policy, id baseID)
	// decided in the kernel; it goes to the queue only to be logged.
	markRule uint32 = 0x6d720000
	baseID          = 0xffff
)

// addrRule is a rule that the kernel decides on destination addresses:
// every rule but those for inspected TCP ports only.
type addrRule struct {
	id   uint16 // 1…; its sets are r<id>-4 and r<id>-6
	tag  int
	rule Rule
	verd Verdict
}

// plan is a Policy numbered for the kernel.
type plan struct {
	policy Policy
	addr   []addrRule // by id-1, denies first
}

func newPlan(p Policy) (*plan, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	pl := &plan{policy: p}
	inspected := append(p.tlsPorts(), p.httpPorts()...)
	for _, want := range []Verdict{Deny, Allow} {
		for ti, t := range p.Tags {
			for _, r := range t.Rules {
				if r.Proto == ProtoTCP && slices.Contains(inspected, r.Port) || p.verdictOf(r.Action) != want {
					continue
				}
				pl.addr = append(pl.addr, addrRule{tag: ti, rule: r, verd: want})
			}
		}
	}
	if len(pl.addr) >= baseID {
		return nil, fmt.Errorf("egress policy: %d address rules, at most %d", len(pl.addr), baseID-1)
	}
	for i := range pl.addr {
		pl.addr[i].id = uint16(i + 1)
	}
	return pl, nil
}

// rule returns the address rule with that id (or the base policy's).
func (pl *plan) decision(id uint16) (Decision, bool) {
	if id == baseID {
		return pl.policy.baseDecision(), true
	}
	if id == 0 || int(id) > len(pl.addr) {
		return Decision{}, false
	}
	a := pl.addr[id-1]
	return Decision{Verdict: a.verd, Tag: pl.policy.Tags[a.tag].Name, Rule: a.rule.String()}, true
}

var families = []struct {
	fam    policy.Family
	suffix string
	all    netip.Prefix
}{
	{policy.FamilyIPv4, "4", netip.MustParsePrefix("0.0.0.0/0")},
	{policy.FamilyIPv6, "6", netip.MustParsePrefix("::/0")},
}

// sources splits a tag's sources by family (none: every address).
func sources(ps []netip.Prefix, fam policy.Family, all netip.Prefix) []netip.Prefix {
	if len(ps) == 0 {
		return []netip.Prefix{all}
	}
	var out []netip.Prefix
	for _, p := range ps {
		if p.Addr().Is4() == (fam == policy.FamilyIPv4) {
			out = append(out, p)
		}
	}
	return out
}

// learnedSet is the set of an address rule: the learned addresses of
// every name its pattern matches.
func learnedSet(a addrRule, fam policy.Family, suffix string, learned map[string][]netip.Addr) policy.Set {
	s := policy.Set{Name: fmt.Sprintf("r%d-%s", a.id, suffix), Family: fam}
	for name, addrs := range learned {
		if !MatchName(a.rule.Name, name) {
			continue
		}
		for _, ad := range addrs {
			if ad = ad.Unmap(); ad.Is4() == (fam == policy.FamilyIPv4) {
				s.Prefixes = append(s.Prefixes, netip.PrefixFrom(ad, ad.BitLen()))
			}
		}
	}
	return s
}

// table is the filter's nftables table. Its forward chain, in order:
// decided connections by conntrack mark (allowed pass; denied TCP is
// reset, the rest dropped); the queue's verdicts carried back as packet
// marks (Repeat), which become the conntrack mark; then, for filtered
// sources, inspected TCP ports to the queue; address rules, denies first,
// their first packet marked with the rule and queued for the log; and the
// base policy the same way for all else.
func (pl *plan) table(name string, queue uint16, learned map[string][]netip.Addr) policy.Table {
	q := policy.Queue(queue)
	rules := []policy.Rule{
		{Match: policy.Match{CtMark: MarkAllow}, Verdict: policy.Accept},
		{Match: policy.Match{CtMark: MarkDeny, Proto: policy.ProtoTCP}, Verdict: policy.Reset},
		{Match: policy.Match{CtMark: MarkDeny}, Verdict: policy.Drop},
		{Match: policy.Match{Mark: MarkAllow}, SetCtMark: MarkAllow, Verdict: policy.Accept},
		{Match: policy.Match{Mark: MarkDeny, Proto: policy.ProtoTCP}, SetCtMark: MarkDeny, Verdict: policy.Reset},
		{Match: policy.Match{Mark: MarkDeny}, SetCtMark: MarkDeny, Verdict: policy.Drop},
	}
	var sets []policy.Set
	for _, f := range families {
		all := policy.Set{Name: "src" + f.suffix, Family: f.fam}
		for ti, t := range pl.policy.Tags {
			src := sources(t.Sources, f.fam, f.all)
			all.Prefixes = append(all.Prefixes, src...)
			sets = append(sets, policy.Set{Name: fmt.Sprintf("t%d-src%s", ti, f.suffix), Family: f.fam, Prefixes: src})
		}
		sets = append(sets, all)
		for _, port := range append(pl.policy.tlsPorts(), pl.policy.httpPorts()...) {
			rules = append(rules, policy.Rule{Match: policy.Match{SrcSet: all.Name, Proto: policy.ProtoTCP, DstPort: policy.Port(port)}, Verdict: q})
		}
		for _, a := range pl.addr {
			s := learnedSet(a, f.fam, f.suffix, learned)
			sets = append(sets, s)
			m := policy.Match{SrcSet: fmt.Sprintf("t%d-src%s", a.tag, f.suffix), DstSet: s.Name, Proto: policy.Proto(a.rule.Proto)}
			if a.rule.Port != 0 {
				m.DstPort = policy.Port(a.rule.Port)
			}
			rules = append(rules, policy.Rule{Match: m, SetMark: markRule | uint32(a.id), Verdict: q})
		}
		rules = append(rules, policy.Rule{Match: policy.Match{SrcSet: all.Name}, SetMark: markRule | baseID, Verdict: q})
	}
	return policy.Table{Name: name, Sets: sets, Chains: []policy.Chain{
		{Name: "forward", Hook: policy.HookForward, Priority: policy.PriorityFilter, Rules: rules},
	}}
}
