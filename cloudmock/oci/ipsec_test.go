package oci

import (
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"
)

// newDrg makes a DRG and waits for it.
func newDrg(t *testing.T, c core.VirtualNetworkClient) core.Drg {
	t.Helper()
	r, err := c.CreateDrg(ctx(t), core.CreateDrgRequest{CreateDrgDetails: core.CreateDrgDetails{CompartmentId: common.String(tenancy1)}})
	if err != nil {
		t.Fatal(err)
	}
	return r.Drg
}

// bgpTunnel is a BGP tunnel's configuration.
func bgpTunnel(asn, customer, oracle string) *core.CreateIpSecTunnelBgpSessionDetails {
	return &core.CreateIpSecTunnelBgpSessionDetails{CustomerBgpAsn: common.String(asn), CustomerInterfaceIp: common.String(customer), OracleInterfaceIp: common.String(oracle)}
}

// TestCpeIPSecSDK: a CPE needs a public address unless private (400);
// an IPSec connection from it to a DRG with one BGP and one STATIC
// tunnel is PROVISIONING, then AVAILABLE; its two tunnels have Oracle VPN
// IPs, the CPE's IP, the BGP session (Oracle's ASN 31898) and shared
// secrets (the one given, one Oracle made); a secret is replaced, a bad
// one is 400; a tunnel's BGP update with Oracle's ASN, mismatched inside
// addresses or none is 400, a stale If-Match 412; bad connections (three
// tunnels, a STATIC tunnel without static routes) are 400; its DRG
// attachment is IPSEC_TUNNEL (not deletable: 400) in the DRG's table for
// such attachments; the CPE cannot go while used (409); deleting the
// connection ends TERMINATED and gives back the tunnels' IPs.
func TestCpeIPSecSDK(t *testing.T) {
	l := newLab(t)
	c := l.client1(t)
	_, err := c.CreateCpe(ctx(t), core.CreateCpeRequest{CreateCpeDetails: core.CreateCpeDetails{CompartmentId: common.String(tenancy1), IpAddress: common.String("10.9.9.9")}})
	serviceError(t, err, 400, "InvalidParameter")
	cpe, err := c.CreateCpe(ctx(t), core.CreateCpeRequest{CreateCpeDetails: core.CreateCpeDetails{CompartmentId: common.String(tenancy1), IpAddress: common.String("203.0.113.5"),
		DisplayName: common.String("onprem")}})
	if err != nil || *cpe.IpAddress != "203.0.113.5" || *cpe.DisplayName != "onprem" {
		t.Fatalf("CreateCpe: %v %+v", err, cpe.Cpe)
	}
	if k, _ := model.OCIKind(*cpe.Id); k != model.KindCustomerGateway {
		t.Fatalf("CPE OCID %s", *cpe.Id)
	}
	drg := newDrg(t, c)
	base := core.CreateIpSecConnectionDetails{CompartmentId: common.String(tenancy1), CpeId: cpe.Id, DrgId: drg.Id, StaticRoutes: []string{"172.16.0.0/16"}}
	bad := base
	bad.TunnelConfiguration = make([]core.CreateIpSecConnectionTunnelDetails, 3)
	_, err = c.CreateIPSecConnection(ctx(t), core.CreateIPSecConnectionRequest{CreateIpSecConnectionDetails: bad})
	serviceError(t, err, 400, "InvalidParameter")
	bad = base
	bad.StaticRoutes = []string{}
	_, err = c.CreateIPSecConnection(ctx(t), core.CreateIPSecConnectionRequest{CreateIpSecConnectionDetails: bad})
	serviceError(t, err, 400, "InvalidParameter")

	d := base
	d.TunnelConfiguration = []core.CreateIpSecConnectionTunnelDetails{
		{Routing: core.CreateIpSecConnectionTunnelDetailsRoutingBgp, SharedSecret: common.String("secret one"), BgpSessionConfig: bgpTunnel("65010", "169.254.10.1/30", "169.254.10.2/30")},
		{Routing: core.CreateIpSecConnectionTunnelDetailsRoutingStatic}}
	ip, err := c.CreateIPSecConnection(ctx(t), core.CreateIPSecConnectionRequest{CreateIpSecConnectionDetails: d})
	if err != nil || ip.LifecycleState != core.IpSecConnectionLifecycleStateProvisioning {
		t.Fatalf("CreateIPSecConnection: %v %+v", err, ip.IpSecConnection)
	}
	g, err := c.GetIPSecConnection(ctx(t), core.GetIPSecConnectionRequest{IpscId: ip.Id, RequestMetadata: common.RequestMetadata{RetryPolicy: waitFor("AVAILABLE")}})
	if err != nil || g.LifecycleState != core.IpSecConnectionLifecycleStateAvailable || len(g.StaticRoutes) != 1 || *g.CpeLocalIdentifier != "203.0.113.5" {
		t.Fatalf("waiting for the connection: %v %+v", err, g.IpSecConnection)
	}
	bgp, static := tunnels(t, c, ip.Id)
	secrets(t, c, ip.Id, bgp, static)
	tunnelUpdates(t, c, ip.Id, static)
	drgAttachmentOf(t, l, c, drg, ip.Id)

	_, err = c.DeleteCpe(ctx(t), core.DeleteCpeRequest{CpeId: cpe.Id})
	serviceError(t, err, 409, "Conflict")
	if _, err := c.DeleteIPSecConnection(ctx(t), core.DeleteIPSecConnectionRequest{IpscId: ip.Id}); err != nil {
		t.Fatal(err)
	}
	gone, err := c.GetIPSecConnection(ctx(t), core.GetIPSecConnectionRequest{IpscId: ip.Id, RequestMetadata: common.RequestMetadata{RetryPolicy: waitFor("TERMINATED")}})
	if err != nil || gone.LifecycleState != core.IpSecConnectionLifecycleStateTerminated {
		t.Fatalf("after delete: %v %s", err, gone.LifecycleState)
	}
	if n := len(l.cloud.ElasticIPs(tenancy1)); n != 0 {
		t.Fatalf("%d Oracle VPN IPs left", n)
	}
	if _, err := c.DeleteCpe(ctx(t), core.DeleteCpeRequest{CpeId: cpe.Id}); err != nil {
		t.Fatal(err)
	}
}

