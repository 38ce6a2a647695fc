package realize

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/ipsec"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/topologies"
)

// Site-to-site VPN connections of a VPN gateway that has a public address
// (Azure's virtual network gateways: model.GatewayOptions.Addresses) to a
// customer gateway whose address is one of the lab's uplinks: the gateway
// is a namespace mcn-<lab>-vng-<gateway> with a link to the internet
// (holding its public address) and one to its network's router, running
// strongSwan's charon (IKEv2 with the connection's pre-shared key, ESP in
// the process over ipsec0) and, for a connection with BGP, FRR's bgpd
// speaking eBGP to the customer's BGP address over the tunnel. What bgpd
// learns is recorded on the connection (model.Cloud.SetVPNLearnedRoutes),
// which makes it the network's effective routes to the gateway; without
// BGP the connection's routes (the local network gateway's address space)
// are routed into the tunnel. One connection per gateway is realized (the
// lowest ID): by the gateway's single instance when it is active-standby,
// by each of its two when it is active-active (vpnha.go).
// Azure: https://learn.microsoft.com/en-us/azure/vpn-gateway/design — a site-to-site connection is an IPsec/IKE tunnel between the VPN gateway's public IP and the on-premises VPN device
// Azure: https://learn.microsoft.com/en-us/azure/vpn-gateway/vpn-gateway-bgp-overview — with BGP the gateway and the on-premises device exchange routes over the tunnel; the VNet learns the site's prefixes and the site the VNet's

// vpnPlan is a VPN connection the realizer makes true.
type vpnPlan struct {
	id, account, vgw, network string
	node, ns                  string         // the gateway's name in the lab's state (emulator.NodeDir) and its namespace
	ifInet, ifRouter          string         // the internet's and the router's ends of its links
	inet, router              linkEnds       // a: the internet's/router's end, b: the gateway's
	public, site              netip.Addr     // the tunnel's outer addresses
	psk                       string         // the shared key, in hex
	bgp                       bool           // eBGP over the tunnel
	asn, siteASN              int64          // the gateway's and the customer's AS numbers
	bgpAddr, siteBGP          netip.Addr     // their BGP peering addresses
	cidrs                     []netip.Prefix // the network's prefixes, routed to the router
	announce                  []netip.Prefix // what bgpd announces
	static                    []netip.Prefix // without BGP: the site's prefixes, into the tunnel
	// region and global say which of the network's subnets use the routes
	// the connection learns (GCP's dynamic routing mode, gcpvpn.go); zero
	// for Azure's, which the network's effective routes carry.
	region string
	global bool
	// tgw is the transit gateway whose namespace the gateway links to
	// instead of a network's router (an OCI IPSec connection's DRG,
	// ocivpn.go); attachment is the connection's attachment to it.
	tgw, attachment string
	// tunnel is n+1 for tunnel n of a connection realized tunnel by
	// tunnel (OCI's two, ocivpn.go), each by a gateway of its own; 0
	// where one gateway realizes the connection.
	tunnel int
	key    string
}

// slot names the gateway in the plan and the live state: its
// connection's ID, and the tunnel's number for one of several.
func (x *vpnPlan) slot() string {
	if x.tunnel == 0 {
		return x.id
	}
	return fmt.Sprintf("%s/tunnel%d", x.id, x.tunnel)
}

// setVPNStatus records what a gateway sees of its tunnel and BGP session
// on its connection, or on its tunnel of the connection.
func (r *Realizer) setVPNStatus(x *vpnPlan, tunnel, bgp string) error {
	if x.tunnel > 0 {
		return r.cloud.SetVPNTunnelStatus(x.account, x.id, x.tunnel-1, tunnel, bgp)
	}
	return r.cloud.SetVPNStatus(x.account, x.id, tunnel, bgp)
}

// setVPNRoutes records the routes a gateway's bgpd learned on its
// connection, or on its tunnel of the connection.
func (r *Realizer) setVPNRoutes(x *vpnPlan, routes []netip.Prefix) error {
	if x.tunnel > 0 {
		return r.cloud.SetVPNTunnelRoutes(x.account, x.id, x.tunnel-1, routes)
	}
	return r.cloud.SetVPNLearnedRoutes(x.account, x.id, routes)
}

// far is the router namespace the gateway's inner link ends in: its
// transit gateway's or its network's router; nil while it is not live.
func (r *Realizer) far(x *vpnPlan) *liveRouter {
	if x.tgw != "" {
		return r.live.tgws[x.tgw]
	}
	return r.live.routers[x.network]
}

