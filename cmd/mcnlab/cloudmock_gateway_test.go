package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/mcnlab/mcnlab/cloudmock/realize"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// TestCloudmockServeGatewayInstance launches an instance of the gateway
// image through the EC2 API of `mcnlab cloudmock serve --lab`: when
// RunInstances returns, its `mcnlab gateway` answers on
// realize.GatewaySocket under realize.GatewayName, and when
// TerminateInstances returns, it is gone.
func TestCloudmockServeGatewayInstance(t *testing.T) {
	roottest.Require(t)
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		t.Skipf("no TUN device: %v", err)
	}
	bin := roottest.MCNLab(t)
	old := cloudGatewayCommand
	cloudGatewayCommand = func() ([]string, error) { return []string{bin}, nil } // this test runs a test binary
	t.Cleanup(func() { cloudGatewayCommand = old })
	roottest.UseTempState(t)
	lab := roottest.LabName(t, "cg")
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
	call := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("cloudmock did not answer: %v (output %q)", err, out.String())
		}
		time.Sleep(20 * time.Millisecond) // polling the server's readiness, with a deadline
	}
	vpc, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdkaws.String("10.30.0.0/16")})
	call("CreateVpc", err)
	sub, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: sdkaws.String("10.30.1.0/24")})
	call("CreateSubnet", err)
	run, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdkaws.String(realize.GatewayImage),
		MinCount: sdkaws.Int32(1), MaxCount: sdkaws.Int32(1), SubnetId: sub.Subnet.SubnetId})
	call("RunInstances", err)
	id := *run.Instances[0].InstanceId
	_, err = c.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: &id,
		SourceDestCheck: &types.AttributeBooleanValue{Value: sdkaws.Bool(false)}})
	call("ModifyInstanceAttribute", err)

	// RunInstances returned, so the gateway is up: one call, no retry.
	mc := mgmt.NewClient(realize.GatewaySocket(lab, id))
	defer mc.Close()
	hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	h, err := mc.Health(hctx)
	if err != nil {
		t.Fatalf("gateway of %s: %v", id, err)
	}
	if h.Name != realize.GatewayName(id) {
		t.Errorf("gateway of %s answers as %q, want %q", id, h.Name, realize.GatewayName(id))
	}

	_, err = c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}})
	call("TerminateInstances", err)
	if _, err := mc.Health(hctx); err == nil {
		t.Errorf("gateway of %s still answers once its termination is in force", id)
	}
}
