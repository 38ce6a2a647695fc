package fwmgmt

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/mcnlab/mcnlab/dataplane/firewall"
	"github.com/mcnlab/mcnlab/dataplane/policy"
	"github.com/mcnlab/mcnlab/dataplane/sockapi"
)

// Config is a firewall's whole policy.
type Config struct {
	Rules []Rule `json:"rules"`
	// Default is "allow" (also when empty) or "deny".
	Default string `json:"default,omitempty"`
}

// Rule matches new flows; every field set must hold.
type Rule struct {
	Name   string `json:"name"`
	Action string `json:"action"` // "allow" or "deny"
	// Protocol is "tcp", "udp", "icmp" or empty (any).
	Protocol string       `json:"protocol,omitempty"`
	Src      netip.Prefix `json:"src,omitzero"`
	Dst      netip.Prefix `json:"dst,omitzero"`
	// DstPort is the destination port (tcp, udp); 0 means any.
	DstPort uint16 `json:"dst_port,omitempty"`
}

// Count is a counter's packets and bytes.
type Count struct {
	Packets uint64 `json:"packets"`
	Bytes   uint64 `json:"bytes"`
}

// RuleCount is one rule with what it matched.
type RuleCount struct {
	Rule
	Count
}

// Status is a firewall's policy counters and connection table size.
type Status struct {
	Name string `json:"name"`
	// Boot is drawn at random when the daemon starts: a new value says it
	// restarted (and holds the allow-all policy it boots with).
	Boot    string      `json:"boot"`
	Default string      `json:"default"`
	Rules   []RuleCount `json:"rules"`
	// Established counts packets of allowed connections, Invalid those
	// conntrack found invalid (dropped), DefaultCount new flows no rule
	// matched.
	Established  Count `json:"established"`
	Invalid      Count `json:"invalid"`
	DefaultCount Count `json:"default_count"`
	// Connections is the number of entries in the connection table.
	Connections int `json:"connections"`
}

// Health is /v1/healthz's answer.
type Health struct {
	Status string `json:"status"`
	Name   string `json:"name,omitempty"`
}

// Error is an error answer's body.
type Error = sockapi.ErrorBody

// ErrInvalid marks a policy the engine refused without changing anything.
var ErrInvalid = errors.New("invalid firewall policy")

var protocols = map[string]policy.Proto{"": policy.ProtoAny, "any": policy.ProtoAny, "tcp": policy.ProtoTCP, "udp": policy.ProtoUDP, "icmp": policy.ProtoICMP}

// Engine converts c to the engine's configuration.
func (c Config) Engine() (firewall.Config, error) {
	var out firewall.Config
	def, err := action(c.Default)
	if err != nil {
		return out, fmt.Errorf("%w: default: %w", ErrInvalid, err)
	}
	out.Default = def
	for i, r := range c.Rules {
		a, err := action(r.Action)
		if err != nil {
			return out, fmt.Errorf("%w: rule %d: %w", ErrInvalid, i, err)
		}
		p, ok := protocols[r.Protocol]
		if !ok {
			return out, fmt.Errorf("%w: rule %d: protocol %q is not tcp, udp or icmp", ErrInvalid, i, r.Protocol)
		}
		fr := firewall.Rule{Name: r.Name, Src: r.Src, Dst: r.Dst, Proto: p, Action: a}
		if r.DstPort != 0 {
			if p != policy.ProtoTCP && p != policy.ProtoUDP {
				return out, fmt.Errorf("%w: rule %d: a port needs tcp or udp", ErrInvalid, i)
			}
			fr.DstPort = policy.PortRange{From: r.DstPort, To: r.DstPort}
		}
		out.Rules = append(out.Rules, fr)
	}
	if _, err := out.Table(); err != nil {
		return out, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return out, nil
}

// action reads "allow" (or "") and "deny".
func action(s string) (firewall.Action, error) {
	switch s {
	case "", "allow":
		return firewall.Allow, nil
	case "deny":
		return firewall.Deny, nil
	}
	return 0, fmt.Errorf("action %q is neither allow nor deny", s)
}
