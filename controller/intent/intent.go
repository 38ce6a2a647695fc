// Package intent compiles a topology's cloud intent into what the
// controller builds: the desired state of each cloud account (VPCs,
// subnets, security groups, gateway and workload instances, static routes,
// private-line interfaces), the gateways with their tunnels and overlays,
// and the on-prem site routers and hosts that the emulator runs. It is pure:
// it makes no calls and touches no kernel state, so that plan, apply and
// tests share one derivation.
package intent

import (
	"fmt"
	"net/netip"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/topologies"
)

// BasePort is the UDP port of a gateway's first tunnel; its k-th tunnel
// listens on BasePort+k (WireGuard's well-known port upward). Ports are
// numbered per gateway, so a lab's tunnel count is bounded only by each
// gateway's MaxPort-BasePort+1 ports and by the inner addresses
// (MaxTunnels).
const BasePort = 51820

// MaxPort is the last UDP port a gateway's tunnels use: the gateways'
// security group opens BasePort-MaxPort, 13,716 tunnels per gateway.
const MaxPort = 65535

// MaxTunnels bounds the tunnels of one lab: tunnel i's inner /31s are
// 169.254.(i/128).(2*(i%128)), below 169.254.240.0 (the overlays' and
// private lines' addresses).
const MaxTunnels = 240 * 128

// TunnelMTU is the gateways' tunnel MTU (WireGuard's 1420 over a 1500
// underlay).
const TunnelMTU = 1420

// VXLANMTU is the overlays' MTU: 1500 less VXLAN's 50 bytes over IPv4.
const VXLANMTU = 1450

// LineInterface is the private line's interface on a site router.
const LineInterface = "dx0"

// VXLANPort is the UDP port of the private-line overlays (IANA VXLAN).
const VXLANPort = 4789

// Role says what a gateway is for.
type Role string

// The gateway roles.
const (
	RoleTransit Role = "transit"
	RoleSpoke   Role = "spoke"
	// RoleSite is an on-prem site's edge router when it is an mcnlab
	// gateway (router gobgp): a node of the emulator, not a cloud
	// instance.
	RoleSite Role = "site"
)

// Gateway is one gateway instance.
type Gateway struct {
	// Key names the instance: GROUP-1, and GROUP-2 for the HA peer.
	Key     string
	Role    Role
	Group   string // the transit or spoke name
	Index   int    // 1, or 2 for the HA gateway
	Account string
	VPC     string // VPC name (= its key in the desired state)
	Subnet  string // subnet key VPC/SUBNET
	// PrivateIP is fixed (host 10 and 11 of the subnet, unless a
	// workload has one of them: see gatewayAddrs) so that site routers
	// can be configured before the instances exist.
	PrivateIP netip.Addr
	ASN       uint32
	// Prefixes are advertised by the gateway: its VPC's CIDR for a spoke.
	Prefixes []netip.Prefix
	// Transit is the transit a spoke or site attaches to ("" for a
	// transit).
	Transit string
	// PublicIP is a site gateway's address on its internet uplink (tunnel
	// sites); cloud gateways get theirs from the cloud.
	PublicIP netip.Addr
}

// Tunnel is an encrypted tunnel between two gateways with a BGP session.
type Tunnel struct {
	Index int    // position in Plan.Tunnels
	A, B  string // gateway keys
	// Ports are A's and B's UDP ports: BasePort+k at the end's k-th
	// tunnel.
	Ports [2]uint16
	// Inner are A's and B's inner addresses.
	Inner [2]netip.Prefix
	// Name is the peer name each end gives the other (unique per gateway).
	Name [2]string
}

// Overlay is the BGP overlay between a transit gateway and a site router
// across a private line.
type Overlay struct {
	Site    string
	Gateway string // transit gateway key
	VNI     uint32
	// Inner are the gateway's and the site router's overlay addresses.
	Inner [2]netip.Prefix
	// Customer is the site router's address on the line (the overlay's
	// far end seen from the gateway).
	Customer netip.Addr
	// Interface is the overlay interface's name on the site router.
	Interface string
}

