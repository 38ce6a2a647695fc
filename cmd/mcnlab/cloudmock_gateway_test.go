package main

import (
	"context"
	"os"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
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
		roottest.Missing(t, "no TUN device: %v", err)
	}
	bin := roottest.MCNLab(t)
	old := cloudGatewayCommand
	cloudGatewayCommand = func() ([]string, error) { return []string{bin}, nil } // this test runs a test binary
	t.Cleanup(func() { cloudGatewayCommand = old })
	roottest.UseTempState(t)
	lab := roottest.LabName(t, "cg")
	c, call := serveCloud(t, lab)
	ctx := context.Background()
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
