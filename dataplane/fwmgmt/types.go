package fwmgmt

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"

	"github.com/mcnlab/mcnlab/dataplane/firewall"
	"github.com/mcnlab/mcnlab/dataplane/l7proxy"
	"github.com/mcnlab/mcnlab/dataplane/policy"
	"github.com/mcnlab/mcnlab/dataplane/sockapi"
)

// Config is a firewall's whole policy.
type Config struct {
	Rules []Rule `json:"rules"`
	// Default is "allow" (also when empty) or "deny".
	Default string `json:"default,omitempty"`
	// EngineName is "stateful" (also when empty) or "l7": the stateful
	// engine plus squid, which applies the http and tls rules.
	EngineName string `json:"engine,omitempty"`
	// Resolvers are the DNS servers the l7 engine's squid asks (the
	// VPC's resolver).
	Resolvers []netip.Addr `json:"resolvers,omitempty"`
	// Egress, when set, makes the firewall an internet egress point: what
	// it passes towards a destination outside Internal leaves by its
	// egress interface with source NAT (firewall.Egress).
	Egress *Egress `json:"egress,omitempty"`
}

// Egress is a firewall's internet egress: its LAN and egress interfaces
// and the destinations that stay on the LAN side.
type Egress struct {
	LAN       string         `json:"lan"`
	Interface string         `json:"interface"`
	Internal  []netip.Prefix `json:"internal,omitempty"`
	// Gateways are the gateways that steer egress flows to the firewall
	// (firewall.Egress.Gateways): each flow's replies go back to the one
	// that sent it.
	Gateways []Gateway `json:"gateways,omitempty"`
}

// Gateway is a gateway as the firewall's LAN sees it: its address and
// its interface's MAC address ("02:1a:…"), or "" where the cloud's API
// reports none (GCP): the firewall then resolves it by ARP on its LAN
// (firewall.Resolver).
type Gateway struct {
	Address netip.Addr `json:"address"`
	MAC     string     `json:"mac"`
}

// EngineL7 is Config.EngineName of the l7 engine.
const EngineL7 = "l7"

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
	// Host and Path (protocol "http") and SNI (protocol "tls") are the
	// l7 engine's matches (l7proxy.Rule).
	Host string `json:"host,omitempty"`
	Path string `json:"path,omitempty"`
	SNI  string `json:"sni,omitempty"`
}

// Count is a counter's packets and bytes.
type Count struct {
	Packets uint64 `json:"packets"`
	Bytes   uint64 `json:"bytes"`
}

// RuleCount is one rule with what it matched: packets of new flows
// (stateful rules), or requests and TLS connections (http and tls rules).
type RuleCount struct {
	Rule
	Count
	Requests uint64 `json:"requests,omitempty"`
}

// L7Status is the l7 engine's part of a status.
type L7Status struct {
	// HTTP and TLS count the packets diverted to squid.
	HTTP Count `json:"http"`
	TLS  Count `json:"tls"`
	// Passed counts the requests and TLS connections no rule matched.
	Passed uint64 `json:"passed"`
	// Decisions are the latest ones (at most MaxDecisions), oldest first.
	Decisions []l7proxy.Decision `json:"decisions"`
}

// MaxDecisions is how many of the latest l7 decisions a status holds.
const MaxDecisions = 50

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
	// Engine is the engine in place; L7 its l7 part (nil: stateful).
	Engine string    `json:"engine"`
	L7     *L7Status `json:"l7,omitempty"`
	// EgressOut and EgressIn count what left and arrived on the egress
	// interface; absent without egress.
	EgressOut *Count `json:"egress_out,omitempty"`
	EgressIn  *Count `json:"egress_in,omitempty"`
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

// Engine converts c to the engine's configuration: the rules of protocols
// tcp, udp, icmp and any to the stateful engine's, those of http and tls
// to the l7 engine's (which engine "l7" needs).
func (c Config) Engine() (firewall.Config, error) {
	var out firewall.Config
	def, err := action(c.Default)
	if err != nil {
		return out, fmt.Errorf("%w: default: %w", ErrInvalid, err)
	}
	out.Default = def
	switch c.EngineName {
	case "", "stateful":
	case EngineL7:
		out.L7 = &l7proxy.Policy{Rules: []l7proxy.Rule{}, Resolvers: c.Resolvers}
	default:
		return out, fmt.Errorf("%w: engine %q is neither stateful nor l7", ErrInvalid, c.EngineName)
	}
	if e := c.Egress; e != nil {
		out.Egress = &firewall.Egress{LAN: e.LAN, Interface: e.Interface, Internal: slices.Clone(e.Internal)}
		for i, g := range e.Gateways {
			var mac net.HardwareAddr
			var err error
			if g.MAC != "" { // else the firewall resolves it (firewall.Resolver)
				mac, err = net.ParseMAC(g.MAC)
			}
			if err != nil {
				return out, fmt.Errorf("%w: egress gateway %d: %w", ErrInvalid, i, err)
			}
			out.Egress.Gateways = append(out.Egress.Gateways, firewall.ReturnGateway{Addr: g.Address, MAC: mac})
		}
	}
	for i, r := range c.Rules {
		a, err := action(r.Action)
		if err != nil {
			return out, fmt.Errorf("%w: rule %d: %w", ErrInvalid, i, err)
		}
		if r.Protocol == string(l7proxy.HTTP) || r.Protocol == string(l7proxy.TLS) {
			if out.L7 == nil {
				return out, fmt.Errorf("%w: rule %d: protocol %s needs engine l7", ErrInvalid, i, r.Protocol)
			}
			out.L7.Rules = append(out.L7.Rules, l7proxy.Rule{Name: r.Name, Deny: a == firewall.Deny, Protocol: l7proxy.Protocol(r.Protocol),
				Host: r.Host, Path: r.Path, SNI: r.SNI, Src: r.Src, Dst: r.Dst})
			continue
		}
		if r.Host != "" || r.Path != "" || r.SNI != "" {
			return out, fmt.Errorf("%w: rule %d: host, path and sni need protocol http or tls", ErrInvalid, i)
		}
		p, ok := protocols[r.Protocol]
		if !ok {
			return out, fmt.Errorf("%w: rule %d: protocol %q is not tcp, udp, icmp, http or tls", ErrInvalid, i, r.Protocol)
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
