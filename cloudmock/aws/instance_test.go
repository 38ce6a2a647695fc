package aws_test

import (
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestInstances(t *testing.T) {
	l := newLab(t)
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "x")
	sub := mkSubnet(t, l.a, *vpc.VpcId, "10.0.1.0/28")
	run := must[*ec2.RunInstancesOutput](t)(l.a.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdkaws.String("ami-12345678"), InstanceType: types.InstanceTypeT3Micro,
		MinCount: sdkaws.Int32(2), MaxCount: sdkaws.Int32(2), SubnetId: sub.SubnetId,
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeInstance, Tags: []types.Tag{{Key: sdkaws.String("Name"), Value: sdkaws.String("router")}}}}}))
	if len(run.Instances) != 2 {
		t.Fatalf("launched %d instances", len(run.Instances))
	}
	i0 := run.Instances[0]
	if sdkaws.ToString(i0.PrivateIpAddress) != "10.0.1.4" || sdkaws.ToString(run.Instances[1].PrivateIpAddress) != "10.0.1.5" {
		t.Fatalf("addresses %s, %s; want 10.0.1.4 and .5 (first four reserved)", *i0.PrivateIpAddress, *run.Instances[1].PrivateIpAddress)
	}
	if i0.State.Name != types.InstanceStateNameRunning || !sdkaws.ToBool(i0.SourceDestCheck) || len(i0.SecurityGroups) != 1 || *i0.SecurityGroups[0].GroupName != "default" {
		t.Fatalf("instance = state %s, srcdst %v, groups %+v", i0.State.Name, sdkaws.ToBool(i0.SourceDestCheck), i0.SecurityGroups)
	}
	if len(i0.NetworkInterfaces) != 1 || sdkaws.ToString(i0.Placement.AvailabilityZone) != "us-east-1a" {
		t.Fatalf("interfaces %+v placement %+v", i0.NetworkInterfaces, i0.Placement)
	}
	subs := must[*ec2.DescribeSubnetsOutput](t)(l.a.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{*sub.SubnetId}}))
	if n := sdkaws.ToInt32(subs.Subnets[0].AvailableIpAddressCount); n != 16-5-2 {
		t.Fatalf("available addresses %d, want 9", n)
	}
	_, err := l.a.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdkaws.String("ami-1"), MinCount: sdkaws.Int32(1), MaxCount: sdkaws.Int32(1), SubnetId: sub.SubnetId, PrivateIpAddress: sdkaws.String("10.0.1.4")})
	wantAPIError(t, err, "InvalidIPAddress.InUse")
	_, err = l.a.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdkaws.String("ami-1"), MinCount: sdkaws.Int32(10), MaxCount: sdkaws.Int32(10), SubnetId: sub.SubnetId})
	wantAPIError(t, err, "InsufficientFreeAddressesInSubnet")

	must[*ec2.ModifyInstanceAttributeOutput](t)(l.a.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: i0.InstanceId, SourceDestCheck: &types.AttributeBooleanValue{Value: sdkaws.Bool(false)}}))
	desc := must[*ec2.DescribeInstancesOutput](t)(l.a.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []types.Filter{filter("tag:Name", "router"), filter("instance-state-name", "running")}}))
	if len(desc.Reservations) != 1 || len(desc.Reservations[0].Instances) != 2 {
		t.Fatalf("reservations = %+v", desc.Reservations)
	}
	for _, i := range desc.Reservations[0].Instances {
		if want := *i.InstanceId != *i0.InstanceId; sdkaws.ToBool(i.SourceDestCheck) != want {
			t.Fatalf("instance %s source/dest check = %v, want %v", *i.InstanceId, sdkaws.ToBool(i.SourceDestCheck), want)
		}
	}

	// An instance can be a route target (e.g. a NAT or firewall instance).
	rt := must[*ec2.DescribeRouteTablesOutput](t)(l.a.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("vpc-id", *vpc.VpcId)}})).RouteTables[0]
	must[*ec2.CreateRouteOutput](t)(l.a.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rt.RouteTableId, DestinationCidrBlock: sdkaws.String("0.0.0.0/0"), InstanceId: i0.InstanceId}))

	_, err = l.a.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: sub.SubnetId})
	wantAPIError(t, err, "DependencyViolation")
	term := must[*ec2.TerminateInstancesOutput](t)(l.a.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{*i0.InstanceId}}))
	if term.TerminatingInstances[0].CurrentState.Name != types.InstanceStateNameShuttingDown || term.TerminatingInstances[0].PreviousState.Name != types.InstanceStateNameRunning {
		t.Fatalf("terminate = %+v", term.TerminatingInstances[0])
	}
	rt = must[*ec2.DescribeRouteTablesOutput](t)(l.a.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{*rt.RouteTableId}})).RouteTables[0]
	if rt.Routes[1].State != types.RouteStateBlackhole {
		t.Fatalf("route to terminated instance is %s, want blackhole", rt.Routes[1].State)
	}
	_, err = l.a.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: i0.InstanceId, SourceDestCheck: &types.AttributeBooleanValue{Value: sdkaws.Bool(true)}})
	wantAPIError(t, err, "IncorrectInstanceState")
	_, err = l.a.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{"i-0123456789abcdef0"}})
	wantAPIError(t, err, "InvalidInstanceID.NotFound")
}

