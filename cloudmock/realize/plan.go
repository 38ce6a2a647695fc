package realize

import (
	"fmt"
	"maps"
	"net"
	"net/netip"
	"slices"
	"strings"

	cmgcp "github.com/mcnlab/mcnlab/cloudmock/gcp"
	"github.com/mcnlab/mcnlab/cloudmock/model"
	cmoci "github.com/mcnlab/mcnlab/cloudmock/oci"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/internal/handle"
)

// snapshot is the whole model, read account by account. It is not one
// atomic read: a change committed while it is taken may be half seen, and
// its event triggers another pass, so plans tolerate dangling references.
type snapshot struct {
	networks  []model.Network
	subnets   map[string]model.Subnet
	tables    []model.RouteTable
	ruleSets  []model.RuleSet
	enis      []model.NetworkInterface
	instances map[string]model.Instance
	igws      []model.InternetGateway
	natgws    []model.NATGateway
	eips      []model.ElasticIP
	peerings  map[string]model.Peering
	tgws      []model.TransitGateway
	tgwTables []tgwTable
	tgwAtts   []model.TransitGatewayAttachment
	vifs      []model.DXVirtualInterface
	vpns      []model.VPNConnection // sorted by ID (vpn.go)
	// gcpTunnels are the GCP projects' HA VPN tunnels as the front-end
	// reads them off the model (gcpvpn.go), by ID.
	gcpTunnels []cmgcp.Tunnel
	// gcpAttachments are their active Dedicated Interconnect VLAN
	// attachments (gcpic.go), by ID.
	gcpAttachments []cmgcp.Attachment
	// ociCircuits are the OCI virtual circuits attached to DRGs (ocivc.go).
	ociCircuits []cmoci.Circuit
	vgws        map[string]model.VPNGateway      // by ID
	cgws        map[string]model.CustomerGateway // by ID
	endpoints   []model.VPCEndpoint
	// prefixLists are the current CIDRs of every prefix list, by ID
	// (endpoints.go); tables hold their routes to lists expanded.
	prefixLists map[string][]netip.Prefix
	// system holds what routes and filters the networks whose provider
	// has system routes (model.Profile.SystemRoutes), by network.
	system systemInfo
	eigws  []model.EgressOnlyGateway
	// resolvers are the addresses each network's resolver answers at, by
	// network ID (resolverAddrs).
	resolvers map[string][]netip.Addr
	// handles are the model's handles of the objects read (Meta.Handle),
	// from which kernel objects are named.
	handles map[string]string
}

// tgwTable is a transit gateway route table with its effective routes.
type tgwTable struct {
	model.TransitGatewayRouteTable
	routes []model.TransitGatewayRoute
}

