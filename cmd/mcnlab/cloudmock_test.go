package main

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/directconnect"
	dxtypes "github.com/aws/aws-sdk-go-v2/service/directconnect/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/mcnlab/mcnlab/cloudmock/realize"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/emulator/probe"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// TestCloudmockServeLab runs `mcnlab cloudmock serve --lab` and drives it with
// the AWS SDK as a user would: two instances in one subnet reach each other
// once a security group allows ICMP, and stopping the server removes the lab.
func TestCloudmockServeLab(t *testing.T) {
	roottest.Require(t)
	roottest.UseTempState(t)
	lab := roottest.LabName(t, "cm")
	c, call := serveCloud(t, lab)
	ctx := context.Background()
	vpc, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdkaws.String("10.20.0.0/16")})
	call("CreateVpc", err)
	sub, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: sdkaws.String("10.20.1.0/24")})
	call("CreateSubnet", err)
	sg, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{VpcId: vpc.Vpc.VpcId, GroupName: sdkaws.String("icmp"), Description: sdkaws.String("ping")})
	call("CreateSecurityGroup", err)
	run, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdkaws.String("ami-12345678"), MinCount: sdkaws.Int32(2), MaxCount: sdkaws.Int32(2),
		SubnetId: sub.Subnet.SubnetId, SecurityGroupIds: []string{*sg.GroupId}})
	call("RunInstances", err)
	a, b := run.Instances[0], run.Instances[1]
	nsA := emulator.InstanceNamespace(lab, *a.InstanceId)
	dst := netip.MustParseAddr(*b.PrivateIpAddress)

	// Security groups deny inbound by default: no reply.
	p, err := probe.NewPinger(nsA)
	call("pinger in "+nsA, err)
	defer p.Close()
	if _, err := p.Ping(dst, 1, 300*time.Millisecond); err == nil {
		t.Errorf("%s answered a ping its security group does not allow", dst)
	}
	_, err = c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: []types.IpPermission{{
		IpProtocol: sdkaws.String("icmp"), FromPort: sdkaws.Int32(-1), ToPort: sdkaws.Int32(-1), IpRanges: []types.IpRange{{CidrIp: sdkaws.String("10.20.0.0/16")}}}}})
	call("AuthorizeSecurityGroupIngress", err)
	// The call returned, so the rule is in force: one ping, no retry.
	if _, err := p.Ping(dst, 2, 2*time.Second); err != nil {
		t.Errorf("ping %s after allowing ICMP: %v", dst, err)
	}
	rec, err := state.Load(lab)
	if err != nil || len(rec.Nodes) < 3 {
		t.Errorf("lab state lists %v (%v); want the VPC router, the instances and the internet", rec, err)
	}
	if _, err := os.Stat(state.Dir(lab)); err != nil {
		t.Errorf("no lab state while serving: %v", err)
	}
}

// serveCloud runs `mcnlab cloudmock serve --lab lab` in-process on a free
// loopback port until the test ends (then checks the lab is gone), and
// returns an EC2 client for it once it answers, and a fail-on-error helper.
func serveCloud(t *testing.T, lab string) (*ec2.Client, func(string, error)) {
	t.Helper()
	_, c, call := serveCloudAt(t, lab)
	return c, call
}

// serveCloudAt is serveCloud with extra arguments for serve; it also
// returns the server's URL.
func serveCloudAt(t *testing.T, lab string, extra ...string) (string, *ec2.Client, func(string, error)) {
	t.Helper()
	srv := startServe(t, append([]string{"--lab", lab, "--account", "111122223333:AKIDTEST:secret"}, extra...)...)
	t.Cleanup(func() {
		srv.Stop()
		roottest.AssertGone(t, lab)
	})
	addr := srv.Addr
	ctx := context.Background()
	c := ec2.New(ec2.Options{Region: "us-east-1", BaseEndpoint: sdkaws.String("http://" + addr),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""), RetryMaxAttempts: 1})
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("cloudmock did not answer: %v (output %q)", err, srv.Output())
		}
		time.Sleep(20 * time.Millisecond) // polling the server's readiness, with a deadline
	}
	call := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	return "http://" + addr, c, call
}

