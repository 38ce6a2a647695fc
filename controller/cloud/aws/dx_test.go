package aws_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/directconnect"

	cmaws "github.com/mcnlab/mcnlab/cloudmock/aws"
	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/cloud/aws"
)

func withVIF(d cloud.Desired, vlan int32) cloud.Desired {
	d.VirtualInterfaces = []cloud.VirtualInterface{{Key: "dx-prod", Connection: "dc-nyc", VPC: "prod-vpc", VLAN: vlan, ASN: 65010,
		CloudAddress: pfx("169.254.10.1/30"), CustomerAddress: pfx("169.254.10.2/30")}}
	return d
}

// TestDirectConnectFake drives the provider's Direct Connect code against
// the test's fake Direct Connect API (see fakeDX): a private virtual
// interface is created on the named connection and the VPC's VPN gateway,
// found again, replaced when its VLAN changes and deleted when d drops it;
// an interface on another VPN gateway is never touched.
func TestDirectConnectFake(t *testing.T) {
	e := newEnv(t)
	e.dx.put(fakeVIF{ID: "dxvif-theirs", Name: "dx-prod", ConnectionID: "dxcon-nyc1", VLAN: 200, VGW: "vgw-theirs", State: "available"})
	plan, err := e.p.Plan(ctx, withVIF(lab(), 101))
	if err != nil {
		t.Fatal(err)
	}
	last := plan[len(plan)-1].String()
	if want := "directconnect CreatePrivateVirtualInterface dx-prod ConnectionId=dxcon-nyc1 VirtualGatewayId=<prod-vpc> Vlan=101 Asn=65010 " +
		"AmazonAddress=169.254.10.1/30 CustomerAddress=169.254.10.2/30 AddressFamily=ipv4"; last != want {
		t.Errorf("plan ends with\n  %s\nwant\n  %s", last, want)
	}
	e.apply(t, withVIF(lab(), 101))
	var vif fakeVIF
	for _, v := range e.dx.snapshot() {
		if v.ID != "dxvif-theirs" {
			vif = v
		}
	}
	if vif.Name != "dx-prod" || vif.VLAN != 101 || vif.ASN != 65010 || !strings.HasPrefix(vif.VGW, "vgw-") || vif.AddressFamily != "ipv4" {
		t.Fatalf("virtual interface made: %+v", vif)
	}
	if _, calls := e.apply(t, withVIF(lab(), 101)); len(calls) != 0 {
		t.Errorf("second apply made %v", strs(calls))
	}
	_, calls := e.apply(t, withVIF(lab(), 102))
	wantCalls(t, "a new VLAN", calls, "DeleteVirtualInterface dx-prod", "CreatePrivateVirtualInterface dx-prod")
	if !strings.Contains(calls[0].Detail, "replace: Vlan 101 -> 102") {
		t.Errorf("delete detail %q does not say it replaces", calls[0].Detail)
	}
	_, calls = e.apply(t, lab())
	wantCalls(t, "dropping the interface", calls, "DeleteVirtualInterface dx-prod")
	if left := e.dx.snapshot(); len(left) != 1 || left["dxvif-theirs"].ID == "" {
		t.Errorf("interfaces left %v, want only the foreign one", left)
	}

	d := withVIF(lab(), 101)
	d.VirtualInterfaces[0].Connection = "dc-nowhere"
	if _, err := e.p.Plan(ctx, d); err == nil || !strings.Contains(err.Error(), `virtual interface dx-prod: no Direct Connect connection named "dc-nowhere"`) {
		t.Errorf("plan with an unknown connection: error %v", err)
	}
}

// TestDirectConnectCloudmock runs the Direct Connect path against
// cloudmock/aws itself, on a line the lab provisioned (as a Direct Connect
// connection is ordered outside the API a controller uses).
func TestDirectConnectCloudmock(t *testing.T) {
	m := model.New()
	srv := httptest.NewServer(cmaws.New(m, cmaws.Config{Region: region, Credentials: []cmaws.Credential{cred}}))
	t.Cleanup(srv.Close)
	line, err := m.ProvisionDXConnection(cred.AccountID, "dc-nyc", nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config(srv.URL)
	dx := directconnect.NewFromConfig(cfg)
	conn := struct{ ConnectionId *string }{sdkaws.String(line.ID)}
	p := aws.New(cfg, owner)
	if _, _, err := p.Apply(ctx, withVIF(lab(), 101)); err != nil {
		t.Fatal(err)
	}
	out, err := dx.DescribeVirtualInterfaces(ctx, &directconnect.DescribeVirtualInterfacesInput{ConnectionId: conn.ConnectionId})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.VirtualInterfaces) != 1 || sdkaws.ToString(out.VirtualInterfaces[0].VirtualInterfaceName) != "dx-prod" {
		t.Fatalf("virtual interfaces on dc-nyc: %+v", out.VirtualInterfaces)
	}
	if _, calls, err := p.Apply(ctx, withVIF(lab(), 101)); err != nil || len(calls) != 0 {
		t.Errorf("second apply: %v, %v", strs(calls), err)
	}
	_, calls, err := p.Apply(ctx, lab())
	if err != nil {
		t.Fatal(err)
	}
	wantCalls(t, "dropping the interface", calls, "DeleteVirtualInterface dx-prod")
}
