package main

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/mcnlab/mcnlab/emulator"
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
	nsA := emulator.NamespaceName(lab, "i-"+strings.TrimPrefix(*a.InstanceId, "i-")[:8])
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
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, stop := context.WithCancel(context.Background())
	var out bytes.Buffer
	done := make(chan error, 1)
	go func() {
		root := newRoot()
		root.SetOut(&out)
		root.SetArgs([]string{"cloudmock", "serve", "--lab", lab, "--listen", addr, "--account", "111122223333:AKIDTEST:secret"})
		done <- root.ExecuteContext(ctx)
	}()
	t.Cleanup(func() {
		stop()
		<-done
		roottest.AssertGone(t, lab)
	})
	c := ec2.New(ec2.Options{Region: "us-east-1", BaseEndpoint: sdkaws.String("http://" + addr),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""), RetryMaxAttempts: 1})
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("cloudmock did not answer: %v (output %q)", err, out.String())
		}
		time.Sleep(20 * time.Millisecond) // polling the server's readiness, with a deadline
	}
	call := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	return c, call
}