// newVPNPlan is the part of a connection's plan that every provider's
// shares: its gateway namespace mcn-<lab>-vng-<handle of the object named
// by owner> (and -<tunnel> for tunnel, ocivpn.go) and its two links (to
// the internet and to network's router), kept across passes.
func (r *Realizer) newVPNPlan(s *snapshot, keep map[string]bool, v model.VPNConnection, owner, gw, network string, tunnel int) *vpnPlan {
	x := &vpnPlan{id: v.ID, account: v.Account, vgw: gw, network: network, tunnel: tunnel}
	h := s.handle(owner)
	if tunnel > 0 {
		h = fmt.Sprintf("%s-%d", h, tunnel)
	}
	x.node, x.ns, x.ifInet, x.ifRouter = vngNode(h), emulator.NamespaceName(r.opts.Lab, vngNode(h)), "vi-"+h, "vg-"+h
	x.inet, x.router = r.keptLink(keep, "vngi/"+x.slot()), r.keptLink(keep, "vngr/"+x.slot())
	return x
}

// labPSK is a shared key as the lab's charon takes it: in hex, 32 to 128
// digits (keys of 16 to 64 characters); false otherwise.
func labPSK(key string) (string, bool) {
	psk := hex.EncodeToString([]byte(key))
	return psk, len(psk) >= 32 && len(psk) <= 128
}

// uplinkAddrs are the addresses of the lab's uplinks: the sites a VPN
// can reach.
func (r *Realizer) uplinkAddrs() map[netip.Addr]bool {
	out := map[netip.Addr]bool{}
	for _, u := range r.uplinks {
		out[u.Address.Addr()] = true
	}
	return out
}

// vngNode names a VPN gateway in the lab: its namespace is
// emulator.NamespaceName of it, mcn-<lab>-vng-<handle>, its files are in
// emulator.NodeDir of it.
func vngNode(vgw string) string { return "vng-" + vgw }

// planVPN plans the connections the lab realizes (see above).
func (r *Realizer) planVPN(p *plan, s *snapshot, nets map[string]model.Network, keep map[string]bool) {
	pub := map[string]netip.Addr{}
	for _, e := range s.eips {
		pub[e.ID] = e.PublicIP
	}
	onUplink := r.uplinkAddrs()
	taken := map[string]bool{}
	for _, v := range s.vpns { // sorted by ID: the lowest of a gateway's wins
		g, gok := s.vgws[v.VPNGatewayID]
		cg, cok := s.cgws[v.CustomerGatewayID]
		nw, nok := nets[g.NetworkID]
		if v.State != model.StateAvailable || !gok || !cok || !nok || len(g.Options.Addresses) == 0 || !onUplink[cg.IP] || taken[g.ID] {
			continue
		}
		// The lab's charon takes 32 to 128 hex digits: keys of 16 to 64
		// characters (Azure allows 1 to 128).
		psk, ok := labPSK(v.SharedKey)
		if !ok {
			continue
		}
		taken[g.ID] = true
		n := instances(g)
		for i := range n {
			if !pub[g.Options.Addresses[i]].IsValid() {
				continue
			}
			tunnel := 0 // one instance: the connection's one gateway
			if n > 1 {
				tunnel = i + 1
			}
			x := r.newVPNPlan(s, keep, v, g.ID, g.ID, nw.ID, tunnel)
			x.public, x.site, x.psk, x.asn, x.siteASN, x.siteBGP = pub[g.Options.Addresses[i]], cg.IP, psk, g.ASN, cg.ASN, cg.BGPAddr
			for _, b := range nw.CIDRs {
				x.cidrs = append(x.cidrs, b.Prefix)
			}
			x.announce = x.cidrs
			// Azure: https://learn.microsoft.com/en-us/azure/vpn-gateway/vpn-gateway-bgp-resource-manager-ps — the gateway's BGP peer IP is an address of the GatewaySubnet (the lab: its last usable one, the one before for a second instance, as the API shows)
			for _, sn := range s.subnets {
				if sn.NetworkID == nw.ID && strings.EqualFold(sn.Name, "GatewaySubnet") {
					x.bgpAddr = model.AzureGatewayBGPAddresses(sn.Prefix, n)[i]
				}
			}
			x.bgp = !v.StaticRoutesOnly && g.Options.BGP && x.bgpAddr.IsValid() && cg.BGPAddr.Is4() && cg.ASN != 0
			if v.StaticRoutesOnly {
				x.static = slices.Clone(v.Routes)
			}
			x.key = fmt.Sprintf("%+v", *x)
			p.vpns[x.slot()] = x
		}
	}
}

