package realize

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strconv"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/emulator/state"
)

// Adoption (Options.Adopt): a realizer that follows a cloud restored from
// its state file, in a lab whose previous cloud process died, finds the
// dataplane that process made still there and still forwarding. Instead of
// making it anew (which would cut every flow for seconds), its first pass
// adopts what the plan predicts by name:
//
//   - namespaces (routers, transit gateways, hosts, the internet) are
//     re-opened, not created; a host counts only if it is wired (its eth0
//     and its port on the router exist), else it is removed and made anew,
//     and keeps the wiring key read from its eth0's alias, so that a host
//     whose key changed (a reboot) is remade by the first pass;
//   - links (subnet bridges, internet gateway, peering, attachment, line
//     and uplink links) count as made where they exist, and the link
//     pool's allocation is read back from their addresses first, so that
//     the plan gives them the addresses they have;
//   - the routes and policy rules in the routers' and transit gateways'
//     namespaces, and the internet's routes to public addresses, are read
//     back; the first pass replaces each wanted route in place (no gap),
//     adds what is missing and deletes what the plan lacks (a change the
//     dead process saved but had not yet realized); nftables tables are
//     replaced, each in one transaction (conntrack, and so established
//     flows, are untouched);
//   - a gateway daemon still running in its instance's namespace is
//     supervised again through a pidfd (it is no child of this process);
//     one that is gone is started.
//
// Namespaces the plan no longer has (an instance whose termination the
// dead process had saved to the model but not yet realized) are not the
// realizer's to find: the lab removes those its record lists and
// Namespaces does not. What adoption does not do: remove links in adopted
// namespaces that the plan no longer has (a peering deleted in that
// window); such leftovers stay until the lab is destroyed.

// adoptedNS opens an existing namespace of the lab, or returns nil.
func (r *Realizer) adoptedNS(name string) *liveNS {
	if !netns.Exists(name) {
		return nil
	}
	l := &liveNS{name: name, forget: r.opts.Forget}
	var err error
	if l.h, err = netns.Open(name); err != nil {
		r.logf("adopt %s: %v", name, err)
		return nil
	}
	if l.nl, err = netlink.NewHandleAt(l.h, unix.NETLINK_ROUTE); err != nil {
		l.h.Close()
		r.logf("adopt %s: netlink: %v", name, err)
		return nil
	}
	return l
}

// close releases an adopted namespace's handles without deleting it.
func (l *liveNS) close() {
	if l.nl != nil {
		l.nl.Close()
		l.nl = nil
	}
	if l.h.IsOpen() {
		l.h.Close()
	}
}

// has reports whether the namespace has a link called name.
func (l *liveNS) has(name string) bool {
	_, err := l.nl.LinkByName(name)
	return err == nil
}

// poolIndex returns the link pool index of the first IPv4 address on the
// link name (linkAddrs's inverse), if the link exists.
func (l *liveNS) poolIndex(name string) (int, bool) {
	k, err := l.nl.LinkByName(name)
	if err != nil {
		return 0, false
	}
	addrs, err := l.nl.AddrList(k, netlink.FAMILY_V4)
	if err != nil {
		return 0, false
	}
	for _, a := range addrs {
		ip, ok := netip.AddrFromSlice(a.IP.To4())
		if !ok || !linkPool.Contains(ip) {
			continue
		}
		b := ip.As4()
		return (int(b[2])<<8 | int(b[3])) / 4, true
	}
	return 0, false
}

// adoptLinks reads back the link pool indexes of the links that exist,
// before the first plan, so that it keeps their addresses.
func (r *Realizer) adoptLinks(s *snapshot) {
	opened := map[string]*liveNS{}
	open := func(name string) *liveNS {
		if l, ok := opened[name]; ok {
			return l
		}
		l := r.adoptedNS(name)
		opened[name] = l
		return l
	}
	defer func() {
		for _, l := range opened {
			if l != nil {
				l.close()
			}
		}
	}()
	for _, n := range s.networks {
		if l := open(r.routerNS(n.Handle)); l != nil {
			if i, ok := l.poolIndex(igwIf); ok {
				r.links["igw/"+n.ID] = i
			}
		}
	}
	for id, pc := range s.peerings {
		if l := open(r.routerNS(s.handle(pc.RequesterNetworkID))); l != nil {
			if i, ok := l.poolIndex(peeringIf(pc.Handle)); ok {
				r.links["pcx/"+id] = i
			}
		}
	}
	for _, a := range s.tgwAtts {
		if l := open(r.tgwNS(s.handle(a.TransitGatewayID))); l != nil {
			if i, ok := l.poolIndex(tgwAttIf(a.Handle)); ok {
				r.links["tgw/"+a.ID] = i
			}
		}
	}
}

