package egressmgmt

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/egress"
	"github.com/mcnlab/mcnlab/dataplane/sockapi"
)

// ErrInvalid is wrapped by the errors of a policy that cannot be applied.
var ErrInvalid = errors.New("invalid egress policy")

// Config is a gateway's whole policy.
type Config struct {
	// Base is "allow-list" (also when empty) or "deny-list".
	Base string `json:"base,omitempty"`
	Tags []Tag  `json:"tags"`
	// Resolver is the DNS server the rules' exact names are resolved
	// through (the VPC's); zero resolves none.
	Resolver netip.Addr `json:"resolver,omitzero"`
}

// Tag is a named group of rules applied to the clients in Sources (none:
// every client).
type Tag struct {
	Name    string         `json:"name"`
	Sources []netip.Prefix `json:"sources,omitempty"`
	Rules   []Rule         `json:"rules"`
}

// Rule names destinations by FQDN or *.wildcard.
type Rule struct {
	FQDN string `json:"fqdn"`
	// Protocol is "tcp", "udp" or empty (any); Port 0 is every port.
	Protocol string `json:"protocol,omitempty"`
	Port     uint16 `json:"port,omitempty"`
	// Action is "allow", "deny" or empty (the opposite of the base
	// policy).
	Action string `json:"action,omitempty"`
}

// Policy converts c to the filter's policy; an error wraps ErrInvalid.
func (c Config) Policy() (egress.Policy, error) {
	var p egress.Policy
	switch c.Base {
	case "", "allow-list":
		p.Base = egress.AllowList
	case "deny-list":
		p.Base = egress.DenyList
	default:
		return p, fmt.Errorf("%w: base %q: want allow-list or deny-list", ErrInvalid, c.Base)
	}
	for _, t := range c.Tags {
		et := egress.Tag{Name: t.Name, Sources: t.Sources}
		for i, r := range t.Rules {
			er := egress.Rule{Name: r.FQDN, Port: r.Port}
			switch r.Protocol {
			case "":
			case "tcp":
				er.Proto = egress.ProtoTCP
			case "udp":
				er.Proto = egress.ProtoUDP
			default:
				return p, fmt.Errorf("%w: tag %s rule %d: protocol %q: want tcp, udp or none", ErrInvalid, t.Name, i, r.Protocol)
			}
			switch r.Action {
			case "":
				er.Action = egress.ActionBase
			case "allow":
				er.Action = egress.ActionAllow
			case "deny":
				er.Action = egress.ActionDeny
			default:
				return p, fmt.Errorf("%w: tag %s rule %d: action %q: want allow, deny or none", ErrInvalid, t.Name, i, r.Action)
			}
			et.Rules = append(et.Rules, er)
		}
		p.Tags = append(p.Tags, et)
	}
	if err := p.Validate(); err != nil {
		return p, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return p, nil
}

// Entry is one logged decision.
type Entry struct {
	Time  time.Time      `json:"time"`
	Src   netip.AddrPort `json:"src"`
	Dst   netip.AddrPort `json:"dst"`
	Proto string         `json:"proto"`
	// Name is the name asked for (SNI, Host) or the learned name whose
	// address matched; By what the decision read ("sni", "host",
	// "address", "no rule", or why no name was read).
	Name    string `json:"name,omitempty"`
	By      string `json:"by"`
	Verdict string `json:"verdict"` // "allow" or "deny"
	// Tag and Rule name the rule that decided ("api.example.com
	// tcp/443"), or Rule is "base allow-list", "base deny-list",
	// "unfiltered" or "hold limit".
	Tag  string `json:"tag,omitempty"`
	Rule string `json:"rule"`
}

// EntryOf is e in wire form.
func EntryOf(e egress.Entry) Entry {
	return Entry{Time: e.Time, Src: e.Src, Dst: e.Dst, Proto: e.Proto.String(), Name: e.Name, By: e.By,
		Verdict: e.Verdict.String(), Tag: e.Tag, Rule: e.Rule}
}

// Status is the gateway's state.
type Status struct {
	Name string `json:"name"`
	// Boot changes each time the daemon starts.
	Boot string `json:"boot"`
	Base string `json:"base"`
	// Allowed and Denied count the decisions since the start.
	Allowed uint64 `json:"allowed"`
	Denied  uint64 `json:"denied"`
	// Learned are the addresses each exact rule name resolved to.
	Learned map[string][]netip.Addr `json:"learned"`
}

// Health is the healthz answer.
type Health struct {
	Status string `json:"status"`
	Name   string `json:"name"`
}

// Error is the body of an error answer.
type Error = sockapi.ErrorBody
