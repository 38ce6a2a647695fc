package realize

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/google/nftables"
	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"
	"github.com/vishvananda/netlink"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/dataplane/policy"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/ipsec"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// ociVPNKey is the tunnels' shared secret: OCI's take letters, numbers
// and spaces.
const ociVPNKey = "labsharedsecret0123456789"

// The tunnels' inside addresses in TestOCIIPSecBGP: Oracle's and the
// customer's of each tunnel's /30.
var (
	ociOracleBGP   = []netip.Addr{netip.MustParseAddr("172.16.255.2"), netip.MustParseAddr("172.16.255.6")}
	ociCustomerBGP = []netip.Addr{netip.MustParseAddr("172.16.255.1"), netip.MustParseAddr("172.16.255.5")}
)

// TestOCIIPSecBGP: through the Go SDK, an IPSec connection from a DRG to
// a CPE (198.51.100.2, a lab uplink), both tunnels IKEv2 with BGP
// (Oracle 172.16.255.2/30 and .6/30, the customer .1 and .5 in AS
// 65010). On premises a router (172.16.1.0/24) runs BGP with both
// tunnels through two VPN devices, one per tunnel, behind a NAT device
// that holds the CPE's address (each device's IKE identity). Both tunnels
// come up against the devices' strongSwan and the router's FRR: both
// sessions Established at the router, both tunnels UP with BGP UP as the
// SDK reads them, the router learns the VCN's 10.10.0.0/16, its LAN is a
// dynamic IPSEC_TUNNEL rule of the VCN attachments' DRG route table, and
// the VCN's instance and the router ping each other. Killing the device
// of tunnel 1 (the first, which carried the traffic) moves the traffic to
// tunnel 2 (the time is logged): tunnel 1 DOWN with its BGP DOWN, tunnel
// 2 UP, the rule still there, pings both ways. Deleting the connection
// ends it.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingIPsec.htm — two tunnels per connection, each with BGP over its inside interface addresses; the DRG learns the on-premises routes
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/routingonprem.htm — Oracle may use any tunnel that is up to send traffic back to the on-premises network
func TestOCIIPSecBGP(t *testing.T) {
	roottest.Require(t)
	if why := ipsec.Missing(); why != "" {
		t.Skip(why)
	}
	nss := roottest.NewNamespaces(t, "onprem", "nat", "cpe0", "cpe1")
	for _, n := range nss {
		t.Cleanup(func() { _ = emulator.KillNamespace(n.Name) })
	}
	o := newOCILab(t, func(opt *Options) {
		opt.Uplinks = []Uplink{{Name: "onprem", Namespace: nss[1].Name, Interface: "wan0", Address: vpnSiteWAN}}
	})
	t.Cleanup(func() { _ = os.RemoveAll(state.Dir(o.name)) })
	drg, v := o.drgVCN()
	vm := o.instance(o.routedSubnet(v, "10.10.1.0/24", o.routeTable(v, "172.16.0.0/12", drg.Id), false))
	conn := o.ipsecBGP(drg.Id)
	o.sync()
	tunnels := o.tunnelsByOracleIP(conn)
	pubs := []netip.Addr{netip.MustParseAddr(*tunnels[0].VpnIp), netip.MustParseAddr(*tunnels[1].VpnIp)}
	start := time.Now()
	binds := natCPEs(t, nss[1], nss[2:], pubs)
	site := startHASite(t, o.name, haSpec{cloudASN: 31898, cloudBGP: ociOracleBGP, siteBGP: ociCustomerBGP, secret: ociVPNKey,
		ids: []netip.Addr{vpnSiteWAN.Addr(), vpnSiteWAN.Addr()}, binds: binds}, nss[0], nss[2:], pubs)
	t.Cleanup(func() {
		if t.Failed() {
			logHAVPN(t, o.name, nss)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for i := range 2 {
		waitFor(ctx, t, fmt.Sprintf("the router's session to %s Established", ociOracleBGP[i]), func() bool { return bgpState(ctx, site.frr, ociOracleBGP[i].String()) == "Established" })
	}
	waitFor(ctx, t, "both tunnels UP with their BGP sessions UP", func() bool { return o.tunnelsUp(conn, tunnels) == [2]bool{true, true} })
	t.Logf("both tunnels and BGP sessions up %.1f s after the site started", time.Since(start).Seconds())
	waitFor(ctx, t, "the router's kernel learns 10.10.0.0/16 by BGP", func() bool {
		got, err := bgpRoutes(site.router.NL)
		return err == nil && slices.Contains(got, netip.MustParsePrefix("10.10.0.0/16"))
	})
	waitFor(ctx, t, "172.16.1.0/24 in the VCN attachments' DRG route table from the IPSec attachment", func() bool { return o.drgLearned(drg, haSiteLAN, core.DrgRouteRuleRouteProvenanceIpsecTunnel) })
	o.sync()
	o.pingOK(o.ns(vm), haSiteHost)
	o.pingOK(site.router.Name, vm.PrivateIP)

	// The device of tunnel 1 dies: tunnel 2 carries the traffic.
	killed := time.Now()
	must[struct{}](t)(struct{}{}, syscall.Kill(site.charons[0].PID, syscall.SIGKILL))
	took := outage(t, o.ns(vm), haSiteHost, killed)
	t.Logf("failover: the instance reaches the router again over tunnel 2 %.2f s after tunnel 1's device was killed", took.Seconds())
	o.pingOK(site.router.Name, vm.PrivateIP)
	waitFor(ctx, t, "tunnel 1 DOWN with its BGP DOWN, tunnel 2 UP", func() bool { return o.tunnelsUp(conn, tunnels) == [2]bool{false, true} })
	if !o.drgLearned(drg, haSiteLAN, core.DrgRouteRuleRouteProvenanceIpsecTunnel) {
		t.Fatal("172.16.1.0/24 left the DRG route table with tunnel 2 up")
	}

	_, err := o.vn.DeleteIPSecConnection(o.ctx(), core.DeleteIPSecConnectionRequest{IpscId: conn})
	o.ok(err)
	o.pingFails(o.ns(vm), haSiteHost)
	if c := o.cloud.VPNConnections(ociTenancy); slices.ContainsFunc(c, func(x model.VPNConnection) bool { return x.ID == *conn }) {
		t.Fatalf("the connection stayed: %+v", c)
	}
}

// drgVCN makes a DRG and VCN 10.10.0.0/16 attached to it.
func (o ociLab) drgVCN() (core.Drg, *string) {
	drg, err := o.vn.CreateDrg(o.ctx(), core.CreateDrgRequest{CreateDrgDetails: core.CreateDrgDetails{CompartmentId: common.String(ociTenancy)}})
	o.ok(err)
	v := o.vcn("10.10.0.0/16")
	_, err = o.vn.CreateDrgAttachment(o.ctx(), core.CreateDrgAttachmentRequest{CreateDrgAttachmentDetails: core.CreateDrgAttachmentDetails{
		DrgId: drg.Id, NetworkDetails: core.VcnDrgAttachmentNetworkCreateDetails{Id: v}}})
	o.ok(err)
	return drg.Drg, v
}

// ipsecBGP connects a CPE at the site's uplink address to drg with two
// IKEv2 tunnels with BGP (customer AS 65010, the inside addresses
// above), and returns the connection's OCID.
func (o ociLab) ipsecBGP(drg *string) *string {
	cpe, err := o.vn.CreateCpe(o.ctx(), core.CreateCpeRequest{CreateCpeDetails: core.CreateCpeDetails{CompartmentId: common.String(ociTenancy),
		IpAddress: common.String(vpnSiteWAN.Addr().String())}})
	o.ok(err)
	var tunnels []core.CreateIpSecConnectionTunnelDetails
	for i := range 2 {
		tunnels = append(tunnels, core.CreateIpSecConnectionTunnelDetails{Routing: core.CreateIpSecConnectionTunnelDetailsRoutingBgp,
			IkeVersion: core.CreateIpSecConnectionTunnelDetailsIkeVersionV2, SharedSecret: common.String(ociVPNKey),
			BgpSessionConfig: &core.CreateIpSecTunnelBgpSessionDetails{CustomerBgpAsn: common.String("65010"),
				CustomerInterfaceIp: common.String(ociCustomerBGP[i].String() + "/30"), OracleInterfaceIp: common.String(ociOracleBGP[i].String() + "/30")}})
	}
	conn, err := o.vn.CreateIPSecConnection(o.ctx(), core.CreateIPSecConnectionRequest{CreateIpSecConnectionDetails: core.CreateIpSecConnectionDetails{
		CompartmentId: common.String(ociTenancy), CpeId: cpe.Id, DrgId: drg, StaticRoutes: []string{}, TunnelConfiguration: tunnels}})
	o.ok(err)
	return conn.Id
}

// tunnelsByOracleIP lists a connection's tunnels in the order of their
// Oracle inside addresses above.
func (o ociLab) tunnelsByOracleIP(conn *string) []core.IpSecConnectionTunnel {
	list, err := o.vn.ListIPSecConnectionTunnels(o.ctx(), core.ListIPSecConnectionTunnelsRequest{IpscId: conn})
	o.ok(err)
	out := make([]core.IpSecConnectionTunnel, 2)
	for _, x := range list.Items {
		i := slices.Index(ociOracleBGP, netip.MustParsePrefix(*x.BgpSessionInfo.OracleInterfaceIp).Addr())
		if i < 0 {
			o.t.Fatalf("tunnel %s: Oracle inside address %s", *x.Id, *x.BgpSessionInfo.OracleInterfaceIp)
		}
		out[i] = x
	}
	return out
}

// tunnelsUp says, as GetIPSecConnectionTunnel reads them, which tunnels
// are UP with their BGP session UP.
func (o ociLab) tunnelsUp(conn *string, tunnels []core.IpSecConnectionTunnel) [2]bool {
	var up [2]bool
	for i, x := range tunnels {
		g, err := o.vn.GetIPSecConnectionTunnel(o.ctx(), core.GetIPSecConnectionTunnelRequest{IpscId: conn, TunnelId: x.Id})
		o.ok(err)
		up[i] = g.Status == core.IpSecConnectionTunnelStatusUp && g.BgpSessionInfo.BgpState == core.BgpSessionInfoBgpStateUp
	}
	return up
}

// drgLearned says whether the DRG's table for VCN attachments holds a
// dynamic rule to dst from an attachment of type from.
func (o ociLab) drgLearned(drg core.Drg, dst netip.Prefix, from core.DrgRouteRuleRouteProvenanceEnum) bool {
	rules, err := o.vn.ListDrgRouteRules(o.ctx(), core.ListDrgRouteRulesRequest{DrgRouteTableId: drg.DefaultDrgRouteTables.Vcn, RouteType: core.ListDrgRouteRulesRouteTypeDynamic})
	return err == nil && slices.ContainsFunc(rules.Items, func(r core.DrgRouteRule) bool {
		return *r.Destination == dst.String() && r.RouteProvenance == from
	})
}

// natCPEs puts the VPN devices behind nat, which holds the CPE's address
// on its uplink: device i's wan0 is 192.168.100.4i+2/30 (nat's end .4i+1,
// its default route); nat sends what tunnel i's Oracle VPN IP sends to
// the CPE's address on to device i, and shows what the devices send as
// from the CPE's address. It returns the devices' addresses, which their
// IKE binds to (their identity being the CPE's address).
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingIPsec.htm — a CPE behind a NAT device: the CPE IKE identifier is its public address unless set otherwise
func natCPEs(t *testing.T, nat *roottest.NS, cpes []*roottest.NS, pubs []netip.Addr) []netip.Addr {
	t.Helper()
	must[struct{}](t)(struct{}{}, netns.DoHandle(nat.Handle, func() error { return writeSysctls(nat.Name) }))
	pre := policy.Chain{Name: "prerouting", Hook: policy.HookPrerouting, Type: policy.TypeNAT, Priority: policy.PriorityDstNAT}
	post := policy.Chain{Name: "postrouting", Hook: policy.HookPostrouting, Type: policy.TypeNAT, Priority: policy.PrioritySrcNAT, Rules: []policy.Rule{
		{Match: policy.Match{OIF: "wan0", Src: netip.MustParsePrefix("192.168.100.0/24")}, NAT: &policy.NAT{Kind: policy.SNAT, Addr: vpnSiteWAN.Addr()}}}}
	var binds []netip.Addr
	for i, cpe := range cpes {
		nIf := fmt.Sprintf("cpe%d", i)
		must[struct{}](t)(struct{}{}, nat.NL.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: nIf}, PeerName: "wan0", PeerNamespace: netlink.NsFd(int(cpe.Handle))}))
		nAddr := netip.AddrFrom4([4]byte{192, 168, 100, byte(4*i + 1)})
		nl, cl := must[netlink.Link](t)(nat.NL.LinkByName(nIf)), must[netlink.Link](t)(cpe.NL.LinkByName("wan0"))
		roottest.AddAddr(t, nat.NL, nl, netip.PrefixFrom(nAddr, 30).String())
		roottest.AddAddr(t, cpe.NL, cl, netip.PrefixFrom(nAddr.Next(), 30).String())
		must[struct{}](t)(struct{}{}, nat.NL.LinkSetUp(nl))
		must[struct{}](t)(struct{}{}, cpe.NL.LinkSetUp(cl))
		must[struct{}](t)(struct{}{}, cpe.NL.RouteReplace(&netlink.Route{Dst: ipNet(netip.MustParsePrefix("0.0.0.0/0")), Gw: nAddr.AsSlice(), LinkIndex: cl.Attrs().Index}))
		pre.Rules = append(pre.Rules, policy.Rule{Match: policy.Match{IIF: "wan0", Src: netip.PrefixFrom(pubs[i], 32), Proto: policy.ProtoUDP},
			NAT: &policy.NAT{Kind: policy.DNAT, Addr: nAddr.Next()}})
		binds = append(binds, nAddr.Next())
	}
	c := must[*nftables.Conn](t)(nftables.New(nftables.WithNetNSFd(int(nat.Handle))))
	must[struct{}](t)(struct{}{}, policy.Apply(c, policy.Table{Family: policy.FamilyIPv4, Name: "cpenat", Chains: []policy.Chain{pre, post}}))
	return binds
}
