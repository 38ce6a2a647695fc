package firewall

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/mcnlab/mcnlab/dataplane/policy"
)

// Action is what a rule does with the new flows it matches.
type Action uint8

// Actions; the zero Action is Allow.
const (
	Allow Action = iota
	Deny
)

// String is "allow" or "deny".
func (a Action) String() string {
	if a == Deny {
		return "deny"
	}
	return "allow"
}

// Rule matches new flows by their 5-tuple; every field set must hold.
type Rule struct {
	// Name names the rule's counter; unique within a Config.
	Name string
	// Src and Dst are prefixes (the zero Prefix: any address); when both
	// are set they are of one family.
	Src, Dst netip.Prefix
	// Proto is the L4 protocol (policy.ProtoAny: any); ports need TCP,
	// UDP or SCTP.
	Proto            policy.Proto
	SrcPort, DstPort policy.PortRange
	Action           Action
}

// Config is a firewall's forward policy: Rules in order, first match
// wins, then Default. Packets of connections already allowed (and related
// ones, ICMP errors) pass before any rule; packets conntrack finds
// invalid are dropped.
type Config struct {
	Rules   []Rule
	Default Action
}

// TableName is the nftables table (inet) the engine owns.
const TableName = "mcn-firewall"

// Counter names of the table besides one per rule ("rule-<name>").
const (
	CounterEstablished = "established"
	CounterInvalid     = "invalid"
	CounterDefault     = "default"
)

// ruleCounter is the counter of the rule named name.
func ruleCounter(name string) string { return "rule-" + name }

// Table is the nftables table that enforces c.
func (c Config) Table() (policy.Table, error) {
	t := policy.Table{Name: TableName, Counters: []string{CounterEstablished, CounterInvalid}}
	rules := []policy.Rule{
		{Match: policy.Match{CtState: policy.CtEstablished | policy.CtRelated}, CounterName: CounterEstablished, Verdict: policy.Accept},
		{Match: policy.Match{CtState: policy.CtInvalid}, CounterName: CounterInvalid, Verdict: policy.Drop},
	}
	seen := map[string]bool{}
	for i, r := range c.Rules {
		if r.Name == "" || seen[r.Name] {
			return policy.Table{}, fmt.Errorf("firewall: rule %d: name %q empty or used twice", i, r.Name)
		}
		seen[r.Name] = true
		if r.Src.IsValid() && r.Dst.IsValid() && r.Src.Addr().Is4() != r.Dst.Addr().Is4() {
			return policy.Table{}, fmt.Errorf("firewall: rule %s: %s and %s are of two families", r.Name, r.Src, r.Dst)
		}
		if r.Action > Deny {
			return policy.Table{}, fmt.Errorf("firewall: rule %s: unknown action %d", r.Name, r.Action)
		}
		t.Counters = append(t.Counters, ruleCounter(r.Name))
		rules = append(rules, policy.Rule{
			Match:       policy.Match{Src: r.Src, Dst: r.Dst, Proto: r.Proto, SrcPort: r.SrcPort, DstPort: r.DstPort},
			CounterName: ruleCounter(r.Name), Verdict: verdict(r.Action),
		})
	}
	if c.Default > Deny {
		return policy.Table{}, errors.New("firewall: unknown default action")
	}
	t.Counters = append(t.Counters, CounterDefault)
	rules = append(rules, policy.Rule{CounterName: CounterDefault, Verdict: verdict(c.Default)})
	t.Chains = []policy.Chain{{Name: "forward", Hook: policy.HookForward, Priority: policy.PriorityFilter, Rules: rules}}
	return t, nil
}

func verdict(a Action) policy.Verdict {
	if a == Deny {
		return policy.Drop
	}
	return policy.Accept
}
