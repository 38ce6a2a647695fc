package realize

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/ipsec"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/internal/roottest"
	"github.com/mcnlab/mcnlab/topologies"
)

// The on-premises site of TestAzureVPNGatewayBGP: its public address on
// its uplink, its BGP speaker (AS and peering address on lo) and its LAN.
var (
	vpnSiteWAN       = netip.MustParsePrefix("198.51.100.2/30")
	vpnSiteBGP       = netip.MustParseAddr("172.16.255.1")
	vpnSiteLAN       = netip.MustParsePrefix("172.16.1.1/24")
	vpnSiteASN       = int64(65010)
	vpnKey           = "lab-shared-key-0123"
	vpnAzureBGP      = netip.MustParseAddr("10.7.255.30") // the GatewaySubnet 10.7.255.0/27's last usable address
	vpnGatewaySubnet = netip.MustParsePrefix("10.7.255.0/27")
)

// TestAzureVPNGatewayBGP: a VNet's VPN gateway (BGP, a public IP) with a
// BGP connection to a local network gateway whose address is an on-prem
// site's uplink brings up an IPsec tunnel from the gateway's public IP to
// the site's strongSwan and an eBGP session over it to the site's FRR:
// both ends see the session Established; the site's kernel learns the
// VNet's 10.7.0.0/16 from AS 65515, the connection learns the site's LAN
// and the VM's subnet has it as an effective route from the virtual
// network gateway; the VM (no public IP: no other way out) and the site
// ping each other over it. Deleting the connection takes the route away.
func TestAzureVPNGatewayBGP(t *testing.T) {
	l, site, v, subs, vm := newVPNSiteLab(t)
	pip := must[model.ElasticIP](t)(l.cloud.AllocateAddressAt(azSub, model.Place{Region: "eastus", Scope: "rg", Name: "gw-ip"}, nil))
	g := must[model.VPNGateway](t)(l.cloud.CreateVPNGatewayAt(azSub, model.Place{Region: "eastus", Scope: "rg", Name: "vpngw"}, 65515, nil))
	l.ok(l.cloud.AttachVPNGateway(azSub, g.ID, v.ID))
	l.ok(l.cloud.SetGatewayOptions(azSub, g.ID, model.GatewayOptions{SKU: "VpnGw1", BGP: true, Addresses: []string{pip.ID}}))
	cg := must[model.CustomerGateway](t)(l.cloud.CreateCustomerGatewayAt(azSub, model.Place{Region: "eastus", Scope: "rg", Name: "onprem"}, vpnSiteASN, vpnSiteWAN.Addr(), nil))
	l.ok(l.cloud.SetCustomerGatewaySite(azSub, cg.ID, []netip.Prefix{netip.PrefixFrom(vpnSiteBGP, 32)}, vpnSiteBGP))
	conn := must[model.VPNConnection](t)(l.cloud.CreateVPNConnectionAt(azSub, model.Place{Scope: "rg", Name: "s2s"},
		model.VPNSpec{CustomerGatewayID: cg.ID, VPNGatewayID: g.ID, SharedKey: vpnKey}, nil))
	l.sync()
	siteDir := startVPNSite(t, l.name, site, vpnGW{pip.PublicIP, vpnAzureBGP})

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	gwFRR := filepath.Join(emulator.NodeDir(l.name, vngNode(g.Handle)), "frr")
	t.Cleanup(func() {
		if t.Failed() {
			logVPN(t, []string{site.Name, emulator.NamespaceName(l.name, vngNode(g.Handle))}, []string{siteDir, gwFRR})
		}
	})
	for _, end := range []struct{ dir, peer string }{{siteDir, vpnAzureBGP.String()}, {gwFRR, vpnSiteBGP.String()}} {
		waitFor(ctx, t, "BGP session to "+end.peer+" Established", func() bool { return bgpState(ctx, end.dir, end.peer) == "Established" })
	}
	vnet := netip.MustParsePrefix("10.7.0.0/16")
	waitFor(ctx, t, "the site's kernel learns 10.7.0.0/16 by BGP", func() bool {
		got, err := bgpRoutes(site.NL)
		return err == nil && slices.Contains(got, vnet)
	})
	lan := vpnSiteLAN.Masked()
	waitFor(ctx, t, "the connection learns 172.16.1.0/24", func() bool {
		c := l.cloud.VPNConnections(azSub)
		return len(c) == 1 && slices.Equal(c[0].Routes, []netip.Prefix{lan})
	})
	waitFor(ctx, t, "the connection's tunnel and BGP session seen up", func() bool {
		c := l.cloud.VPNConnections(azSub)
		return len(c) == 1 && c[0].Tunnel == model.VPNUp && c[0].BGP == model.VPNUp
	})
	ers := must[[]model.EffectiveRoute](t)(l.cloud.EffectiveRoutes(azSub, subs[0].ID))
	if !slices.ContainsFunc(ers, func(r model.EffectiveRoute) bool {
		return r.Source == model.SourceGateway && r.Destination == lan && r.Target.Kind == model.TargetNetworkGateway && r.Target.ID == g.ID && r.Active
	}) {
		t.Fatalf("the VM's subnet has no effective route to %s from the gateway: %+v", lan, ers)
	}
	l.sync()
	l.pingOK(l.ns(vm), vpnSiteLAN.Addr())
	l.pingOK(site.Name, vm.PrivateIP)
	if sas := siteSAs(t, siteDir); !ipsec.Up(sas, "s2s") || sas[0].Remote != pip.PublicIP.String() || sas[0].Children["s2s"] != "INSTALLED" {
		t.Fatalf("site's IKE SA: %+v, want s2s ESTABLISHED with %s, its child INSTALLED", sas, pip.PublicIP)
	}

	l.ok(l.cloud.DeleteVPNConnection(azSub, conn.ID))
	l.sync()
	l.pingFails(l.ns(vm), vpnSiteLAN.Addr())
}

