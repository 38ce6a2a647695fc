package realize

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"

	"github.com/vishvananda/netlink"
	nsh "github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/netns"
)

// liveNS is a namespace the realizer made, with handles kept open.
type liveNS struct {
	forget func(string) // Options.Forget, or nil
	name   string
	h      nsh.NsHandle
	nl     *netlink.Handle
}

// sysctls every realizer namespace gets: forwarding on (routers forward;
// instances forward only when their source/destination check is off, which
// nftables enforces), and no redirects or reverse-path filter, which a
// VPC's hairpin routes through appliances would trip.
var sysctls = map[string]string{
	"net/ipv4/ip_forward":                    "1",
	"net/ipv4/conf/all/send_redirects":       "0",
	"net/ipv4/conf/default/send_redirects":   "0",
	"net/ipv4/conf/all/accept_redirects":     "0",
	"net/ipv4/conf/default/accept_redirects": "0",
	"net/ipv4/conf/all/rp_filter":            "0",
	"net/ipv4/conf/default/rp_filter":        "0",
	// IPv6 (ipv6.go): forwarding as for IPv4, and no duplicate address
	// detection holding new addresses back.
	"net/ipv6/conf/all/forwarding":           "1",
	"net/ipv6/conf/default/forwarding":       "1",
	"net/ipv6/conf/all/accept_dad":           "0",
	"net/ipv6/conf/default/accept_dad":       "0",
	"net/ipv6/conf/all/accept_redirects":     "0",
	"net/ipv6/conf/default/accept_redirects": "0",
}

// createNS makes a namespace with lo up and the realizer's sysctls.
func createNS(name string) (*liveNS, error) {
	if err := netns.Create(name); err != nil {
		return nil, err
	}
	l := &liveNS{name: name}
	err := func() error {
		var err error
		if l.h, err = netns.Open(name); err != nil {
			return err
		}
		if l.nl, err = netlink.NewHandleAt(l.h, unix.NETLINK_ROUTE); err != nil {
			return fmt.Errorf("netlink handle in %s: %w", name, err)
		}
		lo, err := l.nl.LinkByName("lo")
		if err != nil {
			return fmt.Errorf("%s: find lo: %w", name, err)
		}
		if err := l.nl.LinkSetUp(lo); err != nil {
			return fmt.Errorf("%s: set lo up: %w", name, err)
		}
		return netns.DoHandle(l.h, func() error { return writeSysctls(name) })
	}()
	if err != nil {
		return nil, errors.Join(err, l.remove())
	}
	return l, nil
}

// remove closes the handles, kills every process inside (what `mcnlab
// exec` or a user started there: a process would keep the namespace and its
// links alive, as software keeps running only on a VM that exists) and
// deletes the namespace; the kernel deletes its links with it. Idempotent.
func (l *liveNS) remove() error {
	if l.nl != nil {
		l.nl.Close()
		l.nl = nil
	}
	if l.h.IsOpen() {
		l.h.Close()
		l.h = nsh.None()
	}
	if err := emulator.KillNamespace(l.name); err != nil {
		return err
	}
	if err := netns.Delete(l.name); err != nil {
		return err
	}
	if l.forget != nil {
		l.forget(l.name)
		l.forget = nil
	}
	return nil
}

// createNS records the namespace through Options.Record, then creates it.
func (r *Realizer) createNS(name string) (*liveNS, error) {
	if r.opts.Record != nil {
		if err := r.opts.Record(name); err != nil {
			return nil, fmt.Errorf("record namespace %s: %w", name, err)
		}
	}
	l, err := createNS(name)
	if err != nil {
		if r.opts.Forget != nil {
			r.opts.Forget(name)
		}
		return nil, err
	}
	l.forget = r.opts.Forget
	return l, nil
}

func ipNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: net.IP(p.Addr().AsSlice()), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}

func (l *liveNS) addAddr(link netlink.Link, p netip.Prefix) error {
	if err := l.nl.AddrAdd(link, &netlink.Addr{IPNet: ipNet(p)}); err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("%s: add address %s to %s: %w", l.name, p, link.Attrs().Name, err)
	}
	return nil
}

// addAddrIf is addAddr of a prefix that may be none: the IPv4 address
// of a host, or of a subnet's bridge, in an IPv6-only subnet (ipv6.go).
func addAddrIf(l *liveNS, link netlink.Link, p netip.Prefix) error {
	if !p.IsValid() {
		return nil
	}
	return l.addAddr(link, p)
}

