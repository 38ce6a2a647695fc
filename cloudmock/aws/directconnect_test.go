package aws_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/directconnect"
	dxtypes "github.com/aws/aws-sdk-go-v2/service/directconnect/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	cmaws "github.com/mcnlab/mcnlab/cloudmock/aws"
	"github.com/mcnlab/mcnlab/cloudmock/model"
)

func dxClient(url, key, secret string) *directconnect.Client {
	return directconnect.New(directconnect.Options{
		Region:           "us-east-1",
		BaseEndpoint:     sdkaws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider(key, secret, ""),
		RetryMaxAttempts: 1,
	})
}

// dxLab is a lab with a line provisioned for account A, a VPC and a VPN
// gateway attached to it, and Direct Connect clients for both accounts.
type dxLab struct {
	*lab
	dxA, dxB *directconnect.Client
	conn     model.DXConnection
	vpc, vgw string
}

func newDXLab(t *testing.T) *dxLab {
	t.Helper()
	l := &dxLab{lab: newLab(t)}
	l.dxA = dxClient(l.url, credA.AccessKeyID, credA.SecretAccessKey)
	l.dxB = dxClient(l.url, credB.AccessKeyID, credB.SecretAccessKey)
	var err error
	if l.conn, err = l.cloud.ProvisionDXConnection(credA.AccountID, "dc1-line", map[string]string{"site": "dc1"}); err != nil {
		t.Fatal(err)
	}
	l.vpc = *mkVpc(t, l.a, "10.0.0.0/16", "transit").VpcId
	g := must[*ec2.CreateVpnGatewayOutput](t)(l.a.CreateVpnGateway(ctx, &ec2.CreateVpnGatewayInput{Type: "ipsec.1", AmazonSideAsn: sdkaws.Int64(64600)}))
	l.vgw = *g.VpnGateway.VpnGatewayId
	must[*ec2.AttachVpnGatewayOutput](t)(l.a.AttachVpnGateway(ctx, &ec2.AttachVpnGatewayInput{VpcId: &l.vpc, VpnGatewayId: &l.vgw}))
	return l
}

func (l *dxLab) newVIF(vlan int32, amazon, customer string) *directconnect.CreatePrivateVirtualInterfaceInput {
	in := &directconnect.CreatePrivateVirtualInterfaceInput{ConnectionId: &l.conn.ID, NewPrivateVirtualInterface: &dxtypes.NewPrivateVirtualInterface{
		VirtualInterfaceName: sdkaws.String("to-transit"), Vlan: vlan, Asn: 65010, VirtualGatewayId: &l.vgw,
		Tags: []dxtypes.Tag{{Key: sdkaws.String("Name"), Value: sdkaws.String("vif")}}}}
	if amazon != "" {
		in.NewPrivateVirtualInterface.AmazonAddress, in.NewPrivateVirtualInterface.CustomerAddress = &amazon, &customer
	}
	return in
}

// wantDXClientError checks that err is Direct Connect's client exception,
// as the SDK decodes it into its typed error.
func wantDXClientError(t testing.TB, err error) {
	t.Helper()
	var ce *dxtypes.DirectConnectClientException
	if !errors.As(err, &ce) {
		t.Fatalf("got error %v, want DirectConnectClientException", err)
	}
	if ce.ErrorMessage() == "" {
		t.Fatalf("DirectConnectClientException without a message")
	}
}