// Endpoint is a workload or a site host: a source and target of probes.
type Endpoint struct {
	Name string
	// Workload: the VPC, instance key and spoke (or transit) serving the
	// VPC; site host: the site.
	VPC, Instance, Spoke, Site string
	// Address is known up front for site hosts and workloads with an
	// address; else it comes from the cloud's inventory.
	Address netip.Addr
	// Allow is the workload's security group sources (nil: anywhere).
	Allow []netip.Prefix
	// Prefix is what routes it: its VPC CIDR, or the site's advertised
	// prefix holding it.
	Prefix netip.Prefix
	// Subnet is a workload's subnet: where the cloud picks its address
	// when it has none fixed.
	Subnet netip.Prefix
}

// Account is the desired state of one account: its VPCs may be in several
// regions (each cloud.VPC names its own).
type Account struct {
	Account *topologies.Account
	// Region is the account's home region, that of its first VPC (or
	// us-east-1): where its clients are configured.
	Region  string
	Desired cloud.Desired
}

// Plan is everything the controller builds for one topology.
type Plan struct {
	Topology  *topologies.Topology
	Accounts  []Account
	Gateways  []Gateway
	Tunnels   []Tunnel
	Overlays  []Overlay
	Endpoints []Endpoint
	// Sites are the emulator nodes and links of the on-prem sites.
	SiteNodes []*topologies.Node
	SiteLinks []*topologies.Link
	// ports counts each gateway's tunnels while tunnels are added.
	ports map[string]int
	// idx finds gateways, endpoints and groups by name in O(1); Compile
	// builds it last (nil: look up by scanning).
	idx *planIndex
}

// newTunnel appends a tunnel between gateways a and b named name[0] at a
// and name[1] at b ("" for t<index> at both), each end on its gateway's
// next port.
func (p *Plan) newTunnel(a, b string, name [2]string) {
	i := len(p.Tunnels)
	if p.ports == nil {
		p.ports = map[string]int{}
	}
	t := Tunnel{Index: i, A: a, B: b, Inner: innerPair(i), Name: name}
	for side, g := range [2]string{a, b} {
		t.Ports[side] = uint16(min(BasePort+p.ports[g], MaxPort))
		p.ports[g]++
		if t.Name[side] == "" {
			t.Name[side] = fmt.Sprintf("t%d", i)
		}
	}
	p.Tunnels = append(p.Tunnels, t)
}

// checkTunnels refuses a plan whose tunnels need more inner addresses
// than MaxTunnels or a gateway with more ports than BasePort-MaxPort.
func (p *Plan) checkTunnels(tr *topologies.Transit) error {
	if len(p.Tunnels) > MaxTunnels {
		return fmt.Errorf("%d:%d: transits: the spokes, HPE tunnel counts, peerings and sites need %d tunnels; the limit is %d (each takes a /31 of 169.254.0.0-169.254.239.255)",
			tr.Pos.Line, tr.Pos.Col, len(p.Tunnels), MaxTunnels)
	}
	for _, g := range p.Gateways {
		if n := p.ports[g.Key]; n > MaxPort-BasePort+1 {
			return fmt.Errorf("%d:%d: transits: gateway %s needs %d tunnels; the limit is %d per gateway (one UDP port each, %d-%d)",
				tr.Pos.Line, tr.Pos.Col, g.Key, n, MaxPort-BasePort+1, BasePort, MaxPort)
		}
	}
	return nil
}

// Gateway returns the gateway with key k, or nil.
func (p *Plan) Gateway(k string) *Gateway {
	if i, ok := p.idx.find(p.idx.gateways(), k, len(p.Gateways)); ok && p.Gateways[i].Key == k {
		return &p.Gateways[i]
	}
	for i := range p.Gateways {
		if p.Gateways[i].Key == k {
			return &p.Gateways[i]
		}
	}
	return nil
}

