package firewall

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"

	"github.com/vishvananda/netlink"
	vnetns "github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/dataplane/policy"
	"github.com/mcnlab/mcnlab/emulator/netns"
)

// Egress makes the firewall an internet egress point (FireNet egress):
// what it passes from its LAN interface towards a destination outside
// Internal leaves by its egress interface, with the source translated to
// that interface's address (which the cloud maps to the firewall's
// elastic IP), and the replies, which come back to that address, go back
// out of the LAN interface untranslated. Internal destinations keep the
// LAN side. Each interface's next hop is its subnet's router, the
// subnet's first host address (AWS: the VPC router at the subnet's base
// plus one).
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html — the second address of a subnet (base + 1) is the VPC router
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/VPC_NAT_Instance.html — an appliance that sends its clients' traffic to the internet rewrites their source to its own address, which the internet gateway maps to its elastic IP
type Egress struct {
	// LAN is the interface steered traffic arrives on (eth0), Interface
	// the egress interface (eth1).
	LAN, Interface string
	// Internal are the destinations that stay on the LAN side (the
	// lab's private networks).
	Internal []netip.Prefix
	// Gateways, when set, are the gateways that steer egress flows to the
	// firewall (both of an HA pair): the replies of each flow go back to
	// the one that sent it (returnChains), where without them they follow
	// the LAN's main routing (the subnet's route table, which points at
	// one gateway only).
	Gateways []ReturnGateway
}

// Counter names of the egress interface's traffic: packets and bytes
// sent out of it, and received on it (forwarded, and the firewall's own:
// the L7 engine's proxied connections).
const (
	CounterEgressOut = "egress-out"
	CounterEgressIn  = "egress-in"
)

// EgressTable and EgressRulePriority are the routing table of the egress
// routes and the priority of the first of its rules: after the L7
// engine's (InterceptTable's, which delivers diverted packets locally)
// and the interfaces' source rules.
const (
	EgressTable        = 4800
	EgressRulePriority = 150
)

// OneArmed says whether e sends its egress out of the LAN interface
// itself (GCP, where a VM's interfaces are in different networks: the
// firewall's one interface has the external address): what goes to or
// comes from Internal is then neither translated nor counted as egress.
func (e *Egress) OneArmed() bool { return e.LAN == e.Interface }

// validate checks e.
func (e *Egress) validate() error {
	if e.LAN == "" || e.Interface == "" {
		return fmt.Errorf("firewall: egress needs its LAN and egress interfaces, have %q and %q", e.LAN, e.Interface)
	}
	if i := slices.IndexFunc(e.Internal, func(p netip.Prefix) bool { return !p.IsValid() || !p.Addr().Is4() }); i >= 0 {
		return fmt.Errorf("firewall: egress internal prefix %d is not an IPv4 prefix", i)
	}
	return e.validateGateways()
}

// chains are the egress's nftables chains: the source NAT out of the
// egress interface and the counters of its traffic.
func (e *Egress) chains() []policy.Chain {
	out := policy.Rule{Match: policy.Match{OIF: e.Interface}, CounterName: CounterEgressOut}
	in := policy.Rule{Match: policy.Match{IIF: e.Interface}, CounterName: CounterEgressIn}
	return append([]policy.Chain{
		{Name: "egress-count", Hook: policy.HookForward, Priority: policy.PriorityFilter - 1, Rules: append(e.internal(false), out)},
		{Name: "egress-count-back", Hook: policy.HookForward, Priority: policy.PriorityFilter - 1, Rules: append(e.internal(true), in)},
		// The L7 engine's own connections (squid's, from the client's
		// address) leave and come back locally.
		{Name: "egress-count-local", Hook: policy.HookOutput, Priority: policy.PriorityFilter - 1, Rules: append(e.internal(false), out)},
		{Name: "egress-count-in", Hook: policy.HookInput, Priority: policy.PriorityFilter - 1, Rules: append(e.internal(true), in)},
		{Name: "egress-nat", Hook: policy.HookPostrouting, Type: policy.TypeNAT, Priority: policy.PrioritySrcNAT, Rules: append(e.internal(false),
			policy.Rule{Match: policy.Match{OIF: e.Interface}, NAT: &policy.NAT{Kind: policy.Masquerade}})},
	}, e.returnChains()...)
}

// internal are the rules that end a chain for traffic to (or, with
// from, from) an internal prefix, where the egress is one-armed: the
// east-west traffic that leaves by the same interface; none otherwise.
func (e *Egress) internal(from bool) []policy.Rule {
	if !e.OneArmed() {
		return nil
	}
	var out []policy.Rule
	for _, p := range e.Internal {
		m := policy.Match{Dst: p.Masked()}
		if from {
			m = policy.Match{Src: p.Masked()}
		}
		out = append(out, policy.Rule{Match: m, Verdict: policy.Return})
	}
	return out
}

// Router installs and removes the egress routing.
type Router interface {
	// Set makes e's routing the one in place (replacing any other).
	Set(e Egress) error
	// Clear removes it; what is not there is no error.
	Clear() error
}

// kernelRouter is Router through a netlink handle on the firewall's
// namespace: table EgressTable holds Internal via the LAN router and the
// default route via the egress interface's router; packets arriving on
// the LAN, and those the firewall sends from an address not its own (the
// L7 engine's transparent connections), look up the main table for
// anything more specific than its default route, then EgressTable. (The
// firewall's own packets match the interfaces' source rules first.)
type kernelRouter struct {
	nl *netlink.Handle
	ns vnetns.NsHandle
}

