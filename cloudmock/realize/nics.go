package realize

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/dataplane/policy"
)

// An instance's further network interfaces (device index 1, 2, ...) are
// real interfaces eth1, eth2, ... in its namespace, each plugged into its
// own subnet's bridge, with its addresses, its rule sets and its
// source/destination check; every interface's secondary addresses are on
// it too. Each interface answers from its own addresses through its own
// subnet's router: the host routes by source address, one table per
// interface, as the EC2 images' network scripts set up.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-eni.html — an instance's network interfaces are in subnets of its Availability Zone, each with its own addresses and security groups
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/MultipleIP.html — secondary private IPv4 addresses of an instance's network interfaces
// AWS: https://github.com/amazonlinux/amazon-ec2-net-utils — each interface gets a route table and rules by source address, so that replies leave the interface of their address

// nicPlan is one further interface of a host.
type nicPlan struct {
	id     string // interface ID
	dev    string // ethN, N its device index
	index  int    // its device index
	router string // network ID
	port   string // its port on its subnet's bridge, in the router
	bridge string
	addr   netip.Prefix // its primary address
	gw     netip.Addr
	mac    net.HardwareAddr
	// key is its wiring; a change plugs it in anew.
	key string
}

// liveNIC is a further interface made.
type liveNIC struct{ key, router, port string }

// nicSpec is one further interface in a host's nftables table.
type nicSpec struct {
	Dev             string
	SrcDstCheck     bool
	Ingress, Egress layers
	Open            bool // no rule set applies to it at all (hostSpec.Open)
}

// planNICs plans the further interfaces of an instance's host (extra are
// those attached at device indexes above 0) into h and its table's spec.
func planNICs(h *hostPlan, spec *hostSpec, s *snapshot, extra []model.NetworkInterface, ix *ruleIndex) {
	slices.SortFunc(extra, func(a, b model.NetworkInterface) int { return a.Attachment.DeviceIndex - b.Attachment.DeviceIndex })
	for _, e := range extra {
		sub, ok := s.subnets[e.SubnetID]
		if !ok {
			continue
		}
		n := nicPlan{id: e.ID, dev: fmt.Sprintf("eth%d", e.Attachment.DeviceIndex), index: e.Attachment.DeviceIndex, router: sub.NetworkID,
			port: portName(e.Handle), bridge: bridgeName(sub.Handle), addr: netip.PrefixFrom(e.PrivateIP, sub.Prefix.Bits()),
			gw: gateway(sub.Prefix).Addr(), mac: hostMAC(e.ID)}
		n.key = fmt.Sprintf("%s|%s|%s|%s|%s", n.dev, keyID(n.router), n.bridge, n.addr, n.gw)
		h.nics = append(h.nics, n)
		in, out := ix.forInterface(e)
		spec.NICs = append(spec.NICs, nicSpec{Dev: n.dev, SrcDstCheck: e.SourceDestCheck, Ingress: in, Egress: out, Open: ix.unfiltered(e)})
		for _, a := range e.SecondaryIPs {
			h.addrs[n.dev] = append(h.addrs[n.dev], netip.PrefixFrom(a, sub.Prefix.Bits()))
		}
	}
}

