package aws_test

import (
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// The last documented filters of DescribeSubnets, DescribeVpcs,
// DescribeAddresses and DescribeInstances, through the Go SDK: each
// matches the value the object's description shows, and the subnet DNS
// attributes that ModifySubnetAttribute sets are answered and filtered.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSubnets.html
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcs.html — cidr-block-association.state
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeAddresses.html — network-border-group
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html — ipv6-address
func TestDocumentedFiltersMore(t *testing.T) {
	l := newLab(t)
	c := l.a
	vpc, block := ipv6VPC(t, c)
	sub := must[*ec2.CreateSubnetOutput](t)(c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.VpcId, CidrBlock: sdkaws.String("10.0.1.0/24"),
		AvailabilityZone: sdkaws.String("us-east-1b"), Ipv6CidrBlock: sdkaws.String(nth64(block, 0).String())})).Subnet
	arn := "arn:aws:ec2:us-east-1:111111111111:subnet/" + *sub.SubnetId
	if *sub.AvailabilityZoneId != "use1-az2" || *sub.SubnetArn != arn || sdkaws.ToBool(sub.EnableDns64) || sdkaws.ToBool(sub.MapCustomerOwnedIpOnLaunch) ||
		sub.PrivateDnsNameOptionsOnLaunch == nil || sub.PrivateDnsNameOptionsOnLaunch.HostnameType != types.HostnameTypeIpName {
		t.Fatalf("subnet fields: zone %s arn %s dns64 %v options %+v", *sub.AvailabilityZoneId, *sub.SubnetArn, sdkaws.ToBool(sub.EnableDns64), sub.PrivateDnsNameOptionsOnLaunch)
	}
	subnets := func(fs ...types.Filter) int {
		t.Helper()
		fs = append(fs, filter("vpc-id", *vpc.VpcId))
		return len(must[*ec2.DescribeSubnetsOutput](t)(c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: fs})).Subnets)
	}
	for _, f := range []types.Filter{filter("availability-zone-id", "use1-az2"), filter("subnet-arn", arn), filter("enable-dns64", "false"),
		filter("map-customer-owned-ip-on-launch", "false"), filter("private-dns-name-options-on-launch.hostname-type", "ip-name")} {
		if n := subnets(f); n != 1 {
			t.Errorf("DescribeSubnets %s=%v: %d subnets, want 1", *f.Name, f.Values, n)
		}
	}
	for _, f := range []types.Filter{filter("availability-zone-id", "use1-az1"), filter("outpost-arn", "*"), filter("customer-owned-ipv4-pool", "*"),
		filter("enable-lni-at-device-index", "*"), filter("enable-dns64", "true")} {
		if n := subnets(f); n != 0 {
			t.Errorf("DescribeSubnets %s=%v: %d subnets, want 0", *f.Name, f.Values, n)
		}
	}
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifySubnetAttribute.html — EnableDns64, PrivateDnsHostnameTypeOnLaunch; one attribute a call
	must[*ec2.ModifySubnetAttributeOutput](t)(c.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: sub.SubnetId, EnableDns64: &types.AttributeBooleanValue{Value: sdkaws.Bool(true)}}))
	must[*ec2.ModifySubnetAttributeOutput](t)(c.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: sub.SubnetId, PrivateDnsHostnameTypeOnLaunch: types.HostnameTypeResourceName}))
	_, err := c.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: sub.SubnetId, EnableDns64: &types.AttributeBooleanValue{Value: sdkaws.Bool(false)},
		MapPublicIpOnLaunch: &types.AttributeBooleanValue{Value: sdkaws.Bool(true)}})
	wantAPIErrorMessage(t, err, "InvalidParameterValue", "You must specify exactly one attribute to modify.")
	_, err = c.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: sub.SubnetId, PrivateDnsHostnameTypeOnLaunch: "host-name"})
	wantAPIError(t, err, "InvalidParameterValue")
	if n := subnets(filter("enable-dns64", "true"), filter("private-dns-name-options-on-launch.hostname-type", "resource-name")); n != 1 {
		t.Fatalf("after ModifySubnetAttribute: %d subnets with DNS64 and resource names, want 1", n)
	}
	got := must[*ec2.DescribeSubnetsOutput](t)(c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{*sub.SubnetId}})).Subnets[0]
	if !sdkaws.ToBool(got.EnableDns64) || got.PrivateDnsNameOptionsOnLaunch.HostnameType != types.HostnameTypeResourceName {
		t.Fatalf("after ModifySubnetAttribute: dns64 %v options %+v", sdkaws.ToBool(got.EnableDns64), got.PrivateDnsNameOptionsOnLaunch)
	}

	vpcs := must[*ec2.DescribeVpcsOutput](t)(c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("cidr-block-association.state", "associated"),
		filter("vpc-id", *vpc.VpcId)}})).Vpcs
	if len(vpcs) != 1 || vpcs[0].CidrBlockAssociationSet[0].CidrBlockState.State != types.VpcCidrBlockStateCodeAssociated {
		t.Fatalf("DescribeVpcs cidr-block-association.state=associated: %+v", vpcs)
	}
	if n := len(must[*ec2.DescribeVpcsOutput](t)(c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("cidr-block-association.state", "disassociated")}})).Vpcs); n != 0 {
		t.Fatalf("cidr-block-association.state=disassociated: %d VPCs", n)
	}

	eip := must[*ec2.AllocateAddressOutput](t)(c.AllocateAddress(ctx, &ec2.AllocateAddressInput{}))
	addrs := must[*ec2.DescribeAddressesOutput](t)(c.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{Filters: []types.Filter{filter("network-border-group", "us-east-1")}})).Addresses
	if len(addrs) != 1 || *addrs[0].AllocationId != *eip.AllocationId || sdkaws.ToString(addrs[0].NetworkBorderGroup) != "us-east-1" || sdkaws.ToString(addrs[0].PublicIpv4Pool) != "amazon" {
		t.Fatalf("DescribeAddresses network-border-group=us-east-1: %+v", addrs)
	}
	if n := len(must[*ec2.DescribeAddressesOutput](t)(c.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{Filters: []types.Filter{filter("network-border-group", "us-west-2")}})).Addresses); n != 0 {
		t.Fatalf("network-border-group=us-west-2: %d addresses", n)
	}

	run := must[*ec2.RunInstancesOutput](t)(c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdkaws.String("ami-1"), MinCount: sdkaws.Int32(1), MaxCount: sdkaws.Int32(1),
		SubnetId: sub.SubnetId, Ipv6AddressCount: sdkaws.Int32(1)}))
	v6 := sdkaws.ToString(run.Instances[0].Ipv6Address)
	if v6 == "" || v6 != *run.Instances[0].NetworkInterfaces[0].Ipv6Addresses[0].Ipv6Address {
		t.Fatalf("RunInstances ipv6Address %q, interface %+v", v6, run.Instances[0].NetworkInterfaces[0].Ipv6Addresses)
	}
	must[*ec2.RunInstancesOutput](t)(c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdkaws.String("ami-1"), MinCount: sdkaws.Int32(1), MaxCount: sdkaws.Int32(1), SubnetId: sub.SubnetId}))
	res := must[*ec2.DescribeInstancesOutput](t)(c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []types.Filter{filter("ipv6-address", v6)}})).Reservations
	if len(res) != 1 || len(res[0].Instances) != 1 || *res[0].Instances[0].InstanceId != *run.Instances[0].InstanceId {
		t.Fatalf("DescribeInstances ipv6-address=%s: %+v", v6, res)
	}
}