func (k kernelRouter) rules(lan string) []*netlink.Rule {
	var out []*netlink.Rule
	for _, iif := range []string{lan, "lo"} {
		main := netlink.NewRule()
		main.Priority, main.Table, main.IifName, main.SuppressPrefixlen = EgressRulePriority, unix.RT_TABLE_MAIN, iif, 0
		eg := netlink.NewRule()
		eg.Priority, eg.Table, eg.IifName = EgressRulePriority+1, EgressTable, iif
		out = append(out, main, eg)
	}
	return out
}

// router is the subnet router of the interface named dev: its first IPv4
// address's subnet base plus one.
func (k kernelRouter) router(dev string) (netlink.Link, netip.Addr, error) {
	l, err := k.nl.LinkByName(dev)
	if err != nil {
		return nil, netip.Addr{}, fmt.Errorf("firewall: egress: interface %s: %w", dev, err)
	}
	as, err := k.nl.AddrList(l, netlink.FAMILY_V4)
	if err != nil || len(as) == 0 {
		return nil, netip.Addr{}, fmt.Errorf("firewall: egress: interface %s has no IPv4 address (%v)", dev, err)
	}
	a, _ := netip.AddrFromSlice(as[0].IP.To4())
	ones, _ := as[0].Mask.Size()
	return l, netip.PrefixFrom(a, ones).Masked().Addr().Next(), nil
}

func (k kernelRouter) Set(e Egress) error {
	lan, lanGW, err := k.router(e.LAN)
	if err != nil {
		return err
	}
	out, outGW, err := k.router(e.Interface)
	if err != nil {
		return err
	}
	want := map[string]bool{}
	add := func(dst netip.Prefix, l netlink.Link, gw netip.Addr) error {
		r := &netlink.Route{Table: EgressTable, LinkIndex: l.Attrs().Index, Gw: net.IP(gw.AsSlice()),
			Dst: &net.IPNet{IP: net.IP(dst.Addr().AsSlice()), Mask: net.CIDRMask(dst.Bits(), 32)}}
		want[dst.String()] = true
		if err := k.nl.RouteReplace(r); err != nil {
			return fmt.Errorf("firewall: egress: route %s via %s table %d: %w", dst, gw, EgressTable, err)
		}
		return nil
	}
	for _, p := range e.Internal {
		if err := add(p.Masked(), lan, lanGW); err != nil {
			return err
		}
	}
	if err := add(netip.MustParsePrefix("0.0.0.0/0"), out, outGW); err != nil {
		return err
	}
	have, err := k.nl.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Table: EgressTable}, netlink.RT_FILTER_TABLE)
	if err != nil {
		return fmt.Errorf("firewall: egress: list table %d: %w", EgressTable, err)
	}
	for _, r := range have {
		dst := "0.0.0.0/0"
		if r.Dst != nil {
			dst = r.Dst.String()
		}
		if !want[dst] {
			if err := k.nl.RouteDel(&r); err != nil && !errors.Is(err, unix.ESRCH) {
				return fmt.Errorf("firewall: egress: delete route %s: %w", dst, err)
			}
		}
	}
	if err := k.setReturn(e, lan); err != nil {
		return err
	}
	if err := k.clearRules(); err != nil {
		return err
	}
	for _, r := range k.rules(e.LAN) {
		if err := k.nl.RuleAdd(r); err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("firewall: egress: rule pref %d: %w", r.Priority, err)
		}
	}
	// Replies from the internet arrive on the egress interface, whose
	// sources the main table routes elsewhere: loose reverse-path
	// filtering there.
	return netns.DoHandle(k.ns, func() error {
		if err := os.WriteFile("/proc/sys/net/ipv4/conf/"+e.Interface+"/rp_filter", []byte("2"), 0o644); err != nil {
			return fmt.Errorf("firewall: egress: rp_filter of %s: %w", e.Interface, err)
		}
		return nil
	})
}

// clearRules removes the egress rules, whatever their interface.
func (k kernelRouter) clearRules() error {
	have, err := k.nl.RuleList(netlink.FAMILY_V4)
	if err != nil {
		return fmt.Errorf("firewall: egress: list rules: %w", err)
	}
	for _, r := range have {
		if r.Priority == EgressRulePriority || r.Priority == EgressRulePriority+1 {
			if err := k.nl.RuleDel(&r); err != nil && !errors.Is(err, unix.ENOENT) {
				return fmt.Errorf("firewall: egress: delete rule pref %d: %w", r.Priority, err)
			}
		}
	}
	return nil
}

func (k kernelRouter) Clear() error {
	errs := []error{k.clearRules(), k.clearReturn(0)}
	have, err := k.nl.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Table: EgressTable}, netlink.RT_FILTER_TABLE)
	if err != nil {
		return errors.Join(append(errs, fmt.Errorf("firewall: egress: list table %d: %w", EgressTable, err))...)
	}
	for _, r := range have {
		if err := k.nl.RouteDel(&r); err != nil && !errors.Is(err, unix.ESRCH) {
			errs = append(errs, fmt.Errorf("firewall: egress: delete route: %w", err))
		}
	}
	return errors.Join(errs...)
}