func takeSnapshot(c *model.Cloud) *snapshot {
	s := &snapshot{subnets: map[string]model.Subnet{},
		instances: map[string]model.Instance{}, peerings: map[string]model.Peering{}, handles: map[string]string{},
		prefixLists: map[string][]netip.Prefix{}, system: newSystemInfo(), resolvers: map[string][]netip.Addr{},
		vgws: map[string]model.VPNGateway{}, cgws: map[string]model.CustomerGateway{}}
	for _, a := range c.Accounts() {
		s.system.read(c, a)
		prof, _ := model.LookupProfile(a.Provider)
		for _, n := range c.Networks(a.ID) {
			s.networks = append(s.networks, n)
			s.resolvers[n.ID] = resolverAddrs(n, prof.ResolverVIP)
		}
		for _, x := range c.Subnets(a.ID) {
			s.subnets[x.ID] = x
		}
		prefixListCIDRs(c, a.ID, s.prefixLists)
		for _, t := range c.RouteTables(a.ID) {
			t.Routes = model.ExpandRoutes(t.Routes, func(id string) []netip.Prefix { return s.prefixLists[id] })
			s.tables = append(s.tables, t)
		}
		s.endpoints = append(s.endpoints, c.VPCEndpoints(a.ID)...)
		s.ruleSets = append(s.ruleSets, c.RuleSets(a.ID, "")...)
		s.enis = append(s.enis, c.NetworkInterfaces(a.ID)...)
		for _, i := range c.Instances(a.ID) {
			s.instances[i.ID] = i
		}
		s.igws = append(s.igws, c.InternetGateways(a.ID)...)
		s.natgws = append(s.natgws, c.NATGateways(a.ID)...)
		s.eips = append(s.eips, c.ElasticIPs(a.ID)...)
		for _, p := range c.Peerings(a.ID) {
			s.peerings[p.ID] = p
		}
		s.tgws = append(s.tgws, c.TransitGateways(a.ID)...)
		for _, x := range c.TransitGatewayAttachments(a.ID) {
			// A peering attachment is both its accounts'.
			if !slices.ContainsFunc(s.tgwAtts, func(y model.TransitGatewayAttachment) bool { return y.ID == x.ID }) {
				s.tgwAtts = append(s.tgwAtts, x)
			}
		}
		s.vifs = append(s.vifs, c.DXVirtualInterfaces(a.ID)...)
		s.vpns = append(s.vpns, c.VPNConnections(a.ID)...)
		if a.Provider == model.ProviderGCP {
			s.gcpTunnels = append(s.gcpTunnels, cmgcp.Tunnels(c, a.ID)...)
			s.gcpAttachments = append(s.gcpAttachments, cmgcp.Attachments(c, a.ID)...)
		}
		s.ociCircuits = append(s.ociCircuits, cmoci.Circuits(c, a.ID)...)
		for _, g := range c.VPNGateways(a.ID) {
			s.vgws[g.ID] = g
		}
		for _, g := range c.CustomerGateways(a.ID) {
			s.cgws[g.ID] = g
		}
		s.eigws = append(s.eigws, c.EgressOnlyGateways(a.ID)...)
		for _, t := range c.TransitGatewayRouteTables(a.ID) {
			routes, err := c.TransitGatewayRoutes(a.ID, t.ID)
			if err != nil {
				continue // deleted meanwhile: its event brings another pass
			}
			s.tgwTables = append(s.tgwTables, tgwTable{t, routes})
		}
	}
	slices.SortFunc(s.vpns, func(a, b model.VPNConnection) int { return strings.Compare(a.ID, b.ID) })
	s.dropIdleDefaults()
	s.recordHandles()
	return s
}

// recordHandles indexes the handles of the objects whose kernel objects
// the realizer names.
func (s *snapshot) recordHandles() {
	add := func(id, h string) { s.handles[id] = h }
	for _, x := range s.networks {
		add(x.ID, x.Handle)
	}
	for _, x := range s.subnets {
		add(x.ID, x.Handle)
	}
	for _, x := range s.enis {
		add(x.ID, x.Handle)
	}
	for _, x := range s.instances {
		add(x.ID, x.Handle)
	}
	for _, x := range s.natgws {
		add(x.ID, x.Handle)
	}
	for _, x := range s.peerings {
		add(x.ID, x.Handle)
	}
	for _, x := range s.tgws {
		add(x.ID, x.Handle)
	}
	for _, x := range s.tgwAtts {
		add(x.ID, x.Handle)
	}
	for _, x := range s.vifs {
		add(x.ID, x.Handle)
	}
	for _, x := range s.vpns {
		add(x.ID, x.Handle)
	}
	for _, x := range s.vgws {
		add(x.ID, x.Handle)
	}
}

// handle is the model's handle of an object the snapshot refers to. An
// object it did not read (made or deleted while it was taken; its event
// brings another pass) has the handle the model gives every ID
// (internal/handle), so a dangling reference still names the right
// kernel objects.
func (s *snapshot) handle(id string) string {
	if h, ok := s.handles[id]; ok && h != "" {
		return h
	}
	return handle.Of(id)
}