// vpnRoute is the kernel route of a route to VPN gateway gw in network n
// (an effective route the connection learned, or a user-defined one):
// over the link to the gateway's namespace; false when the gateway has no
// realized connection in n. Of an active-active gateway's instances it
// takes the first that serves (vpnha.go), else the first.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-networks-udr-overview#next-hop-types-across-azure-tools — next hop Virtual network gateway
func vpnRoute(k kroute, n, gw string, p *plan, s *snapshot) (kroute, bool) {
	var pick *vpnPlan
	for _, id := range sortedKeys(p.vpns) {
		if v := p.vpns[id]; v.network == n && v.tgw == "" && (gw == "" || v.vgw == gw) && (pick == nil || (!serves(s, pick) && serves(s, v))) {
			pick = v
		}
	}
	if pick == nil {
		return k, false
	}
	k.kind, k.via, k.dev = "via", pick.router.b.Addr(), pick.ifRouter
	return k, true
}

// liveVPN is a realized connection: its gateway namespace and the
// watcher of what its bgpd learned.
type liveVPN struct {
	plan *vpnPlan
	ns   *liveNS
	stop chan struct{}
	done chan struct{}
}

// removeStaleVPNs removes the gateways of connections gone or changed.
func (r *Realizer) removeStaleVPNs(p *plan) error {
	return removeEach(r.live.vpns, func(v *liveVPN) (bool, error) {
		if want, ok := p.vpns[v.plan.slot()]; ok && want.key == v.plan.key && r.far(v.plan) != nil {
			return false, nil
		}
		err := r.removeVPN(v)
		// What it learned and saw goes with it (ignored when the
		// connection is gone).
		if v.plan.bgp {
			_ = r.setVPNRoutes(v.plan, nil)
		}
		_ = r.setVPNStatus(v.plan, "", "")
		return true, err
	})
}

// removeVPN stops the watcher and deletes the gateway's links (at once,
// rather than when the kernel frees its namespace) and namespace, with
// charon and FRR inside.
func (r *Realizer) removeVPN(v *liveVPN) error {
	if v.stop != nil {
		close(v.stop)
		<-v.done
	}
	var errs []error
	if r.live.inet != nil {
		errs = append(errs, r.live.inet.delLink(v.plan.ifInet))
	}
	if rt := r.far(v.plan); rt != nil {
		errs = append(errs, rt.delLink(v.plan.ifRouter))
		rt.forgetDev(v.plan.ifRouter)
	}
	errs = append(errs, v.ns.remove())
	if err := os.RemoveAll(emulator.NodeDir(r.opts.Lab, v.plan.node)); err != nil {
		errs = append(errs, fmt.Errorf("realize: VPN connection %s: %w", v.plan.id, err))
	}
	return errors.Join(errs...)
}

// removeVPNs removes every VPN gateway (Close), before the routers and
// the internet their links end in.
func (r *Realizer) removeVPNs() error { return removeEach(r.live.vpns, always(r.removeVPN)) }

// removeEach calls remove on every live object of m, deleting from m
// those it says it removed.
func removeEach[T any](m map[string]T, remove func(T) (bool, error)) error {
	var errs []error
	for id, v := range m {
		gone, err := remove(v)
		errs = append(errs, err)
		if gone {
			delete(m, id)
		}
	}
	return errors.Join(errs...)
}

// always is a removal for removeEach that removes every object.
func always[T any](remove func(T) error) func(T) (bool, error) {
	return func(v T) (bool, error) { return true, remove(v) }
}

// ensureVPN makes a connection's gateway, unless it is live.
func (r *Realizer) ensureVPN(x *vpnPlan) error {
	if _, ok := r.live.vpns[x.slot()]; ok {
		return nil
	}
	rt, inet := r.far(x), r.live.inet
	if rt == nil || inet == nil {
		return fmt.Errorf("realize: VPN connection %s: no router for %s%s or no internet", x.id, x.network, x.tgw)
	}
	ns, err := r.freshNS(x.ns)
	if err != nil {
		return fmt.Errorf("realize: VPN connection %s: %w", x.id, err)
	}
	v := &liveVPN{plan: x, ns: ns}
	if err := r.wireVPN(x, ns, rt, inet); err != nil {
		return errors.Join(fmt.Errorf("realize: VPN connection %s: %w", x.id, err), r.removeVPN(v))
	}
	v.stop, v.done = make(chan struct{}), make(chan struct{})
	go r.watchVPN(v)
	r.live.vpns[x.slot()] = v
	rt.key = ""
	return nil
}

