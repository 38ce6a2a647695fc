package realize

// IPv6 in the dataplane. A network with IPv6 prefixes is dual-stack:
//
//   - each subnet's bridge on the router also holds base+1 of the subnet's
//     /64 (the VPC router, as in IPv4), and each host its IPv6 addresses
//     (the /64 on-link, no duplicate address detection) with a default
//     route via that address;
//   - the router's local table and each route table get the IPv6 routes
//     of the model (the same kernel tables, the same ip rules for IPv6);
//   - an internet gateway's link carries IPv6 too (linkPool6): the
//     internet routes the network's /56s to it, without address
//     translation, as IPv6 addresses are public;
//   - an egress-only internet gateway is a link of its own from the router
//     (eigw) to the internet (x-<vpc>), IPv6 only, where the router's
//     IPv6 table drops what the internet opens: only the packets of
//     connections made from inside come back;
//   - rule sets compile into an IPv6 table beside the IPv4 one, each
//     family getting the rules whose peers are of it; neighbour discovery
//     always passes, as it does on AWS's hypervisor.
//
// The addresses, all on the documentation range 2001:db8::/32 (RFC 3849):
// networks' /56s from model.AmazonIPv6Pool (2001:db8:1000::/40), the
// internet's hosts from InternetIPv6 (2001:db8:f000::/48), links between
// namespaces from linkPool6 (2001:db8:ff00::/40).

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

// InternetIPv6 is the emulated internet's IPv6 range, and InternetServer6
// its server's IPv6 address (beside InternetServer).
var (
	InternetIPv6    = netip.MustParsePrefix("2001:db8:f000::/48")
	InternetServer6 = netip.MustParseAddr("2001:db8:f000::10")
)

// linkPool6 is where the links between namespaces take their IPv6 /64s,
// one per link index (linkIndex), beside the link's IPv4 /30.
var linkPool6 = netip.MustParsePrefix("2001:db8:ff00::/40")

// linkAddrs6 returns the two ends (::1 and ::2) of the /64 of link index i.
func linkAddrs6(i int) (a, b netip.Prefix) {
	base := linkPool6.Addr().As16()
	base[5], base[6] = byte(i>>8), byte(i)
	base[15] = 1
	a = netip.PrefixFrom(netip.AddrFrom16(base), 64)
	base[15] = 2
	b = netip.PrefixFrom(netip.AddrFrom16(base), 64)
	return a, b
}

const eigwIf = "eigw" // the router's end of its egress-only gateway link

func eigwInetIf(vpc string) string { return "x-" + vpc }

var allIPv6 = netip.MustParsePrefix("::/0")

// live6 is what the realizer made of a router's IPv6 part.
type live6 struct {
	key  string         // of the router6 in force
	eigw bool           // the egress-only gateway link exists
	inet []netip.Prefix // the internet's routes to the router
}

// router6 is the IPv6 part of a router's plan.
type router6 struct {
	on      bool
	bridges map[string]netip.Prefix // subnet bridge -> the router's address in the subnet's /64
	igw     [2]netip.Prefix         // router and internet ends of the internet gateway link, when on and attached
	eigw    [2]netip.Prefix         // router and internet ends of the egress-only gateway link, or zero
	xif     string                  // the internet's end of the egress-only gateway link
	inet    []netip.Prefix          // the network's /56s, which the internet routes to this router
	key     string
}

// ipv6Hosts returns a host's IPv6 addresses with its subnet's /64.
func ipv6Hosts(sub model.Subnet, addrs []netip.Addr) []netip.Prefix {
	if !sub.IPv6CIDR.Prefix.IsValid() {
		return nil
	}
	var out []netip.Prefix
	for _, a := range addrs {
		out = append(out, netip.PrefixFrom(a, sub.IPv6CIDR.Prefix.Bits()))
	}
	return out
}

// eigwOf returns each network's egress-only internet gateway.
func eigwOf(s *snapshot, nets map[string]model.Network) map[string]string {
	out := map[string]string{}
	for _, g := range s.eigws {
		if _, ok := nets[g.NetworkID]; ok {
			out[g.NetworkID] = g.ID
		}
	}
	return out
}

// planLinks6 keeps the link indexes of the egress-only gateways.
func (r *Realizer) planLinks6(p *plan, keep map[string]bool) {
	for n := range p.eigwOf {
		keep["eigw/"+n] = true
		r.linkIndex("eigw/" + n)
	}
}