func (l *liveNS) up(link netlink.Link) error {
	if err := l.nl.LinkSetUp(link); err != nil {
		return fmt.Errorf("%s: set %s up: %w", l.name, link.Attrs().Name, err)
	}
	return nil
}

func (l *liveNS) link(name string) (netlink.Link, error) {
	k, err := l.nl.LinkByName(name)
	if err != nil {
		return nil, fmt.Errorf("%s: find %s: %w", l.name, name, err)
	}
	return k, nil
}

// veth makes a veth pair from l (end a) into peer (end b).
func (l *liveNS) veth(a string, peer *liveNS, b string) error {
	v := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: a}, PeerName: b, PeerNamespace: netlink.NsFd(int(peer.h))}
	err := l.nl.LinkAdd(v)
	if errors.Is(err, unix.EEXIST) {
		// Left by a pass that failed half-way: make it anew.
		if err := l.delLink(a); err != nil {
			return err
		}
		err = l.nl.LinkAdd(v)
	}
	if err != nil {
		return fmt.Errorf("create veth %s:%s -- %s:%s: %w", l.name, a, peer.name, b, err)
	}
	return nil
}

// forgetDev drops the routes recorded through a link that is gone.
func (lr *liveRouter) forgetDev(dev string) {
	for k, v := range lr.routes {
		if v.dev == dev {
			delete(lr.routes, k)
		}
	}
	lr.key = ""
}

func (l *liveNS) delLink(name string) error {
	k, err := l.nl.LinkByName(name)
	if err != nil {
		var nf netlink.LinkNotFoundError
		if errors.As(err, &nf) {
			return nil
		}
		return fmt.Errorf("%s: find %s: %w", l.name, name, err)
	}
	// A link whose peer's namespace is being freed may go by itself
	// between the lookup and the delete.
	if err := l.nl.LinkDel(k); err != nil && !errors.Is(err, unix.ENODEV) {
		return fmt.Errorf("%s: delete %s: %w", l.name, name, err)
	}
	return nil
}

type liveRouter struct {
	*liveNS
	segs   map[string]segPlan // by subnet ID
	igw    bool
	routes map[rkey]kroute
	rules  map[krule]bool
	key    string // of routes and rules
	nftKey string // of the nftables table
	v6     live6  // its IPv6 wiring (ipv6.go)
}

type rkey struct {
	table int
	dst   netip.Prefix
}

type liveHost struct {
	*liveNS
	key, nftKey string
	router      string
	port        string       // its port on its subnet's bridge (hostPlan.port)
	gateway     *gatewayProc // the gateway daemon running inside, if any
	// nics are its further interfaces, by interface ID; addrKey and
	// routeKey fingerprint its addresses and source routing (nics.go).
	nics              map[string]liveNIC
	addrKey, routeKey string
}

// liveState is what the realizer has made.
type liveState struct {
	routers    map[string]*liveRouter
	hosts      map[string]*liveHost
	peerings   map[string]*peerPlan
	tgws       map[string]*liveRouter  // transit gateways, by ID
	atts       map[string]attPlan      // VPC attachments, by ID
	tgwPeers   map[string]*tgwPeerPlan // peering attachment links, by ID (transit.go)
	inet       *liveNS
	inetRoutes map[netip.Addr]string // public address -> network whose link it goes to
	dx         map[string]*liveDX    // virtual interface links, by VIF ID
	uplinks    map[string]bool       // uplinks made, by their internet interface
	vpns       map[string]*liveVPN   // VPN gateways, by connection ID or tunnel (vpnPlan.slot, vpn.go)
	ics        map[string]*liveIC    // GCP VLAN attachments, by ID (gcpic.go)
}

func newLiveState() *liveState {
	return &liveState{routers: map[string]*liveRouter{}, hosts: map[string]*liveHost{},
		peerings: map[string]*peerPlan{}, tgws: map[string]*liveRouter{}, atts: map[string]attPlan{}, tgwPeers: map[string]*tgwPeerPlan{}, inetRoutes: map[netip.Addr]string{},
		dx: map[string]*liveDX{}, uplinks: map[string]bool{}, vpns: map[string]*liveVPN{}, ics: map[string]*liveIC{}}
}