// Names of the realizer's kernel objects, made from the handles the model
// issues (model.Meta.Handle): nothing parses a provider's ID. Namespaces
// carry the lab prefix; interfaces live inside them and stay under the
// kernel's 15 bytes. An instance's namespace is the one
// emulator.InstanceNamespace names, which the model's handle of the
// instance makes sure of (the model records internal/handle's of each ID).
func (r *Realizer) routerNS(vpc string) string {
	return fmt.Sprintf("mcn-%s-vpc-%s", r.opts.Lab, vpc)
}
func (r *Realizer) instanceNS(inst string) string {
	return emulator.NamespaceName(r.opts.Lab, "i-"+inst)
}
func (r *Realizer) natNS(nat string) string {
	return fmt.Sprintf("mcn-%s-nat-%s", r.opts.Lab, nat)
}
func (r *Realizer) tgwNS(tgw string) string {
	return fmt.Sprintf("mcn-%s-tgw-%s", r.opts.Lab, tgw)
}
func (r *Realizer) internetNS() string { return fmt.Sprintf("mcn-%s-inet", r.opts.Lab) }
func bridgeName(subnet string) string  { return "s-" + subnet }
func portName(host string) string      { return "e-" + host }
func peeringIf(pcx string) string      { return "p-" + pcx }
func tgwAttIf(att string) string       { return "a-" + att }
func tgwVPCIf(tgw string) string       { return "t-" + tgw }
func igwInetIf(vpc string) string      { return "g-" + vpc }

const (
	igwIf       = "igw"  // the VPC router's end of its internet gateway link
	hostIf      = "eth0" // an instance's or NAT gateway's interface
	tagPrio     = 500    // ip rules: from <instance> iif <subnet bridge> lookup <its tag-scoped table>
	rulePrio    = 1000   // ip rules: iif <subnet bridge> lookup <its route table>
	gatewayPrio = 1900   // ip rule: iif igw lookup <the internet gateway's route table> (routetables.go)
	localPrio   = 2000   // ip rule: lookup the VPC's local table
	localTbl    = 99     // the table of the local routes (the VPC CIDRs)
	dxTbl       = 98     // the router's own packets to its Direct Connect links
	firstTbl    = 100    // route tables are 100, 101, ... in ID order
)

// InternetServer is the address of the emulated internet's server, on
// TEST-NET-1.
var InternetServer = netip.MustParseAddr("192.0.2.10")

// plan is the dataplane the model asks for.
type plan struct {
	routers  map[string]*routerPlan  // by network ID
	hosts    map[string]*hostPlan    // by interface ID, or NAT gateway ID
	peerings map[string]*peerPlan    // by peering ID, active ones only
	tgws     map[string]*tgwPlan     // by transit gateway ID
	tgwPeers map[string]*tgwPeerPlan // by peering attachment ID, accepted ones (transit.go)
	dx       map[string]*dxPlan      // by virtual interface ID, the realized ones
	vgwDX    map[string]*dxPlan      // by VPN gateway ID: the realized interface its routes use
	vpns     map[string]*vpnPlan     // by VPN connection ID or tunnel (vpnPlan.slot), the realized ones (vpn.go)
	ics      map[string]*icPlan      // by GCP VLAN attachment ID, the realized ones (gcpic.go)
	internet bool                    // some network has an internet gateway or a gateway endpoint, or there are uplinks or Options.Internet
	// endpointDsts are the service CIDRs each network reaches through its
	// gateway endpoints, over its router's internet link (endpoints.go).
	endpointDsts map[string][]netip.Prefix
	// public addresses reachable through each network's internet gateway
	inetRoutes map[string][]netip.Addr // by network ID
	// hops are the remote hops that user-defined routes to appliances in
	// peered networks ask for (systemroutes.go).
	hops []remoteHop
	// subnetNAT are the NAT gateways of no subnet, by network (subnetnat.go).
	subnetNAT map[string][]subnetNAT
	// networkNATs are the NAT gateways of no subnet that translate, by ID.
	networkNATs map[string]bool
	eigwOf      map[string]string // network -> its egress-only internet gateway (ipv6.go)
}

type routerPlan struct {
	network string
	ns      string
	inetIf  string    // the internet's end of its internet gateway link
	segs    []segPlan // by subnet ID
	igw     bool
	// config is everything rewritten on change: routes, rules, nftables.
	routes []kroute
	rules  []krule
	nft    *ruleset
	// senders mark what forwarding instances send (by their MAC address)
	// for their tag-scoped tables.
	senders []senderMark
	key     string // fingerprint of routes and rules
	nftKey  string // fingerprint of nft
	v6      router6
}

// tgwPlan is a transit gateway: a router namespace with one kernel table
// per route table, and a link to the router of each attached network.
type tgwPlan struct {
	id     string
	ns     string
	atts   []attPlan
	routes []kroute
	rules  []krule
	key    string
}