// GatewaysOf returns the gateways of a transit or spoke, in index order.
func (p *Plan) GatewaysOf(group string) []*Gateway {
	if p.idx != nil && len(p.idx.gateway) == len(p.Gateways) {
		var out []*Gateway
		for _, i := range p.idx.group[group] {
			if i < len(p.Gateways) && p.Gateways[i].Group == group {
				out = append(out, &p.Gateways[i])
			}
		}
		return out
	}
	var out []*Gateway
	for i := range p.Gateways {
		if p.Gateways[i].Group == group {
			out = append(out, &p.Gateways[i])
		}
	}
	return out
}

// Endpoint returns the endpoint named n, or nil.
func (p *Plan) Endpoint(n string) *Endpoint {
	if i, ok := p.idx.find(p.idx.endpoints(), n, len(p.Endpoints)); ok && p.Endpoints[i].Name == n {
		return &p.Endpoints[i]
	}
	for i := range p.Endpoints {
		if p.Endpoints[i].Name == n {
			return &p.Endpoints[i]
		}
	}
	return nil
}

// Account returns the desired state of the named account, or nil.
func (p *Plan) Account(name string) *Account {
	for i := range p.Accounts {
		if p.Accounts[i].Account.Name == name {
			return &p.Accounts[i]
		}
	}
	return nil
}

// SubnetKey is the key of subnet s of VPC v.
func SubnetKey(vpc, subnet string) string { return vpc + "/" + subnet }

// GatewayGroupKey is the key of the security group of a VPC's gateways.
func GatewayGroupKey(vpc string) string { return vpc + "/gateways" }

// WorkloadGroupKey is the key of a workload's security group.
func WorkloadGroupKey(vpc, workload string) string { return vpc + "/" + workload }

// SpokeASNBase is where the ASNs the controller gives spokes start
// (topologies.SpokeASNs).
const SpokeASNBase = topologies.SpokeASNBase

// line is the default private-line /30 of site i.
func line(i int) netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{169, 254, 250, byte(4 * i)}), 30)
}

// overlayPrefix is the /30 of overlay i.
func overlayPrefix(i int) netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{169, 254, 240, byte(4 * i)}), 30)
}

// innerPair returns tunnel i's inner /31s (169.254.0.0/16 below .240).
func innerPair(i int) [2]netip.Prefix {
	a := netip.AddrFrom4([4]byte{169, 254, byte(i / 128), byte(2 * (i % 128))})
	return [2]netip.Prefix{netip.PrefixFrom(a, 31), netip.PrefixFrom(a.Next(), 31)}
}

// nth returns the n-th address of p (0 is the network address).
func nth(p netip.Prefix, n int) netip.Addr {
	a := p.Masked().Addr()
	for range n {
		a = a.Next()
	}
	return a
}

// hosts: host offsets of gateway instances in their subnet (AWS reserves
// the first four: https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html).
const gatewayHost = 10

// Compile derives the plan of a validated topology with cloud intent:
// gateways, the tunnels between them, the sites, the endpoints, and each
// account's desired cloud state.
func Compile(t *topologies.Topology) (*Plan, error) {
	c := t.Cloud
	if c == nil {
		return nil, fmt.Errorf("topology %s has no cloud intent", t.Name)
	}
	cc := &compiler{p: &Plan{Topology: t}, c: c, vpcs: map[string]*topologies.VPC{},
		transits: map[string]*topologies.Transit{}, servedBy: map[string]string{}}
	for _, v := range c.VPCs {
		cc.vpcs[v.Name] = v
	}
	for _, tr := range c.Transits {
		cc.transits[tr.Name] = tr
	}
	if err := cc.gateways(); err != nil {
		return nil, err
	}
	if err := cc.tunnels(); err != nil {
		return nil, err
	}
	// Sites: a router node with a private line and overlays to every
	// gateway of its transit, and a host node per host.
	for si, s := range c.Sites {
		if err := cc.p.addSite(si, s, cc.transits[s.Connection.Transit]); err != nil {
			return nil, err
		}
	}
	cc.p.addLaptops()
	if len(c.Transits) > 0 {
		if err := cc.p.checkTunnels(c.Transits[0]); err != nil {
			return nil, err
		}
	}
	cc.endpoints()
	if err := cc.p.desired(); err != nil {
		return nil, err
	}
	cc.p.idx = newPlanIndex(cc.p)
	return cc.p, nil
}

