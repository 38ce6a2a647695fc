package realize

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"testing"
	"time"

	compute "google.golang.org/api/compute/v1"

	"github.com/vishvananda/netlink"

	cmgcp "github.com/mcnlab/mcnlab/cloudmock/gcp"
	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// TestGCPInterconnect: a DEDICATED VLAN attachment on the lab's private
// line (the project's interconnect line1) with Cloud Router r1's BGP peer
// on it brings up a BGP session between the Cloud Router's address on the
// attachment and the customer router's, over the line: the customer's
// router learns the VPC's subnet from AS 64514, the VPC learns the
// customer's 172.16.2.0/24 as a dynamic route, and a VM and a host on
// the customer's LAN ping each other both ways. Deleting the BGP peer ends it.
func TestGCPInterconnect(t *testing.T) {
	g, site, onprem, vm := icLab(t, cmgcp.Config{}, Circuit{Name: "line1"}, 64514)
	// GCP: https://cloud.google.com/network-connectivity/docs/interconnect/how-to/dedicated/creating-vlan-attachments — the attachment on the interconnect, its Cloud Router, then the router's interface and BGP peer on it
	g.op(g.svc.InterconnectAttachments.Insert(gcpProject, haGCPRegion, &compute.InterconnectAttachment{Name: "a1", Type: "DEDICATED",
		Interconnect: "global/interconnects/line1", Router: "r1"}).Do())
	a1, err := g.svc.InterconnectAttachments.Get(gcpProject, haGCPRegion, "a1").Do()
	g.ok(err)
	cloud, customer := netip.MustParsePrefix(a1.CloudRouterIpAddress), netip.MustParsePrefix(a1.CustomerRouterIpAddress)
	g.op(g.svc.Routers.Patch(gcpProject, haGCPRegion, "r1", &compute.Router{
		Interfaces: []*compute.RouterInterface{{Name: "ic0", LinkedInterconnectAttachment: "a1"}},
		BgpPeers:   []*compute.RouterBgpPeer{{Name: "onprem", InterfaceName: "ic0", PeerIpAddress: customer.Addr().String(), PeerAsn: 65020}}}).Do())
	g.sync()

	start := time.Now()
	host := onpremHost(t, site, onprem)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	siteBGP(ctx, t, g, site, 65020, 64514, customer.Addr(), cloud.Addr())
	t.Logf("BGP over the attachment up, the VPC's subnet learned: %.1f s", time.Since(start).Seconds())
	g.sync()
	waitFor(ctx, t, "the VM reaches the customer's host", func() bool { return g.reaches(g.ns(vm), host) })
	g.pingOK(onprem.Name, vm.PrivateIP)
	waitRouterStatus(ctx, t, g, "r1", "onprem", "a1")

	// GCP: https://cloud.google.com/network-connectivity/docs/router/how-to/configure-bgp-sessions — without its BGP session the attachment carries no routes
	g.op(g.svc.Routers.Patch(gcpProject, haGCPRegion, "r1", &compute.Router{Interfaces: []*compute.RouterInterface{{Name: "ic0", LinkedInterconnectAttachment: "a1"}},
		ForceSendFields: []string{"BgpPeers"}}).Do())
	g.sync()
	waitFor(ctx, t, "the VM no longer reaches the customer's host", func() bool { return !g.reaches(g.ns(vm), host) })
}

// icLab makes a GCP lab with the private line (its site end ic0 in a
// namespace colo, a host namespace behind it), a network vpc with subnet
// sc 10.10.1.0/24 of us-central1, ICMP allowed in from 172.16.0.0/12, a
// VM vm in it and a Cloud Router r1 of ASN asn.
func icLab(t *testing.T, cfg cmgcp.Config, line Circuit, asn int64) (g gcpLab, site, onprem *roottest.NS, vm model.Instance) {
	t.Helper()
	roottest.Require(t)
	nss := roottest.NewNamespaces(t, "colo", "host")
	site, onprem = nss[0], nss[1]
	t.Cleanup(func() { _ = emulator.KillNamespace(site.Name) }) // FRR, before the namespace goes
	line.Account, line.Region, line.Namespace, line.Interface = gcpProject, haGCPRegion, site.Name, "ic0"
	g = newGCPLabWith(t, cfg, func(o *Options) { o.Circuits = []Circuit{line} })
	t.Cleanup(func() { _ = os.RemoveAll(state.Dir(g.name)) })
	g.op(g.svc.Networks.Insert(gcpProject, &compute.Network{Name: "vpc", ForceSendFields: []string{"AutoCreateSubnetworks"}}).Do())
	g.op(g.svc.Subnetworks.Insert(gcpProject, haGCPRegion, &compute.Subnetwork{Name: "sc", Network: "global/networks/vpc", IpCidrRange: "10.10.1.0/24"}).Do())
	g.firewall(&compute.Firewall{Name: "allow-icmp", SourceRanges: []string{"172.16.0.0/12"}, Allowed: []*compute.FirewallAllowed{{IPProtocol: "icmp"}}})
	vm = g.instance(haGCPRegion+"-a", "sc", "vm", false)
	g.op(g.svc.Routers.Insert(gcpProject, haGCPRegion, &compute.Router{Name: "r1", Network: "global/networks/vpc", Bgp: &compute.RouterBgp{Asn: asn}}).Do())
	return g, site, onprem, vm
}