// attPlan is a VPC attachment: a link between the transit gateway (ifTGW,
// addrTGW) and the network's router (ifVPC, addrVPC).
type attPlan struct {
	id, network        string
	ifTGW, ifVPC       string
	addrTGW, addrVPC   netip.Prefix
	addr6TGW, addr6VPC netip.Prefix
	v6                 bool   // carries IPv6: a VPC attachment with IPv6 support, or a peering
	peer               string // a peering attachment's peer gateway (transit.go): addrVPC is its end
	// vpn and tunnel are the connection and tunnel (n+1) of a link that
	// is one of an IPSec connection's tunnels (ocivpn.go): the
	// connection's attachment has one per tunnel.
	vpn    string
	tunnel int
}

type segPlan struct {
	subnet string
	bridge string
	gw     netip.Prefix // the VPC router's address: base+1 with the subnet's length
}

type kroute struct {
	table int
	dst   netip.Prefix
	kind  string // "via", "dev", "throw", "blackhole", "unreachable"
	via   netip.Addr
	dev   string
}

type krule struct {
	prio  int
	iif   string
	src   netip.Prefix // an instance's address, for its tag-scoped table; invalid for none
	mark  uint32       // a packet mark (fwmark) to match: a forwarding instance's (senderMark); 0 for none
	table int
	v6    bool // an IPv6 rule (ipv6.go)
}

type hostPlan struct {
	id     string // interface or NAT gateway ID
	ns     string
	router string // network ID
	subnet string
	port   string // its port on the subnet's bridge, in the router
	bridge string // the subnet's bridge, in the router
	addr   netip.Prefix
	gw     netip.Addr
	addrs6 []netip.Prefix   // its IPv6 addresses, with the subnet's /64 (ipv6.go)
	gw6    netip.Addr       // the VPC router's IPv6 address in the subnet
	mac    net.HardwareAddr // its interface's, fixed by id (hostMAC)
	nft    *ruleset
	key    string // fingerprint of the wiring: a change recreates the host
	nftKey string
	// gateway is the ID of the instance whose gateway daemon runs in the
	// host's namespace (GatewayImage), or empty.
	gateway string
	// nics are an instance's further interfaces (nics.go), and addrs the
	// secondary addresses of each interface, by its name.
	nics  []nicPlan
	addrs map[string][]netip.Prefix
}

type peerPlan struct {
	id           string
	a, b         string // network IDs
	link         int    // index of its /30 in the link pool
	ifname       string
	addrA, addrB netip.Prefix
}

// gateway returns the VPC router's address in a subnet: its base plus one.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html — the second address (base+1) is the VPC router
func gateway(p netip.Prefix) netip.Prefix {
	return netip.PrefixFrom(p.Masked().Addr().Next(), p.Bits())
}

// linkPool is where the point-to-point links between namespaces (internet
// gateway, peering) take their /30s: the benchmarking range, never routed
// outside the lab.
var linkPool = netip.MustParsePrefix("198.18.0.0/15")

// linkAddrs returns the two ends of the link with index i.
func linkAddrs(i int) (a, b netip.Prefix) {
	base := linkPool.Addr().As4()
	n := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(i)*4
	a = netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n) + 1}), 30)
	b = netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n) + 2}), 30)
	return a, b
}

// linkIndex returns the pool index of a link, allocating the lowest free one.
func (r *Realizer) linkIndex(key string) int {
	if i, ok := r.links[key]; ok {
		return i
	}
	used := map[int]bool{}
	for _, i := range r.links {
		used[i] = true
	}
	i := 0
	for used[i] {
		i++
	}
	r.links[key] = i
	return i
}

// hostSpec is what a host's nftables table is built from; its printed form
// is the table's fingerprint.
type hostSpec struct {
	Addr        netip.Addr
	Addrs6      []netip.Addr // its IPv6 addresses: then its IPv6 table filters (ipv6.go)
	SrcDstCheck bool
	Masquerade  bool // a NAT gateway: no rule sets, masquerades what it forwards
	// Resolvers are the addresses of its VPC's DNS resolver, which rule
	// sets do not filter.
	Resolvers []netip.Addr
	Ingress   layers
	Egress    layers
	// Open: no rule set applies to the interface at all (none attached to
	// it, its subnet or its network), so everything passes; an AWS
	// interface always has a security group.
	Open bool
	// NICs are an instance's further interfaces (nics.go).
	NICs []nicSpec
}