// tunnels checks the two tunnels and returns them, the BGP one first.
func tunnels(t *testing.T, c core.VirtualNetworkClient, id *string) (core.IpSecConnectionTunnel, core.IpSecConnectionTunnel) {
	t.Helper()
	ts, err := c.ListIPSecConnectionTunnels(ctx(t), core.ListIPSecConnectionTunnelsRequest{IpscId: id})
	if err != nil || len(ts.Items) != 2 {
		t.Fatalf("tunnels: %v %+v", err, ts.Items)
	}
	bgp, static := ts.Items[0], ts.Items[1]
	if bgp.Routing != core.IpSecConnectionTunnelRoutingBgp {
		bgp, static = static, bgp
	}
	b := bgp.BgpSessionInfo
	if b == nil || *b.OracleBgpAsn != "31898" || *b.CustomerBgpAsn != "65010" || *b.CustomerInterfaceIp != "169.254.10.1/30" ||
		*bgp.CpeIp != "203.0.113.5" || bgp.VpnIp == nil || *bgp.VpnIp == *static.VpnIp || static.Routing != core.IpSecConnectionTunnelRoutingStatic ||
		bgp.Status != core.IpSecConnectionTunnelStatusDown {
		t.Fatalf("tunnels %+v %+v (bgp %+v)", bgp, static, b)
	}
	return bgp, static
}

// secrets reads the tunnels' shared secrets and replaces one.
func secrets(t *testing.T, c core.VirtualNetworkClient, id *string, bgp, static core.IpSecConnectionTunnel) {
	t.Helper()
	s1, err := c.GetIPSecConnectionTunnelSharedSecret(ctx(t), core.GetIPSecConnectionTunnelSharedSecretRequest{IpscId: id, TunnelId: bgp.Id})
	s2, err2 := c.GetIPSecConnectionTunnelSharedSecret(ctx(t), core.GetIPSecConnectionTunnelSharedSecretRequest{IpscId: id, TunnelId: static.Id})
	if err != nil || err2 != nil || *s1.SharedSecret != "secret one" || len(*s2.SharedSecret) < 16 {
		t.Fatalf("secrets: %v %v %+v %+v", err, err2, s1, s2)
	}
	_, err = c.UpdateIPSecConnectionTunnelSharedSecret(ctx(t), core.UpdateIPSecConnectionTunnelSharedSecretRequest{IpscId: id, TunnelId: static.Id,
		UpdateIpSecConnectionTunnelSharedSecretDetails: core.UpdateIpSecConnectionTunnelSharedSecretDetails{SharedSecret: common.String("bad!")}})
	serviceError(t, err, 400, "InvalidParameter")
	if _, err := c.UpdateIPSecConnectionTunnelSharedSecret(ctx(t), core.UpdateIPSecConnectionTunnelSharedSecretRequest{IpscId: id, TunnelId: static.Id,
		UpdateIpSecConnectionTunnelSharedSecretDetails: core.UpdateIpSecConnectionTunnelSharedSecretDetails{SharedSecret: common.String("new secret 2")}}); err != nil {
		t.Fatal(err)
	}
	s2, err = c.GetIPSecConnectionTunnelSharedSecret(ctx(t), core.GetIPSecConnectionTunnelSharedSecretRequest{IpscId: id, TunnelId: static.Id})
	if err != nil || *s2.SharedSecret != "new secret 2" {
		t.Fatalf("replaced secret: %v %+v", err, s2)
	}
}