// freshNS creates a gateway's namespace, after removing one of that name
// (and the daemons inside) that a realizer which died left.
func (r *Realizer) freshNS(name string) (*liveNS, error) {
	if netns.Exists(name) {
		if err := errors.Join(emulator.KillNamespace(name), netns.Delete(name)); err != nil {
			return nil, err
		}
	}
	return r.createNS(name)
}

// wireVPN links the gateway to the internet and to its network's router,
// and starts charon and, with BGP, FRR inside it.
func (r *Realizer) wireVPN(x *vpnPlan, ns *liveNS, rt *liveRouter, inet *liveNS) error {
	if err := wireGatewayLink(inet, x.ifInet, x.inet, ns, "inet", nil); err != nil {
		return err
	}
	if err := wireGatewayLink(rt.liveNS, x.ifRouter, x.router, ns, "vnet", x.cidrs); err != nil {
		return err
	}
	// The public address is the gateway's own; the internet routes it to
	// the gateway, which sends from it.
	lo, err := ns.link("lo")
	if err != nil {
		return err
	}
	if err := ns.addAddr(lo, netip.PrefixFrom(x.public, 32)); err != nil {
		return err
	}
	if err := ns.nl.RouteReplace(&netlink.Route{Dst: ipNet(netip.MustParsePrefix("0.0.0.0/0")), Gw: net.IP(x.inet.a.Addr().AsSlice()),
		Src: net.IP(x.public.AsSlice())}); err != nil {
		return fmt.Errorf("%s: default route: %w", ns.name, err)
	}
	k, err := inet.link(x.ifInet)
	if err != nil {
		return err
	}
	if err := inet.nl.RouteReplace(&netlink.Route{Dst: ipNet(netip.PrefixFrom(x.public, 32)), Gw: net.IP(x.inet.b.Addr().AsSlice()), LinkIndex: k.Attrs().Index}); err != nil {
		return fmt.Errorf("%s: route %s: %w", inet.name, x.public, err)
	}
	return r.startVPN(x, ns)
}

// wireGatewayLink links a gateway's namespace ns (its end gwIf, ends.b)
// to far (farIf, ends.a), sets both ends up and routes routes from the
// gateway to far's end.
func wireGatewayLink(far *liveNS, farIf string, ends linkEnds, ns *liveNS, gwIf string, routes []netip.Prefix) error {
	if err := far.veth(farIf, ns, gwIf); err != nil {
		return err
	}
	for _, e := range []struct {
		ns   *liveNS
		name string
		addr netip.Prefix
	}{{far, farIf, ends.a}, {ns, gwIf, ends.b}} {
		k, err := e.ns.link(e.name)
		if err != nil {
			return err
		}
		if err := e.ns.addAddr(k, e.addr); err != nil {
			return err
		}
		if err := e.ns.up(k); err != nil {
			return err
		}
	}
	for _, c := range routes {
		if err := ns.nl.RouteReplace(&netlink.Route{Dst: ipNet(c), Gw: net.IP(ends.a.Addr().AsSlice())}); err != nil {
			return fmt.Errorf("%s: route %s: %w", ns.name, c, err)
		}
	}
	return nil
}

// vpnRouting keeps charon's own routes (table 220) for packets with a mark
// nothing sets: the gateway routes into ipsec0 itself (route-based).
var vpnRouting = ipsec.Routing{Table: 220, Mark: 0x4d43}