// routerSpec is what a VPC router's nftables table is built from.
type routerSpec struct {
	Segs []aclSpec
	IGW  bool
	NAT  []natMap // one-to-one public mappings through the internet gateway
	// Endpoints are the services reached through gateway endpoints: the
	// router masquerades what it sends them over its internet link.
	Endpoints []netip.Prefix
	// Forwarded are the peerings that take no forwarded traffic.
	Forwarded []fwdCheck
	// SubnetNAT are the NAT gateways serving subnets (subnetnat.go).
	SubnetNAT []subnetNAT
	// Senders mark the packets of forwarding instances (routetables.go).
	Senders []senderMark
	V6      bool // dual-stack: an IPv6 table too (ipv6.go)
	EIGW    bool // with an egress-only internet gateway
}

// aclSpec is the rules of the sets attached to one subnet.
type aclSpec struct {
	Bridge          string
	Ingress, Egress layers
}

// natMap is a one-to-one mapping of a public address; a Closed one takes
// no new connection from the internet.
type natMap struct {
	Private, Public netip.Addr
	Closed          bool
}

func (r *Realizer) buildPlan(s *snapshot) (*plan, error) {
	p := &plan{routers: map[string]*routerPlan{}, hosts: map[string]*hostPlan{}, peerings: map[string]*peerPlan{},
		tgws: map[string]*tgwPlan{}, tgwPeers: map[string]*tgwPeerPlan{}, inetRoutes: map[string][]netip.Addr{}, dx: map[string]*dxPlan{}, vgwDX: map[string]*dxPlan{}, vpns: map[string]*vpnPlan{}, ics: map[string]*icPlan{},
		subnetNAT: map[string][]subnetNAT{}}
	nets := map[string]model.Network{}
	for _, n := range s.networks {
		nets[n.ID] = n
	}
	enis := map[string]model.NetworkInterface{}
	for _, e := range s.enis {
		enis[e.ID] = e
	}
	natgws := map[string]model.NATGateway{}
	for _, g := range s.natgws {
		if g.State == model.StateAvailable {
			if _, ok := s.subnets[g.SubnetID]; ok {
				natgws[g.ID] = g
			}
		}
	}
	igwOf := map[string]string{} // network -> attached internet gateway
	for _, g := range s.igws {
		if _, ok := nets[g.NetworkID]; ok {
			igwOf[g.NetworkID] = g.ID
		}
	}
	// A network with system routes reaches the internet with no gateway.
	// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-networks-udr-overview#default — the system route 0.0.0.0/0 has next hop type Internet
	for id := range nets {
		if s.system.nets[id] {
			igwOf[id] = "system"
		}
	}
	// A route to the internet itself needs no gateway object either.
	// GCP: https://cloud.google.com/vpc/docs/routes#next-hops — next hop default-internet-gateway: the network's path to the internet, no gateway resource to make
	for _, t := range s.tables {
		if _, ok := nets[t.NetworkID]; ok && igwOf[t.NetworkID] == "" &&
			slices.ContainsFunc(t.Routes, func(r model.Route) bool { return r.Target.Kind == model.TargetInternet }) {
			igwOf[t.NetworkID] = "default-internet-gateway"
		}
	}
	p.eigwOf = eigwOf(s, nets)
	p.endpointDsts = gatewayEndpointNets(s)
	linkOf := maps.Clone(igwOf) // networks whose router has an internet link
	for n := range p.endpointDsts {
		if _, ok := nets[n]; ok && linkOf[n] == "" {
			linkOf[n] = "endpoint"
		}
	}
	routedNATLinks(s, nets, linkOf)
	r.planLinks(p, s, nets, linkOf)
	p.internet = len(linkOf) > 0 || len(p.eigwOf) > 0 || len(r.uplinks) > 0 || r.opts.Internet != nil

	ix := newRuleIndex(s, nets)
	if err := r.planHosts(p, s, nets, natgws, ix); err != nil {
		return nil, err
	}

	publicOf := planPublic(p, s, enis, natgws, igwOf, ix)
	planSubnetNATs(p, s, linkOf)
	for _, n := range s.networks {
		if err := r.planRouter(p, s, n, igwOf[n.ID] != "", publicOf[n.ID], enis, natgws, ix); err != nil {
			return nil, err
		}
	}
	planHops(p)
	planLineTransit(p, s, nets)
	for _, rp := range p.routers {
		rp.key = fmt.Sprintf("%v|%v", rp.routes, rp.rules)
	}
	return p, nil
}

