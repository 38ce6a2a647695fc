package firewall

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/dataplane/policy"
)

// ReturnGateway is a gateway that steers traffic to the firewall (a
// transit gateway of an HA pair): its address on the LAN subnet and the
// MAC address its packets arrive from.
type ReturnGateway struct {
	Addr netip.Addr
	MAC  net.HardwareAddr
}

// Return marks, tables and the priority of their rules: the gateway at
// position i of Egress.Gateways gets mark ReturnMarkBase+i+1 and table
// ReturnTableBase+i+1, looked up before the egress rules (and after the
// L7 engine's, which delivers the proxy's packets locally).
const (
	ReturnMarkBase     uint32 = 0x4d470000
	ReturnTableBase           = 4810
	ReturnRulePriority        = 140
)

// returnMark is the mark of the gateway at position i.
func returnMark(i int) uint32 { return ReturnMarkBase + uint32(i) + 1 }

// returnTable is the routing table of the gateway at position i.
func returnTable(i int) int { return ReturnTableBase + i + 1 }

// validateGateways checks e's return gateways: an IPv4 address each, and
// a 6-byte MAC address or none (the engine resolves it: Resolver).
func (e *Egress) validateGateways() error {
	for i, g := range e.Gateways {
		if !g.Addr.Is4() || len(g.MAC) != 6 && len(g.MAC) != 0 {
			return fmt.Errorf("firewall: egress gateway %d: needs an IPv4 address and a 6-byte MAC address or none, have %s %s", i, g.Addr, g.MAC)
		}
	}
	return nil
}

// returnChains send the replies of each egress flow back to the gateway
// that sent it: a packet from the LAN records its sender (by its Ethernet
// source) in its connection's conntrack mark, and what the connection
// brings back, in from the egress interface or from the firewall itself
// (the L7 proxy's answers to the client, the replies to health probes),
// takes that mark as its packet mark, which policy routing sends to the
// gateway's table (one-armed, where the egress interface is the LAN,
// only what comes from outside Internal: the gateway's own packets on
// their way out must not be sent back to it). The latest sender wins, so
// a flow that a failover moves to the other gateway has its replies
// follow it.
func (e *Egress) returnChains() []policy.Chain {
	if len(e.Gateways) == 0 {
		return nil
	}
	var in, out []policy.Rule
	for i, g := range e.Gateways {
		if len(g.MAC) == 0 {
			continue // not resolved (Engine.Apply resolves it first)
		}
		in = append(in, policy.Rule{Match: policy.Match{IIF: e.LAN, EtherSrc: g.MAC}, SetCtMark: returnMark(i)})
	}
	// One-armed, what the gateways send arrives on the egress interface
	// too: only what comes from outside Internal is a reply to take back.
	in = append(in, e.internal(true)...)
	for i := range e.Gateways {
		in = append(in, policy.Rule{Match: policy.Match{IIF: e.Interface, CtMark: returnMark(i)}, SetMark: returnMark(i)})
		out = append(out, policy.Rule{Match: policy.Match{CtMark: returnMark(i)}, SetMark: returnMark(i)})
	}
	return []policy.Chain{
		{Name: "egress-return", Hook: policy.HookPrerouting, Priority: policy.PriorityMangle - 1, Rules: in},
		{Name: "egress-return-local", Hook: policy.HookOutput, Type: policy.TypeRoute, Priority: policy.PriorityMangle, Rules: out},
	}
}

// setReturn makes the return routing e's: per gateway an ip rule from
// its mark to its table, whose default route goes via the gateway on the
// LAN interface; what is left of a longer list goes.
func (k kernelRouter) setReturn(e Egress, lan netlink.Link) error {
	if err := k.clearReturn(len(e.Gateways)); err != nil {
		return err
	}
	for i, g := range e.Gateways {
		r := &netlink.Route{Table: returnTable(i), LinkIndex: lan.Attrs().Index, Gw: net.IP(g.Addr.AsSlice()),
			Dst: &net.IPNet{IP: net.IPv4zero.To4(), Mask: net.CIDRMask(0, 32)}}
		if err := k.nl.RouteReplace(r); err != nil {
			return fmt.Errorf("firewall: egress: route via gateway %s table %d: %w", g.Addr, returnTable(i), err)
		}
		if err := k.nl.RuleAdd(returnRule(i)); err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("firewall: egress: rule fwmark 0x%x lookup %d: %w", returnMark(i), returnTable(i), err)
		}
	}
	return nil
}

func returnRule(i int) *netlink.Rule {
	r := netlink.NewRule()
	r.Family, r.Priority, r.Mark, r.Table = unix.AF_INET, ReturnRulePriority, returnMark(i), returnTable(i)
	return r
}

// clearReturn removes the return rules and tables of the gateways from
// position from on.
func (k kernelRouter) clearReturn(from int) error {
	have, err := k.nl.RuleList(netlink.FAMILY_V4)
	if err != nil {
		return fmt.Errorf("firewall: egress: list rules: %w", err)
	}
	var errs []error
	for _, r := range have {
		if r.Priority != ReturnRulePriority || r.Table <= returnTable(from-1) {
			continue
		}
		if err := k.nl.RuleDel(&r); err != nil && !errors.Is(err, unix.ENOENT) {
			errs = append(errs, fmt.Errorf("firewall: egress: delete rule lookup %d: %w", r.Table, err))
		}
		rs, err := k.nl.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Table: r.Table}, netlink.RT_FILTER_TABLE)
		if err != nil {
			errs = append(errs, fmt.Errorf("firewall: egress: list table %d: %w", r.Table, err))
			continue
		}
		for _, rt := range rs {
			if err := k.nl.RouteDel(&rt); err != nil && !errors.Is(err, unix.ESRCH) {
				errs = append(errs, fmt.Errorf("firewall: egress: delete route of table %d: %w", r.Table, err))
			}
		}
	}
	return errors.Join(errs...)
}
