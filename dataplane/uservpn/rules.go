package uservpn

import (
	"net/netip"
	"sort"

	"github.com/mcnlab/mcnlab/dataplane/policy"
)

// TableName is the gateway's nftables table (family ip).
const TableName = "mcn-uservpn"

// UserChain is the chain of user's profile rules while they are
// connected: `nft list table ip mcn-uservpn` shows it, and not after they
// disconnect.
func UserChain(user string) string { return "user-" + user }

// Table is the gateway's whole ruleset for the connected sessions: what
// comes in from the tunnel is answered traffic, or a new connection of a
// connected user's address judged by that user's chain (its profile's
// rules, then its base); anything else from the tunnel is dropped, and
// nothing starts a connection towards a client. What leaves by the uplink
// from the pool takes the uplink's address.
// Aviatrix: https://docs.aviatrix.com/documentation/latest/user-vpn/user-vpn-profiles.html — a profile's base policy and rules applied to the user's traffic on the VPN gateway
func Table(cfg Config, sessions []Session) policy.Table {
	ss := append([]Session(nil), sessions...)
	sort.Slice(ss, func(i, j int) bool { return ss[i].User < ss[j].User })
	fwd := policy.Chain{Name: "forward", Hook: policy.HookForward, Type: policy.TypeFilter, Priority: policy.PriorityFilter, Policy: policy.PolicyAccept}
	fwd.Rules = append(fwd.Rules,
		policy.Rule{Match: policy.Match{IIF: Interface, CtState: policy.CtEstablished | policy.CtRelated}, Verdict: policy.Accept},
		policy.Rule{Match: policy.Match{OIF: Interface, CtState: policy.CtEstablished | policy.CtRelated}, Verdict: policy.Accept},
		policy.Rule{Match: policy.Match{OIF: Interface}, Counter: true, Verdict: policy.Drop})
	chains := []policy.Chain{}
	for _, s := range ss {
		fwd.Rules = append(fwd.Rules, policy.Rule{Match: policy.Match{IIF: Interface, Src: netip.PrefixFrom(s.Address, 32)},
			Verdict: policy.Goto(UserChain(s.User))})
		chains = append(chains, userChain(s.User, cfg.Profiles[s.Profile]))
	}
	fwd.Rules = append(fwd.Rules, policy.Rule{Match: policy.Match{IIF: Interface}, Counter: true, Verdict: policy.Drop})
	nat := policy.Chain{Name: "postrouting", Hook: policy.HookPostrouting, Type: policy.TypeNAT, Priority: policy.PrioritySrcNAT,
		Rules: []policy.Rule{{Match: policy.Match{Src: cfg.Pool, OIF: cfg.Uplink}, NAT: &policy.NAT{Kind: policy.Masquerade}, Verdict: policy.Accept}}}
	return policy.Table{Family: policy.FamilyIPv4, Name: TableName, Chains: append([]policy.Chain{fwd, nat}, chains...)}
}

// userChain is a user's profile: each rule does the opposite of the base,
// then the base decides. A profile that the gateway does not know denies
// everything.
func userChain(user string, p Profile) policy.Chain {
	ch := policy.Chain{Name: UserChain(user)}
	base, rule := policy.Drop, policy.Accept
	if p.Base == BaseAllowAll {
		base, rule = policy.Accept, policy.Drop
	}
	for _, r := range p.Rules {
		m := policy.Match{Dst: r.CIDR}
		switch r.Protocol {
		case "tcp":
			m.Proto = policy.ProtoTCP
		case "udp":
			m.Proto = policy.ProtoUDP
		case "icmp":
			m.Proto = policy.ProtoICMP
		}
		if r.Port != 0 {
			m.DstPort = policy.Port(r.Port)
		}
		ch.Rules = append(ch.Rules, policy.Rule{Match: m, Counter: true, Verdict: rule})
	}
	ch.Rules = append(ch.Rules, policy.Rule{Counter: true, Verdict: base})
	return ch
}