// vpnGW is one instance of an Azure VPN gateway as the site sees it: its
// public IP (the tunnel's far end) and its BGP address.
type vpnGW struct{ public, bgp netip.Addr }

// newVPNSiteLab is an Azure lab whose uplink "onprem" ends in the site
// namespace (vpnSiteWAN), with the VNet v7 (10.7.0.0/16), its subnet
// 10.7.1.0/24 holding the VM vm and its GatewaySubnet 10.7.255.0/27.
func newVPNSiteLab(t *testing.T) (*lab, *roottest.NS, model.Network, []model.Subnet, model.Instance) {
	t.Helper()
	roottest.Require(t)
	if why := ipsec.Missing(); why != "" {
		t.Skip(why)
	}
	site := roottest.NewNamespaces(t, "site")[0]
	t.Cleanup(func() { _ = emulator.KillNamespace(site.Name) }) // charon and FRR, before the namespace goes
	l := newAzureLab(t, func(o *Options) {
		o.Uplinks = []Uplink{{Name: "onprem", Namespace: site.Name, Interface: "wan0", Address: vpnSiteWAN}}
	})
	t.Cleanup(func() { _ = os.RemoveAll(state.Dir(l.name)) })
	v, subs := l.vnet("v7", "10.7.0.0/16", "10.7.1.0/24")
	must[model.Subnet](t)(l.cloud.CreateSubnetAt(azSub, v.ID, model.Place{Scope: "rg/v7", Name: "GatewaySubnet"}, vpnGatewaySubnet, "", nil))
	return l, site, v, subs, l.vm(subs[0], "vm")
}

