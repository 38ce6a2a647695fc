package realize

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	compute "google.golang.org/api/compute/v1"

	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/ipsec"
	"github.com/mcnlab/mcnlab/emulator/probe"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// The on-premises side of TestGCPHAVPN: a router (AS 65010, its host
// address on lo) behind two VPN devices, cpe0 and cpe1, each on an
// uplink and holding one tunnel; the router's BGP sessions run over the
// devices' tunnels on the link-local /30s the Cloud Router's peers name.
var (
	haSiteASN   = int64(65010)
	haSiteHost  = netip.MustParseAddr("172.16.1.1")
	haSiteLAN   = netip.MustParsePrefix("172.16.1.0/24")
	haCPEWAN    = []netip.Prefix{netip.MustParsePrefix("198.51.100.2/30"), netip.MustParsePrefix("198.51.100.6/30")}
	haCloudBGP  = []netip.Addr{netip.MustParseAddr("169.254.0.1"), netip.MustParseAddr("169.254.1.1")}
	haSiteBGP   = []netip.Addr{netip.MustParseAddr("169.254.0.2"), netip.MustParseAddr("169.254.1.2")}
	haSecret    = "lab-ha-vpn-secret-0123"
	haGCPRegion = "us-central1"
)

// gcpHASpec is the HA VPN's side as the devices see it: Cloud Router r1
// (AS 64514) on its link-local addresses, each device's uplink address
// its IKE identity.
func gcpHASpec() haSpec {
	return haSpec{cloudASN: 64514, cloudBGP: haCloudBGP, siteBGP: haSiteBGP, secret: haSecret, ids: []netip.Addr{haCPEWAN[0].Addr(), haCPEWAN[1].Addr()}}
}

