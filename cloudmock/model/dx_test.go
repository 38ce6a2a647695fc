package model

import (
	"context"
	"net/netip"
	"regexp"
	"testing"
	"time"
)

// dxFixture is a line, a network and a detached VPN gateway of acct.
func dxFixture(t *testing.T) (*Cloud, DXConnection, Network, VPNGateway) {
	t.Helper()
	c := newCloud(t)
	conn, err := c.ProvisionDXConnection(acct, "line1", nil)
	if err != nil {
		t.Fatal(err)
	}
	n := mustNetwork(t, c, "10.0.0.0/16")
	g, err := c.CreateVPNGateway(acct, 64600, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c, conn, n, g
}

func vifSpec(conn DXConnection, g VPNGateway, vlan int, cloud, customer string) DXVirtualInterfaceSpec {
	s := DXVirtualInterfaceSpec{ConnectionID: conn.ID, Name: "vif", VLAN: vlan, CustomerASN: 65010, VPNGatewayID: g.ID}
	if cloud != "" {
		s.CloudAddress, s.CustomerAddress = pfx(cloud), pfx(customer)
	}
	return s
}

func TestProvisionDXConnection(t *testing.T) {
	c := newCloud(t)
	a, err := c.ProvisionDXConnection(acct, "line1", map[string]string{"site": "dc1"})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^dxcon-[a-z0-9]{8}$`).MatchString(a.ID) || a.State != StateAvailable || a.Location != "mcnlab" || a.Bandwidth != "1Gbps" || a.Tags["site"] != "dc1" {
		t.Fatalf("connection = %+v", a)
	}
	// The lab provisioning its line again (a restart) finds the same one.
	b, err := c.ProvisionDXConnection(acct, "line1", nil)
	if err != nil || b.ID != a.ID {
		t.Fatalf("second provisioning = %+v, %v; want %s", b, err, a.ID)
	}
	_, err = c.ProvisionDXConnection("999999999999", "line1", nil)
	wantCode(t, err, CodeNotFound)
	_, err = c.ProvisionDXConnection(acct, "", nil)
	wantCode(t, err, CodeInvalidParameter)
	if got := c.DXConnections(acct); len(got) != 1 || got[0].ID != a.ID {
		t.Fatalf("DXConnections = %+v", got)
	}
}

// A virtual interface is down until its VPN gateway is attached to a
// network, available while it is, and down again once it is detached.
func TestDXVirtualInterfaceState(t *testing.T) {
	c, conn, n, g := dxFixture(t)
	v, err := c.CreateDXVirtualInterface(acct, vifSpec(conn, g, 100, "192.168.100.1/30", "192.168.100.2/30"), map[string]string{"Name": "v"})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^dxvif-[a-z0-9]{8}$`).MatchString(v.ID) || v.State != StateDown || v.NetworkID != "" || v.CloudASN != 64600 || len(v.AuthKey) < 6 || v.Tags["Name"] != "v" {
		t.Fatalf("new virtual interface = %+v", v)
	}
	if err := c.AttachVPNGateway(acct, g.ID, n.ID); err != nil {
		t.Fatal(err)
	}
	got := c.DXVirtualInterfaces(acct)
	if len(got) != 1 || got[0].State != StateAvailable || got[0].NetworkID != n.ID {
		t.Fatalf("after attach: %+v", got)
	}
	if err := c.DetachVPNGateway(acct, g.ID, n.ID); err != nil {
		t.Fatal(err)
	}
	if got := c.DXVirtualInterfaces(acct); got[0].State != StateDown || got[0].NetworkID != "" {
		t.Fatalf("after detach: %+v", got)
	}
}

