package realize

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/emulator/internet"
	"github.com/mcnlab/mcnlab/emulator/netns"
)

// A VPC's resolver (with Options.Internet): served by the cloud process
// inside each VPC router's namespace, on addresses on the router's lo,
// answering the emulated internet's names from the zone in process, so
// that it answers without an internet gateway as a cloud's resolver does.
// Each instance's namespace gets a resolv.conf naming it
// (/etc/netns/<namespace>/resolv.conf, which `ip netns exec` and `mcnlab
// exec` bind over /etc/resolv.conf); netns.Delete removes it with the
// namespace.
//
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/AmazonDNS-concepts.html — the Route 53 Resolver (AmazonProvidedDNS) answers at the primary VPC CIDR's base plus two and at 169.254.169.253, and only while the VPC's enableDnsSupport is true

// ResolverLinkLocal is the link-local address at which every VPC's
// resolver answers too.
var ResolverLinkLocal = netip.MustParseAddr("169.254.169.253")

// ResolverAddr returns the address of a network's resolver: its primary
// prefix's base plus two.
func ResolverAddr(n model.Network) (netip.Addr, bool) {
	if len(n.CIDRs) == 0 {
		return netip.Addr{}, false
	}
	return n.CIDRs[0].Prefix.Masked().Addr().Next().Next(), true
}

// resolverAddrs returns the addresses at which network n's resolver
// answers, the first the one its instances' resolv.conf names: the
// profile's ResolverVIP where it has one (Azure's), else ResolverAddr and
// ResolverLinkLocal; none for a network without either.
func resolverAddrs(n model.Network, vip netip.Addr) []netip.Addr {
	if vip.IsValid() {
		return []netip.Addr{vip}
	}
	if a, ok := ResolverAddr(n); ok {
		return []netip.Addr{a, ResolverLinkLocal}
	}
	return nil
}

// vpcResolver is a resolver running in a VPC router's namespace.
type vpcResolver struct {
	router  *liveRouter // the namespace it runs in
	addrs   []netip.Addr
	private string // the network's own names it answers (privateNames), printed
	servers []*internet.DNSServer
}

// wantResolvers returns the addresses of the resolver each network with a
// live router should have; none where its DNS support is off.
func (r *Realizer) wantResolvers(snap *snapshot) map[string][]netip.Addr {
	want := map[string][]netip.Addr{}
	for _, n := range snap.networks {
		addrs := snap.resolvers[n.ID]
		if r.live.routers[n.ID] == nil || len(addrs) == 0 || !n.DNSSupport {
			continue
		}
		want[n.ID] = addrs
	}
	return want
}

// ensureResolvers stops the resolvers no longer wanted or whose router
// was remade, starts the missing ones, and writes each instance's
// resolv.conf.
func (r *Realizer) ensureResolvers(snap *snapshot, p *plan) error {
	svc := &r.svc
	want := r.wantResolvers(snap)
	private := privateNames(snap)
	var errs []error
	for id, res := range svc.resolvers {
		if res.router != r.live.routers[id] || !slices.Equal(want[id], res.addrs) || res.private != fmt.Sprint(private[id]) {
			errs = append(errs, svc.stopResolver(id))
		}
	}
	for _, id := range sortedKeys(want) {
		if svc.resolvers[id] != nil {
			continue
		}
		zone, err := r.networkZone(private[id])
		if err != nil {
			errs = append(errs, fmt.Errorf("realize: resolver of %s: %w", id, err))
			continue
		}
		res, err := startResolver(r.live.routers[id], want[id], zone)
		if err != nil {
			errs = append(errs, fmt.Errorf("realize: resolver of %s: %w", id, err))
			continue
		}
		res.private = fmt.Sprint(private[id])
		svc.resolvers[id] = res
	}
	errs = append(errs, r.writeResolvConfs(snap, p))
	return errors.Join(errs...)
}