// planLinks plans the point-to-point links between namespaces: active
// peerings, internet gateways, transit attachments and Direct Connect
// virtual interfaces; links no longer wanted give their addresses back.
func (r *Realizer) planLinks(p *plan, s *snapshot, nets map[string]model.Network, igwOf map[string]string) {
	// Peerings: a link between the two routers while active.
	keep := map[string]bool{}
	for _, pc := range s.peerings {
		if pc.State != model.PeeringActive {
			continue
		}
		if _, ok := nets[pc.RequesterNetworkID]; !ok {
			continue
		}
		if _, ok := nets[pc.AccepterNetworkID]; !ok {
			continue
		}
		e := r.keptLink(keep, "pcx/"+pc.ID)
		p.peerings[pc.ID] = &peerPlan{id: pc.ID, a: pc.RequesterNetworkID, b: pc.AccepterNetworkID, link: e.i,
			ifname: peeringIf(pc.Handle), addrA: e.a, addrB: e.b}
	}
	for n := range igwOf {
		keep["igw/"+n] = true
		r.linkIndex("igw/" + n)
	}
	r.planLinks6(p, keep)
	r.planOCITunnels(p, s, keep)
	r.planOCICircuits(p, s, keep)
	r.planTransit(p, s, nets, keep)
	r.planDX(p, s, nets)
	r.planVPN(p, s, nets, keep)
	r.planGCPTunnels(p, s, nets, keep)
	r.planGCPAttachments(p, s, nets, keep)
	for k := range r.links {
		if !keep[k] {
			delete(r.links, k)
		}
	}
}