// startVPN starts charon with the connection (the gateway initiates;
// any-to-any traffic selectors, as Azure's route-based gateways), routes
// the site's BGP address or, without BGP, its prefixes into ipsec0, and
// with BGP starts FRR.
// Azure: https://learn.microsoft.com/en-us/azure/vpn-gateway/vpn-gateway-connect-multiple-policybased-rm-ps — route-based VPN gateways use any-to-any (wildcard) traffic selectors
func (r *Realizer) startVPN(x *vpnPlan, ns *liveNS) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// FRR's files first: their folder (and the gateway's) must be open
	// to FRR's user, where charon's is root's alone.
	frr := filepath.Join(emulator.NodeDir(r.opts.Lab, x.node), "frr")
	d := emulator.FRRDaemon(frr, "vng", tunnelBGPConf(frr, x.asn, x.bgpAddr, x.siteASN, x.announce, x.siteBGP))
	if x.bgp {
		if err := d.Write(); err != nil {
			return fmt.Errorf("frr: %w", err)
		}
	}
	any4 := []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
	conn := ipsec.Conn{Name: "s2s", Local: x.public, Remote: x.site, PSK: x.psk, IKE: []string{topologies.DefaultIKEProposal},
		ESP: []string{topologies.DefaultESPProposal}, LocalTS: any4, RemoteTS: any4, Initiate: true}
	if _, err := emulator.StartCharon(ctx, r.opts.Lab, x.node, []ipsec.Conn{conn}, vpnRouting); err != nil {
		return err
	}
	tun, err := waitLink(ctx, ns, ipsec.TUN)
	if err != nil {
		return err
	}
	into := x.static
	if x.bgp {
		// Azure: https://learn.microsoft.com/en-us/azure/vpn-gateway/bgp-howto — the gateway adds a host route to the local network gateway's BGP peer address over the tunnel
		into = []netip.Prefix{netip.PrefixFrom(x.siteBGP, 32)}
		lo, err := ns.link("lo")
		if err != nil {
			return err
		}
		if err := ns.addAddr(lo, netip.PrefixFrom(x.bgpAddr, 32)); err != nil {
			return err
		}
	}
	for _, p := range into {
		rt := &netlink.Route{Dst: ipNet(p), LinkIndex: tun.Attrs().Index}
		if x.bgp {
			rt.Src = net.IP(x.bgpAddr.AsSlice())
		}
		if err := ns.nl.RouteReplace(rt); err != nil {
			return fmt.Errorf("%s: route %s into %s: %w", ns.name, p, ipsec.TUN, err)
		}
	}
	if !x.bgp {
		return nil
	}
	if err := d.Run(ctx, ns.h, 10*time.Second); err != nil {
		return fmt.Errorf("frr: %w", err)
	}
	return nil
}

// tunnelBGPConf is the bgpd configuration of one end of a tunnel (files
// in dir): AS asn, its BGP address self as router ID and session source,
// the other end's addresses peers in AS peerASN as eBGP neighbours
// (multihop: neither address is on the tunnel's link; a site peers with
// each instance of an active-active gateway), networks announced. The
// gateway's announces its network's prefixes.
// Azure: https://learn.microsoft.com/en-us/azure/vpn-gateway/vpn-gateway-bgp-overview — the gateway advertises the VNet's address prefixes to the on-premises BGP peer; eBGP multihop to a peer address that is not on the tunnel's link
func tunnelBGPConf(dir string, asn int64, self netip.Addr, peerASN int64, networks []netip.Prefix, peers ...netip.Addr) string {
	var b strings.Builder
	fmt.Fprintf(&b, "hostname bgp\nlog file %s/bgpd.log\n!\nrouter bgp %d\n bgp router-id %s\n no bgp ebgp-requires-policy\n no bgp network import-check\n", dir, asn, self)
	for _, peer := range peers {
		fmt.Fprintf(&b, " neighbor %s remote-as %d\n neighbor %[1]s ebgp-multihop 4\n neighbor %[1]s update-source %[3]s\n neighbor %[1]s timers 1 3\n neighbor %[1]s timers connect 1\n",
			peer, peerASN, self)
	}
	b.WriteString(" address-family ipv4 unicast\n")
	for _, c := range networks {
		fmt.Fprintf(&b, "  network %s\n", c)
	}
	b.WriteString(" exit-address-family\n!\n")
	return b.String()
}

// waitLink waits for a link to appear in a namespace.
func waitLink(ctx context.Context, ns *liveNS, name string) (netlink.Link, error) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		if k, err := ns.nl.LinkByName(name); err == nil {
			return k, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%s: no %s: %w", ns.name, name, ctx.Err())
		case <-t.C:
		}
	}
}

