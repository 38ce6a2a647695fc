package aws_test

import (
	"net/netip"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// An IPv6-only subnet through the Go SDK: made with Ipv6Native and an
// Ipv6CidrBlock alone, answered and filtered as IPv6-native with no IPv4
// block; instances and interfaces in it get an IPv6 address and no
// private IPv4 address, and the IPv4 things (a private IPv4
// address, an elastic IP) are refused.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSubnet.html — Ipv6Native, Ipv6CidrBlock; CidrBlock is not supported for an IPv6 only subnet
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/subnet-ip-address-range.html — IPv6-only subnets: instances get IPv6 addresses only
func TestIPv6NativeSubnetSDK(t *testing.T) {
	l := newLab(t)
	c := l.a
	vpc, block := ipv6VPC(t, c)
	_, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.VpcId, Ipv6Native: sdkaws.Bool(true), CidrBlock: sdkaws.String("10.0.9.0/24"),
		Ipv6CidrBlock: sdkaws.String(nth64(block, 9).String())})
	wantAPIError(t, err, "InvalidParameterCombination")
	_, err = c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.VpcId, Ipv6Native: sdkaws.Bool(true)})
	wantAPIError(t, err, "MissingParameter")
	_, err = c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.VpcId, Ipv6Native: sdkaws.Bool(true), Ipv6CidrBlock: sdkaws.String("2001:db8:ffff::/64")})
	wantAPIError(t, err, "InvalidSubnet.Range")

	sub := must[*ec2.CreateSubnetOutput](t)(c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.VpcId, Ipv6Native: sdkaws.Bool(true),
		Ipv6CidrBlock: sdkaws.String(nth64(block, 9).String())})).Subnet
	if !sdkaws.ToBool(sub.Ipv6Native) || sub.CidrBlock != nil || !sdkaws.ToBool(sub.AssignIpv6AddressOnCreation) || sdkaws.ToInt32(sub.AvailableIpAddressCount) != 0 ||
		len(sub.Ipv6CidrBlockAssociationSet) != 1 || *sub.Ipv6CidrBlockAssociationSet[0].Ipv6CidrBlock != nth64(block, 9).String() ||
		sub.PrivateDnsNameOptionsOnLaunch.HostnameType != types.HostnameTypeResourceName {
		t.Fatalf("IPv6-only subnet: native %v cidr %v assign %v available %d assocs %+v", sdkaws.ToBool(sub.Ipv6Native), sub.CidrBlock,
			sdkaws.ToBool(sub.AssignIpv6AddressOnCreation), sdkaws.ToInt32(sub.AvailableIpAddressCount), sub.Ipv6CidrBlockAssociationSet)
	}
	dual := mkSubnet(t, c, *vpc.VpcId, "10.0.1.0/24")
	native := func(v string) []types.Subnet {
		return must[*ec2.DescribeSubnetsOutput](t)(c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{filter("ipv6-native", v), filter("vpc-id", *vpc.VpcId)}})).Subnets
	}
	if got := native("true"); len(got) != 1 || *got[0].SubnetId != *sub.SubnetId {
		t.Fatalf("ipv6-native=true: %d subnets", len(got))
	}
	if got := native("false"); len(got) != 1 || *got[0].SubnetId != *dual.SubnetId {
		t.Fatalf("ipv6-native=false: %d subnets", len(got))
	}
	if n := len(must[*ec2.DescribeSubnetsOutput](t)(c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{filter("cidr-block", "*"), filter("vpc-id", *vpc.VpcId)}})).Subnets); n != 1 {
		t.Fatalf("cidr-block=*: %d subnets, want only the dual-stack one", n)
	}

	launch := func(in ec2.RunInstancesInput) (*ec2.RunInstancesOutput, error) {
		in.ImageId, in.MinCount, in.MaxCount = sdkaws.String("ami-1"), sdkaws.Int32(1), sdkaws.Int32(1)
		in.SubnetId = sub.SubnetId
		return c.RunInstances(ctx, &in)
	}
	_, err = launch(ec2.RunInstancesInput{PrivateIpAddress: sdkaws.String("10.0.9.10")})
	wantAPIError(t, err, "InvalidParameterValue")
	inst := must[*ec2.RunInstancesOutput](t)(launch(ec2.RunInstancesInput{})).Instances[0]
	nic := inst.NetworkInterfaces[0]
	if inst.PrivateIpAddress != nil || nic.PrivateIpAddress != nil || len(nic.PrivateIpAddresses) != 0 || len(nic.Ipv6Addresses) != 1 ||
		!nth64(block, 9).Contains(netip.MustParseAddr(*nic.Ipv6Addresses[0].Ipv6Address)) || sdkaws.ToString(inst.Ipv6Address) != *nic.Ipv6Addresses[0].Ipv6Address {
		t.Fatalf("instance in an IPv6-only subnet: private %v, interface %v %+v, IPv6 %+v", inst.PrivateIpAddress, nic.PrivateIpAddress, nic.PrivateIpAddresses, nic.Ipv6Addresses)
	}
	res := must[*ec2.DescribeInstancesOutput](t)(c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []types.Filter{filter("network-interface.ipv6-native", "true")}})).Reservations
	if len(res) != 1 || *res[0].Instances[0].InstanceId != *inst.InstanceId {
		t.Fatalf("network-interface.ipv6-native=true: %+v", res)
	}

	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RunInstances.html — EnablePrimaryIpv6: the first IPv6 address becomes the primary IPv6 address
	prim := must[*ec2.RunInstancesOutput](t)(launch(ec2.RunInstancesInput{EnablePrimaryIpv6: sdkaws.Bool(true)})).Instances[0]
	if as := prim.NetworkInterfaces[0].Ipv6Addresses; len(as) != 1 || !sdkaws.ToBool(as[0].IsPrimaryIpv6) || sdkaws.ToBool(nic.Ipv6Addresses[0].IsPrimaryIpv6) {
		t.Fatalf("EnablePrimaryIpv6: %+v (the other instance's %+v)", as, nic.Ipv6Addresses)
	}
	res = must[*ec2.DescribeInstancesOutput](t)(c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []types.Filter{filter("network-interface.ipv6-addresses.is-primary-ipv6", "true")}})).Reservations
	if len(res) != 1 || *res[0].Instances[0].InstanceId != *prim.InstanceId {
		t.Fatalf("network-interface.ipv6-addresses.is-primary-ipv6=true: %+v", res)
	}
	_, err = c.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: dual.SubnetId, EnablePrimaryIpv6: sdkaws.Bool(true)})
	wantAPIError(t, err, "InvalidParameterValue")

	eni := must[*ec2.CreateNetworkInterfaceOutput](t)(c.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: sub.SubnetId})).NetworkInterface
	if eni.PrivateIpAddress != nil || len(eni.Ipv6Addresses) != 1 || *eni.Ipv6Addresses[0].Ipv6Address == *nic.Ipv6Addresses[0].Ipv6Address {
		t.Fatalf("CreateNetworkInterface in an IPv6-only subnet: private %v IPv6 %+v", eni.PrivateIpAddress, eni.Ipv6Addresses)
	}
	_, err = c.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: sub.SubnetId, PrivateIpAddress: sdkaws.String("10.0.9.5")})
	wantAPIError(t, err, "InvalidParameterValue")
	eip := must[*ec2.AllocateAddressOutput](t)(c.AllocateAddress(ctx, &ec2.AllocateAddressInput{}))
	_, err = c.AssociateAddress(ctx, &ec2.AssociateAddressInput{AllocationId: eip.AllocationId, InstanceId: inst.InstanceId})
	wantAPIError(t, err, "InvalidParameterValue")

	// A snapshot keeps the subnet IPv6-only and the instance without IPv4.
	snap, _, err := l.cloud.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	back := model.New()
	if err := back.Restore(snap); err != nil {
		t.Fatal(err)
	}
	if s, err := back.Subnet("111111111111", *sub.SubnetId); err != nil || !s.IPv6Native || s.Prefix.IsValid() {
		t.Fatalf("restored subnet: %+v, %v", s, err)
	}
}