// compiler holds what Compile looks up while it builds a plan.
type compiler struct {
	p        *Plan
	c        *topologies.Cloud
	vpcs     map[string]*topologies.VPC
	transits map[string]*topologies.Transit
	servedBy map[string]string // VPC -> spoke or transit
}

// gateways adds the gateways: transits first, then spokes, each GROUP-1
// (and GROUP-2).
func (cc *compiler) gateways() error {
	for _, tr := range cc.c.Transits {
		if err := cc.addGateways(RoleTransit, tr.Name, tr.VPC, tr.Subnet, tr.HA, tr.ASN, ""); err != nil {
			return err
		}
	}
	asns := cc.p.Topology.SpokeASNs()
	for i, sp := range cc.c.Spokes {
		asn := asns[i]
		if err := cc.addGateways(RoleSpoke, sp.Name, sp.VPC, sp.Subnet, sp.HA, asn, sp.Transit); err != nil {
			return err
		}
	}
	return nil
}

// addGateways adds the one or two (ha) gateways of a transit or spoke.
func (cc *compiler) addGateways(role Role, group, vpcName, subnet string, ha bool, asn uint32, transit string) error {
	v := cc.vpcs[vpcName]
	if v == nil {
		return fmt.Errorf("%s %s: no vpc %s", role, group, vpcName)
	}
	s, err := subnetOf(v, subnet)
	if err != nil {
		return fmt.Errorf("%s %s: %w", role, group, err)
	}
	cc.servedBy[v.Name] = group
	n := 1
	if ha {
		n = 2
	}
	addrs, err := gatewayAddrs(v, s, n)
	if err != nil {
		return fmt.Errorf("%d:%d: %s %s: %w", s.Pos.Line, s.Pos.Col, role, group, err)
	}
	for i := 1; i <= n; i++ {
		g := Gateway{Key: fmt.Sprintf("%s-%d", group, i), Role: role, Group: group, Index: i,
			Account: v.Account, VPC: v.Name, Subnet: SubnetKey(v.Name, s.Name),
			PrivateIP: addrs[i-1], ASN: asn, Transit: transit}
		if role == RoleSpoke {
			g.Prefixes = []netip.Prefix{v.CIDR}
		}
		cc.p.Gateways = append(cc.p.Gateways, g)
	}
	return nil
}

// subnetOf returns the subnet of v called name.
func subnetOf(v *topologies.VPC, name string) (*topologies.Subnet, error) {
	for _, s := range v.Subnets {
		if s.Name == name {
			return s, nil
		}
	}
	return nil, fmt.Errorf("vpc %s has no subnet %s", v.Name, name)
}

// tunnels adds every spoke gateway's tunnels to every gateway of its
// transit, HPE tunnels each, and every transit gateway's to every gateway
// of a peer transit.
func (cc *compiler) tunnels() error {
	p, c := cc.p, cc.c
	for _, sp := range c.Spokes {
		tr := cc.transits[sp.Transit]
		for _, sg := range p.GatewaysOf(sp.Name) {
			for _, tg := range p.GatewaysOf(sp.Transit) {
				p.addTunnels(sg, tg, tr.HPETunnels)
			}
		}
	}
	for _, pe := range c.TransitPeerings {
		for _, a := range p.GatewaysOf(pe.A) {
			for _, b := range p.GatewaysOf(pe.B) {
				p.addTunnels(a, b, 1)
			}
		}
	}
	return nil
}

// addTunnels adds n (at least one) tunnels between gateways a and b.
func (p *Plan) addTunnels(a, b *Gateway, n int) {
	for range max(n, 1) {
		p.newTunnel(a.Key, b.Key, [2]string{})
	}
}