// TestCloudmockServeCircuit runs `mcnlab cloudmock serve --lab --circuit`
// with a site namespace the test made, and connects the site to a VPC over
// the line as the controller does, with the EC2 and Direct Connect SDKs:
// once the calls return, the site and the instance ping each other; once
// DeleteVirtualInterface returns, the line's interface is gone from the
// site, whose namespace stays.
func TestCloudmockServeCircuit(t *testing.T) {
	roottest.Require(t)
	roottest.UseTempState(t)
	lab := roottest.LabName(t, "cx")
	site := roottest.NewNamespaces(t, "site")[0]
	t.Cleanup(func() {
		// Runs once the server stopped, before the namespace is deleted.
		if !netns.Exists(site.Name) {
			t.Errorf("the site's namespace %s was deleted", site.Name)
		}
		if _, err := site.NL.LinkByName("dx0"); err == nil {
			t.Errorf("%s still has dx0 after the server stopped", site.Name)
		}
	})
	url, c, call := serveCloudAt(t, lab, "--circuit", "dc1="+site.Name+":dx0")
	dx := directconnect.New(directconnect.Options{Region: "us-east-1", BaseEndpoint: sdkaws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""), RetryMaxAttempts: 1})
	ctx := context.Background()

	conns, err := dx.DescribeConnections(ctx, &directconnect.DescribeConnectionsInput{})
	call("DescribeConnections", err)
	if len(conns.Connections) != 1 || *conns.Connections[0].ConnectionName != "dc1" || *conns.Connections[0].OwnerAccount != "111122223333" {
		t.Fatalf("connections = %+v", conns.Connections)
	}
	conn := conns.Connections[0].ConnectionId

	vpc, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdkaws.String("10.40.0.0/16")})
	call("CreateVpc", err)
	sub, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: sdkaws.String("10.40.1.0/24")})
	call("CreateSubnet", err)
	sg, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{VpcId: vpc.Vpc.VpcId, GroupName: sdkaws.String("site"), Description: sdkaws.String("ping from the site")})
	call("CreateSecurityGroup", err)
	_, err = c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: []types.IpPermission{{
		IpProtocol: sdkaws.String("icmp"), FromPort: sdkaws.Int32(-1), ToPort: sdkaws.Int32(-1), IpRanges: []types.IpRange{{CidrIp: sdkaws.String("192.168.100.0/30")}}}}})
	call("AuthorizeSecurityGroupIngress", err)
	run, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdkaws.String("ami-12345678"), MinCount: sdkaws.Int32(1), MaxCount: sdkaws.Int32(1),
		SubnetId: sub.Subnet.SubnetId, SecurityGroupIds: []string{*sg.GroupId}})
	call("RunInstances", err)
	inst := netip.MustParseAddr(*run.Instances[0].PrivateIpAddress)
	nsInst := emulator.InstanceNamespace(lab, *run.Instances[0].InstanceId)

	vgw, err := c.CreateVpnGateway(ctx, &ec2.CreateVpnGatewayInput{Type: types.GatewayTypeIpsec1})
	call("CreateVpnGateway", err)
	_, err = c.AttachVpnGateway(ctx, &ec2.AttachVpnGatewayInput{VpcId: vpc.Vpc.VpcId, VpnGatewayId: vgw.VpnGateway.VpnGatewayId})
	call("AttachVpnGateway", err)
	vif, err := dx.CreatePrivateVirtualInterface(ctx, &directconnect.CreatePrivateVirtualInterfaceInput{ConnectionId: conn,
		NewPrivateVirtualInterface: &dxtypes.NewPrivateVirtualInterface{VirtualInterfaceName: sdkaws.String("to-transit"), Vlan: 100, Asn: 65010,
			AmazonAddress: sdkaws.String("192.168.100.1/30"), CustomerAddress: sdkaws.String("192.168.100.2/30"), VirtualGatewayId: vgw.VpnGateway.VpnGatewayId}})
	call("CreatePrivateVirtualInterface", err)
	if vif.VirtualInterfaceState != dxtypes.VirtualInterfaceStateAvailable {
		t.Fatalf("virtual interface is %s", vif.VirtualInterfaceState)
	}
	rts, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{{Name: sdkaws.String("vpc-id"), Values: []string{*vpc.Vpc.VpcId}}}})
	call("DescribeRouteTables", err)
	_, err = c.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rts.RouteTables[0].RouteTableId, DestinationCidrBlock: sdkaws.String("192.168.100.0/30"),
		GatewayId: vgw.VpnGateway.VpnGatewayId})
	call("CreateRoute", err)

	// The calls returned, so the line is in force: one ping each way, no retry.
	fromSite, err := probe.NewPinger(site.Name)
	call("pinger in "+site.Name, err)
	defer fromSite.Close()
	if _, err := fromSite.Ping(inst, 1, 2*time.Second); err != nil {
		t.Errorf("ping %s from the site: %v", inst, err)
	}
	fromInst, err := probe.NewPinger(nsInst)
	call("pinger in "+nsInst, err)
	defer fromInst.Close()
	if _, err := fromInst.Ping(netip.MustParseAddr("192.168.100.2"), 1, 2*time.Second); err != nil {
		t.Errorf("ping the site from %s: %v", inst, err)
	}

	_, err = dx.DeleteVirtualInterface(ctx, &directconnect.DeleteVirtualInterfaceInput{VirtualInterfaceId: vif.VirtualInterfaceId})
	call("DeleteVirtualInterface", err)
	if _, err := site.NL.LinkByName("dx0"); err == nil {
		t.Errorf("%s still has dx0 once DeleteVirtualInterface returned", site.Name)
	}
}