// multiHostRuleset is hostRuleset for a host with further interfaces:
// each interface's own rule sets filter what it receives and sends, and
// its own source/destination check what is forwarded in or out through
// it.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html — security groups are associated with network interfaces
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-eni.html — source/destination checking is an attribute of each network interface
func multiHostRuleset(s hostSpec) (*ruleset, error) {
	t := policy.Table{Family: policy.FamilyIPv4, Name: tableName}
	ifs := append([]nicSpec{{Dev: hostIf, SrcDstCheck: s.SrcDstCheck, Ingress: s.Ingress, Egress: s.Egress, Open: s.Open}}, s.NICs...)
	in := baseChain("input", policy.HookInput, policy.PolicyDrop)
	in.Rules = []policy.Rule{accepting(policy.Match{IIF: "lo"})}
	out := baseChain("output", policy.HookOutput, policy.PolicyDrop)
	out.Rules = []policy.Rule{accepting(policy.Match{OIF: "lo"})}
	fwd := baseChain("forward", policy.HookForward, policy.PolicyDrop)
	fwdOut := policy.Chain{Name: "forward-out"}
	for _, x := range ifs {
		inName, outName := "ingress-"+x.Dev, "egress-"+x.Dev
		// This table is IPv4's: an instance with further interfaces
		// takes no IPv6 (noIPv6 below).
		x.Ingress, x.Egress = x.Ingress.family(false), x.Egress.family(false)
		ins, err := layerChains(inName, x.Ingress, false, &t)
		if err != nil {
			return nil, fmt.Errorf("%s ingress rule: %w", x.Dev, err)
		}
		outs, err := layerChains(outName, x.Egress, true, &t)
		if err != nil {
			return nil, fmt.Errorf("%s egress rule: %w", x.Dev, err)
		}
		t.Chains = append(append(t.Chains, ins...), outs...)
		for _, a := range s.Resolvers {
			dns := netip.PrefixFrom(a, 32)
			for _, proto := range []policy.Proto{policy.ProtoUDP, policy.ProtoTCP} {
				out.Rules = append(out.Rules, accepting(policy.Match{OIF: x.Dev, Dst: dns, Proto: proto, DstPort: policy.Port(53)}))
				in.Rules = append(in.Rules, accepting(policy.Match{IIF: x.Dev, Src: dns, Proto: proto, SrcPort: policy.Port(53),
					CtState: policy.CtEstablished | policy.CtRelated}))
			}
		}
		in.Rules = append(in.Rules, throughLayers(policy.Match{IIF: x.Dev}, inName, x.Ingress, x.Open)...)
		out.Rules = append(out.Rules, throughLayers(policy.Match{OIF: x.Dev}, outName, x.Egress, x.Open)...)
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/VPC_NAT_Instance.html#EIP_Disable_SrcDestCheck — with the check on, an interface drops traffic not addressed to or from itself
		switch {
		case x.SrcDstCheck:
			fwd.Rules = append(fwd.Rules, policy.Rule{Match: policy.Match{IIF: x.Dev}, Verdict: policy.Drop})
			fwdOut.Rules = append(fwdOut.Rules, policy.Rule{Match: policy.Match{OIF: x.Dev}, Verdict: policy.Drop})
		default:
			if len(x.Ingress) > 0 {
				fwd.Rules = append(fwd.Rules, policy.Rule{Match: policy.Match{IIF: x.Dev}, Verdict: policy.Jump(inName)})
			}
			if len(x.Egress) > 0 {
				fwdOut.Rules = append(fwdOut.Rules, policy.Rule{Match: policy.Match{OIF: x.Dev}, Verdict: policy.Jump(outName)})
			}
		}
	}
	// What is not on one of the interfaces (a tunnel a gateway
	// terminates) was checked on them as tunnel packets.
	in.Rules = append(in.Rules, policy.Rule{Verdict: policy.Accept})
	out.Rules = append(out.Rules, policy.Rule{Verdict: policy.Accept})
	fwd.Rules = append(fwd.Rules, policy.Rule{Verdict: policy.Goto(fwdOut.Name)})
	fwdOut.Rules = append(fwdOut.Rules, policy.Rule{Verdict: policy.Accept})
	t.Chains = append(t.Chains, fwdOut, in, out, fwd)
	return &ruleset{tables: []policy.Table{noIPv6(), t}}, nil
}

// throughLayers sends what m matches through the layers' chain name, and
// accepts what they pass; with no layers it drops it, unless the
// interface is open (no rule set applies to it at all).
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/network-security-group-how-it-works — with no NSG on the subnet or the NIC, all traffic is allowed
func throughLayers(m policy.Match, name string, ls layers, open bool) []policy.Rule {
	if len(ls) == 0 && open {
		return []policy.Rule{{Match: m, Verdict: policy.Accept}}
	}
	if len(ls) == 0 {
		return []policy.Rule{{Match: m, Verdict: policy.Drop}}
	}
	return []policy.Rule{{Match: m, Verdict: policy.Jump(name)}, {Match: m, Verdict: policy.Accept}}
}

// syncHostExtras brings every host's further interfaces, addresses and
// source routing to the plan.
func (r *Realizer) syncHostExtras(p *plan) error {
	var errs []error
	for _, id := range sortedKeys(p.hosts) {
		hp, lh := p.hosts[id], r.live.hosts[id]
		if lh == nil {
			continue
		}
		if err := r.syncNICs(lh, hp); err != nil {
			errs = append(errs, err)
			continue
		}
		errs = append(errs, syncAddrs(lh, hp), syncSourceRouting(lh, hp))
	}
	return errors.Join(errs...)
}