// planRouter6 adds a dual-stack network's IPv6 routes and rules to its
// router's plan: the local table (each subnet's /64 on its bridge, the
// rest of each /56 nowhere, nothing beyond) and an IPv6 twin of each ip
// rule that selects a table by interface.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/RouteTables.html#route-table-routes — a local route for each VPC CIDR, IPv4 and IPv6
func (r *Realizer) planRouter6(rp *routerPlan, p *plan, s *snapshot, n model.Network, igw bool) {
	if !n.HasIPv6() {
		return
	}
	v := router6{on: true, bridges: map[string]netip.Prefix{}}
	for _, sg := range rp.segs {
		if sub := s.subnets[sg.subnet]; sub.IPv6CIDR.Prefix.IsValid() {
			gw := netip.PrefixFrom(sub.IPv6CIDR.Prefix.Addr().Next(), sub.IPv6CIDR.Prefix.Bits())
			v.bridges[sg.bridge] = gw
			rp.routes = append(rp.routes, kroute{table: localTbl, dst: sub.IPv6CIDR.Prefix, kind: "dev", dev: sg.bridge})
		}
	}
	for _, b := range n.IPv6CIDRs {
		rp.routes = append(rp.routes, kroute{table: localTbl, dst: b.Prefix, kind: "blackhole"})
		v.inet = append(v.inet, b.Prefix)
	}
	rp.routes = append(rp.routes, kroute{table: localTbl, dst: allIPv6, kind: "unreachable"})
	for _, k := range slices.Clone(rp.rules) {
		if !k.src.IsValid() && !k.v6 {
			k.v6 = true
			rp.rules = append(rp.rules, k)
		}
	}
	if igw {
		v.igw[0], v.igw[1] = linkAddrs6(r.links["igw/"+n.ID])
	}
	if p.eigwOf[n.ID] != "" {
		v.eigw[0], v.eigw[1] = linkAddrs6(r.links["eigw/"+n.ID])
		v.xif = eigwInetIf(n.Handle)
	}
	v.key = fmt.Sprintf("%v|%v|%v|%v", v.bridges, v.igw, v.eigw, v.inet)
	rp.v6 = v
}

// kernelRoute6 turns a model route to an IPv6 destination into a kernel
// route: to the internet and egress-only gateways over their links, to an
// instance or interface via its first IPv6 address, to a peering over its
// link; anything else (a target gone, or one the lab does not carry IPv6
// to) drops.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html#route-tables-ipv6 — ::/0 to an internet gateway or an egress-only internet gateway
func (r *Realizer) kernelRoute6(k kroute, n model.Network, rt model.Route, enis map[string]model.NetworkInterface,
	bridgeOf map[string]string, p *plan, igw bool) kroute {
	via := func(a netip.Addr, dev string) kroute {
		k.kind, k.via, k.dev = "via", a, dev
		return k
	}
	switch rt.Target.Kind {
	case model.TargetInternetGateway:
		if igw {
			_, b := linkAddrs6(r.links["igw/"+n.ID])
			return via(b.Addr(), igwIf)
		}
	case model.TargetEgressOnlyGateway:
		if p.eigwOf[n.ID] == rt.Target.ID {
			_, b := linkAddrs6(r.links["eigw/"+n.ID])
			return via(b.Addr(), eigwIf)
		}
	case model.TargetInstance, model.TargetNetworkInterface:
		for _, e := range enis {
			if (e.ID == rt.Target.ID || (e.InstanceID != "" && e.InstanceID == rt.Target.ID)) && len(e.IPv6Addrs) > 0 {
				return via(e.IPv6Addrs[0], bridgeOf[e.SubnetID])
			}
		}
	case model.TargetTransitGateway:
		return tgwRoute6(k, p, n, rt.Target.ID)
	case model.TargetPeering:
		if pc, ok := p.peerings[rt.Target.ID]; ok {
			a, b := linkAddrs6(pc.link)
			if pc.a == n.ID {
				return via(b.Addr(), pc.ifname)
			}
			return via(a.Addr(), pc.ifname)
		}
	}
	return k
}

// family returns the layers with only the rules whose peers are of one
// family (IPv6 or IPv4), each rule keeping the peers of that family.
func (ls layers) family(v6 bool) layers {
	out := make(layers, 0, len(ls))
	for _, l := range ls {
		m := layer{Stateful: l.Stateful, Stateless: l.Stateless}
		for _, x := range l.Rules {
			var peers []netip.Prefix
			for _, p := range x.Peers {
				if p.Addr().Is6() == v6 {
					peers = append(peers, p)
				}
			}
			if len(peers) > 0 {
				x.Peers = peers
				m.Rules = append(m.Rules, x)
			}
		}
		out = append(out, m)
	}
	return out
}

// neighbourDiscovery accepts the ICMPv6 of neighbour and router discovery
// on a host's interface, in (input) or out: AWS answers it in the
// hypervisor, and no security group filters it.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html — network ACLs and security groups do not filter link-local traffic (NDP)
func neighbourDiscovery(input bool) []policy.Rule {
	var out []policy.Rule
	for _, t := range []int{133, 134, 135, 136} {
		m := policy.Match{Proto: policy.ProtoICMPv6, ICMP: &policy.ICMP{Type: t, Code: -1}}
		if input {
			m.IIF = hostIf
		} else {
			m.OIF = hostIf
		}
		out = append(out, accepting(m))
	}
	return out
}

