package aws_test

import (
	"encoding/json"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func launchOne(t *testing.T, c *ec2.Client, subnet *string) types.Instance {
	t.Helper()
	return must[*ec2.RunInstancesOutput](t)(c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdkaws.String("ami-1"),
		MinCount: sdkaws.Int32(1), MaxCount: sdkaws.Int32(1), SubnetId: subnet})).Instances[0]
}

// TestInstanceNamesAndPublicIP: an instance in the default VPC gets a
// public address from the lab's pool and both DNS names; in a VPC of
// one's own it gets a public address only once its subnet maps them
// (ModifySubnetAttribute), and a public name only once the VPC has DNS
// hostnames (ModifyVpcAttribute, read back with DescribeVpcAttribute).
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-naming.html
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/AmazonDNS-concepts.html#vpc-dns-hostnames
func TestInstanceNamesAndPublicIP(t *testing.T) {
	l := newLab(t)
	i := launchOne(t, l.a, nil)
	ip := sdkaws.ToString(i.PublicIpAddress)
	if !strings.HasPrefix(ip, "203.0.113.") || sdkaws.ToString(i.PublicDnsName) != "ec2-"+strings.ReplaceAll(ip, ".", "-")+".compute-1.amazonaws.com" ||
		sdkaws.ToString(i.PrivateDnsName) != "ip-"+strings.ReplaceAll(sdkaws.ToString(i.PrivateIpAddress), ".", "-")+".ec2.internal" {
		t.Fatalf("default VPC instance: public %s %s private %s %s", ip, sdkaws.ToString(i.PublicDnsName), sdkaws.ToString(i.PrivateIpAddress), sdkaws.ToString(i.PrivateDnsName))
	}
	if a := i.NetworkInterfaces[0].Association; a == nil || sdkaws.ToString(a.PublicIp) != ip || sdkaws.ToString(a.IpOwnerId) != "amazon" {
		t.Fatalf("primary interface association %+v, want %s owned by amazon", a, ip)
	}
	byIP := must[*ec2.DescribeInstancesOutput](t)(l.a.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []types.Filter{filter("ip-address", ip)}}))
	if len(byIP.Reservations) != 1 || *byIP.Reservations[0].Instances[0].InstanceId != *i.InstanceId {
		t.Fatalf("DescribeInstances ip-address %s: %+v", ip, byIP.Reservations)
	}

	west := regionClient(l, "eu-west-1")
	w := launchOne(t, west, nil)
	if !strings.HasSuffix(sdkaws.ToString(w.PrivateDnsName), ".eu-west-1.compute.internal") || !strings.HasSuffix(sdkaws.ToString(w.PublicDnsName), ".eu-west-1.compute.amazonaws.com") {
		t.Fatalf("eu-west-1 names: %s %s", sdkaws.ToString(w.PrivateDnsName), sdkaws.ToString(w.PublicDnsName))
	}

	vpc := mkVpc(t, l.a, "10.0.0.0/16", "own")
	sub := mkSubnet(t, l.a, *vpc.VpcId, "10.0.1.0/24")
	p := launchOne(t, l.a, sub.SubnetId)
	if p.PublicIpAddress != nil || sdkaws.ToString(p.PublicDnsName) != "" || sdkaws.ToString(p.PrivateDnsName) != "ip-10-0-1-4.ec2.internal" {
		t.Fatalf("private subnet instance: public %v %q private name %q", sdkaws.ToString(p.PublicIpAddress), sdkaws.ToString(p.PublicDnsName), sdkaws.ToString(p.PrivateDnsName))
	}
	must[*ec2.ModifySubnetAttributeOutput](t)(l.a.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: sub.SubnetId, MapPublicIpOnLaunch: &types.AttributeBooleanValue{Value: sdkaws.Bool(true)}}))
	q := launchOne(t, l.a, sub.SubnetId)
	if q.PublicIpAddress == nil || sdkaws.ToString(q.PublicDnsName) != "" {
		t.Fatalf("public subnet of a VPC without DNS hostnames: public %v name %q; want an address and no name", sdkaws.ToString(q.PublicIpAddress), sdkaws.ToString(q.PublicDnsName))
	}
	attr := func(a types.VpcAttributeName) *ec2.DescribeVpcAttributeOutput {
		return must[*ec2.DescribeVpcAttributeOutput](t)(l.a.DescribeVpcAttribute(ctx, &ec2.DescribeVpcAttributeInput{VpcId: vpc.VpcId, Attribute: a}))
	}
	if o := attr(types.VpcAttributeNameEnableDnsHostnames); o.EnableDnsHostnames == nil || sdkaws.ToBool(o.EnableDnsHostnames.Value) {
		t.Fatalf("enableDnsHostnames of a new VPC: %+v, want false", o.EnableDnsHostnames)
	}
	if o := attr(types.VpcAttributeNameEnableDnsSupport); o.EnableDnsSupport == nil || !sdkaws.ToBool(o.EnableDnsSupport.Value) {
		t.Fatalf("enableDnsSupport of a new VPC: %+v, want true", o.EnableDnsSupport)
	}
	must[*ec2.ModifyVpcAttributeOutput](t)(l.a.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: vpc.VpcId, EnableDnsHostnames: &types.AttributeBooleanValue{Value: sdkaws.Bool(true)}}))
	must[*ec2.ModifyVpcAttributeOutput](t)(l.a.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: vpc.VpcId, EnableNetworkAddressUsageMetrics: &types.AttributeBooleanValue{Value: sdkaws.Bool(true)}}))
	if o := attr(types.VpcAttributeNameEnableNetworkAddressUsageMetrics); o.EnableNetworkAddressUsageMetrics == nil || !sdkaws.ToBool(o.EnableNetworkAddressUsageMetrics.Value) {
		t.Fatalf("enableNetworkAddressUsageMetrics after enabling: %+v", o.EnableNetworkAddressUsageMetrics)
	}
	if d := describeOne(t, l.a, *q.InstanceId); !strings.HasSuffix(sdkaws.ToString(d.PublicDnsName), ".compute-1.amazonaws.com") {
		t.Fatalf("public name once DNS hostnames are on: %q", sdkaws.ToString(d.PublicDnsName))
	}
	def := must[*ec2.DescribeVpcsOutput](t)(l.a.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("is-default", "true")}})).Vpcs[0]
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/AmazonDNS-concepts.html#vpc-dns-support — a default VPC has DNS hostnames enabled
	if o := must[*ec2.DescribeVpcAttributeOutput](t)(l.a.DescribeVpcAttribute(ctx, &ec2.DescribeVpcAttributeInput{VpcId: def.VpcId, Attribute: types.VpcAttributeNameEnableDnsHostnames})); !sdkaws.ToBool(o.EnableDnsHostnames.Value) {
		t.Fatal("the default VPC's DNS hostnames are off")
	}
	_, err := l.a.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: vpc.VpcId})
	wantAPIError(t, err, "InvalidParameterValue")

	// A stop releases the public address; a start brings a new one.
	must[*ec2.StopInstancesOutput](t)(l.a.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{*i.InstanceId}}))
	if d := describeOne(t, l.a, *i.InstanceId); d.PublicIpAddress != nil || sdkaws.ToString(d.PublicDnsName) != "" {
		t.Fatalf("stopped instance keeps %s %s", sdkaws.ToString(d.PublicIpAddress), sdkaws.ToString(d.PublicDnsName))
	}
}

// TestInstanceNamesAWSCLI reads an instance's public address and names
// with the AWS CLI, as a user's script does to reach it.
func TestInstanceNamesAWSCLI(t *testing.T) {
	l := newLab(t)
	run := awsCLI(t, l)
	i := launchOne(t, l.a, nil)
	out, err := run("describe-instances", "--instance-ids", *i.InstanceId, "--query", "Reservations[0].Instances[0].[PublicIpAddress,PublicDnsName,PrivateDnsName]")
	var got []string
	if err != nil || json.Unmarshal([]byte(out), &got) != nil {
		t.Fatalf("describe-instances: %v\n%s", err, out)
	}
	want := []string{sdkaws.ToString(i.PublicIpAddress), sdkaws.ToString(i.PublicDnsName), sdkaws.ToString(i.PrivateDnsName)}
	if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || want[0] == "" {
		t.Fatalf("describe-instances addresses %v, want %v", got, want)
	}
}