// adoptLive fills the live state, which is empty, with what of the plan
// exists in the kernel.
func (r *Realizer) adoptLive(p *plan) error {
	s := r.live
	n := 0
	if l := r.adoptedNS(r.internetNS()); l != nil {
		if !p.internet {
			l.close()
		} else {
			s.inet = l
			n++
			for _, u := range r.uplinks {
				if l.has(u.ifInet) {
					s.uplinks[u.ifInet] = true
				}
			}
		}
	}
	if s.inet != nil {
		s.readInternetRoutes(p)
	}
	for id, rp := range p.routers {
		l := r.adoptedNS(rp.ns)
		if l == nil {
			continue
		}
		lr := &liveRouter{liveNS: l, segs: map[string]segPlan{}, routes: map[rkey]kroute{}, rules: map[krule]bool{}}
		for _, sg := range rp.segs {
			if l.has(sg.bridge) {
				lr.segs[sg.subnet] = sg
			}
		}
		lr.igw = s.inet != nil && l.has(igwIf)
		lr.readKernel()
		s.routers[id] = lr
		n++
	}
	for id, pp := range p.peerings {
		a, b := s.routers[pp.a], s.routers[pp.b]
		if a != nil && b != nil && a.has(pp.ifname) && b.has(pp.ifname) {
			cp := *pp
			s.peerings[id] = &cp
		}
	}
	for id, tp := range p.tgws {
		l := r.adoptedNS(tp.ns)
		if l == nil {
			continue
		}
		lg := &liveRouter{liveNS: l, segs: map[string]segPlan{}, routes: map[rkey]kroute{}, rules: map[krule]bool{}}
		for _, a := range tp.atts {
			if rt := s.routers[a.network]; rt != nil && lg.has(a.ifTGW) && rt.has(a.ifVPC) {
				lg.segs[a.id] = segPlan{subnet: a.id, bridge: a.ifTGW}
				s.atts[a.id] = a
			}
		}
		lg.readKernel()
		s.tgws[id] = lg
		n++
	}
	r.adoptTGWPeers(p)
	for id, d := range p.dx {
		if rt := s.routers[d.network]; rt != nil && rt.has(d.ifRouter) {
			s.dx[id] = &liveDX{network: d.network, ifRouter: d.ifRouter, key: d.key}
		}
	}
	var errs []error
	for id, hp := range p.hosts {
		l := r.adoptedNS(hp.ns)
		if l == nil {
			continue
		}
		eth, err := l.nl.LinkByName(hostIf)
		if rt := s.routers[hp.router]; rt == nil || !rt.has(hp.port) || err != nil {
			// Made but not wired when the previous process died: make
			// it anew.
			errs = append(errs, l.remove())
			continue
		}
		// The key the host was wired with (wireHost): if the plan's
		// differs (a reboot the dead process saved but had not made), the
		// first pass remakes the host.
		lh := &liveHost{liveNS: l, key: eth.Attrs().Alias, router: hp.router, port: hp.port}
		if hp.gateway != "" {
			g, err := r.adoptGateway(l.name, hp.gateway)
			if err != nil {
				errs = append(errs, err)
				l.close()
				continue
			}
			lh.gateway = g
		}
		s.hosts[id] = lh
		n++
	}
	r.logf("adopted %d namespaces of lab %s", n, r.opts.Lab)
	return errors.Join(errs...)
}

// adoptGateway supervises the gateway daemon of instance id that runs in
// namespace ns, started by a previous process, or starts one if none runs.
func (r *Realizer) adoptGateway(ns, id string) (*gatewayProc, error) {
	procs, err := emulator.NamespaceProcesses(ns)
	if err != nil {
		return nil, fmt.Errorf("realize: adopt gateway %s: %w", id, err)
	}
	sock := []byte(GatewaySocket(r.opts.Lab, id))
	for _, p := range procs {
		cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(p.PID) + "/cmdline")
		if err != nil || !bytes.Contains(cmdline, []byte("\x00gateway\x00")) || !bytes.Contains(cmdline, sock) {
			continue
		}
		exited, err := watchProcess(p)
		if err != nil {
			continue // it has just died: start another below
		}
		g := newGatewayProc(r, ns, id, p)
		go g.run(exited)
		r.logf("gateway %s (instance %s): adopted pid %d", GatewayName(id), id, p.PID)
		return g, nil
	}
	return r.superviseGateway(ns, id)
}

// watchProcess returns a channel closed when the process exits. The
// process need not be a child: it is watched through a pidfd, opened and
// then checked against the recorded start time, so that a recycled PID is
// never taken for it.
func watchProcess(p state.Process) (<-chan struct{}, error) {
	fd, err := unix.PidfdOpen(p.PID, 0)
	if err != nil {
		return nil, fmt.Errorf("pidfd of pid %d: %w", p.PID, err)
	}
	if !p.Alive() {
		unix.Close(fd)
		return nil, fmt.Errorf("pid %d: %w", p.PID, os.ErrProcessDone)
	}
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		defer unix.Close(fd)
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		for {
			if _, err := unix.Poll(fds, -1); err == nil || !errors.Is(err, unix.EINTR) {
				return
			}
		}
	}()
	return exited, nil
}