// startVPNSite starts the site's charon (with the connection's key; a
// tunnel to each of the gateway's instances) and FRR (AS 65010, its
// peering address on lo, announcing its LAN, a session with each
// instance's BGP address over the tunnels, as Azure asks of the
// on-premises device) and returns its directory. The tunnels are
// any-to-any, as the gateway's; with two, each child SA has its own
// request ID and the first's policies win (ipsec.PrimaryPriority) until
// dead peer detection clears it: the session with the second instance
// then goes through the first instance and the VNet until the first
// fails (the instances' BGP addresses are the GatewaySubnet's).
// Azure: https://learn.microsoft.com/en-us/azure/vpn-gateway/bgp-howto — the on-premises device peers with the gateway's BGP peer IP over the tunnel, eBGP multihop
// Azure: https://learn.microsoft.com/en-us/azure/vpn-gateway/vpn-gateway-activeactive-rm-powershell — with an active-active gateway the on-premises device has a tunnel and a BGP session to each instance
func startVPNSite(t *testing.T, lab string, site *roottest.NS, gws ...vpnGW) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dir := emulator.NodeDir(lab, "site")
	cdir := filepath.Join(dir, "charon")
	var peers []netip.Addr
	for _, g := range gws {
		peers = append(peers, g.bgp)
	}
	conf := tunnelBGPConf(dir, vpnSiteASN, vpnSiteBGP, 65515, []netip.Prefix{vpnSiteLAN.Masked()}, peers...)
	d := emulator.FRRDaemon(dir, "site", conf)
	must[struct{}](t)(struct{}{}, d.Write()) // first: FRR's user must reach dir
	must[struct{}](t)(struct{}{}, os.MkdirAll(cdir, 0o700))
	any4 := []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
	var conns []ipsec.Conn
	for i, g := range gws {
		c := ipsec.Conn{Name: "s2s", Local: vpnSiteWAN.Addr(), Remote: g.public, PSK: hex.EncodeToString([]byte(vpnKey)),
			IKE: []string{topologies.DefaultIKEProposal}, ESP: []string{topologies.DefaultESPProposal}, LocalTS: any4, RemoteTS: any4}
		if len(gws) > 1 {
			c.Name, c.Reqid, c.Priority = fmt.Sprintf("s2s%d", i), i+1, ipsec.PrimaryPriority+i*(ipsec.BackupPriority-ipsec.PrimaryPriority)
		}
		conns = append(conns, c)
	}
	swan := must[string](t)(ipsec.SwanctlConf(conns))
	for name, text := range map[string]string{"swanctl.conf": swan, "strongswan.conf": ipsec.CharonConf(cdir, vpnRouting)} {
		must[struct{}](t)(struct{}{}, os.WriteFile(filepath.Join(cdir, name), []byte(text), 0o600))
	}
	must[state.Process](t)(emulator.RunCharon(ctx, site.Name, cdir))
	lo := must[netlink.Link](t)(site.NL.LinkByName("lo"))
	must[struct{}](t)(struct{}{}, site.NL.LinkSetUp(lo))
	roottest.AddAddr(t, site.NL, lo, netip.PrefixFrom(vpnSiteBGP, 32).String())
	var tun netlink.Link
	waitFor(ctx, t, "ipsec0 at the site", func() bool {
		k, err := site.NL.LinkByName(ipsec.TUN)
		tun = k
		return err == nil
	})
	// The LAN's address on the tunnel: what the site sends into it leaves
	// from its LAN.
	roottest.AddAddr(t, site.NL, tun, vpnSiteLAN.String())
	for _, p := range peers {
		if err := site.NL.RouteReplace(&netlink.Route{Dst: ipNet(netip.PrefixFrom(p, 32)), LinkIndex: tun.Attrs().Index, Src: vpnSiteBGP.AsSlice()}); err != nil {
			t.Fatal(err)
		}
	}
	must[struct{}](t)(struct{}{}, d.Run(ctx, site.Handle, 10*time.Second))
	return dir
}

// siteSAs lists the site charon's IKE SAs.
func siteSAs(t *testing.T, dir string) []ipsec.SA {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := ipsec.Swanctl(ctx, filepath.Join(dir, "charon"), "--list-sas")
	if err != nil {
		t.Fatal(err)
	}
	return must[[]ipsec.SA](t)(ipsec.ParseSAs(out))
}

// waitFor polls cond until it holds or ctx ends (then the test fails,
// naming what it waited for).
func waitFor(ctx context.Context, t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// logVPN logs, for a failed test, the namespaces' routes and rules and, per
// end (a folder with FRR's files and charon's below), its logs, SAs and
// BGP summary.
func logVPN(t *testing.T, namespaces, ends []string) {
	for _, ns := range namespaces {
		routes, _ := exec.Command("ip", "-n", ns, "route", "show", "table", "all").CombinedOutput()
		rules, _ := exec.Command("ip", "-n", ns, "rule").CombinedOutput()
		t.Logf("%s routes:\n%s\n%s", ns, routes, rules)
	}
	for _, d := range ends {
		cdir := filepath.Join(d, "charon")
		if _, err := os.Stat(cdir); err != nil {
			cdir = filepath.Join(filepath.Dir(d), "charon")
		}
		log, _ := os.ReadFile(filepath.Join(d, "bgpd.log"))
		clog, _ := os.ReadFile(filepath.Join(cdir, "charon.log"))
		sas, err := ipsec.Swanctl(context.Background(), cdir, "--list-sas")
		bgp, _ := exec.Command("vtysh", "--vty_socket", d, "-c", "show bgp summary").CombinedOutput()
		t.Logf("%s:\nbgpd.log:\n%s\ncharon.log:\n%s\nSAs (%v):\n%s\nBGP:\n%s", d, log, clog, err, sas, bgp)
	}
}