// syncNICs plugs in the further interfaces the plan has and the host
// lacks (or has wired otherwise), and unplugs those it no longer has.
func (r *Realizer) syncNICs(lh *liveHost, hp *hostPlan) error {
	want := map[string]nicPlan{}
	for _, n := range hp.nics {
		want[n.id] = n
	}
	for id, n := range lh.nics {
		if w, ok := want[id]; !ok || w.key != n.key {
			if rt := r.live.routers[n.router]; rt != nil {
				if err := rt.delLink(n.port); err != nil {
					return err
				}
			}
			delete(lh.nics, id)
			lh.routeKey = ""
		}
	}
	for _, n := range hp.nics {
		if _, ok := lh.nics[n.id]; ok {
			continue
		}
		rt := r.live.routers[n.router]
		if rt == nil {
			continue // its router comes first; the next pass plugs it in
		}
		if !adoptNIC(rt, lh.liveNS, n) {
			if err := wireNIC(rt, lh.liveNS, n); err != nil {
				return fmt.Errorf("realize: host %s: %w", hp.id, err)
			}
		}
		if lh.nics == nil {
			lh.nics = map[string]liveNIC{}
		}
		lh.nics[n.id] = liveNIC{key: n.key, router: n.router, port: n.port}
		lh.addrKey, lh.routeKey = "", ""
	}
	return nil
}

// wireNIC plugs a further interface into its subnet's bridge.
func wireNIC(rt *liveRouter, l *liveNS, n nicPlan) error {
	if err := l.delLink(n.dev); err != nil { // left by a predecessor: made anew
		return err
	}
	if err := rt.veth(n.port, l, n.dev); err != nil {
		return err
	}
	port, err := rt.link(n.port)
	if err != nil {
		return err
	}
	br, err := rt.link(n.bridge)
	if err != nil {
		return err
	}
	if err := rt.nl.LinkSetMaster(port, br); err != nil {
		return fmt.Errorf("%s: attach %s to %s: %w", rt.name, n.port, n.bridge, err)
	}
	if err := rt.up(port); err != nil {
		return err
	}
	eth, err := l.link(n.dev)
	if err != nil {
		return err
	}
	if err := l.nl.LinkSetHardwareAddr(eth, n.mac); err != nil {
		return fmt.Errorf("%s: set %s address %s: %w", l.name, n.dev, n.mac, err)
	}
	if err := l.addAddr(eth, n.addr); err != nil {
		return err
	}
	if err := l.up(eth); err != nil {
		return err
	}
	// The wiring's key, kept with the interface, as wireHost keeps eth0's:
	// a realizer that adopts the host finds it current (adoptNIC).
	if err := l.nl.LinkSetAlias(eth, n.key); err != nil {
		return fmt.Errorf("%s: set %s alias: %w", l.name, n.dev, err)
	}
	return nil
}

// adoptNIC reports whether a further interface that a predecessor made
// (a cloud restarted on its state) is there as the plan wires it: its
// alias is the plan's key and its port is on the router. Traffic through
// it then goes on untouched.
func adoptNIC(rt *liveRouter, l *liveNS, n nicPlan) bool {
	eth, err := l.nl.LinkByName(n.dev)
	if err != nil || eth.Attrs().Alias != n.key {
		return false
	}
	_, err = rt.nl.LinkByName(n.port)
	return err == nil
}

// syncAddrs gives each interface its secondary addresses and takes away
// those it no longer has.
func syncAddrs(lh *liveHost, hp *hostPlan) error {
	key := fmt.Sprint(hp.addrs, hp.addr, hp.nics)
	if lh.addrKey == key {
		return nil
	}
	primary := map[string]netip.Prefix{hostIf: hp.addr}
	for _, n := range hp.nics {
		primary[n.dev] = n.addr
	}
	for dev, p := range primary {
		eth, err := lh.link(dev)
		if err != nil {
			return err
		}
		want := slices.DeleteFunc(append([]netip.Prefix{p}, hp.addrs[dev]...), func(a netip.Prefix) bool { return !a.IsValid() })
		have, err := lh.nl.AddrList(eth, netlink.FAMILY_V4)
		if err != nil {
			return fmt.Errorf("%s: list addresses of %s: %w", lh.name, dev, err)
		}
		for _, a := range have {
			pa, _ := netip.AddrFromSlice(a.IP.To4())
			ones, _ := a.Mask.Size()
			if !slices.Contains(want, netip.PrefixFrom(pa, ones)) {
				if err := lh.nl.AddrDel(eth, &a); err != nil && !errors.Is(err, unix.EADDRNOTAVAIL) {
					return fmt.Errorf("%s: delete address %s from %s: %w", lh.name, a.IPNet, dev, err)
				}
			}
		}
		for _, w := range want {
			if err := lh.addAddr(eth, w); err != nil {
				return err
			}
		}
	}
	lh.addrKey = key
	return nil
}