// A --circuit needs --lab and the NAME=NAMESPACE:INTERFACE form.
func TestCloudmockServeCircuitFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--circuit", "dc1=mcn-x-site:dx0"},           // no --lab
		{"--lab", "x", "--circuit", "dc1=mcn-x-site"}, // no interface
		{"--lab", "x", "--circuit", "mcn-x-site:dx0"}, // no name
		{"--lab", "x", "--circuit", "dc1=:dx0"},       // no namespace
	} {
		root := newRoot()
		root.SetOut(&bytes.Buffer{})
		root.SetErr(&bytes.Buffer{})
		root.SetArgs(append([]string{"cloudmock", "serve", "--listen", "127.0.0.1:0"}, args...))
		if err := root.Execute(); err == nil || !strings.Contains(err.Error(), "circuit") {
			t.Errorf("serve %v: got %v, want an error about --circuit", args, err)
		}
	}
	got, err := parseCircuits([]string{"dc1=mcn-lab-site:dx0", "dc2=mcn-lab-site2:eth1"}, "111122223333")
	if err != nil || len(got) != 2 || got[1] != (realize.Circuit{Name: "dc2", Account: "111122223333", Namespace: "mcn-lab-site2", Interface: "eth1"}) {
		t.Fatalf("parseCircuits = %+v, %v", got, err)
	}
}

