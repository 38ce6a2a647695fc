package realize

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/ipsec"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// ociVPNKey is the tunnels' shared secret: OCI's take letters, numbers
// and spaces.
const ociVPNKey = "labsharedsecret0123456789"

// TestOCIIPSecBGP: through the Go SDK, an IPSec connection from a DRG to
// a CPE that is a lab router on an uplink, its first tunnel IKEv2 with BGP
// (Oracle 172.16.255.2/30, the customer 172.16.255.1/30 in AS 65010),
// comes up against the router's strongSwan and FRR: both BGP ends are
// Established, the router learns the VCN's 10.10.0.0/16, the tunnel
// shows UP with its BGP session UP, the router's LAN 172.16.1.0/24 is a
// dynamic rule of the VCN attachments' DRG route table to the IPSec
// attachment, and the VCN's instance (private, its table sending
// 172.16.0.0/12 to the DRG) and the router ping each other; deleting the
// connection ends it.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingIPsec.htm — a tunnel with BGP routing: the CPE and Oracle exchange routes over the tunnel's inside addresses; the DRG learns the on-premises routes
func TestOCIIPSecBGP(t *testing.T) {
	roottest.Require(t)
	if why := ipsec.Missing(); why != "" {
		t.Skip(why)
	}
	site := roottest.NewNamespaces(t, "site")[0]
	t.Cleanup(func() { _ = emulator.KillNamespace(site.Name) })
	o := newOCILab(t, func(opt *Options) {
		opt.Uplinks = []Uplink{{Name: "onprem", Namespace: site.Name, Interface: "wan0", Address: vpnSiteWAN}}
	})
	t.Cleanup(func() { _ = os.RemoveAll(state.Dir(o.name)) })
	drg, err := o.vn.CreateDrg(o.ctx(), core.CreateDrgRequest{CreateDrgDetails: core.CreateDrgDetails{CompartmentId: common.String(ociTenancy)}})
	o.ok(err)
	v := o.vcn("10.10.0.0/16")
	_, err = o.vn.CreateDrgAttachment(o.ctx(), core.CreateDrgAttachmentRequest{CreateDrgAttachmentDetails: core.CreateDrgAttachmentDetails{
		DrgId: drg.Id, NetworkDetails: core.VcnDrgAttachmentNetworkCreateDetails{Id: v}}})
	o.ok(err)
	vm := o.instance(o.routedSubnet(v, "10.10.1.0/24", o.routeTable(v, "172.16.0.0/12", drg.Id), false))
	cpe, err := o.vn.CreateCpe(o.ctx(), core.CreateCpeRequest{CreateCpeDetails: core.CreateCpeDetails{CompartmentId: common.String(ociTenancy),
		IpAddress: common.String(vpnSiteWAN.Addr().String())}})
	o.ok(err)
	tunnel := func(customer, oracle string) core.CreateIpSecConnectionTunnelDetails {
		return core.CreateIpSecConnectionTunnelDetails{Routing: core.CreateIpSecConnectionTunnelDetailsRoutingBgp, IkeVersion: core.CreateIpSecConnectionTunnelDetailsIkeVersionV2,
			SharedSecret: common.String(ociVPNKey), BgpSessionConfig: &core.CreateIpSecTunnelBgpSessionDetails{CustomerBgpAsn: common.String("65010"),
				CustomerInterfaceIp: common.String(customer), OracleInterfaceIp: common.String(oracle)}}
	}
	conn, err := o.vn.CreateIPSecConnection(o.ctx(), core.CreateIPSecConnectionRequest{CreateIpSecConnectionDetails: core.CreateIpSecConnectionDetails{
		CompartmentId: common.String(ociTenancy), CpeId: cpe.Id, DrgId: drg.Id, StaticRoutes: []string{},
		TunnelConfiguration: []core.CreateIpSecConnectionTunnelDetails{tunnel("172.16.255.1/30", "172.16.255.2/30"), tunnel("172.16.255.5/30", "172.16.255.6/30")}}})
	o.ok(err)
	o.sync()
	tunnels, err := o.vn.ListIPSecConnectionTunnels(o.ctx(), core.ListIPSecConnectionTunnelsRequest{IpscId: conn.Id})
	o.ok(err)
	t1 := tunnels.Items[0]
	oracleBGP := netip.MustParseAddr("172.16.255.2")
	h, _ := o.cloud.Handle(*conn.Id)
	start := time.Now()
	siteDir := startVPNSiteTo(t, o.name, site, netip.MustParseAddr(*t1.VpnIp), ociVPNKey, oracleBGP, 31898)
	node := filepath.Join(emulator.NodeDir(o.name, vngNode(h)), "frr")
	t.Cleanup(func() {
		if t.Failed() {
			logVPN(t, []string{site.Name, emulator.NamespaceName(o.name, vngNode(h))}, []string{siteDir, node})
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, end := range []struct{ dir, peer string }{{siteDir, oracleBGP.String()}, {node, vpnSiteBGP.String()}} {
		waitFor(ctx, t, "BGP session to "+end.peer+" Established", func() bool { return bgpState(ctx, end.dir, end.peer) == "Established" })
	}
	t.Logf("BGP Established at both ends %v after the site started", time.Since(start).Round(time.Millisecond))
	waitFor(ctx, t, "the site's kernel learns 10.10.0.0/16 by BGP", func() bool {
		got, err := bgpRoutes(site.NL)
		return err == nil && slices.Contains(got, netip.MustParsePrefix("10.10.0.0/16"))
	})
	waitFor(ctx, t, "tunnel 1 UP with its BGP session UP", func() bool {
		g, err := o.vn.GetIPSecConnectionTunnel(ctx, core.GetIPSecConnectionTunnelRequest{IpscId: conn.Id, TunnelId: t1.Id})
		return err == nil && g.Status == core.IpSecConnectionTunnelStatusUp && g.BgpSessionInfo.BgpState == core.BgpSessionInfoBgpStateUp
	})
	waitFor(ctx, t, "172.16.1.0/24 in the VCN attachments' DRG route table from the IPSec attachment", func() bool {
		rules, err := o.vn.ListDrgRouteRules(ctx, core.ListDrgRouteRulesRequest{DrgRouteTableId: drg.DefaultDrgRouteTables.Vcn, RouteType: core.ListDrgRouteRulesRouteTypeDynamic})
		return err == nil && slices.ContainsFunc(rules.Items, func(r core.DrgRouteRule) bool {
			return *r.Destination == "172.16.1.0/24" && r.RouteProvenance == core.DrgRouteRuleRouteProvenanceIpsecTunnel
		})
	})
	o.sync()
	o.pingOK(o.ns(vm), vpnSiteLAN.Addr())
	o.pingOK(site.Name, vm.PrivateIP)
	_, err = o.vn.DeleteIPSecConnection(o.ctx(), core.DeleteIPSecConnectionRequest{IpscId: conn.Id})
	o.ok(err)
	o.pingFails(o.ns(vm), vpnSiteLAN.Addr())
	if c := o.cloud.VPNConnections(ociTenancy); slices.ContainsFunc(c, func(x model.VPNConnection) bool { return x.ID == *conn.Id }) {
		t.Fatalf("the connection stayed: %+v", c)
	}
}