// planHosts plans a host for every interface (in its instance's namespace,
// unless the instance is stopped) and every available NAT gateway.
func (r *Realizer) planHosts(p *plan, s *snapshot, nets map[string]model.Network, natgws map[string]model.NATGateway, ix *ruleIndex) error {
	// Hosts: every instance, with its interfaces, and every available NAT
	// gateway. An interface of no instance is no host: it answers nothing
	// until it is attached (one of a type of its own excepted).
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-eni.html — a network interface is used once it is attached to an instance
	extra := map[string][]model.NetworkInterface{}
	for _, e := range s.enis {
		if e.InstanceID != "" && e.Attachment.DeviceIndex > 0 {
			extra[e.InstanceID] = append(extra[e.InstanceID], e)
		}
	}
	for _, e := range s.enis {
		if (e.InstanceID != "" && e.Attachment.DeviceIndex > 0) || (e.InstanceID == "" && e.Type == "") {
			continue
		}
		sub, ok := s.subnets[e.SubnetID]
		if !ok || nets[sub.NetworkID].ID == "" {
			continue
		}
		name := r.instanceNS(e.Handle)
		inst, isInst := s.instances[e.InstanceID]
		if e.InstanceID != "" {
			name = r.instanceNS(s.handle(e.InstanceID))
		}
		// A stopped instance is a powered-off VM: it has no host, so its
		// namespace and everything running inside go; it comes back with
		// the same interface and address when it starts.
		// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/how-ec2-instance-stop-start-works.html — a stopped instance keeps its private IPv4 address and network interface; data in RAM is lost
		if isInst && (inst.State == model.InstanceStopped || inst.State == model.InstanceStopping) {
			continue
		}
		spec := hostSpec{Addr: e.PrivateIP, SrcDstCheck: e.SourceDestCheck}
		addrs6 := ipv6Hosts(sub, e.IPv6Addrs)
		if len(addrs6) > 0 {
			spec.Addrs6 = e.IPv6Addrs
		}
		spec.Resolvers = s.resolvers[sub.NetworkID]
		spec.Ingress, spec.Egress = ix.forInterface(e)
		spec.Open = ix.unfiltered(e)
		nics := &hostPlan{addrs: map[string][]netip.Prefix{}}
		planNICs(nics, &spec, s, extra[e.InstanceID], ix)
		h, err := newHost(e.ID, e.Handle, name, sub, e.PrivateIP, spec)
		if err != nil {
			return err
		}
		if len(addrs6) > 0 {
			h.addrs6, h.gw6 = addrs6, sub.IPv6CIDR.Prefix.Addr().Next()
			h.key += fmt.Sprintf("|ipv6 %v", addrs6)
		}
		h.nics, h.addrs = nics.nics, nics.addrs
		for _, a := range e.SecondaryIPs {
			h.addrs[hostIf] = append(h.addrs[hostIf], netip.PrefixFrom(a, sub.Prefix.Bits()))
		}
		if isInst {
			// Each boot (a start, a reboot) is a fresh host: whatever ran
			// in it ends, and its gateway daemon starts again.
			// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-reboot.html — a reboot keeps the instance's addresses; like an OS reboot, it ends what ran
			h.key += fmt.Sprintf("|boot %d", inst.Boots)
		}
		if verb, ok := daemonImages[inst.ImageID]; isInst && ok && (inst.State == model.InstanceRunning || inst.State == model.InstancePending) &&
			len(r.opts.GatewayCommand) > 0 {
			r.firewalls.Store(inst.ID, verb)
			h.gateway = inst.ID
			h.key += "|gateway " + inst.ID
		}
		p.hosts[e.ID] = h
	}
	for _, g := range natgws {
		sub := s.subnets[g.SubnetID]
		h, err := newHost(g.ID, g.Handle, r.natNS(g.Handle), sub, g.PrivateIP, hostSpec{Addr: g.PrivateIP, Masquerade: true})
		if err != nil {
			return err
		}
		p.hosts[g.ID] = h
	}

	return nil
}

// keyID is an object's ID as a wiring key holds it: as it is (an AWS
// ID), or, when longer than maxKeyID (an Azure resource ID), by its
// handle, so that a key fits an interface's alias (the kernel takes less
// than IFALIASZ, 256 bytes: ERANGE otherwise).
func keyID(id string) string {
	if len(id) <= maxKeyID {
		return id
	}
	return "h-" + handle.Of(id)
}

// maxKeyID is the longest ID a wiring key holds as it is.
const maxKeyID = 32

func newHost(id, hostHandle, ns string, sub model.Subnet, ip netip.Addr, spec hostSpec) (*hostPlan, error) {
	gw := gateway(sub.Prefix)
	h := &hostPlan{id: id, ns: ns, router: sub.NetworkID, subnet: sub.ID, port: portName(hostHandle), bridge: bridgeName(sub.Handle),
		addr: netip.PrefixFrom(ip, sub.Prefix.Bits()), gw: gw.Addr(), mac: hostMAC(id)}
	h.key = fmt.Sprintf("%s|%s|%s|%s|%s", ns, keyID(sub.NetworkID), h.bridge, h.addr, h.gw)
	rs, err := hostRuleset(spec)
	if err != nil {
		return nil, fmt.Errorf("host %s: %w", id, err)
	}
	h.nft, h.nftKey = rs, fmt.Sprintf("%+v", spec)
	return h, nil
}

