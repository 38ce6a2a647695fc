package firewall

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/mcnlab/mcnlab/dataplane/l7proxy"
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
	// L7, when set, runs the L7 engine too: new tcp/80 and tcp/443 flows
	// that the rules allow go to a transparent proxy in the namespace
	// (dataplane/l7proxy), which applies these rules to their HTTP
	// requests and TLS server names and connects on from the client's
	// own address.
	L7 *l7proxy.Policy
	// Egress, when set, sends what passes towards the internet out of an
	// egress interface with source NAT (egress.go).
	Egress *Egress
}

// TableName is the nftables table (inet) the engine owns.
const TableName = "mcn-firewall"

// Counter names of the table besides one per rule ("rule-<name>").
const (
	CounterEstablished = "established"
	CounterInvalid     = "invalid"
	CounterDefault     = "default"
)

// Counters of an L7 table: packets diverted to the proxy's HTTP and TLS
// ports.
const (
	CounterL7HTTP = "l7-http"
	CounterL7TLS  = "l7-tls"
)

// InterceptMark is the packet mark of what goes to the proxy, and
// InterceptTable the routing table that delivers such packets locally
// (policy routing: "ip rule fwmark InterceptMark lookup InterceptTable",
// "local default dev lo table InterceptTable").
const (
	InterceptMark  uint32 = 0x4c37
	InterceptTable        = 207
)

// ruleCounter is the counter of the rule named name.
func ruleCounter(name string) string { return "rule-" + name }

// Table is the nftables table that enforces c.
func (c Config) Table() (policy.Table, error) {
	if c.L7 != nil {
		if err := c.L7.Validate(); err != nil {
			return policy.Table{}, fmt.Errorf("firewall: %w", err)
		}
	}
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
	if c.L7 == nil {
		t.Chains = []policy.Chain{{Name: "forward", Hook: policy.HookForward, Priority: policy.PriorityFilter, Rules: rules}}
	} else {
		t = c.interceptTable(t, rules, l7proxy.DefaultPorts)
	}
	if c.Egress != nil {
		if err := c.Egress.validate(); err != nil {
			return policy.Table{}, err
		}
		t.Counters = append(t.Counters, CounterEgressOut, CounterEgressIn)
		t.Chains = append(t.Chains, c.Egress.chains()...)
	}
	return t, nil
}

// interceptTable completes t for the L7 engine: prerouting diverts new
// tcp/80 and tcp/443 flows (IPv4) to the proxy's ports with tproxy and
// marks them, and every packet of a connection the proxy holds (its
// sockets are transparent) with the mark, which policy routing delivers
// locally; the rules then judge forwarded packets (forward) and diverted
// ones (input, by the mark) alike, in a chain both jump to.
func (c Config) interceptTable(t policy.Table, rules []policy.Rule, ports l7proxy.Ports) policy.Table {
	t.Counters = append(t.Counters, CounterL7HTTP, CounterL7TLS)
	divert := func(port, to uint16, counter string) policy.Rule {
		return policy.Rule{Match: policy.Match{Proto: policy.ProtoTCP, DstPort: policy.Port(port)}, CounterName: counter,
			SetMark: InterceptMark, TProxy: &policy.TProxy{Family: policy.FamilyIPv4, Port: to}, Verdict: policy.Accept}
	}
	t.Chains = []policy.Chain{
		{Name: "prerouting", Hook: policy.HookPrerouting, Priority: policy.PriorityMangle, Rules: []policy.Rule{
			{Match: policy.Match{Proto: policy.ProtoTCP, SocketTransparent: true}, SetMark: InterceptMark, Verdict: policy.Accept},
			divert(80, ports.HTTP, CounterL7HTTP),
			divert(443, ports.TLS, CounterL7TLS),
		}},
		{Name: "forward", Hook: policy.HookForward, Priority: policy.PriorityFilter, Rules: []policy.Rule{{Verdict: policy.Jump("rules")}}},
		{Name: "input", Hook: policy.HookInput, Priority: policy.PriorityFilter, Rules: []policy.Rule{
			{Match: policy.Match{Mark: InterceptMark}, Verdict: policy.Jump("rules")}}},
		{Name: "rules", Rules: rules},
	}
	return t
}

func verdict(a Action) policy.Verdict {
	if a == Deny {
		return policy.Drop
	}
	return policy.Accept
}