// The controller's calls, in its order: find the line, create a private
// VIF on it landing on the attached VPN gateway, read it back, delete it.
func TestDirectConnectLifecycle(t *testing.T) {
	l := newDXLab(t)
	conns := must[*directconnect.DescribeConnectionsOutput](t)(l.dxA.DescribeConnections(ctx, &directconnect.DescribeConnectionsInput{})).Connections
	if len(conns) != 1 {
		t.Fatalf("DescribeConnections: %d connections", len(conns))
	}
	c := conns[0]
	if *c.ConnectionId != l.conn.ID || *c.ConnectionName != "dc1-line" || c.ConnectionState != dxtypes.ConnectionStateAvailable ||
		*c.Location != "mcnlab" || *c.Bandwidth != "1Gbps" || *c.OwnerAccount != credA.AccountID || *c.Region != "us-east-1" ||
		len(c.Tags) != 1 || *c.Tags[0].Key != "site" || *c.Tags[0].Value != "dc1" {
		t.Fatalf("connection = %+v", c)
	}
	one := must[*directconnect.DescribeConnectionsOutput](t)(l.dxA.DescribeConnections(ctx, &directconnect.DescribeConnectionsInput{ConnectionId: &l.conn.ID}))
	if len(one.Connections) != 1 {
		t.Fatalf("DescribeConnections by ID: %d", len(one.Connections))
	}
	if b := must[*directconnect.DescribeConnectionsOutput](t)(l.dxB.DescribeConnections(ctx, &directconnect.DescribeConnectionsInput{})); len(b.Connections) != 0 {
		t.Fatalf("account B sees A's line: %+v", b.Connections)
	}

	v := must[*directconnect.CreatePrivateVirtualInterfaceOutput](t)(l.dxA.CreatePrivateVirtualInterface(ctx, l.newVIF(100, "192.168.100.1/30", "192.168.100.2/30")))
	if v.VirtualInterfaceState != dxtypes.VirtualInterfaceStateAvailable || *v.VirtualInterfaceType != "private" || v.Vlan != 100 ||
		v.Asn != 65010 || sdkaws.ToInt64(v.AmazonSideAsn) != 64600 || *v.AmazonAddress != "192.168.100.1/30" || *v.CustomerAddress != "192.168.100.2/30" ||
		*v.VirtualGatewayId != l.vgw || *v.ConnectionId != l.conn.ID || v.AddressFamily != dxtypes.AddressFamilyIPv4 || len(sdkaws.ToString(v.AuthKey)) < 6 ||
		len(v.BgpPeers) != 1 || v.BgpPeers[0].BgpStatus != dxtypes.BGPStatusUp || len(v.Tags) != 1 {
		t.Fatalf("created VIF = %+v", v)
	}
	id := *v.VirtualInterfaceId
	for name, in := range map[string]*directconnect.DescribeVirtualInterfacesInput{
		"all": {}, "by connection": {ConnectionId: &l.conn.ID}, "by ID": {VirtualInterfaceId: &id},
		"by both": {ConnectionId: &l.conn.ID, VirtualInterfaceId: &id},
	} {
		got := must[*directconnect.DescribeVirtualInterfacesOutput](t)(l.dxA.DescribeVirtualInterfaces(ctx, in)).VirtualInterfaces
		if len(got) != 1 || *got[0].VirtualInterfaceId != id || got[0].VirtualInterfaceState != dxtypes.VirtualInterfaceStateAvailable {
			t.Fatalf("DescribeVirtualInterfaces %s = %+v", name, got)
		}
	}
	if b := must[*directconnect.DescribeVirtualInterfacesOutput](t)(l.dxB.DescribeVirtualInterfaces(ctx, &directconnect.DescribeVirtualInterfacesInput{})); len(b.VirtualInterfaces) != 0 {
		t.Fatalf("account B sees A's VIF")
	}

	// Detaching the gateway takes the VIF down; the gateway cannot be
	// deleted while the VIF lands on it.
	must[*ec2.DetachVpnGatewayOutput](t)(l.a.DetachVpnGateway(ctx, &ec2.DetachVpnGatewayInput{VpcId: &l.vpc, VpnGatewayId: &l.vgw}))
	got := must[*directconnect.DescribeVirtualInterfacesOutput](t)(l.dxA.DescribeVirtualInterfaces(ctx, &directconnect.DescribeVirtualInterfacesInput{VirtualInterfaceId: &id})).VirtualInterfaces
	if got[0].VirtualInterfaceState != dxtypes.VirtualInterfaceStateDown || got[0].BgpPeers[0].BgpStatus != dxtypes.BGPStatusDown {
		t.Fatalf("after detach: state %s, BGP %s", got[0].VirtualInterfaceState, got[0].BgpPeers[0].BgpStatus)
	}
	_, err := l.a.DeleteVpnGateway(ctx, &ec2.DeleteVpnGatewayInput{VpnGatewayId: &l.vgw})
	wantAPIError(t, err, "IncorrectState")

	_, err = l.dxB.DeleteVirtualInterface(ctx, &directconnect.DeleteVirtualInterfaceInput{VirtualInterfaceId: &id})
	wantDXClientError(t, err)
	del := must[*directconnect.DeleteVirtualInterfaceOutput](t)(l.dxA.DeleteVirtualInterface(ctx, &directconnect.DeleteVirtualInterfaceInput{VirtualInterfaceId: &id}))
	if del.VirtualInterfaceState != dxtypes.VirtualInterfaceStateDeleted {
		t.Fatalf("DeleteVirtualInterface answered %s", del.VirtualInterfaceState)
	}
	_, err = l.dxA.DescribeVirtualInterfaces(ctx, &directconnect.DescribeVirtualInterfacesInput{VirtualInterfaceId: &id})
	wantDXClientError(t, err)
	must[*ec2.DeleteVpnGatewayOutput](t)(l.a.DeleteVpnGateway(ctx, &ec2.DeleteVpnGatewayInput{VpnGatewayId: &l.vgw}))
}