func TestDXVirtualInterfaceValidation(t *testing.T) {
	c, conn, _, g := dxFixture(t)
	if _, err := c.CreateDXVirtualInterface(acct, vifSpec(conn, g, 100, "192.168.100.1/30", "192.168.100.2/30"), nil); err != nil {
		t.Fatal(err)
	}
	other, err := c.ProvisionDXConnection(acct, "line2", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		spec DXVirtualInterfaceSpec
		code Code
	}{
		{"same VLAN, other line", vifSpec(other, g, 100, "192.168.101.1/30", "192.168.101.2/30"), ""},
		{"/31", vifSpec(conn, g, 102, "192.168.102.0/31", "192.168.102.1/31"), ""},
		{"VLAN in use on the line", vifSpec(conn, g, 100, "192.168.103.1/30", "192.168.103.2/30"), CodeDuplicate},
		{"VLAN 0", vifSpec(conn, g, 0, "192.168.104.1/30", "192.168.104.2/30"), CodeInvalidParameter},
		{"VLAN 4095", vifSpec(conn, g, 4095, "192.168.104.1/30", "192.168.104.2/30"), CodeInvalidParameter},
		{"/29", vifSpec(conn, g, 105, "192.168.105.1/29", "192.168.105.2/29"), CodeInvalidParameter},
		{"two prefixes", vifSpec(conn, g, 106, "192.168.106.1/30", "192.168.106.6/30"), CodeInvalidParameter},
		{"one address twice", vifSpec(conn, g, 107, "192.168.107.1/30", "192.168.107.1/30"), CodeInvalidParameter},
		{"broadcast address", vifSpec(conn, g, 108, "192.168.108.1/30", "192.168.108.3/30"), CodeInvalidParameter},
		{"lengths differ", vifSpec(conn, g, 109, "192.168.109.0/31", "192.168.109.1/30"), CodeInvalidParameter},
		{"IPv6", vifSpec(conn, g, 110, "fd00::1/127", "fd00::/127"), CodeInvalidParameter},
		{"no such line", vifSpec(DXConnection{ID: "dxcon-nothere1"}, g, 111, "192.168.111.1/30", "192.168.111.2/30"), CodeNotFound},
		{"no such gateway", vifSpec(conn, VPNGateway{ID: "vgw-0123456789abcdef0"}, 112, "192.168.112.1/30", "192.168.112.2/30"), CodeNotFound},
	} {
		_, err := c.CreateDXVirtualInterface(acct, tc.spec, nil)
		if CodeOf(err) != tc.code {
			t.Errorf("%s: got %v, want code %q", tc.name, err, tc.code)
		}
	}
	half := vifSpec(conn, g, 113, "", "")
	half.CloudAddress = pfx("192.168.113.1/30")
	_, err = c.CreateDXVirtualInterface(acct, half, nil)
	wantCode(t, err, CodeInvalidParameter)
	asn := vifSpec(conn, g, 114, "192.168.114.1/30", "192.168.114.2/30")
	asn.CustomerASN = 4294967295
	_, err = c.CreateDXVirtualInterface(acct, asn, nil)
	wantCode(t, err, CodeInvalidParameter)

	// Another account sees neither the line nor the interfaces.
	c.AddAccount(Account{ID: "222222222222", Limits: DefaultLimits()})
	_, err = c.CreateDXVirtualInterface("222222222222", vifSpec(conn, g, 120, "192.168.120.1/30", "192.168.120.2/30"), nil)
	wantCode(t, err, CodeNotFound)
	if got := c.DXVirtualInterfaces("222222222222"); len(got) != 0 {
		t.Fatalf("other account sees %+v", got)
	}
}