// teardown removes every namespace, hosts first, and before them the
// links to circuits and the uplinks: those end in namespaces the lab owns,
// and deleting them here is at once, where a deleted namespace's links go
// only when the kernel gets round to freeing it.
func (s *liveState) teardown() error {
	var errs []error
	errs = append(errs, s.removeUplinks())
	for id, d := range s.dx {
		if rt := s.routers[d.network]; rt != nil {
			errs = append(errs, rt.delLink(d.ifRouter))
		}
		delete(s.dx, id)
	}
	for id, h := range s.hosts {
		errs = append(errs, h.remove())
		delete(s.hosts, id)
	}
	for id, r := range s.routers {
		errs = append(errs, r.remove())
		delete(s.routers, id)
	}
	for id, g := range s.tgws {
		errs = append(errs, g.remove())
		delete(s.tgws, id)
	}
	s.atts, s.tgwPeers = map[string]attPlan{}, map[string]*tgwPeerPlan{}
	if s.inet != nil {
		errs = append(errs, s.inet.remove())
		s.inet = nil
	}
	s.peerings = map[string]*peerPlan{}
	s.inetRoutes = map[netip.Addr]string{}
	return errors.Join(errs...)
}

// reconcile makes the dataplane match a fresh read of the model.
func (r *Realizer) reconcile() error {
	snap := takeSnapshot(r.cloud)
	adopt := r.opts.Adopt && !r.adopted
	if adopt {
		r.adoptLinks(snap) // before the plan allocates link addresses
	}
	p, err := r.buildPlan(snap)
	if err != nil {
		return fmt.Errorf("realize: plan: %w", err)
	}
	if adopt {
		r.adopted = true
		if err := r.adoptLive(p); err != nil {
			return err
		}
	}
	if err := r.removeStale(p); err != nil {
		return err
	}
	if err := r.ensure(p); err != nil {
		return err
	}
	if err := r.ensureServices(snap, p); err != nil {
		return err
	}
	// The stops and starts this pass read are in force: their instances'
	// hosts are gone or made (model.SettlePower).
	r.cloud.SettlePower(snap.powerInTransit())
	return nil
}

// ensure makes or changes what the plan asks for, providers before users:
// the internet, routers, their links, hosts, then the routers' and hosts'
// tables.
func (r *Realizer) ensure(p *plan) error {
	s := r.live
	if p.internet && s.inet == nil {
		if err := r.createInternet(); err != nil {
			return err
		}
	}
	if s.inet != nil {
		if err := r.ensureUplinks(); err != nil {
			return err
		}
	}
	for _, id := range sortedKeys(p.routers) {
		if err := r.ensureRouter(p.routers[id]); err != nil {
			return err
		}
	}
	for _, id := range sortedKeys(p.routers) {
		if err := r.ensureRouter6(p.routers[id]); err != nil {
			return err
		}
	}
	for _, id := range sortedKeys(p.peerings) {
		if err := r.ensurePeering(p.peerings[id]); err != nil {
			return err
		}
	}
	for _, id := range sortedKeys(p.dx) {
		if err := r.ensureDX(p.dx[id]); err != nil {
			return err
		}
	}
	for _, id := range sortedKeys(p.vpns) {
		if p.vpns[id].tgw != "" {
			continue // after its transit gateway, below
		}
		if err := r.ensureVPN(p.vpns[id]); err != nil {
			return err
		}
	}
	for _, id := range sortedKeys(p.ics) {
		if p.ics[id].drg != "" {
			continue // after its DRG, below
		}
		if err := r.ensureIC(p.ics[id]); err != nil {
			return err
		}
	}
	for _, id := range sortedKeys(p.tgws) {
		if err := r.ensureTransit(p.tgws[id]); err != nil {
			return err
		}
	}
	for _, id := range sortedKeys(p.tgwPeers) {
		if err := r.ensureTGWPeer(p.tgwPeers[id]); err != nil {
			return err
		}
	}
	if err := r.ensureOnTransit(p); err != nil {
		return err
	}
	for _, id := range sortedKeys(p.tgws) {
		if err := r.configureTransit(p.tgws[id]); err != nil {
			return err
		}
	}
	for _, id := range sortedKeys(p.hosts) {
		if err := r.ensureHost(p.hosts[id]); err != nil {
			return err
		}
	}
	if err := r.applyHostTables(p); err != nil {
		return err
	}
	if err := r.syncHostExtras(p); err != nil {
		return err
	}
	for _, id := range sortedKeys(p.routers) {
		if err := r.configureRouter(p.routers[id]); err != nil {
			return err
		}
	}
	if err := r.syncInternetRoutes(p); err != nil {
		return err
	}
	if !p.internet && s.inet != nil {
		if err := s.removeUplinks(); err != nil {
			return err
		}
		if err := s.inet.remove(); err != nil {
			return err
		}
		s.inet = nil
	}
	return nil
}