func TestDirectConnectCreateErrors(t *testing.T) {
	l := newDXLab(t)
	must[*directconnect.CreatePrivateVirtualInterfaceOutput](t)(l.dxA.CreatePrivateVirtualInterface(ctx, l.newVIF(100, "192.168.100.1/30", "192.168.100.2/30")))
	bad := map[string]*directconnect.CreatePrivateVirtualInterfaceInput{
		"VLAN in use":      l.newVIF(100, "192.168.101.1/30", "192.168.101.2/30"),
		"VLAN 4095":        l.newVIF(4095, "192.168.101.1/30", "192.168.101.2/30"),
		"two prefixes":     l.newVIF(101, "192.168.101.1/30", "192.168.102.2/30"),
		"one address":      l.newVIF(101, "192.168.101.1/30", "192.168.101.1/30"),
		"a /29":            l.newVIF(101, "192.168.101.1/29", "192.168.101.2/29"),
		"not an address":   l.newVIF(101, "192.168.101.1", "192.168.101.2"),
		"no such gateway":  l.newVIF(101, "192.168.101.1/30", "192.168.101.2/30"),
		"no such line":     l.newVIF(101, "192.168.101.1/30", "192.168.101.2/30"),
		"a DX gateway":     l.newVIF(101, "192.168.101.1/30", "192.168.101.2/30"),
		"bad name":         l.newVIF(101, "192.168.101.1/30", "192.168.101.2/30"),
		"jumbo frames":     l.newVIF(101, "192.168.101.1/30", "192.168.101.2/30"),
		"IPv6":             l.newVIF(101, "192.168.101.1/30", "192.168.101.2/30"),
		"one address only": l.newVIF(101, "192.168.101.1/30", ""),
	}
	bad["no such gateway"].NewPrivateVirtualInterface.VirtualGatewayId = sdkaws.String("vgw-0123456789abcdef0")
	bad["no such line"].ConnectionId = sdkaws.String("dxcon-nothere1")
	bad["a DX gateway"].NewPrivateVirtualInterface.VirtualGatewayId = nil
	bad["a DX gateway"].NewPrivateVirtualInterface.DirectConnectGatewayId = sdkaws.String("5f294f92-bafb-4011-916d-9b0bexample")
	bad["bad name"].NewPrivateVirtualInterface.VirtualInterfaceName = sdkaws.String("To Transit")
	bad["jumbo frames"].NewPrivateVirtualInterface.Mtu = sdkaws.Int32(8500)
	bad["IPv6"].NewPrivateVirtualInterface.AddressFamily = dxtypes.AddressFamilyIPv6
	bad["one address only"].NewPrivateVirtualInterface.CustomerAddress = nil
	for name, in := range bad {
		t.Run(name, func(t *testing.T) {
			_, err := l.dxA.CreatePrivateVirtualInterface(ctx, in)
			wantDXClientError(t, err)
		})
	}
	// Account B cannot use A's line.
	in := l.newVIF(102, "192.168.102.1/30", "192.168.102.2/30")
	_, err := l.dxB.CreatePrivateVirtualInterface(ctx, in)
	wantDXClientError(t, err)

	dup := l.newVIF(103, "192.168.103.1/30", "192.168.103.2/30")
	dup.NewPrivateVirtualInterface.Tags = append(dup.NewPrivateVirtualInterface.Tags, dup.NewPrivateVirtualInterface.Tags[0])
	_, err = l.dxA.CreatePrivateVirtualInterface(ctx, dup)
	var de *dxtypes.DuplicateTagKeysException
	if !errors.As(err, &de) {
		t.Fatalf("duplicate tag keys: got %v, want DuplicateTagKeysException", err)
	}

	_, err = l.dxA.DescribeConnections(ctx, &directconnect.DescribeConnectionsInput{ConnectionId: sdkaws.String("dxcon-nothere1")})
	wantDXClientError(t, err)
	_, err = l.dxA.DescribeVirtualInterfaces(ctx, &directconnect.DescribeVirtualInterfacesInput{ConnectionId: sdkaws.String("dxcon-nothere1")})
	wantDXClientError(t, err)
}