// Without addresses, the cloud picks distinct /30s of 169.254.0.0/16.
func TestDXVirtualInterfaceAutoAddresses(t *testing.T) {
	c, conn, _, g := dxFixture(t)
	a, err := c.CreateDXVirtualInterface(acct, vifSpec(conn, g, 1, "", ""), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.CreateDXVirtualInterface(acct, vifSpec(conn, g, 2, "", ""), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []DXVirtualInterface{a, b} {
		if v.CloudAddress.Bits() != 30 || !pfx("169.254.0.0/16").Contains(v.CloudAddress.Addr()) || v.CloudAddress.Masked() != v.CustomerAddress.Masked() || v.CloudAddress.Addr() == v.CustomerAddress.Addr() {
			t.Fatalf("auto addresses %s %s", v.CloudAddress, v.CustomerAddress)
		}
	}
	if a.CloudAddress.Masked() == b.CloudAddress.Masked() {
		t.Fatalf("two interfaces got %s", a.CloudAddress.Masked())
	}
}

// A VPN gateway a virtual interface lands on cannot be deleted; once the
// interface is deleted, it can.
func TestDXVirtualInterfaceDelete(t *testing.T) {
	c, conn, _, g := dxFixture(t)
	v, err := c.CreateDXVirtualInterface(acct, vifSpec(conn, g, 100, "192.168.100.1/30", "192.168.100.2/30"), nil)
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, c.DeleteVPNGateway(acct, g.ID), CodeDependency)
	_, err = c.DeleteDXVirtualInterface("222222222222", v.ID)
	wantCode(t, err, CodeNotFound)
	gone, err := c.DeleteDXVirtualInterface(acct, v.ID)
	if err != nil || gone.State != StateDeleted {
		t.Fatalf("delete = %+v, %v", gone, err)
	}
	_, err = c.DeleteDXVirtualInterface(acct, v.ID)
	wantCode(t, err, CodeNotFound)
	if err := c.DeleteVPNGateway(acct, g.ID); err != nil {
		t.Fatal(err)
	}
	// The VLAN is free again.
	g2, _ := c.CreateVPNGateway(acct, 0, nil)
	if _, err := c.CreateDXVirtualInterface(acct, vifSpec(conn, g2, 100, "192.168.100.1/30", "192.168.100.2/30"), nil); err != nil {
		t.Fatal(err)
	}
}

// Creating and deleting an interface, and attaching or detaching its
// gateway, tell subscribers about the interface.
func TestDXVirtualInterfaceEvents(t *testing.T) {
	c, conn, n, g := dxFixture(t)
	got := make(chan Event, 16)
	sub := c.Subscribe(func(e Event) {
		if e.Kind == KindDXVirtualInterface {
			got <- e
		}
	})
	defer sub.Close()
	v, err := c.CreateDXVirtualInterface(acct, vifSpec(conn, g, 100, "192.168.100.1/30", "192.168.100.2/30"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AttachVPNGateway(acct, g.ID, n.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.DetachVPNGateway(acct, g.ID, n.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteDXVirtualInterface(acct, v.ID); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, op := range []Op{OpCreate, OpUpdate, OpUpdate, OpDelete} {
		select {
		case e := <-got:
			if e.Op != op || e.ID != v.ID || e.Account != acct {
				t.Fatalf("event %+v, want %s of %s", e, op, v.ID)
			}
		case <-ctx.Done():
			t.Fatalf("no %s event for %s", op, v.ID)
		}
	}
}

func TestCheckPeerAddresses(t *testing.T) {
	if err := checkPeerAddresses(netip.Prefix{}, pfx("10.0.0.2/30")); CodeOf(err) != CodeInvalidParameter {
		t.Fatalf("one address only: %v", err)
	}
	if err := checkPeerAddresses(pfx("10.0.0.1/30"), pfx("10.0.0.2/30")); err != nil {
		t.Fatal(err)
	}
	if err := checkPeerAddresses(pfx("10.0.0.0/30"), pfx("10.0.0.2/30")); CodeOf(err) != CodeInvalidParameter {
		t.Fatalf("network address: %v", err)
	}
}

// A line is at a location of one region: provisioning its name again in
// another region is a conflict, and a virtual interface on it lands on a
// VPN gateway of that region only, taking the region.
// AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/API_CreatePrivateVirtualInterface.html — a private virtual interface to a VGW reaches a VPC of the same Region
func TestDXConnectionRegion(t *testing.T) {
	c := newCloud(t)
	conn, err := c.ProvisionDXConnectionAt(acct, Place{Region: "eu-west-1"}, "line-eu", nil)
	if err != nil || conn.Region != "eu-west-1" {
		t.Fatalf("ProvisionDXConnectionAt = %+v, %v", conn, err)
	}
	_, err = c.ProvisionDXConnectionAt(acct, Place{Region: "us-east-1"}, "line-eu", nil)
	wantCode(t, err, CodeConflict)
	// A line of the default region (a lab made before lines had regions)
	// is found by its name in any region, and the other way round.
	old, err := c.ProvisionDXConnection(acct, "line-old", nil)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := c.ProvisionDXConnectionAt(acct, Place{Region: "us-east-1"}, "line-old", nil); err != nil || again.ID != old.ID {
		t.Errorf("line-old provisioned again in us-east-1 = %+v, %v; want %s", again, err, old.ID)
	}
	if again, err := c.ProvisionDXConnection(acct, "line-eu", nil); err != nil || again.ID != conn.ID {
		t.Errorf("line-eu provisioned again without a region = %+v, %v; want %s", again, err, conn.ID)
	}
	_, err = c.ProvisionDXConnectionAt(acct, Place{Region: "xx-nowhere-1"}, "line-x", nil)
	wantCode(t, err, CodeInvalidParameter)
	us, err := c.CreateVPNGatewayAt(acct, Place{Region: "us-east-1"}, 64600, nil)
	if err != nil {
		t.Fatal(err)
	}
	eu, err := c.CreateVPNGatewayAt(acct, Place{Region: "eu-west-1"}, 64600, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateDXVirtualInterface(acct, vifSpec(conn, us, 101, "", ""), nil)
	wantCode(t, err, CodeInvalidParameter)
	v, err := c.CreateDXVirtualInterface(acct, vifSpec(conn, eu, 101, "", ""), nil)
	if err != nil || v.Region != "eu-west-1" {
		t.Fatalf("CreateDXVirtualInterface = %+v, %v; want one in eu-west-1", v, err)
	}
	if r, ok := c.ObjectRegions(acct, v.ID); !ok || r[0] != "eu-west-1" {
		t.Errorf("ObjectRegions(%s) = %v, %v", v.ID, r, ok)
	}
}
