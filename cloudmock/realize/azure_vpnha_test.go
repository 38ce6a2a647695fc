package realize

import (
	"context"
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/ipsec"
)

// TestAzureVPNGatewayActiveActive: an active-active VPN gateway (two IP
// configurations, two public IPs, BGP) with a BGP connection to a local
// network gateway is two instances: the site's charon has a tunnel to
// each public IP and its FRR a session with each instance's BGP address
// (the GatewaySubnet's last two usable ones, as the API shows), every
// session Established at both ends; the VM and the site ping each other.
// Killing the processes of the instance that carries the VNet's traffic
// (its charon and FRR) moves the traffic to the other: the gap is logged,
// the connection stays connected with the site's LAN learned (its first
// tunnel's session down, the second's up), and the site reaches the VM
// again.
func TestAzureVPNGatewayActiveActive(t *testing.T) {
	l, site, v, _, vm := newVPNSiteLab(t)
	var pips []model.ElasticIP
	for i := range 2 {
		pips = append(pips, must[model.ElasticIP](t)(l.cloud.AllocateAddressAt(azSub, model.Place{Region: "eastus", Scope: "rg", Name: fmt.Sprintf("gw-ip%d", i)}, nil)))
	}
	g := must[model.VPNGateway](t)(l.cloud.CreateVPNGatewayAt(azSub, model.Place{Region: "eastus", Scope: "rg", Name: "vpngw"}, 65515, nil))
	l.ok(l.cloud.AttachVPNGateway(azSub, g.ID, v.ID))
	l.ok(l.cloud.SetGatewayOptions(azSub, g.ID, model.GatewayOptions{SKU: "VpnGw1", BGP: true, ActiveActive: true, Addresses: []string{pips[0].ID, pips[1].ID}}))
	cg := must[model.CustomerGateway](t)(l.cloud.CreateCustomerGatewayAt(azSub, model.Place{Region: "eastus", Scope: "rg", Name: "onprem"}, vpnSiteASN, vpnSiteWAN.Addr(), nil))
	l.ok(l.cloud.SetCustomerGatewaySite(azSub, cg.ID, []netip.Prefix{netip.PrefixFrom(vpnSiteBGP, 32)}, vpnSiteBGP))
	must[model.VPNConnection](t)(l.cloud.CreateVPNConnectionAt(azSub, model.Place{Scope: "rg", Name: "s2s"},
		model.VPNSpec{CustomerGatewayID: cg.ID, VPNGatewayID: g.ID, SharedKey: vpnKey}, nil))
	l.sync()
	start := time.Now()
	bgpAddrs := model.AzureGatewayBGPAddresses(vpnGatewaySubnet, 2)
	gws := []vpnGW{{pips[0].PublicIP, bgpAddrs[0]}, {pips[1].PublicIP, bgpAddrs[1]}}
	siteDir := startVPNSite(t, l.name, site, gws...)
	// The instances: the connection's tunnels 1 and 2 (vpn.go newVPNPlan).
	nodes := []string{vngNode(g.Handle + "-1"), vngNode(g.Handle + "-2")}
	t.Cleanup(func() {
		if t.Failed() {
			ends := []string{siteDir}
			for _, n := range nodes {
				ends = append(ends, filepath.Join(emulator.NodeDir(l.name, n), "frr"))
			}
			logVPN(t, []string{site.Name, emulator.NamespaceName(l.name, nodes[0]), emulator.NamespaceName(l.name, nodes[1])}, ends)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	for i, gw := range gws {
		waitFor(ctx, t, "the site's session to "+gw.bgp.String()+" Established", func() bool { return bgpState(ctx, siteDir, gw.bgp.String()) == "Established" })
		frr := filepath.Join(emulator.NodeDir(l.name, nodes[i]), "frr")
		waitFor(ctx, t, fmt.Sprintf("instance %d's session Established", i), func() bool { return bgpState(ctx, frr, vpnSiteBGP.String()) == "Established" })
	}
	t.Logf("both tunnels and BGP sessions up: %.1f s", time.Since(start).Seconds())
	lan := vpnSiteLAN.Masked()
	connected := func() bool {
		c := l.cloud.VPNConnections(azSub)
		return len(c) == 1 && c[0].Tunnel == model.VPNUp && c[0].BGP == model.VPNUp && slices.Equal(c[0].Routes, []netip.Prefix{lan})
	}
	waitFor(ctx, t, "the connection up with 172.16.1.0/24 learned", connected)
	// Both instances serve: the VNet's route goes to the first.
	waitFor(ctx, t, "both tunnels of the connection up with BGP", func() bool {
		c := l.cloud.VPNConnections(azSub)
		return len(c) == 1 && len(c[0].Tunnels) == 2 && c[0].Tunnels[0].BGP == model.VPNUp && c[0].Tunnels[1].BGP == model.VPNUp
	})
	sas := siteSAs(t, siteDir)
	for i, gw := range gws {
		if name := fmt.Sprintf("s2s%d", i); !ipsec.Up(sas, name) {
			t.Fatalf("site's IKE SAs: %+v, want %s ESTABLISHED with %s", sas, name, gw.public)
		}
	}
	l.sync()
	l.pingOK(l.ns(vm), vpnSiteLAN.Addr())
	l.pingOK(site.Name, vm.PrivateIP)

	// Azure: https://learn.microsoft.com/en-us/azure/vpn-gateway/about-active-active-gateways — when one instance goes down, traffic moves to the other instance's tunnel
	killed := time.Now()
	l.ok(emulator.KillNamespace(emulator.NamespaceName(l.name, nodes[0])))
	took := outage(t, l.ns(vm), vpnSiteLAN.Addr(), killed)
	t.Logf("failover: the VM reaches the site again over the second instance %.2f s after the first instance's charon and FRR were killed", took.Seconds())
	l.pingOK(site.Name, vm.PrivateIP)
	waitFor(ctx, t, "the connection still up with 172.16.1.0/24 learned, the first tunnel's BGP down, the second's up", func() bool {
		c := l.cloud.VPNConnections(azSub)
		return connected() && len(c[0].Tunnels) == 2 && c[0].Tunnels[0].BGP != model.VPNUp && c[0].Tunnels[1].BGP == model.VPNUp
	})
	if st := bgpState(ctx, siteDir, gws[1].bgp.String()); st != "Established" {
		t.Fatalf("the site's session to the second instance: %q, want Established", st)
	}
}