// A long ASN goes in asnLong only (asn is 0), and wins over asn when both
// are given; without addresses the cloud picks a /30 of 169.254.0.0/16.
func TestDirectConnectLongASNAndAutoAddresses(t *testing.T) {
	l := newDXLab(t)
	in := l.newVIF(200, "", "")
	in.NewPrivateVirtualInterface.AsnLong = sdkaws.Int64(4200000001)
	v := must[*directconnect.CreatePrivateVirtualInterfaceOutput](t)(l.dxA.CreatePrivateVirtualInterface(ctx, in))
	if v.Asn != 0 || sdkaws.ToInt64(v.AsnLong) != 4200000001 {
		t.Fatalf("asn %d asnLong %d", v.Asn, sdkaws.ToInt64(v.AsnLong))
	}
	if *v.AmazonAddress != "169.254.0.1/30" || *v.CustomerAddress != "169.254.0.2/30" {
		t.Fatalf("auto addresses %s %s", *v.AmazonAddress, *v.CustomerAddress)
	}
}

// Signatures are checked for Direct Connect as for EC2, and answered with
// the JSON protocol's error types.
func TestDirectConnectAuthAndUnknownAction(t *testing.T) {
	l := newDXLab(t)
	_, err := dxClient(l.url, credA.AccessKeyID, "wrong-secret").DescribeConnections(ctx, &directconnect.DescribeConnectionsInput{})
	wantAPIError(t, err, "IncompleteSignature")
	_, err = dxClient(l.url, "AKIANOBODYNOBODYNOBO", "secret").DescribeConnections(ctx, &directconnect.DescribeConnectionsInput{})
	wantAPIError(t, err, "InvalidClientTokenId")

	post := func(target, service string) (int, map[string]any) {
		t.Helper()
		body := []byte("{}")
		req, err := http.NewRequest(http.MethodPost, l.url+"/", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", target)
		sum := sha256.Sum256(body)
		creds := sdkaws.Credentials{AccessKeyID: credA.AccessKeyID, SecretAccessKey: credA.SecretAccessKey}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var out map[string]any
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("error body %q: %v", b, err)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
			t.Errorf("Content-Type %q", ct)
		}
		return resp.StatusCode, out
	}
	if code, out := post("OvertureService.CreateConnection", "directconnect"); code != 400 || out["__type"] != "InvalidAction" {
		t.Fatalf("unknown action: %d %v", code, out)
	}
	if code, out := post("OvertureService.DescribeConnections", "ec2"); code != 400 || out["__type"] != "IncompleteSignature" {
		t.Fatalf("EC2-scoped signature: %d %v", code, out)
	}
	if code, out := post("OvertureService.DescribeVirtualInterfaces", "directconnect"); code != 200 || out["virtualInterfaces"] == nil {
		t.Fatalf("DescribeVirtualInterfaces: %d %v", code, out)
	}
	if !slices.Equal(cmaws.DirectConnectActions(), []string{"CreatePrivateVirtualInterface", "DeleteVirtualInterface", "DescribeConnections", "DescribeVirtualInterfaces"}) {
		t.Fatalf("DirectConnectActions = %v", cmaws.DirectConnectActions())
	}
	// EC2 still answers on the same handler.
	must[*ec2.DescribeVpcsOutput](t)(l.a.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}))
}
