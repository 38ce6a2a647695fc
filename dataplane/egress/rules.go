package egress

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/mcnlab/mcnlab/dataplane/egress/sniff"
)

// Base is the base policy: what becomes of a connection that no rule
// names.
type Base uint8

// Base policies. The zero value is the allow-list: a filter that nobody
// configured lets nothing out.
const (
	// AllowList lets out only what a rule allows.
	AllowList Base = iota
	// DenyList lets out everything but what a rule denies.
	DenyList
)

// String is the base policy as the log shows it.
func (b Base) String() string {
	if b == DenyList {
		return "deny-list"
	}
	return "allow-list"
}

// Action is what a matching rule does.
type Action uint8

// Actions.
const (
	// ActionBase does what the base policy implies for a named
	// destination: allow in an allow-list, deny in a deny-list (the
	// classic FQDN filter's rule).
	ActionBase Action = iota
	ActionAllow
	ActionDeny
)

// Proto is a rule's IP protocol; ProtoAny matches every protocol.
type Proto uint8

// Protocols.
const (
	ProtoAny Proto = 0
	ProtoTCP Proto = 6
	ProtoUDP Proto = 17
)

// String is the protocol as the log shows it.
func (p Proto) String() string {
	switch p {
	case ProtoAny:
		return "all"
	case ProtoTCP:
		return "tcp"
	case ProtoUDP:
		return "udp"
	case 1:
		return "icmp"
	case 58:
		return "ipv6-icmp"
	}
	return fmt.Sprintf("proto%d", uint8(p))
}

// Rule names a destination by FQDN, with its protocol and port.
type Rule struct {
	// Name is a fully qualified name (api.example.com) or a wildcard
	// (*.example.com) that matches the names below it; see MatchName.
	Name string
	// Proto and Port restrict the rule (ProtoAny, 0: all of them).
	Proto  Proto
	Port   uint16
	Action Action
}

// String is the rule as decisions name it: "*.example.com tcp/443".
func (r Rule) String() string {
	port := "all"
	if r.Port != 0 {
		port = fmt.Sprint(r.Port)
	}
	s := fmt.Sprintf("%s %s/%s", r.Name, r.Proto, port)
	switch r.Action {
	case ActionAllow:
		s += " allow"
	case ActionDeny:
		s += " deny"
	}
	return s
}

// Tag is a named group of rules (Aviatrix's FQDN tag) applied to the
// clients whose addresses are in Sources.
type Tag struct {
	Name    string
	Sources []netip.Prefix
	Rules   []Rule
}

// Policy is a filter's whole configuration: the base policy and the tags.
// A client whose address no tag's sources hold is not filtered.
type Policy struct {
	Base Base
	Tags []Tag
	// TLSPorts and HTTPPorts are the TCP ports whose connections are
	// decided on their TLS SNI and HTTP Host (default 443 and 80); every
	// other protocol and port is decided on the addresses that the rules'
	// names resolved to (Filter.Learn).
	TLSPorts, HTTPPorts []uint16
}

func (p Policy) tlsPorts() []uint16 {
	if p.TLSPorts == nil {
		return []uint16{443}
	}
	return p.TLSPorts
}

func (p Policy) httpPorts() []uint16 {
	if p.HTTPPorts == nil {
		return []uint16{80}
	}
	return p.HTTPPorts
}