// removeStale removes what is gone from the plan, or must be remade, users
// before providers: hosts, Direct Connect links, peerings, transit
// attachments, transit gateways, routers.
func (r *Realizer) removeStale(p *plan) error {
	s := r.live
	var errs []error
	for id, h := range s.hosts {
		if want, ok := p.hosts[id]; !ok || want.key != h.key || s.routers[h.router] == nil {
			errs = append(errs, h.remove(), s.unplugHost(id, h))
			delete(s.hosts, id)
		}
	}
	errs = append(errs, r.removeStaleDX(p), r.removeStaleVPNs(p), r.removeStaleICs(p))
	for id, pc := range s.peerings {
		if want, ok := p.peerings[id]; !ok || *want != *pc {
			for _, end := range []string{pc.a, pc.b} {
				if rt := s.routers[end]; rt != nil {
					errs = append(errs, rt.delLink(pc.ifname))
					rt.forgetDev(pc.ifname)
				}
			}
			delete(s.peerings, id)
		}
	}
	errs = append(errs, r.removeStaleAttachments(p), r.removeStaleTGWPeers(p))
	for id, g := range s.tgws {
		if _, ok := p.tgws[id]; !ok {
			errs = append(errs, g.remove())
			delete(s.tgws, id)
		}
	}
	for id, rt := range s.routers {
		if _, ok := p.routers[id]; !ok {
			errs = append(errs, r.svc.stopResolver(id), rt.remove())
			delete(s.routers, id)
		}
	}
	return errors.Join(errs...)
}

// removeStaleAttachments removes the links of transit gateway attachments
// that are gone from the plan or changed.
func (r *Realizer) removeStaleAttachments(p *plan) error {
	s := r.live
	var errs []error
	wantAtts := map[string]attPlan{}
	for _, g := range p.tgws {
		for _, a := range g.atts {
			wantAtts[a.id] = a
		}
	}
	for id, a := range s.atts {
		if want, ok := wantAtts[id]; !ok || want != a {
			for _, g := range s.tgws {
				if g.segs[id].subnet != "" { // the attachment's marker on its gateway
					errs = append(errs, g.delLink(a.ifTGW))
					g.forgetDev(a.ifTGW)
					delete(g.segs, id)
				}
			}
			if rt := s.routers[a.network]; rt != nil {
				errs = append(errs, rt.delLink(a.ifVPC))
				rt.forgetDev(a.ifVPC)
			}
			delete(s.atts, id)
		}
	}
	return errors.Join(errs...)
}

func sortedKeys[T any](m map[string]T) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// createInternet makes the emulated internet: a namespace holding the
// internet server's address. The uplinks are made anew in it.
func (r *Realizer) createInternet() error {
	l, err := r.createNS(r.internetNS())
	if err != nil {
		return fmt.Errorf("realize: internet: %w", err)
	}
	r.live.inet = l
	clear(r.live.uplinks)
	lo, err := l.link("lo")
	if err != nil {
		return err
	}
	if err := l.addAddr(lo, netip.PrefixFrom(InternetServer, 32)); err != nil {
		return err
	}
	return addInternet6(l)
}