// siteBGP runs FRR's bgpd in the site's router namespace as AS asn at
// local, announcing 172.16.2.0/24 to the Cloud Router (AS cloudASN) at
// peer, and waits for the session to be Established and the VPC's subnet
// 10.10.1.0/24 learned.
func siteBGP(ctx context.Context, t *testing.T, g gcpLab, site *roottest.NS, asn, cloudASN int64, local, peer netip.Addr) {
	t.Helper()
	customerBGP(ctx, t, g.name, site, asn, cloudASN, local, peer, netip.MustParsePrefix("10.10.1.0/24"))
}

// customerBGP starts the customer's router's bgpd in site (lab lab's
// node colo) as AS asn on local, announcing its LAN 172.16.2.0/24 to the
// cloud's peer, and waits for the session to be Established and learn
// to be learned.
func customerBGP(ctx context.Context, t *testing.T, lab string, site *roottest.NS, asn, cloudASN int64, local, peer netip.Addr, learn netip.Prefix) {
	t.Helper()
	dir := emulator.NodeDir(lab, "colo")
	conf := fmt.Sprintf("hostname colo\nlog file %s/bgpd.log\n!\nrouter bgp %d\n bgp router-id %s\n no bgp ebgp-requires-policy\n no bgp network import-check\n"+
		" neighbor %s remote-as %d\n neighbor %[4]s timers 1 3\n neighbor %[4]s timers connect 1\n address-family ipv4 unicast\n  network 172.16.2.0/24\n exit-address-family\n!\n",
		dir, asn, local, peer, cloudASN)
	d := emulator.FRRDaemon(dir, "colo", conf)
	must[struct{}](t)(struct{}{}, d.Write())
	must[struct{}](t)(struct{}{}, d.Run(ctx, site.Handle, 10*time.Second))
	t.Cleanup(func() {
		if t.Failed() {
			logVPN(t, []string{site.Name}, []string{dir})
		}
	})
	waitFor(ctx, t, "the site's session to "+peer.String()+" Established", func() bool { return bgpState(ctx, dir, peer.String()) == "Established" })
	waitFor(ctx, t, "the site's router learns "+learn.String()+" by BGP", func() bool {
		got, err := bgpRoutes(site.NL)
		return err == nil && slices.Contains(got, learn)
	})
}

// onpremHost links host to the customer's router site on the LAN
// 172.16.2.0/24 (the router .1, forwarding; the host .10, its default
// route via .1) and returns the host's address.
func onpremHost(t *testing.T, site, host *roottest.NS) netip.Addr {
	t.Helper()
	must[struct{}](t)(struct{}{}, netns.DoHandle(site.Handle, func() error { return writeSysctls(site.Name) }))
	must[struct{}](t)(struct{}{}, site.NL.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "lan0"}, PeerName: "eth0", PeerNamespace: netlink.NsFd(int(host.Handle))}))
	rl, hl := must[netlink.Link](t)(site.NL.LinkByName("lan0")), must[netlink.Link](t)(host.NL.LinkByName("eth0"))
	roottest.AddAddr(t, site.NL, rl, "172.16.2.1/24")
	roottest.AddAddr(t, host.NL, hl, "172.16.2.10/24")
	must[struct{}](t)(struct{}{}, site.NL.LinkSetUp(rl))
	must[struct{}](t)(struct{}{}, host.NL.LinkSetUp(hl))
	must[struct{}](t)(struct{}{}, host.NL.RouteAdd(&netlink.Route{Dst: ipNet(netip.MustParsePrefix("0.0.0.0/0")), Gw: netip.MustParseAddr("172.16.2.1").AsSlice(), LinkIndex: hl.Attrs().Index}))
	return netip.MustParseAddr("172.16.2.10")
}