// endpoints adds the workloads and the site hosts.
func (cc *compiler) endpoints() {
	p := cc.p
	for _, v := range cc.c.VPCs {
		for _, w := range v.Workloads {
			var sn netip.Prefix
			for _, s := range v.Subnets {
				if s.Name == w.Subnet {
					sn = s.CIDR
				}
			}
			p.Endpoints = append(p.Endpoints, Endpoint{Name: w.Name, VPC: v.Name, Instance: w.Name,
				Spoke: cc.servedBy[v.Name], Address: w.Address, Allow: w.Allow, Prefix: v.CIDR, Subnet: sn})
		}
	}
	for _, s := range cc.c.Sites {
		for _, h := range s.Hosts {
			e := Endpoint{Name: h.Name, Site: s.Name, Address: h.Address}
			for _, a := range s.Advertise {
				if a.Contains(h.Address) {
					e.Prefix = a
				}
			}
			p.Endpoints = append(p.Endpoints, e)
		}
	}
}

// addSite adds site s's router and hosts: an FRR or BIRD router on a
// private line with VXLAN overlays to the transit's gateways; or an mcnlab
// gateway (router gobgp) with the same overlays as BGP neighbours on a
// private line, or with WireGuard tunnels to the transit's gateways over an
// internet uplink.
func (p *Plan) addSite(si int, s *topologies.Site, tr *topologies.Transit) error {
	if tr == nil {
		return fmt.Errorf("site %s: no transit %s", s.Name, s.Connection.Transit)
	}
	var kind topologies.NodeKind
	switch s.Router {
	case topologies.SiteFRR:
		kind = topologies.KindFRR
	case topologies.SiteBIRD:
		kind = topologies.KindBIRD
	case topologies.SiteGoBGP:
		kind = topologies.KindGateway
	default:
		return fmt.Errorf("site %s: unknown router %s; use frr, bird or gobgp", s.Name, s.Router)
	}
	r := &topologies.Node{Name: s.Name, Kind: kind, Pos: s.Pos}
	if kind == topologies.KindGateway {
		g := Gateway{Key: s.Name, Role: RoleSite, Group: s.Name, Index: 1, ASN: s.ASN,
			Prefixes: s.Advertise, Transit: tr.Name}
		switch s.Connection.Type {
		case topologies.ConnTunnel:
			g.PublicIP = uplink(si).Addr()
			g.PrivateIP = g.PublicIP
		default:
			_, _, g.PrivateIP, _ = p.lineOf(si, s)
		}
		p.Gateways = append(p.Gateways, g)
	} else {
		if s.Connection.Type != topologies.ConnPrivateLine {
			return fmt.Errorf("site %s: router %s reaches a transit over a private line only; use router gobgp for a tunnel", s.Name, s.Router)
		}
		_, _, customer, _ := p.lineOf(si, s)
		r.BGP = &topologies.BGP{ASN: s.ASN, RouterID: customer, Networks: s.Advertise}
	}
	switch s.Connection.Type {
	case topologies.ConnTunnel:
		site := p.Gateway(s.Name)
		for _, g := range p.GatewaysOf(tr.Name) {
			n := max(tr.HPETunnels, 1)
			for k := 0; k < n; k++ {
				p.newTunnel(g.Key, site.Key, [2]string{fmt.Sprintf("%s-t%d", siteNeighbor(si), len(p.Tunnels)), ""})
			}
		}
	default:
		_, _, customer, _ := p.lineOf(si, s)
		for _, g := range p.GatewaysOf(tr.Name) {
			i := len(p.Overlays)
			pre := overlayPrefix(i)
			o := Overlay{Site: s.Name, Gateway: g.Key, VNI: uint32(1000 + i),
				Inner:    [2]netip.Prefix{netip.PrefixFrom(nth(pre, 1), 30), netip.PrefixFrom(nth(pre, 2), 30)},
				Customer: customer, Interface: fmt.Sprintf("vx%d", g.Index)}
			p.Overlays = append(p.Overlays, o)
			if r.BGP != nil {
				r.VXLAN = append(r.VXLAN, topologies.VXLAN{Name: o.Interface, VNI: o.VNI, Local: customer,
					Remote: g.PrivateIP, Port: VXLANPort, Address: o.Inner[1]})
				r.BGP.Neighbors = append(r.BGP.Neighbors, topologies.Neighbor{Address: o.Inner[0].Addr(), ASN: g.ASN})
			}
		}
		if err := p.addEdge(r, s); err != nil {
			return err
		}
	}
	p.SiteNodes = append(p.SiteNodes, r)
	used := map[netip.Prefix]string{}
	for i, h := range s.Hosts {
		var lan netip.Prefix
		for _, a := range s.Advertise {
			if a.Contains(h.Address) {
				lan = a
			}
		}
		if !lan.IsValid() {
			return fmt.Errorf("site %s: host %s (%s) is in none of the advertised prefixes", s.Name, h.Name, h.Address)
		}
		if other, ok := used[lan]; ok {
			return fmt.Errorf("%d:%d: sites.%s.hosts.%s: hosts %s and %s share %s; give each host an advertised prefix of its own (each sits on a link of its own to the site router)",
				h.Pos.Line, h.Pos.Col, s.Name, h.Name, other, h.Name, lan)
		}
		used[lan] = h.Name
		gw := nth(lan, 1)
		if gw == h.Address {
			gw = nth(lan, 2)
		}
		p.SiteNodes = append(p.SiteNodes, &topologies.Node{Name: h.Name, Kind: topologies.KindHost, Pos: h.Pos,
			Routes: []topologies.Route{{To: netip.MustParsePrefix("0.0.0.0/0"), Via: gw}}})
		p.SiteLinks = append(p.SiteLinks, &topologies.Link{
			A:   topologies.Endpoint{Node: s.Name, Interface: fmt.Sprintf("lan%d", i), Address: netip.PrefixFrom(gw, lan.Bits())},
			B:   topologies.Endpoint{Node: h.Name, Interface: "eth0", Address: netip.PrefixFrom(h.Address, lan.Bits())},
			Pos: h.Pos})
	}
	return nil
}