// router6Table builds a dual-stack router's IPv6 table: what stays in a
// subnet passes, the rule sets attached to each subnet (their IPv6 rules)
// filter what enters and leaves it, and what comes from the egress-only
// gateway passes only when it belongs to a connection made from inside.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/egress-only-internet-gateway.html — an egress-only internet gateway is stateful: it forwards traffic from instances to the internet and the responses back, and prevents the internet from initiating connections
func router6Table(s routerSpec) (policy.Table, error) {
	t := policy.Table{Family: policy.FamilyIPv6, Name: tableName}
	fwd := baseChain("forward", policy.HookForward, policy.PolicyAccept)
	if !s.IGW {
		// The internet link a gateway endpoint has without an internet
		// gateway carries no IPv6.
		fwd.Rules = append(fwd.Rules, policy.Rule{Match: policy.Match{IIF: igwIf}, Verdict: policy.Drop},
			policy.Rule{Match: policy.Match{OIF: igwIf}, Verdict: policy.Drop})
	}
	if s.EIGW {
		fwd.Rules = append(fwd.Rules, accepting(policy.Match{IIF: eigwIf, CtState: policy.CtEstablished | policy.CtRelated}),
			policy.Rule{Match: policy.Match{IIF: eigwIf}, Verdict: policy.Drop})
	}
	for _, sg := range s.Segs {
		fwd.Rules = append(fwd.Rules, accepting(policy.Match{IIF: sg.Bridge, OIF: sg.Bridge}))
	}
	var chains []policy.Chain
	for _, sg := range s.Segs {
		inName, outName := "in-"+sg.Bridge, "out-"+sg.Bridge
		ins, err := layerChains(inName, sg.Ingress.family(true), false, &t)
		if err != nil {
			return t, fmt.Errorf("subnet %s ingress rule: %w", sg.Bridge, err)
		}
		outs, err := layerChains(outName, sg.Egress.family(true), true, &t)
		if err != nil {
			return t, fmt.Errorf("subnet %s egress rule: %w", sg.Bridge, err)
		}
		chains = append(append(chains, ins...), outs...)
		if len(sg.Egress) > 0 {
			fwd.Rules = append(fwd.Rules, policy.Rule{Match: policy.Match{IIF: sg.Bridge}, Verdict: policy.Jump(outName)})
		}
		if len(sg.Ingress) > 0 {
			fwd.Rules = append(fwd.Rules, policy.Rule{Match: policy.Match{OIF: sg.Bridge}, Verdict: policy.Jump(inName)})
		}
	}
	t.Chains = append([]policy.Chain{fwd}, chains...)
	return t, nil
}

// addAddr6 puts an IPv6 address on a link without duplicate address
// detection (the model hands each address out once).
func (l *liveNS) addAddr6(link netlink.Link, p netip.Prefix) error {
	a := &netlink.Addr{IPNet: ipNet(p), Flags: unix.IFA_F_NODAD}
	if err := l.nl.AddrAdd(link, a); err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("%s: add address %s to %s: %w", l.name, p, link.Attrs().Name, err)
	}
	return nil
}

// syncAddrs6 makes a link's global IPv6 addresses the wanted ones.
func (l *liveNS) syncAddrs6(name string, want []netip.Prefix) error {
	link, err := l.link(name)
	if err != nil {
		return err
	}
	have, err := l.nl.AddrList(link, netlink.FAMILY_V6)
	if err != nil {
		return fmt.Errorf("%s: list addresses of %s: %w", l.name, name, err)
	}
	for _, a := range have {
		p, ok := netip.AddrFromSlice(a.IP)
		if !ok || p.IsLinkLocalUnicast() {
			continue
		}
		ones, _ := a.Mask.Size()
		if !slices.Contains(want, netip.PrefixFrom(p, ones)) {
			if err := l.nl.AddrDel(link, &a); err != nil && !errors.Is(err, unix.EADDRNOTAVAIL) {
				return fmt.Errorf("%s: delete address %s of %s: %w", l.name, p, name, err)
			}
		}
	}
	for _, p := range want {
		if err := l.addAddr6(link, p); err != nil {
			return err
		}
	}
	return nil
}