// Validate checks names, protocols and tags; errors name the tag and rule.
func (p Policy) Validate() error {
	if p.Base > DenyList {
		return fmt.Errorf("egress policy: unknown base policy %d", p.Base)
	}
	seen := map[string]bool{}
	var errs []error
	for _, t := range p.Tags {
		if t.Name == "" || seen[t.Name] {
			errs = append(errs, fmt.Errorf("tag %q: empty or defined twice", t.Name))
		}
		seen[t.Name] = true
		for _, s := range t.Sources {
			if !s.IsValid() {
				errs = append(errs, fmt.Errorf("tag %s: invalid source prefix", t.Name))
			}
		}
		for i, r := range t.Rules {
			if err := r.validate(); err != nil {
				errs = append(errs, fmt.Errorf("tag %s rule %d (%s): %w", t.Name, i, r.Name, err))
			}
		}
	}
	for _, port := range append(p.tlsPorts(), p.httpPorts()...) {
		if port == 0 {
			errs = append(errs, errors.New("inspected port 0"))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("egress policy: %w", err)
	}
	return nil
}

func (r Rule) validate() error {
	if r.Proto != ProtoAny && r.Proto != ProtoTCP && r.Proto != ProtoUDP {
		return fmt.Errorf("protocol %d: want tcp, udp or all", r.Proto)
	}
	if r.Port != 0 && r.Proto == ProtoAny {
		return errors.New("a port needs tcp or udp")
	}
	if r.Action > ActionDeny {
		return fmt.Errorf("unknown action %d", r.Action)
	}
	name := strings.TrimPrefix(r.Name, "*.")
	if n, ok := sniff.NormalName(name); !ok || n != name || strings.Contains(name, "*") {
		return fmt.Errorf("name %q: want a lower-case FQDN or *.FQDN", r.Name)
	}
	return nil
}

// MatchName reports whether name (lower-case, no trailing dot) matches
// pattern. An exact pattern matches that name alone. A wildcard
// "*.example.com" matches every name below example.com, any number of
// labels deep (api.example.com, a.b.example.com), as Aviatrix's FQDN filter
// treats "*.domain" as the domain's sub-domains; it does not match the
// apex example.com itself, which needs a rule of its own.
func MatchName(pattern, name string) bool {
	if suffix, ok := strings.CutPrefix(pattern, "*"); ok {
		return len(name) > len(suffix) && strings.HasSuffix(name, suffix)
	}
	return pattern == name
}

// specificity orders matching patterns: an exact name beats every
// wildcard, a longer wildcard suffix beats a shorter one.
func specificity(pattern string) int {
	if suffix, ok := strings.CutPrefix(pattern, "*"); ok {
		return len(suffix)
	}
	return 1 << 16
}

// Verdict is a decision's outcome.
type Verdict uint8

// Verdicts.
const (
	Deny Verdict = iota
	Allow
)

// String is the verdict as the log shows it.
func (v Verdict) String() string {
	if v == Allow {
		return "allow"
	}
	return "deny"
}

// Decision is a verdict and what made it: Tag and Rule name the matching
// rule (Rule.String), or Rule is "base allow-list" / "base deny-list" when
// none matched, or "unfiltered" for a client that no tag applies to.
type Decision struct {
	Verdict Verdict
	Tag     string
	Rule    string
}

// Rule names of decisions that no rule made.
const (
	RuleUnfiltered = "unfiltered"
	ruleBasePrefix = "base "
)

// Decide is the verdict for a connection from src to the named server on
// proto and port. Of the source's tags' rules that match, the most
// specific name wins (exact over wildcard, longer wildcard over shorter);
// between equally specific ones a deny wins. With no match the base
// policy decides; an empty name (no SNI, no Host) matches no rule.
func (p Policy) Decide(src netip.Addr, proto Proto, port uint16, name string) Decision {
	best, bestSpec, filtered := Decision{}, -1, false
	for _, t := range p.Tags {
		if !containsAddr(t.Sources, src) {
			continue
		}
		filtered = true
		if name == "" {
			continue
		}
		for _, r := range t.Rules {
			if !r.covers(proto, port) || !MatchName(r.Name, name) {
				continue
			}
			d := Decision{Verdict: p.verdictOf(r.Action), Tag: t.Name, Rule: r.String()}
			spec := specificity(r.Name)
			if spec > bestSpec || spec == bestSpec && d.Verdict == Deny && best.Verdict == Allow {
				best, bestSpec = d, spec
			}
		}
	}
	if !filtered {
		return Decision{Verdict: Allow, Rule: RuleUnfiltered}
	}
	if bestSpec >= 0 {
		return best
	}
	return p.baseDecision()
}

func (p Policy) baseDecision() Decision {
	v := Deny
	if p.Base == DenyList {
		v = Allow
	}
	return Decision{Verdict: v, Rule: ruleBasePrefix + p.Base.String()}
}

func (p Policy) verdictOf(a Action) Verdict {
	switch {
	case a == ActionAllow, a == ActionBase && p.Base == AllowList:
		return Allow
	}
	return Deny
}

// covers reports whether the rule applies to proto and port.
func (r Rule) covers(proto Proto, port uint16) bool {
	return (r.Proto == ProtoAny || r.Proto == proto) && (r.Port == 0 || r.Port == port)
}

// containsAddr reports whether one of ps holds a; an empty list holds
// every address.
func containsAddr(ps []netip.Prefix, a netip.Addr) bool {
	if len(ps) == 0 {
		return true
	}
	for _, p := range ps {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}