// startResolver puts addrs on the router's lo and serves the zone's
// recursive view there on UDP and TCP port 53.
func startResolver(rt *liveRouter, addrs []netip.Addr, zone *internet.Zone) (*vpcResolver, error) {
	res := &vpcResolver{router: rt, addrs: addrs}
	lo, err := rt.link("lo")
	if err != nil {
		return nil, err
	}
	for _, a := range addrs {
		if err := rt.addAddr(lo, netip.PrefixFrom(a, 32)); err != nil {
			return nil, err
		}
	}
	type sockets struct {
		pc net.PacketConn
		l  net.Listener
	}
	var socks []sockets
	err = netns.DoHandle(rt.h, func() error {
		for _, a := range addrs {
			hp := netip.AddrPortFrom(a, internet.PortDNS).String()
			pc, err := net.ListenPacket("udp4", hp)
			if err != nil {
				return err
			}
			l, err := net.Listen("tcp4", hp)
			if err != nil {
				pc.Close()
				return err
			}
			socks = append(socks, sockets{pc, l})
		}
		return nil
	})
	for i, s := range socks {
		if err != nil {
			s.pc.Close()
			s.l.Close()
			continue
		}
		srv, serr := internet.ServeDNS(zone.Recursive(), s.pc, s.l)
		if serr != nil {
			err = serr
			for _, s := range socks[i+1:] {
				s.pc.Close()
				s.l.Close()
			}
			break
		}
		res.servers = append(res.servers, srv)
	}
	if err != nil {
		return nil, errors.Join(fmt.Errorf("%s: %w", rt.name, err), res.close())
	}
	return res, nil
}

// close stops the resolver's servers.
func (res *vpcResolver) close() error {
	var errs []error
	for _, s := range res.servers {
		errs = append(errs, s.Close())
	}
	res.servers = nil
	return errors.Join(errs...)
}

// stopResolver stops the resolver of a network, if it runs, and takes its
// addresses off its router's lo, if the router is still open. The
// realizer stops it before it deletes the router's namespace.
func (s *services) stopResolver(network string) error {
	res := s.resolvers[network]
	if res == nil {
		return nil
	}
	delete(s.resolvers, network)
	errs := []error{res.close()}
	if rt := res.router; rt.nl != nil {
		if lo, err := rt.link("lo"); err == nil {
			for _, a := range res.addrs {
				err := rt.nl.AddrDel(lo, &netlink.Addr{IPNet: ipNet(netip.PrefixFrom(a, 32))})
				if err != nil && !errors.Is(err, unix.EADDRNOTAVAIL) {
					errs = append(errs, fmt.Errorf("%s: delete address %s: %w", rt.name, a, err))
				}
			}
		}
	}
	return errors.Join(errs...)
}

// resolvConf is an instance's resolv.conf: its network's resolver, as the
// DHCP options a VPC has by default (AmazonProvidedDNS) or a VNet's DHCP
// (Azure-provided DNS) hand out.
func resolvConf(ns netip.Addr) []byte {
	return []byte("# mcnlab: the network's resolver (AmazonProvidedDNS, Azure-provided DNS)\nnameserver " + ns.String() + "\n")
}

// writeResolvConfs writes the resolv.conf of every instance whose file is
// missing or stale (a host made anew lost it with its namespace).
func (r *Realizer) writeResolvConfs(snap *snapshot, p *plan) error {
	prefix := r.instanceNS("")
	var errs []error
	for id, hp := range p.hosts {
		addrs := snap.resolvers[hp.router]
		if lh := r.live.hosts[id]; lh == nil || len(addrs) == 0 || !strings.HasPrefix(hp.ns, prefix) {
			continue
		}
		if _, err := netns.WriteEtc(hp.ns, "resolv.conf", resolvConf(addrs[0])); err != nil {
			errs = append(errs, fmt.Errorf("realize: %w", err))
		}
	}
	return errors.Join(errs...)
}