// ensureRouter6 brings a router's IPv6 wiring to the plan: its bridges'
// addresses, the IPv6 ends of its internet gateway link, its egress-only
// gateway link, and the internet's routes to its /56s.
func (r *Realizer) ensureRouter6(rp *routerPlan) error {
	lr := r.live.routers[rp.network]
	if lr == nil || lr.v6.key == rp.v6.key {
		return nil
	}
	v := rp.v6
	for _, sg := range rp.segs {
		var want []netip.Prefix
		if gw, ok := v.bridges[sg.bridge]; ok {
			want = append(want, gw)
		}
		if err := lr.syncAddrs6(sg.bridge, want); err != nil {
			return err
		}
	}
	inet := r.live.inet
	if lr.igw && inet != nil {
		for _, end := range []struct {
			l    *liveNS
			name string
			addr netip.Prefix
		}{{lr.liveNS, igwIf, v.igw[0]}, {inet, rp.inetIf, v.igw[1]}} {
			var want []netip.Prefix
			if end.addr.IsValid() {
				want = []netip.Prefix{end.addr}
			}
			if err := end.l.syncAddrs6(end.name, want); err != nil {
				return err
			}
		}
	}
	if err := r.ensureEIGW(lr, rp); err != nil {
		return err
	}
	if err := r.syncInternet6(lr, rp); err != nil {
		return err
	}
	lr.v6.key = v.key
	return nil
}

// ensureEIGW makes or removes the router's egress-only gateway link.
func (r *Realizer) ensureEIGW(lr *liveRouter, rp *routerPlan) error {
	inet, want := r.live.inet, rp.v6.eigw[0].IsValid()
	if lr.v6.eigw && (!want || inet == nil) {
		if err := lr.delLink(eigwIf); err != nil {
			return err
		}
		lr.forgetDev(eigwIf)
		lr.v6.eigw = false
	}
	if !want || inet == nil || lr.v6.eigw {
		return nil
	}
	xi := rp.v6.xif
	if err := lr.veth(eigwIf, inet, xi); err != nil {
		return err
	}
	for _, end := range []struct {
		l    *liveNS
		name string
		addr netip.Prefix
	}{{lr.liveNS, eigwIf, rp.v6.eigw[0]}, {inet, xi, rp.v6.eigw[1]}} {
		k, err := end.l.link(end.name)
		if err != nil {
			return err
		}
		if err := end.l.addAddr6(k, end.addr); err != nil {
			return err
		}
		if err := end.l.up(k); err != nil {
			return err
		}
	}
	lr.v6.eigw, lr.key = true, ""
	return nil
}

// syncInternet6 points the internet's routes to the network's /56s at the
// router: over the internet gateway link when there is one, else over the
// egress-only gateway link (the replies to connections made from inside).
func (r *Realizer) syncInternet6(lr *liveRouter, rp *routerPlan) error {
	inet := r.live.inet
	if inet == nil {
		return nil
	}
	for _, p := range lr.v6.inet {
		err := inet.nl.RouteDel(&netlink.Route{Dst: ipNet(p), Family: netlink.FAMILY_V6})
		if err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("%s: delete route %s: %w", inet.name, p, err)
		}
	}
	lr.v6.inet = nil
	v := rp.v6
	dev, via := "", netip.Addr{}
	switch {
	case v.igw[0].IsValid() && lr.igw:
		dev, via = rp.inetIf, v.igw[0].Addr()
	case v.eigw[0].IsValid() && lr.v6.eigw:
		dev, via = v.xif, v.eigw[0].Addr()
	default:
		return nil
	}
	link, err := inet.link(dev)
	if err != nil {
		return err
	}
	for _, p := range v.inet {
		rt := &netlink.Route{Dst: ipNet(p), Gw: net.IP(via.AsSlice()), LinkIndex: link.Attrs().Index, Family: netlink.FAMILY_V6}
		if err := inet.nl.RouteReplace(rt); err != nil {
			return fmt.Errorf("%s: route %s via %s: %w", inet.name, p, via, err)
		}
		lr.v6.inet = append(lr.v6.inet, p)
	}
	return nil
}

// wireHost6 gives a new host its IPv6 addresses and its IPv6 default route
// via the VPC router's address in its subnet's /64.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html#subnet-sizing-ipv6 — the second address of a subnet's IPv6 block is the VPC router
func wireHost6(l *liveNS, eth netlink.Link, hp *hostPlan) error {
	if len(hp.addrs6) == 0 {
		return nil
	}
	for _, a := range hp.addrs6 {
		if err := l.addAddr6(eth, a); err != nil {
			return err
		}
	}
	def := &netlink.Route{Dst: ipNet(allIPv6), Gw: net.IP(hp.gw6.AsSlice()), LinkIndex: eth.Attrs().Index, Family: netlink.FAMILY_V6}
	if err := l.nl.RouteAdd(def); err != nil {
		return fmt.Errorf("%s: IPv6 default route via %s: %w", l.name, hp.gw6, err)
	}
	return nil
}

// addInternet6 gives the internet namespace its IPv6 server address.
func addInternet6(l *liveNS) error {
	lo, err := l.link("lo")
	if err != nil {
		return err
	}
	return l.addAddr6(lo, netip.PrefixFrom(InternetServer6, 128))
}