// tunnelUpdates moves the STATIC tunnel to BGP, after refused tries.
func tunnelUpdates(t *testing.T, c core.VirtualNetworkClient, id *string, static core.IpSecConnectionTunnel) {
	t.Helper()
	upd := func(b *core.UpdateIpSecTunnelBgpSessionDetails, etag *string) (core.UpdateIPSecConnectionTunnelResponse, error) {
		return c.UpdateIPSecConnectionTunnel(ctx(t), core.UpdateIPSecConnectionTunnelRequest{IpscId: id, TunnelId: static.Id, IfMatch: etag,
			UpdateIpSecConnectionTunnelDetails: core.UpdateIpSecConnectionTunnelDetails{Routing: core.UpdateIpSecConnectionTunnelDetailsRoutingBgp, BgpSessionConfig: b}})
	}
	session := func(asn, customer, oracle string) *core.UpdateIpSecTunnelBgpSessionDetails {
		return &core.UpdateIpSecTunnelBgpSessionDetails{CustomerBgpAsn: common.String(asn), CustomerInterfaceIp: common.String(customer), OracleInterfaceIp: common.String(oracle)}
	}
	_, err := upd(nil, nil)
	serviceError(t, err, 400, "MissingParameter")
	_, err = upd(session("31898", "169.254.20.1/30", "169.254.20.2/30"), nil)
	serviceError(t, err, 400, "InvalidParameter")
	_, err = upd(session("65010", "169.254.20.1/30", "169.254.21.2/30"), nil)
	serviceError(t, err, 400, "InvalidParameter")
	_, err = upd(session("65010", "169.254.20.1/30", "169.254.20.2/30"), common.String("stale"))
	serviceError(t, err, 412, "NoEtagMatch")
	cur, err := c.GetIPSecConnectionTunnel(ctx(t), core.GetIPSecConnectionTunnelRequest{IpscId: id, TunnelId: static.Id})
	if err != nil || cur.Etag == nil {
		t.Fatalf("GetIPSecConnectionTunnel: %v %+v", err, cur)
	}
	u, err := upd(session("65010", "169.254.20.1/30", "169.254.20.2/30"), cur.Etag)
	if err != nil || u.Routing != core.IpSecConnectionTunnelRoutingBgp || *u.BgpSessionInfo.OracleInterfaceIp != "169.254.20.2/30" {
		t.Fatalf("tunnel to BGP: %v %+v", err, u.IpSecConnectionTunnel)
	}
}

// drgAttachmentOf checks the connection's IPSEC_TUNNEL attachment.
func drgAttachmentOf(t *testing.T, l *lab, c core.VirtualNetworkClient, drg core.Drg, id *string) {
	t.Helper()
	vcnOnly, err := c.ListDrgAttachments(ctx(t), core.ListDrgAttachmentsRequest{CompartmentId: common.String(tenancy1), DrgId: drg.Id})
	atts, err2 := c.ListDrgAttachments(ctx(t), core.ListDrgAttachmentsRequest{CompartmentId: common.String(tenancy1), DrgId: drg.Id,
		AttachmentType: core.ListDrgAttachmentsAttachmentTypeIpsecTunnel})
	if err != nil || err2 != nil || len(vcnOnly.Items) != 0 || len(atts.Items) != 1 {
		t.Fatalf("DRG attachments: %v %v VCN %d IPSec %d", err, err2, len(vcnOnly.Items), len(atts.Items))
	}
	a := atts.Items[0]
	nd, ok := a.NetworkDetails.(core.IpsecTunnelDrgAttachmentNetworkDetails)
	g, _ := c.GetDrg(ctx(t), core.GetDrgRequest{DrgId: drg.Id})
	if !ok || *nd.IpsecConnectionId != *id || *a.DrgRouteTableId != *g.DefaultDrgRouteTables.IpsecTunnel {
		t.Fatalf("IPSec attachment %+v (%T)", a, a.NetworkDetails)
	}
	_, err = c.DeleteDrgAttachment(ctx(t), core.DeleteDrgAttachmentRequest{DrgAttachmentId: a.Id})
	serviceError(t, err, 400, "InvalidParameter")
}