// watchVPN records on the connection, whenever they change, the routes
// the gateway's bgpd installed (protocol bgp) and, every second, whether
// its tunnel (charon's IKE SA) and BGP session are up, until stopped.
func (r *Realizer) watchVPN(v *liveVPN) {
	defer close(v.done)
	nl, err := netlink.NewHandleAt(v.ns.h)
	if err != nil {
		r.logf("realize: VPN connection %s: watch: %v", v.plan.id, err)
		return
	}
	defer nl.Close()
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	var last []netip.Prefix
	for tick := 0; ; tick++ {
		select {
		case <-v.stop:
			return
		case <-t.C:
		}
		if tick%5 == 0 {
			tunnel, bgp := r.vpnStatus(v.plan)
			_ = r.setVPNStatus(v.plan, tunnel, bgp)
		}
		if !v.plan.bgp {
			continue
		}
		got, err := bgpRoutes(nl)
		if err != nil || slices.Equal(got, last) {
			continue
		}
		if err := r.setVPNRoutes(v.plan, got); err == nil {
			last = got
		}
	}
}

// vpnStatus is what the gateway's charon says of its tunnel and its bgpd
// of its session: model.VPNUp or model.VPNConnecting (the session empty
// without BGP).
func (r *Realizer) vpnStatus(x *vpnPlan) (tunnel, bgp string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	tunnel, bgp = model.VPNConnecting, ""
	dir := emulator.CharonDir(r.opts.Lab, x.node)
	if out, err := ipsec.Swanctl(ctx, dir, "--list-sas"); err == nil {
		sas, err := ipsec.ParseSAs(out)
		switch {
		case err != nil:
		case ipsec.Up(sas, "s2s"):
			tunnel = model.VPNUp
		case !slices.ContainsFunc(sas, func(sa ipsec.SA) bool { return sa.Name == "s2s" }):
			// charon retries a peer that does not answer, but not one that
			// refused it (a site whose charon answered before it loaded its
			// connection: NO_PROPOSAL_CHOSEN); the gateway initiates again.
			// Azure: https://learn.microsoft.com/en-us/rest/api/network-gateway/virtual-network-gateway-connections/create-or-update#virtualnetworkgatewayconnectionmode — connectionMode Default: the gateway initiates as well as responds
			if _, err := ipsec.Swanctl(ctx, dir, "--initiate", "--child", "s2s", "--timeout", "1"); err != nil {
				r.logf("realize: VPN connection %s: initiate again: %v", x.id, err)
			}
		}
	}
	if x.bgp {
		bgp = model.VPNConnecting
		if bgpState(ctx, filepath.Join(emulator.NodeDir(r.opts.Lab, x.node), "frr"), x.siteBGP.String()) == "Established" {
			bgp = model.VPNUp
		}
	}
	return tunnel, bgp
}

// bgpState is the state of bgpd's session with peer, as `show bgp
// neighbors PEER json` of the FRR whose files are in dir says ("" when it
// does not answer).
func bgpState(ctx context.Context, dir, peer string) string {
	out, err := exec.CommandContext(ctx, "vtysh", "--vty_socket", dir, "-c", "show bgp neighbors "+peer+" json").Output()
	if err != nil {
		return ""
	}
	var m map[string]struct {
		BGPState string `json:"bgpState"`
	}
	if json.Unmarshal(out, &m) != nil {
		return ""
	}
	return m[peer].BGPState
}

// bgpRoutes are the destinations of the routes zebra installed (protocol
// bgp) in a namespace, sorted.
func bgpRoutes(nl *netlink.Handle) ([]netip.Prefix, error) {
	routes, err := nl.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Protocol: rtprotBGP}, netlink.RT_FILTER_PROTOCOL)
	if err != nil {
		return nil, err
	}
	var got []netip.Prefix
	for _, rt := range routes {
		if p, ok := prefixOf(rt.Dst); ok {
			got = append(got, p)
		}
	}
	slices.SortFunc(got, func(a, b netip.Prefix) int { return strings.Compare(a.String(), b.String()) })
	return got, nil
}

// rtprotBGP is the route protocol zebra installs BGP routes with.
const rtprotBGP = 186

// prefixOf converts a route's destination.
func prefixOf(n *net.IPNet) (netip.Prefix, bool) {
	if n == nil {
		return netip.Prefix{}, false
	}
	a, ok := netip.AddrFromSlice(n.IP)
	if !ok {
		return netip.Prefix{}, false
	}
	bits, _ := n.Mask.Size()
	return netip.PrefixFrom(a.Unmap(), bits).Masked(), true
}