// srcTable is the route table of the interface with device index i.
func srcTable(i int) int { return firstTbl + i }

// syncSourceRouting gives a host with further interfaces one route table
// per interface (its subnet, and the default route through its subnet's
// router) and a rule per address that looks it up, so that every
// interface answers from its own subnet; a host with one interface
// routes by its main table alone. What is already right is left in place
// (an adopted host's routing goes on untouched), and only what is no
// longer wanted goes.
func syncSourceRouting(lh *liveHost, hp *hostPlan) error {
	type ifc struct {
		dev   string
		index int
		addr  netip.Prefix
		gw    netip.Addr
	}
	var ifs []ifc
	if len(hp.nics) > 0 {
		ifs = append(ifs, ifc{hostIf, 0, hp.addr, hp.gw})
		for _, n := range hp.nics {
			ifs = append(ifs, ifc{n.dev, n.index, n.addr, n.gw})
		}
	}
	key := fmt.Sprint(ifs, hp.addrs)
	if lh.routeKey == key {
		return nil
	}
	rules := map[string]*netlink.Rule{} // by srcRuleKey
	routes := map[string]bool{}         // table and destination
	for _, x := range ifs {
		eth, err := lh.link(x.dev)
		if err != nil {
			return err
		}
		tbl := srcTable(x.index)
		for _, rt := range []*netlink.Route{
			{Dst: ipNet(x.addr.Masked()), LinkIndex: eth.Attrs().Index, Scope: netlink.SCOPE_LINK, Table: tbl},
			{Dst: ipNet(netip.MustParsePrefix("0.0.0.0/0")), Gw: net.IP(x.gw.AsSlice()), LinkIndex: eth.Attrs().Index, Table: tbl},
		} {
			if err := lh.nl.RouteReplace(rt); err != nil {
				return fmt.Errorf("%s: route %s in table %d: %w", lh.name, rt.Dst, tbl, err)
			}
			routes[fmt.Sprint(tbl, rt.Dst)] = true
		}
		for _, a := range append([]netip.Prefix{x.addr}, hp.addrs[x.dev]...) {
			rule := netlink.NewRule()
			rule.Priority, rule.Table, rule.Src = tbl, tbl, ipNet(netip.PrefixFrom(a.Addr(), 32))
			rules[srcRuleKey(rule)] = rule
		}
	}
	if err := pruneSourceRouting(lh, rules, routes); err != nil {
		return err
	}
	for _, rule := range rules {
		if err := lh.nl.RuleAdd(rule); err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("%s: rule from %s lookup %d: %w", lh.name, rule.Src, rule.Table, err)
		}
	}
	lh.routeKey = key
	return nil
}

func srcRuleKey(r *netlink.Rule) string { return fmt.Sprint(r.Priority, r.Table, r.Src) }

// pruneSourceRouting removes the source rules and the routes of the
// interfaces' tables that are not wanted, and drops from rules those that
// are there already.
func pruneSourceRouting(lh *liveHost, rules map[string]*netlink.Rule, routes map[string]bool) error {
	have, err := lh.nl.RuleList(netlink.FAMILY_V4)
	if err != nil {
		return fmt.Errorf("%s: list rules: %w", lh.name, err)
	}
	for _, ru := range have {
		if ru.Priority < firstTbl || ru.Priority >= firstTbl+maxDeviceIndex {
			continue
		}
		if _, ok := rules[srcRuleKey(&ru)]; ok {
			delete(rules, srcRuleKey(&ru))
			continue
		}
		if err := lh.nl.RuleDel(&ru); err != nil && !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("%s: delete rule %d: %w", lh.name, ru.Priority, err)
		}
	}
	for tbl := firstTbl; tbl < firstTbl+maxDeviceIndex; tbl++ {
		list, err := lh.nl.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Table: tbl}, netlink.RT_FILTER_TABLE)
		if err != nil {
			return fmt.Errorf("%s: list table %d: %w", lh.name, tbl, err)
		}
		for _, rt := range list {
			dst := rt.Dst
			if dst == nil {
				dst = ipNet(netip.MustParsePrefix("0.0.0.0/0"))
			}
			if routes[fmt.Sprint(tbl, dst)] {
				continue
			}
			if err := lh.nl.RouteDel(&rt); err != nil && !errors.Is(err, unix.ESRCH) {
				return fmt.Errorf("%s: delete route %s in table %d: %w", lh.name, rt.Dst, tbl, err)
			}
		}
	}
	return nil
}

// maxDeviceIndex bounds the device indexes whose tables are cleared.
const maxDeviceIndex = 32