func (r *Realizer) ensureRouter(rp *routerPlan) error {
	s := r.live
	lr := s.routers[rp.network]
	if lr == nil {
		l, err := r.createNS(rp.ns)
		if err != nil {
			return fmt.Errorf("realize: router of %s: %w", rp.network, err)
		}
		lr = &liveRouter{liveNS: l, segs: map[string]segPlan{}, routes: map[rkey]kroute{}, rules: map[krule]bool{}}
		s.routers[rp.network] = lr
	}
	want := map[string]segPlan{}
	for _, sg := range rp.segs {
		want[sg.subnet] = sg
	}
	for id, sg := range lr.segs {
		if w, ok := want[id]; !ok || w != sg {
			if err := lr.delLink(sg.bridge); err != nil {
				return err
			}
			delete(lr.segs, id)
			lr.forgetDev(sg.bridge)
		}
	}
	for _, sg := range rp.segs {
		if _, ok := lr.segs[sg.subnet]; ok {
			continue
		}
		// The bridge's MAC is the VPC router's in the subnet, fixed as a
		// router's is: a bridge left to itself takes its lowest port's,
		// so a host remade by a stop or a reboot could change it under
		// the ARP caches of the subnet's other hosts, which then send to
		// a MAC nobody has until their entry expires.
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html — the second address (base+1) is the VPC router
		br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: sg.bridge, HardwareAddr: hostMAC("vpc-router/" + sg.subnet)}}
		if err := lr.nl.LinkAdd(br); err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("%s: create bridge %s for %s: %w", lr.name, sg.bridge, sg.subnet, err)
		}
		k, err := lr.link(sg.bridge)
		if err != nil {
			return err
		}
		if err := addAddrIf(lr.liveNS, k, sg.gw); err != nil {
			return err
		}
		if err := lr.up(k); err != nil {
			return err
		}
		lr.segs[sg.subnet] = sg
		lr.key, lr.v6.key = "", ""
	}
	switch {
	case rp.igw && !lr.igw:
		a, b := linkAddrs(r.links["igw/"+rp.network])
		gi := rp.inetIf
		if err := lr.veth(igwIf, s.inet, gi); err != nil {
			return err
		}
		for _, end := range []struct {
			l    *liveNS
			name string
			addr netip.Prefix
		}{{lr.liveNS, igwIf, a}, {s.inet, gi, b}} {
			k, err := end.l.link(end.name)
			if err != nil {
				return err
			}
			if err := end.l.addAddr(k, end.addr); err != nil {
				return err
			}
			if err := end.l.up(k); err != nil {
				return err
			}
		}
		lr.igw, lr.key, lr.v6.key = true, "", ""
	case !rp.igw && lr.igw:
		if err := lr.delLink(igwIf); err != nil {
			return err
		}
		lr.forgetDev(igwIf)
		for a, n := range s.inetRoutes {
			if n == rp.network {
				delete(s.inetRoutes, a)
			}
		}
		lr.igw, lr.key, lr.v6.key = false, "", ""
	}
	return nil
}

func (r *Realizer) ensurePeering(pp *peerPlan) error {
	s := r.live
	if _, ok := s.peerings[pp.id]; ok {
		return nil
	}
	a, b := s.routers[pp.a], s.routers[pp.b]
	if err := a.veth(pp.ifname, b.liveNS, pp.ifname); err != nil {
		return err
	}
	a6, b6 := linkAddrs6(pp.link)
	for _, end := range []struct {
		r           *liveRouter
		addr, addr6 netip.Prefix
	}{{a, pp.addrA, a6}, {b, pp.addrB, b6}} {
		k, err := end.r.link(pp.ifname)
		if err != nil {
			return err
		}
		if err := end.r.addAddr(k, end.addr); err != nil {
			return err
		}
		if err := end.r.addAddr6(k, end.addr6); err != nil {
			return err
		}
		if err := end.r.up(k); err != nil {
			return err
		}
		end.r.key = ""
	}
	cp := *pp
	s.peerings[pp.id] = &cp
	return nil
}

func (r *Realizer) ensureHost(hp *hostPlan) error {
	s := r.live
	lh := s.hosts[hp.id]
	if lh == nil {
		rt := s.routers[hp.router]
		l, err := r.createNS(hp.ns)
		if err != nil {
			return fmt.Errorf("realize: host %s: %w", hp.id, err)
		}
		lh = &liveHost{liveNS: l, key: hp.key, router: hp.router, port: hp.port}
		// The rules are in place before the host is plugged in.
		if err := hp.nft.apply(int(l.h)); err != nil {
			return errors.Join(fmt.Errorf("realize: host %s: %w", hp.id, err), l.remove())
		}
		lh.nftKey = hp.nftKey
		if err := wireHost(rt, l, hp); err != nil {
			return errors.Join(fmt.Errorf("realize: host %s: %w", hp.id, err), l.remove())
		}
		if hp.gateway != "" {
			g, err := r.superviseGateway(l.name, hp.gateway)
			if err != nil {
				return errors.Join(err, l.remove())
			}
			lh.gateway = g
		}
		s.hosts[hp.id] = lh
	}
	return nil
}