func (r *Realizer) planRouter(p *plan, s *snapshot, n model.Network, igw bool, pub []natMap,
	enis map[string]model.NetworkInterface, natgws map[string]model.NATGateway, ix *ruleIndex) error {
	rp := &routerPlan{network: n.ID, ns: r.routerNS(n.Handle), inetIf: igwInetIf(n.Handle), igw: igw || len(p.endpointDsts[n.ID]) > 0}
	p.routers[n.ID] = rp
	var subs []model.Subnet
	for _, x := range s.subnets {
		if x.NetworkID == n.ID {
			subs = append(subs, x)
		}
	}
	slices.SortFunc(subs, func(a, b model.Subnet) int { return strings.Compare(a.ID, b.ID) })
	bridgeOf := map[string]string{}
	for _, x := range subs {
		rp.segs = append(rp.segs, segPlan{subnet: x.ID, bridge: bridgeName(x.Handle), gw: gateway(x.Prefix)})
		bridgeOf[x.ID] = bridgeName(x.Handle)
	}

	// The local table: the VPC's own addresses. Traffic from a subnet comes
	// here when its route table's local route matches (a throw route), and
	// traffic from a gateway or peering comes only here.
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/RouteTables.html#route-table-routes — the local route delivers within the VPC
	for _, sg := range rp.segs {
		if sg.gw.IsValid() { // an IPv6-only subnet has no IPv4 prefix (ipv6.go)
			rp.routes = append(rp.routes, kroute{table: localTbl, dst: sg.gw.Masked(), kind: "dev", dev: sg.bridge})
		}
	}
	// The rest of each CIDR block, which no subnet holds, goes nowhere. A
	// subnet may be the whole block (AWS allows a subnet the size of its
	// VPC): then the subnet's route is the block's, not a blackhole.
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSubnet.html — a subnet's CIDR block can be the same as the VPC's (a single subnet in the VPC)
	for _, b := range n.CIDRs {
		if !slices.ContainsFunc(rp.segs, func(sg segPlan) bool { return sg.gw.Masked() == b.Prefix }) {
			rp.routes = append(rp.routes, kroute{table: localTbl, dst: b.Prefix, kind: "blackhole"})
		}
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html#vpc-peering-limitations — no edge-to-edge routing: what enters from a peering or gateway goes nowhere but the VPC
	rp.routes = append(rp.routes, kroute{table: localTbl, dst: netip.MustParsePrefix("0.0.0.0/0"), kind: "unreachable"})
	rp.routes = append(rp.routes, vpnInstanceRoutes(p, n.ID)...)
	rp.rules = append(rp.rules, krule{prio: localPrio, table: localTbl})
	// The router's own packets to a line's far end (its answers to pings
	// of the cloud's peer address, its ICMP errors) leave over the line.
	// AWS: https://repost.aws/knowledge-center/direct-connect-down-bgp — the on-premises router can ping the Amazon peer IP address
	onLine := false
	for _, id := range sortedKeys(p.dx) {
		if d := p.dx[id]; d.network == n.ID {
			rp.routes = append(rp.routes, kroute{table: dxTbl, dst: d.customer.Masked(), kind: "dev", dev: d.ifRouter})
			onLine = true
		}
	}
	if onLine {
		rp.rules = append(rp.rules, krule{prio: localPrio - 1, iif: "lo", table: dxTbl})
	}

	r.planRouteTables(rp, p, s, n, routeEnv{enis: enis, natgws: natgws, bridgeOf: bridgeOf, igw: igw})
	r.planRouter6(rp, p, s, n, igw)
	return planRouterTable(rp, n, routerSpec{IGW: igw, NAT: pub, Endpoints: p.endpointDsts[n.ID],
		Forwarded: forwardedChecks(p, s, n), SubnetNAT: p.subnetNAT[n.ID], Senders: rp.senders}, ix)
}

// planRouterTable plans a router's nftables table: the rule sets attached
// to each subnet (a network ACL, ...) on its bridge, the internet gateway
// and its one-to-one mappings.
func planRouterTable(rp *routerPlan, n model.Network, spec routerSpec, ix *ruleIndex) error {
	spec.V6, spec.EIGW = rp.v6.on, rp.v6.eigw[0].IsValid()
	for _, sg := range rp.segs {
		in, out, ok := ix.forSubnet(sg.subnet)
		if ok {
			spec.Segs = append(spec.Segs, aclSpec{Bridge: sg.bridge, Ingress: in, Egress: out})
		}
	}
	rs, err := routerRuleset(spec)
	if err != nil {
		return fmt.Errorf("router of %s: %w", n.ID, err)
	}
	rp.nft = rs
	rp.nftKey = fmt.Sprintf("%+v", spec)
	return nil
}

// powerInTransit returns the stops and starts in transit that the
// snapshot holds, which a pass that realized it has put in force.
func (s *snapshot) powerInTransit() []model.PowerChange {
	return model.PowerInTransit(slices.Collect(maps.Values(s.instances)))
}