// TestGCPHAVPN: an HA VPN gateway with two tunnels to a lab router's two
// VPN devices, each tunnel with a Cloud Router BGP peer: both tunnels are
// ESTABLISHED (the devices' IKE SAs up) and both sessions Established at
// both ends; getRouterStatus shows both peers UP with the router's
// 172.16.1.0/24 learned over each tunnel; a VM of the router's region
// and the router ping each other, a VM of another region does not reach
// it under REGIONAL dynamic routing. Killing device 0's charon takes
// tunnel t0 (the one the VPC's route used) down: traffic moves to t1
// within the hold time (the time is logged), p0 goes DOWN and only t1
// carries the learned route. Under GLOBAL routing the other region's VM
// reaches the router too.
func TestGCPHAVPN(t *testing.T) {
	roottest.Require(t)
	if why := ipsec.Missing(); why != "" {
		t.Skip(why)
	}
	nss := roottest.NewNamespaces(t, "onprem", "cpe0", "cpe1")
	for _, n := range nss {
		t.Cleanup(func() { _ = emulator.KillNamespace(n.Name) }) // charon and FRR, before the namespace goes
	}
	g := newGCPLab(t, func(o *Options) {
		for i, cpe := range nss[1:] {
			o.Uplinks = append(o.Uplinks, Uplink{Name: fmt.Sprintf("cpe%d", i), Namespace: cpe.Name, Interface: "wan0", Address: haCPEWAN[i]})
		}
	})
	t.Cleanup(func() { _ = os.RemoveAll(state.Dir(g.name)) })
	pubs := g.haVPN()
	vm := g.instance(haGCPRegion+"-a", "sc", "vm", false)
	eu := g.instance("europe-west1-b", "se", "eu", false)
	g.sync()
	start := time.Now()
	site := startHASite(t, g.name, gcpHASpec(), nss[0], nss[1:], pubs)
	t.Cleanup(func() {
		if t.Failed() {
			logHAVPN(t, g.name, nss)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for i := range 2 {
		waitFor(ctx, t, fmt.Sprintf("the router's session to %s Established", haCloudBGP[i]), func() bool { return bgpState(ctx, site.frr, haCloudBGP[i].String()) == "Established" })
		waitFor(ctx, t, fmt.Sprintf("t%d ESTABLISHED", i), func() bool { return g.tunnelStatus(fmt.Sprintf("t%d", i)) == "ESTABLISHED" })
	}
	waitFor(ctx, t, "both peers UP with 172.16.1.0/24 learned over each tunnel", func() bool {
		peers, best := g.routerStatus()
		return peers["p0"].Status == "UP" && peers["p1"].Status == "UP" && peers["p0"].NumLearnedRoutes == 1 &&
			slices.Equal(best["t0"], []string{haSiteLAN.String()}) && slices.Equal(best["t1"], []string{haSiteLAN.String()})
	})
	t.Logf("both tunnels and BGP sessions up, the route learned: %.1f s", time.Since(start).Seconds())
	for i := range 2 {
		if sas := siteSAs(t, emulator.NodeDir(g.name, fmt.Sprintf("cpe%d", i))); !ipsec.Up(sas, "s2s") || sas[0].Remote != pubs[i].String() || sas[0].Children["s2s"] != "INSTALLED" {
			t.Fatalf("cpe%d's IKE SA: %+v, want s2s ESTABLISHED with %s, its child INSTALLED", i, sas, pubs[i])
		}
	}
	g.pingOK(g.ns(vm), haSiteHost)
	g.pingOK(nss[0].Name, vm.PrivateIP)
	// GCP: https://cloud.google.com/network-connectivity/docs/router/concepts/overview#dynamic-routing-mode — regional: europe-west1's subnet has no route to what r1 (us-central1) learned
	g.pingFails(g.ns(eu), haSiteHost)

	// Device 0 dies: traffic moves to t1.
	// GCP: https://cloud.google.com/network-connectivity/docs/vpn/concepts/topologies — with one tunnel down, the other carries the traffic
	killed := time.Now()
	must[struct{}](t)(struct{}{}, syscall.Kill(site.charons[0].PID, syscall.SIGKILL))
	took := outage(t, g.ns(vm), haSiteHost, killed)
	g.pingOK(nss[0].Name, vm.PrivateIP)
	t.Logf("failover: the VM reaches the router again over t1 %.2f s after device 0's charon was killed", took.Seconds())
	waitFor(ctx, t, "p0 DOWN, p1 UP, the route only over t1", func() bool {
		peers, best := g.routerStatus()
		return peers["p0"].Status == "DOWN" && peers["p1"].Status == "UP" && len(best["t0"]) == 0 && slices.Equal(best["t1"], []string{haSiteLAN.String()})
	})
	waitFor(ctx, t, "t0 no longer ESTABLISHED", func() bool { return g.tunnelStatus("t0") != "ESTABLISHED" })

	// GCP: https://cloud.google.com/network-connectivity/docs/router/concepts/overview#dynamic-routing-mode — global: every region's subnets use the learned routes, and r1 advertises them all
	g.op(g.svc.Networks.Patch(gcpProject, "vpc", &compute.Network{RoutingConfig: &compute.NetworkRoutingConfig{RoutingMode: "GLOBAL"}}).Do())
	g.sync()
	ctx, cancel = context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	waitFor(ctx, t, "europe-west1's VM reaches the router under GLOBAL routing", func() bool { return g.reaches(g.ns(eu), haSiteHost) })
	g.pingOK(nss[0].Name, eu.PrivateIP)
}

// haVPN makes, through the Go library, network vpc (REGIONAL dynamic
// routing; subnets sc 10.10.1.0/24 in us-central1 and se 10.20.1.0/24 in
// europe-west1; ICMP open from 10/8 and 172.16/12), Cloud Router r1 (ASN
// 64514), HA VPN gateway gw1, external gateway onprem (the two devices'
// uplink addresses), tunnels t0 and t1 (gateway interface i to peer
// interface i) and r1's interfaces and BGP peers on them; it returns
// gw1's interface addresses.
// GCP: https://cloud.google.com/network-connectivity/docs/vpn/how-to/creating-ha-vpn — gateway, peer gateway, Cloud Router, two tunnels, a BGP session on each
func (g gcpLab) haVPN() []netip.Addr {
	g.t.Helper()
	g.op(g.svc.Networks.Insert(gcpProject, &compute.Network{Name: "vpc", RoutingConfig: &compute.NetworkRoutingConfig{RoutingMode: "REGIONAL"},
		ForceSendFields: []string{"AutoCreateSubnetworks"}}).Do())
	g.op(g.svc.Subnetworks.Insert(gcpProject, haGCPRegion, &compute.Subnetwork{Name: "sc", Network: "global/networks/vpc", IpCidrRange: "10.10.1.0/24"}).Do())
	g.op(g.svc.Subnetworks.Insert(gcpProject, "europe-west1", &compute.Subnetwork{Name: "se", Network: "global/networks/vpc", IpCidrRange: "10.20.1.0/24"}).Do())
	g.firewall(&compute.Firewall{Name: "allow-icmp", SourceRanges: []string{"10.0.0.0/8", "172.16.0.0/12"}, Allowed: []*compute.FirewallAllowed{{IPProtocol: "icmp"}}})
	g.op(g.svc.Routers.Insert(gcpProject, haGCPRegion, &compute.Router{Name: "r1", Network: "global/networks/vpc", Bgp: &compute.RouterBgp{Asn: 64514}}).Do())
	g.op(g.svc.VpnGateways.Insert(gcpProject, haGCPRegion, &compute.VpnGateway{Name: "gw1", Network: "global/networks/vpc"}).Do())
	g.op(g.svc.ExternalVpnGateways.Insert(gcpProject, &compute.ExternalVpnGateway{Name: "onprem", RedundancyType: "TWO_IPS_REDUNDANCY",
		Interfaces: []*compute.ExternalVpnGatewayInterface{{Id: 0, IpAddress: haCPEWAN[0].Addr().String()}, {Id: 1, IpAddress: haCPEWAN[1].Addr().String()}}}).Do())
	rt := &compute.Router{}
	for i := range 2 {
		name := fmt.Sprintf("t%d", i)
		g.op(g.svc.VpnTunnels.Insert(gcpProject, haGCPRegion, &compute.VpnTunnel{Name: name, VpnGateway: "gw1", VpnGatewayInterface: int64(i),
			PeerExternalGateway: "global/externalVpnGateways/onprem", PeerExternalGatewayInterface: int64(i), SharedSecret: haSecret, IkeVersion: 2, Router: "r1",
			ForceSendFields: []string{"VpnGatewayInterface", "PeerExternalGatewayInterface"}}).Do())
		rt.Interfaces = append(rt.Interfaces, &compute.RouterInterface{Name: fmt.Sprintf("if%d", i), LinkedVpnTunnel: name, IpRange: haCloudBGP[i].String() + "/30"})
		rt.BgpPeers = append(rt.BgpPeers, &compute.RouterBgpPeer{Name: fmt.Sprintf("p%d", i), InterfaceName: fmt.Sprintf("if%d", i),
			IpAddress: haCloudBGP[i].String(), PeerIpAddress: haSiteBGP[i].String(), PeerAsn: haSiteASN})
	}
	g.op(g.svc.Routers.Patch(gcpProject, haGCPRegion, "r1", rt).Do())
	gw, err := g.svc.VpnGateways.Get(gcpProject, haGCPRegion, "gw1").Do()
	g.ok(err)
	var out []netip.Addr
	for _, i := range gw.VpnInterfaces {
		out = append(out, netip.MustParseAddr(i.IpAddress))
	}
	return out
}

// routerStatus is r1's getRouterStatus: its peers by name and its best
// routes' destinations by next-hop tunnel name.
func (g gcpLab) routerStatus() (map[string]*compute.RouterStatusBgpPeerStatus, map[string][]string) {
	st, err := g.svc.Routers.GetRouterStatus(gcpProject, haGCPRegion, "r1").Do()
	g.ok(err)
	peers, best := map[string]*compute.RouterStatusBgpPeerStatus{}, map[string][]string{}
	for _, p := range st.Result.BgpPeerStatus {
		peers[p.Name] = p
	}
	for _, r := range st.Result.BestRoutes {
		tun := r.NextHopVpnTunnel[strings.LastIndexByte(r.NextHopVpnTunnel, '/')+1:]
		best[tun] = append(best[tun], r.DestRange)
	}
	return peers, best
}

// tunnelStatus is a tunnel's status in the API.
func (g gcpLab) tunnelStatus(name string) string {
	tu, err := g.svc.VpnTunnels.Get(gcpProject, haGCPRegion, name).Do()
	g.ok(err)
	return tu.Status
}

// outage pings to from ns every 100 ms (each ping waiting 200 ms) until
// one is answered after at least one was not, and returns how long after
// start that answer came; the test fails when none is lost or none comes
// back within 30 s.
func outage(t *testing.T, ns string, to netip.Addr, start time.Time) time.Duration {
	t.Helper()
	p := must[*probe.Pinger](t)(probe.NewPinger(ns))
	defer p.Close()
	lost := false
	for seq := 1; time.Since(start) < 30*time.Second; seq++ {
		sent := time.Now()
		if _, err := p.Ping(to, seq, 200*time.Millisecond); err != nil {
			lost = true
		} else if lost {
			return time.Since(start)
		}
		time.Sleep(time.Until(sent.Add(100 * time.Millisecond)))
	}
	t.Fatalf("%s to %s: lost=%v, no answer after the loss within 30 s", ns, to, lost)
	return 0
}

// logHAVPN logs, for a failed TestGCPHAVPN, the site's namespaces and
// FRR, and every gateway's and device's charon log and SAs.
func logHAVPN(t *testing.T, lab string, nss []*roottest.NS) {
	var names []string
	for _, n := range nss {
		names = append(names, n.Name)
	}
	logVPN(t, names, []string{emulator.NodeDir(lab, "onprem")})
	dirs, _ := filepath.Glob(filepath.Join(filepath.Dir(emulator.NodeDir(lab, "x")), "*", "charon"))
	for _, d := range dirs {
		log, _ := os.ReadFile(filepath.Join(d, "charon.log"))
		sas, err := ipsec.Swanctl(context.Background(), d, "--list-sas")
		out, _ := os.ReadFile(filepath.Join(d, "charon.out"))
		t.Logf("%s:\ncharon.log:\n%s\ncharon.out:\n%s\nSAs (%v):\n%s", d, log, out, err, sas)
	}
	gws, _ := filepath.Glob(filepath.Join(filepath.Dir(emulator.NodeDir(lab, "x")), "vng-*", "frr"))
	logVPN(t, nil, gws)
}

// reaches says whether one ping from ns to addr is answered within 300 ms.
func (g gcpLab) reaches(ns string, addr netip.Addr) bool {
	p, err := probe.NewPinger(ns)
	if err != nil {
		return false
	}
	defer p.Close()
	_, err = p.Ping(addr, 1, 300*time.Millisecond)
	return err == nil
}