func TestNatGateway(t *testing.T) {
	l := newLab(t)
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "x")
	pub := mkSubnet(t, l.a, *vpc.VpcId, "10.0.0.0/24")
	eip := must[*ec2.AllocateAddressOutput](t)(l.a.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: types.DomainTypeVpc}))
	if sdkaws.ToString(eip.PublicIp) != "203.0.113.1" {
		t.Fatalf("elastic IP %s, want 203.0.113.1 (emulated internet range)", sdkaws.ToString(eip.PublicIp))
	}
	nat := must[*ec2.CreateNatGatewayOutput](t)(l.a.CreateNatGateway(ctx, &ec2.CreateNatGatewayInput{SubnetId: pub.SubnetId, AllocationId: eip.AllocationId})).NatGateway
	if nat.State != types.NatGatewayStateAvailable || sdkaws.ToString(nat.NatGatewayAddresses[0].PublicIp) != "203.0.113.1" || sdkaws.ToString(nat.NatGatewayAddresses[0].PrivateIp) != "10.0.0.4" {
		t.Fatalf("NAT gateway = %+v", nat)
	}
	_, err := l.a.CreateNatGateway(ctx, &ec2.CreateNatGatewayInput{SubnetId: pub.SubnetId, AllocationId: eip.AllocationId})
	wantAPIError(t, err, "Resource.AlreadyAssociated")
	rt := must[*ec2.DescribeRouteTablesOutput](t)(l.a.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("vpc-id", *vpc.VpcId)}})).RouteTables[0]
	must[*ec2.CreateRouteOutput](t)(l.a.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rt.RouteTableId, DestinationCidrBlock: sdkaws.String("0.0.0.0/0"), NatGatewayId: nat.NatGatewayId}))
	got := must[*ec2.DescribeRouteTablesOutput](t)(l.a.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("route.nat-gateway-id", *nat.NatGatewayId)}}))
	if len(got.RouteTables) != 1 || got.RouteTables[0].Routes[1].State != types.RouteStateActive {
		t.Fatalf("route via NAT = %+v", got.RouteTables)
	}
	must[*ec2.DeleteNatGatewayOutput](t)(l.a.DeleteNatGateway(ctx, &ec2.DeleteNatGatewayInput{NatGatewayId: nat.NatGatewayId}))
	got = must[*ec2.DescribeRouteTablesOutput](t)(l.a.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{*rt.RouteTableId}}))
	if got.RouteTables[0].Routes[1].State != types.RouteStateBlackhole {
		t.Fatal("route to deleted NAT gateway should be a blackhole")
	}
}

func TestNetworkInterfaces(t *testing.T) {
	l := newLab(t)
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "x")
	sub := mkSubnet(t, l.a, *vpc.VpcId, "10.0.1.0/24")
	inst := must[*ec2.RunInstancesOutput](t)(l.a.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdkaws.String("ami-1"), MinCount: sdkaws.Int32(1), MaxCount: sdkaws.Int32(1), SubnetId: sub.SubnetId})).Instances[0]
	enis := must[*ec2.DescribeNetworkInterfacesOutput](t)(l.a.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{Filters: []types.Filter{filter("attachment.instance-id", *inst.InstanceId)}})).NetworkInterfaces
	if len(enis) != 1 || sdkaws.ToString(enis[0].PrivateIpAddress) != *inst.PrivateIpAddress || !sdkaws.ToBool(enis[0].SourceDestCheck) || *enis[0].Attachment.InstanceId != *inst.InstanceId {
		t.Fatalf("interfaces = %+v", enis)
	}
	must[*ec2.ModifyNetworkInterfaceAttributeOutput](t)(l.a.ModifyNetworkInterfaceAttribute(ctx, &ec2.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: enis[0].NetworkInterfaceId, SourceDestCheck: &types.AttributeBooleanValue{Value: sdkaws.Bool(false)}}))
	got := must[*ec2.DescribeInstancesOutput](t)(l.a.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{*inst.InstanceId}})).Reservations[0].Instances[0]
	if sdkaws.ToBool(got.SourceDestCheck) {
		t.Fatal("instance still has source/dest check on after turning it off on its interface")
	}
	_, err := l.a.ModifyNetworkInterfaceAttribute(ctx, &ec2.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: sdkaws.String("eni-0123456789abcdef0"), SourceDestCheck: &types.AttributeBooleanValue{Value: sdkaws.Bool(false)}})
	wantAPIError(t, err, "InvalidNetworkInterfaceID.NotFound")
}