// TestCloudmockServeUplink runs `mcnlab cloudmock serve --lab --uplink`
// with a site namespace the test made, and publishes an instance as a
// user does with the EC2 SDK (internet gateway, default route, elastic IP,
// a security group admitting ICMP and UDP 51820 from the site): once the
// calls return, a ping from the site to the elastic IP is answered and a
// datagram to its port 51820 reaches the instance from the site's public
// address. Once the server stops, the uplink's interface is gone from the
// site, whose namespace stays.
func TestCloudmockServeUplink(t *testing.T) {
	roottest.Require(t)
	roottest.UseTempState(t)
	lab := roottest.LabName(t, "up")
	site := roottest.NewNamespaces(t, "site")[0]
	public := netip.MustParseAddr("198.51.100.2")
	t.Cleanup(func() {
		// Runs once the server stopped, before the namespace is deleted.
		if !netns.Exists(site.Name) {
			t.Errorf("the site's namespace %s was deleted", site.Name)
		}
		if _, err := site.NL.LinkByName("wan0"); err == nil {
			t.Errorf("%s still has wan0 after the server stopped", site.Name)
		}
	})
	_, c, call := serveCloudAt(t, lab, "--uplink", "dc1="+site.Name+":wan0:198.51.100.2/30")
	ctx := context.Background()

	vpc, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdkaws.String("10.50.0.0/16")})
	call("CreateVpc", err)
	sub, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: sdkaws.String("10.50.1.0/24")})
	call("CreateSubnet", err)
	sg, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{VpcId: vpc.Vpc.VpcId, GroupName: sdkaws.String("edge"), Description: sdkaws.String("tunnel from on-prem")})
	call("CreateSecurityGroup", err)
	fromSite := []types.IpRange{{CidrIp: sdkaws.String("198.51.100.2/32")}}
	_, err = c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: []types.IpPermission{
		{IpProtocol: sdkaws.String("icmp"), FromPort: sdkaws.Int32(-1), ToPort: sdkaws.Int32(-1), IpRanges: fromSite},
		{IpProtocol: sdkaws.String("udp"), FromPort: sdkaws.Int32(51820), ToPort: sdkaws.Int32(51820), IpRanges: fromSite}}})
	call("AuthorizeSecurityGroupIngress", err)
	run, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdkaws.String("ami-12345678"), MinCount: sdkaws.Int32(1), MaxCount: sdkaws.Int32(1),
		SubnetId: sub.Subnet.SubnetId, SecurityGroupIds: []string{*sg.GroupId}})
	call("RunInstances", err)
	nsInst := emulator.InstanceNamespace(lab, *run.Instances[0].InstanceId)
	igw, err := c.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})
	call("CreateInternetGateway", err)
	_, err = c.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGateway.InternetGatewayId, VpcId: vpc.Vpc.VpcId})
	call("AttachInternetGateway", err)
	rts, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{{Name: sdkaws.String("vpc-id"), Values: []string{*vpc.Vpc.VpcId}}}})
	call("DescribeRouteTables", err)
	_, err = c.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rts.RouteTables[0].RouteTableId, DestinationCidrBlock: sdkaws.String("0.0.0.0/0"),
		GatewayId: igw.InternetGateway.InternetGatewayId})
	call("CreateRoute", err)
	eip, err := c.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: types.DomainTypeVpc})
	call("AllocateAddress", err)
	_, err = c.AssociateAddress(ctx, &ec2.AssociateAddressInput{AllocationId: eip.AllocationId, InstanceId: run.Instances[0].InstanceId})
	call("AssociateAddress", err)
	eipAddr := netip.MustParseAddr(*eip.PublicIp)

	// The calls returned, so the path is in force: one ping, one datagram.
	p, err := probe.NewPinger(site.Name)
	call("pinger in "+site.Name, err)
	defer p.Close()
	if _, err := p.Ping(eipAddr, 1, 2*time.Second); err != nil {
		t.Errorf("ping %s from the site: %v", eipAddr, err)
	}
	var ln *net.UDPConn
	call("listen in "+nsInst, netns.Do(nsInst, func() error {
		var err error
		ln, err = net.ListenUDP("udp4", &net.UDPAddr{Port: 51820}) // the socket stays in the instance
		return err
	}))
	defer ln.Close()
	call("send from the site", netns.Do(site.Name, func() error {
		s, err := net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(eipAddr, 51820)))
		if err != nil {
			return err
		}
		defer s.Close()
		_, err = s.Write([]byte("handshake"))
		return err
	}))
	ln.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, from, err := ln.ReadFromUDPAddrPort(make([]byte, 64))
	if err != nil || n != len("handshake") || from.Addr().Unmap() != public {
		t.Errorf("datagram to %s:51820 at the instance: %d bytes from %s (%v); want 9 from the site's %s", eipAddr, n, from, err, public)
	}
}