// newGatewayProc is the supervision of a gateway daemon that runs already.
func newGatewayProc(r *Realizer, ns, id string, p state.Process) *gatewayProc {
	ctx, cancel := context.WithCancel(context.Background())
	return &gatewayProc{r: r, ns: ns, id: id, ctx: ctx, cancel: cancel, done: make(chan struct{}), proc: p}
}

// running reports whether the process runs: alive (same PID and start
// time) and not a zombie. An adopted daemon is no child of this process:
// once dead it waits as a zombie for whoever reaps orphans, and must count
// as gone meanwhile.
func running(p state.Process) bool {
	if !p.Alive() {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(p.PID) + "/stat")
	if err != nil {
		return false
	}
	// The state is the first field after the command name's last ')'.
	if i := bytes.LastIndexByte(b, ')'); i >= 0 && i+2 < len(b) && b[i+2] == 'Z' {
		return false
	}
	return true
}

// kernelRoutes lists the namespace's IPv4 routes in every table but the
// kernel's own (connected routes, the local table), with the default
// route's destination as 0.0.0.0/0.
func (l *liveNS) kernelRoutes() []netlink.Route {
	all, err := l.nl.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Table: unix.RT_TABLE_UNSPEC}, netlink.RT_FILTER_TABLE)
	if err != nil {
		return nil
	}
	var out []netlink.Route
	for _, rt := range all {
		if rt.Protocol == unix.RTPROT_KERNEL || rt.Table == unix.RT_TABLE_LOCAL {
			continue
		}
		if rt.Dst == nil {
			rt.Dst = ipNet(netip.MustParsePrefix("0.0.0.0/0"))
		}
		out = append(out, rt)
	}
	return out
}

// readKernel records the router's routes and policy rules as they are, so
// that its first configure replaces the wanted routes in place and
// deletes the others. A route read back has kind "adopted": it equals no
// planned route, so each planned one is replaced (atomically) once.
func (lr *liveRouter) readKernel() {
	for _, rt := range lr.kernelRoutes() {
		p, ok := netip.AddrFromSlice(rt.Dst.IP.To4())
		if !ok {
			continue
		}
		bits, _ := rt.Dst.Mask.Size()
		dst := netip.PrefixFrom(p, bits)
		lr.routes[rkey{rt.Table, dst}] = kroute{table: rt.Table, dst: dst, kind: "adopted"}
	}
	rules, err := lr.nl.RuleList(netlink.FAMILY_V4)
	if err != nil {
		return
	}
	for _, ru := range rules {
		if ru.Priority <= 0 || ru.Priority >= 32766 { // the kernel's own: local, main, default
			continue
		}
		lr.rules[krule{prio: ru.Priority, iif: ru.IifName, table: ru.Table}] = true
	}
}

// readInternetRoutes records the internet's routes to public addresses
// that point at a network's internet gateway link, so that
// syncInternetRoutes keeps the wanted ones and deletes the others.
func (s *liveState) readInternetRoutes(p *plan) {
	byLink := map[string]string{} // internet end of a VPC's link -> network
	for n, rp := range p.routers {
		byLink[rp.inetIf] = n
	}
	for _, rt := range s.inet.kernelRoutes() {
		if ones, _ := rt.Dst.Mask.Size(); ones != 32 || rt.Table != unix.RT_TABLE_MAIN {
			continue
		}
		a, ok := netip.AddrFromSlice(rt.Dst.IP.To4())
		if !ok {
			continue
		}
		n := ""
		if k, err := s.inet.nl.LinkByIndex(rt.LinkIndex); err == nil {
			n = byLink[k.Attrs().Name]
		}
		s.inetRoutes[a] = n // "" (no network): deleted by the first pass
	}
}

// namespaces lists the namespaces the live state holds, sorted.
func (s *liveState) namespaces() []string {
	var out []string
	for _, h := range s.hosts {
		out = append(out, h.name)
	}
	for _, r := range s.routers {
		out = append(out, r.name)
	}
	for _, g := range s.tgws {
		out = append(out, g.name)
	}
	for _, v := range s.vpns {
		out = append(out, v.ns.name)
	}
	if s.inet != nil {
		out = append(out, s.inet.name)
	}
	slices.Sort(out)
	return out
}

// Namespaces returns the namespaces the realizer holds after its last
// pass (made or adopted), sorted. A lab whose cloud restarted with Adopt
// removes the namespaces its dead predecessor recorded that are not among
// them: objects that the restored model no longer has.
func (r *Realizer) Namespaces() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.names)
}