// applyHostTables replaces the nftables table of every host whose rules
// changed, all at once: each commit waits milliseconds in the kernel, and
// the hosts are independent namespaces.
func (r *Realizer) applyHostTables(p *plan) error {
	var wg sync.WaitGroup
	var mu sync.Mutex // guards errs
	var errs []error
	sem := make(chan struct{}, 16)
	for id, hp := range p.hosts {
		lh := r.live.hosts[id]
		if lh == nil || lh.nftKey == hp.nftKey {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if err := hp.nft.apply(int(lh.h)); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("%s: %w", lh.name, err))
				mu.Unlock()
				return
			}
			lh.nftKey = hp.nftKey // this goroutine's host only
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// wireHost plugs a new host into its subnet's bridge and gives it its
// address and default route.
func wireHost(rt *liveRouter, l *liveNS, hp *hostPlan) error {
	{
		if err := rt.veth(hp.port, l, hostIf); err != nil {
			return err
		}
		port, err := rt.link(hp.port)
		if err != nil {
			return err
		}
		br, err := rt.link(hp.bridge)
		if err != nil {
			return err
		}
		if err := rt.nl.LinkSetMaster(port, br); err != nil {
			return fmt.Errorf("%s: attach %s to %s: %w", rt.name, hp.port, br.Attrs().Name, err)
		}
		if err := rt.up(port); err != nil {
			return err
		}
		eth, err := l.link(hostIf)
		if err != nil {
			return err
		}
		if err := setHostMAC(l, eth, hp); err != nil {
			return err
		}
		if err := addAddrIf(l, eth, hp.addr); err != nil {
			return err
		}
		if err := l.up(eth); err != nil {
			return err
		}
		// The wiring's key, kept with the interface: a realizer that adopts
		// the host (adopt.go) reads it back to know whether it is current.
		if err := l.nl.LinkSetAlias(eth, hp.key); err != nil {
			return fmt.Errorf("%s: set %s alias: %w", l.name, hostIf, err)
		}
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html — instances reach everything through the VPC router at the subnet's base+1
		// A host of an IPv6-only subnet has no IPv4 address and no IPv4
		// route at all (ipv6.go).
		if hp.gw.IsValid() {
			def := &netlink.Route{Dst: ipNet(netip.MustParsePrefix("0.0.0.0/0")), Gw: net.IP(hp.gw.AsSlice()), LinkIndex: eth.Attrs().Index}
			if err := l.nl.RouteAdd(def); err != nil {
				return fmt.Errorf("%s: default route via %s: %w", l.name, hp.gw, err)
			}
		}
		if err := wireHost6(l, eth, hp); err != nil {
			return err
		}
	}
	return nil
}

// syncInternetRoutes points each public address, in the internet
// namespace, at the router of the network that holds it.
func (r *Realizer) syncInternetRoutes(p *plan) error {
	s := r.live
	if s.inet == nil {
		return nil
	}
	want := map[netip.Addr]string{}
	for n, addrs := range p.inetRoutes {
		for _, a := range addrs {
			want[a] = n
		}
	}
	for a, n := range s.inetRoutes {
		if want[a] != n {
			err := s.inet.nl.RouteDel(&netlink.Route{Dst: ipNet(netip.PrefixFrom(a, 32))})
			if err != nil && !errors.Is(err, unix.ESRCH) {
				return fmt.Errorf("%s: delete route %s: %w", s.inet.name, a, err)
			}
			delete(s.inetRoutes, a)
		}
	}
	for a, n := range want {
		if s.inetRoutes[a] == n {
			continue
		}
		rp := p.routers[n]
		if rp == nil {
			continue // the plan routes public addresses only to its routers
		}
		link, err := s.inet.link(rp.inetIf)
		if err != nil {
			return err
		}
		ra, _ := linkAddrs(r.links["igw/"+n])
		rt := &netlink.Route{Dst: ipNet(netip.PrefixFrom(a, 32)), Gw: net.IP(ra.Addr().AsSlice()), LinkIndex: link.Attrs().Index}
		if err := s.inet.nl.RouteReplace(rt); err != nil {
			return fmt.Errorf("%s: route %s via %s: %w", s.inet.name, a, ra.Addr(), err)
		}
		s.inetRoutes[a] = n
	}
	return nil
}