// With --join, cloudmock serves a lab that deploy made and makes the
// uplinks in it; stopping removes them and the cloud's namespaces, and
// leaves the lab's state to its owner.
func TestCloudmockServeUplinkJoin(t *testing.T) {
	roottest.Require(t)
	roottest.UseTempState(t)
	lab := roottest.LabName(t, "uj")
	site := roottest.NewNamespaces(t, "site")[0]
	if err := state.Create(&state.Lab{Name: lab, Created: time.Now().UTC(), Phase: state.PhaseReady, Owner: state.Self()}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { state.Remove(lab) })
	srv := startServe(t, "--lab", lab, "--join", "--account", "111122223333:AKIDTEST:secret",
		"--uplink", "dc1="+site.Name+":wan0:198.51.100.6/30")
	// Serving, so the uplink is in place: the site reaches the internet.
	p, err := probe.NewPinger(site.Name)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := p.Ping(realize.InternetServer, 1, 2*time.Second); err != nil {
		t.Errorf("ping the internet server %s from the site: %v", realize.InternetServer, err)
	}
	rec, err := state.Load(lab)
	if err != nil || !slices.ContainsFunc(rec.Nodes, func(n state.Node) bool { return n.Namespace == emulator.NamespaceName(lab, "inet") }) {
		t.Errorf("lab state %+v (%v) lacks the internet namespace", rec, err)
	}
	if err := srv.Stop(); err != nil {
		t.Errorf("serve --join: %v", err)
	}
	if !strings.Contains(srv.Output(), "1 uplinks") {
		t.Errorf("serve says %q; want it to count 1 uplinks", srv.Output())
	}
	if _, err := site.NL.LinkByName("wan0"); err == nil {
		t.Errorf("%s still has wan0 after the server stopped", site.Name)
	}
	if !netns.Exists(site.Name) {
		t.Errorf("the site's namespace %s was deleted", site.Name)
	}
	if ns := roottest.Namespaces(lab); len(ns) > 0 {
		t.Errorf("the cloud left namespaces behind: %v", ns)
	}
	if _, err := state.Load(lab); err != nil {
		t.Errorf("the joined lab's state is gone: %v", err)
	}
}

// An --uplink needs --lab and the NAME=NAMESPACE:INTERFACE:ADDRESS/LEN
// form, and is checked before anything needs root.
func TestCloudmockServeUplinkFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--uplink", "dc1=mcn-x-site:wan0:198.51.100.2/30"}, "--uplink needs --lab"},
		{[]string{"--lab", "x", "--uplink", "dc1=mcn-x-site:wan0"}, `--uplink "dc1=mcn-x-site:wan0": want NAME=NAMESPACE:INTERFACE:ADDRESS/LEN`},
		{[]string{"--lab", "x", "--uplink", "mcn-x-site:wan0:198.51.100.2/30"}, "want NAME=NAMESPACE:INTERFACE:ADDRESS/LEN"},
		{[]string{"--lab", "x", "--uplink", "dc1=:wan0:198.51.100.2/30"}, "want NAME=NAMESPACE:INTERFACE:ADDRESS/LEN"},
		{[]string{"--lab", "x", "--uplink", "dc1=mcn-x-site:wan0:198.51.100.2"}, `--uplink "dc1=mcn-x-site:wan0:198.51.100.2": address: netip.ParsePrefix("198.51.100.2"): no '/'`},
		{[]string{"--lab", "x", "--uplink", "dc1=mcn-x-site:wan0:203.0.113.2/30"},
			"--uplink: uplink dc1: 203.0.113.0/30 overlaps 203.0.113.0/24, the elastic IP pool (TEST-NET-3); give a /30 of 198.51.100.0/24, as 198.51.100.2/30 (the internet's end is then 198.51.100.1)"},
		{[]string{"--lab", "x", "--uplink", "dc1=mcn-x-a:wan0:198.51.100.2/30", "--uplink", "dc2=mcn-x-b:wan0:198.51.100.1/30"},
			"--uplink: uplink dc2: 198.51.100.1 is the first usable address of 198.51.100.0/30, the internet's end; take another (as 198.51.100.2)"},
	} {
		root := newRoot()
		root.SetOut(&bytes.Buffer{})
		root.SetErr(&bytes.Buffer{})
		root.SetArgs(append([]string{"cloudmock", "serve", "--listen", "127.0.0.1:0"}, tc.args...))
		if err := root.Execute(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("serve %v: got %v, want an error containing %q", tc.args, err, tc.want)
		}
	}
	got, err := parseUplinks([]string{"dc1=mcn-lab-a:wan0:198.51.100.2/30", "dc2=mcn-lab-b:eth1:198.51.100.6/30"})
	if err != nil || len(got) != 2 || got[1] != (realize.Uplink{Name: "dc2", Namespace: "mcn-lab-b", Interface: "eth1", Address: netip.MustParsePrefix("198.51.100.6/30")}) {
		t.Fatalf("parseUplinks = %+v, %v", got, err)
	}
}

// lockedBuffer is a bytes.Buffer that a server goroutine writes while the
// test reads it.
type lockedBuffer struct {
	mu sync.Mutex // guards b
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