// lineOf returns site si's private line.
func (p *Plan) lineOf(si int, s *topologies.Site) (ln netip.Prefix, amazon, customer netip.Addr, ok bool) {
	ln = s.Connection.Address
	if !ln.IsValid() {
		ln = line(si)
	}
	return ln, nth(ln, 1), nth(ln, 2), true
}

// uplink is the internet uplink /30 of site i: 198.51.100.(4i)/30
// (documentation range, RFC 5737), the site taking the second address.
func uplink(i int) netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{198, 51, 100, byte(4*i + 2)}), 30)
}

// Uplink returns a tunnel site's internet uplink: its address with the
// /30, whose first address is the internet's side.
func (p *Plan) Uplink(site string) (netip.Prefix, bool) {
	for i, s := range p.Topology.Cloud.Sites {
		if s.Name == site && s.Connection.Type == topologies.ConnTunnel {
			return uplink(i), true
		}
	}
	return netip.Prefix{}, false
}

// UplinkInterface is the internet uplink's interface on a site router.
const UplinkInterface = "uplink"

// Line returns site s's private line: the /30, the cloud's and the site's
// addresses on it.
func (p *Plan) Line(site string) (ln netip.Prefix, amazon, customer netip.Addr, ok bool) {
	for i, s := range p.Topology.Cloud.Sites {
		if s.Name != site {
			continue
		}
		ln = s.Connection.Address
		if !ln.IsValid() {
			ln = line(i)
		}
		return ln, nth(ln, 1), nth(ln, 2), true
	}
	return netip.Prefix{}, netip.Addr{}, netip.Addr{}, false
}

// LineRegion returns the region of a private-line site's line: that of
// the VPC of the transit it lands on, since a private virtual interface
// reaches a virtual private gateway of its connection's region only
// (AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/API_CreatePrivateVirtualInterface.html).
// It is "" for a site without a line or with an unknown transit.
func (p *Plan) LineRegion(site string) string {
	if t := p.lineTransit(site); t != nil {
		for _, v := range p.Topology.Cloud.VPCs {
			if v.Name == t.VPC {
				return v.Region
			}
		}
	}
	return ""
}
