package aws_test

import (
	"slices"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// eniLab is a VPC with two subnets in one zone, one in another, and an
// instance of a type with known limits (t2.micro: 2 interfaces, 2
// addresses each).
type eniLab struct {
	*lab
	vpc, subA, subB, subOther string
	inst                      types.Instance
}

func newENILab(t *testing.T) *eniLab {
	t.Helper()
	l := &eniLab{lab: newLab(t)}
	l.vpc = *mkVpc(t, l.a, "10.0.0.0/16", "eni").VpcId
	l.subA = *mkSubnet(t, l.a, l.vpc, "10.0.1.0/24").SubnetId
	l.subB = *mkSubnet(t, l.a, l.vpc, "10.0.2.0/24").SubnetId
	other := must[*ec2.CreateSubnetOutput](t)(l.a.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &l.vpc, CidrBlock: sdkaws.String("10.0.3.0/24"),
		AvailabilityZone: sdkaws.String("us-east-1b")}))
	l.subOther = *other.Subnet.SubnetId
	run := must[*ec2.RunInstancesOutput](t)(l.a.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdkaws.String("ami-1"), MinCount: sdkaws.Int32(1),
		MaxCount: sdkaws.Int32(1), SubnetId: &l.subA, InstanceType: types.InstanceTypeT2Micro}))
	l.inst = run.Instances[0]
	return l
}

func (l *eniLab) eni(t *testing.T, id string) types.NetworkInterface {
	t.Helper()
	out := must[*ec2.DescribeNetworkInterfacesOutput](t)(l.a.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{id}}))
	if len(out.NetworkInterfaces) != 1 {
		t.Fatalf("describe %s: %d interfaces", id, len(out.NetworkInterfaces))
	}
	return out.NetworkInterfaces[0]
}

func privateIPs(e types.NetworkInterface) []string {
	var out []string
	for _, a := range e.PrivateIpAddresses {
		out = append(out, sdkaws.ToString(a.PrivateIpAddress))
	}
	return out
}

// TestCreateNetworkInterface: an interface with a description, explicit
// primary and secondary addresses and a count of further ones is answered
// as AWS does, available, and is found by its ID.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateNetworkInterface.html
func TestCreateNetworkInterface(t *testing.T) {
	l := newENILab(t)
	out := must[*ec2.CreateNetworkInterfaceOutput](t)(l.a.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: &l.subB,
		Description: sdkaws.String("egress"), PrivateIpAddresses: []types.PrivateIpAddressSpecification{
			{PrivateIpAddress: sdkaws.String("10.0.2.10"), Primary: sdkaws.Bool(true)}, {PrivateIpAddress: sdkaws.String("10.0.2.11")}},
		SecondaryPrivateIpAddressCount: sdkaws.Int32(1),
		TagSpecifications:              []types.TagSpecification{{ResourceType: types.ResourceTypeNetworkInterface, Tags: []types.Tag{{Key: sdkaws.String("Name"), Value: sdkaws.String("fw-out")}}}}}))
	e := *out.NetworkInterface
	if sdkaws.ToString(e.PrivateIpAddress) != "10.0.2.10" || e.Status != types.NetworkInterfaceStatusAvailable || e.InterfaceType != types.NetworkInterfaceTypeInterface ||
		sdkaws.ToString(e.Description) != "egress" || e.Attachment != nil || !sdkaws.ToBool(e.SourceDestCheck) || len(e.Groups) != 1 ||
		sdkaws.ToString(e.AvailabilityZone) != "us-east-1a" || sdkaws.ToString(e.MacAddress) == "" || sdkaws.ToString(e.PrivateDnsName) != "ip-10-0-2-10.ec2.internal" {
		t.Fatalf("created %+v", e)
	}
	if got := privateIPs(e); !slices.Equal(got, []string{"10.0.2.10", "10.0.2.11", "10.0.2.4"}) || !sdkaws.ToBool(e.PrivateIpAddresses[0].Primary) || sdkaws.ToBool(e.PrivateIpAddresses[1].Primary) {
		t.Fatalf("privateIpAddressesSet %v", got)
	}
	if d := l.eni(t, *e.NetworkInterfaceId); sdkaws.ToString(d.MacAddress) != sdkaws.ToString(e.MacAddress) || len(d.TagSet) != 1 {
		t.Fatalf("described %+v", d)
	}
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html — InvalidIPAddress.InUse
	_, err := l.a.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: &l.subB, PrivateIpAddress: sdkaws.String("10.0.2.11")})
	wantAPIError(t, err, "InvalidIPAddress.InUse")
	_, err = l.a.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{"eni-0123456789abcdef0"}})
	wantAPIErrorMessage(t, err, "InvalidNetworkInterfaceID.NotFound", "The networkInterface ID 'eni-0123456789abcdef0' does not exist")
	_, err = l.a.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: &l.subB, InterfaceType: "bogus"})
	wantAPIError(t, err, "InvalidParameterValue")
	must[*ec2.DeleteNetworkInterfaceOutput](t)(l.a.DeleteNetworkInterface(ctx, &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: e.NetworkInterfaceId}))
	_, err = l.a.DeleteNetworkInterface(ctx, &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: e.NetworkInterfaceId})
	wantAPIError(t, err, "InvalidNetworkInterfaceID.NotFound")
}

// TestAttachDetachNetworkInterface: attach at a free device index, and
// AWS's refusals: a taken index, an interface in use, another zone, past
// the type's interface limit, deleting an attached interface, detaching
// the primary one; then detach, and delete on termination.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AttachNetworkInterface.html
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DetachNetworkInterface.html
func TestAttachDetachNetworkInterface(t *testing.T) {
	l := newENILab(t)
	mk := func(sub string) string {
		return *must[*ec2.CreateNetworkInterfaceOutput](t)(l.a.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: &sub})).NetworkInterface.NetworkInterfaceId
	}
	b1, b2, other := mk(l.subB), mk(l.subB), mk(l.subOther)
	_, err := l.a.AttachNetworkInterface(ctx, &ec2.AttachNetworkInterfaceInput{NetworkInterfaceId: &b1, InstanceId: l.inst.InstanceId, DeviceIndex: sdkaws.Int32(0)})
	wantAPIErrorMessage(t, err, "InvalidParameterValue", "Instance '"+*l.inst.InstanceId+"' already has an interface attached at device index '0'.")
	_, err = l.a.AttachNetworkInterface(ctx, &ec2.AttachNetworkInterfaceInput{NetworkInterfaceId: &other, InstanceId: l.inst.InstanceId, DeviceIndex: sdkaws.Int32(1)})
	wantAPIError(t, err, "InvalidParameterValue")
	att := must[*ec2.AttachNetworkInterfaceOutput](t)(l.a.AttachNetworkInterface(ctx, &ec2.AttachNetworkInterfaceInput{NetworkInterfaceId: &b1,
		InstanceId: l.inst.InstanceId, DeviceIndex: sdkaws.Int32(1)}))
	e := l.eni(t, b1)
	if e.Status != types.NetworkInterfaceStatusInUse || e.Attachment == nil || sdkaws.ToString(e.Attachment.AttachmentId) != *att.AttachmentId ||
		sdkaws.ToInt32(e.Attachment.DeviceIndex) != 1 || sdkaws.ToBool(e.Attachment.DeleteOnTermination) || e.Attachment.Status != types.AttachmentStatusAttached ||
		sdkaws.ToString(e.Attachment.InstanceId) != *l.inst.InstanceId || e.Attachment.AttachTime == nil {
		t.Fatalf("attached %+v", e.Attachment)
	}
	_, err = l.a.AttachNetworkInterface(ctx, &ec2.AttachNetworkInterfaceInput{NetworkInterfaceId: &b1, InstanceId: l.inst.InstanceId, DeviceIndex: sdkaws.Int32(2)})
	wantAPIErrorMessage(t, err, "InvalidNetworkInterface.InUse", "Interface: ["+b1+"] in use.")
	_, err = l.a.AttachNetworkInterface(ctx, &ec2.AttachNetworkInterfaceInput{NetworkInterfaceId: &b2, InstanceId: l.inst.InstanceId, DeviceIndex: sdkaws.Int32(2)})
	wantAPIErrorMessage(t, err, "AttachmentLimitExceeded", "Interface count 3 exceeds the limit for t2.micro")
	_, err = l.a.DeleteNetworkInterface(ctx, &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: &b1})
	wantAPIErrorMessage(t, err, "InvalidParameterValue", "Network interface '"+b1+"' is currently in use.")
	// With two interfaces, an instance no longer stands for one.
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AssociateAddress.html — with more than one network interface, specify the interface
	multi := "There are multiple interfaces attached to instance '" + *l.inst.InstanceId + "'. Please specify an interface ID for the operation instead."
	eip := must[*ec2.AllocateAddressOutput](t)(l.a.AllocateAddress(ctx, &ec2.AllocateAddressInput{}))
	_, err = l.a.AssociateAddress(ctx, &ec2.AssociateAddressInput{AllocationId: eip.AllocationId, InstanceId: l.inst.InstanceId})
	wantAPIErrorMessage(t, err, "InvalidInstanceID", multi)
	vpc := must[*ec2.DescribeVpcsOutput](t)(l.a.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{l.vpc}}))
	rtb := must[*ec2.DescribeRouteTablesOutput](t)(l.a.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("vpc-id", *vpc.Vpcs[0].VpcId)}}))
	_, err = l.a.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rtb.RouteTables[0].RouteTableId, DestinationCidrBlock: sdkaws.String("192.0.2.0/24"), InstanceId: l.inst.InstanceId})
	wantAPIErrorMessage(t, err, "InvalidInstanceID", multi)
	_, err = l.a.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: l.inst.InstanceId, SourceDestCheck: &types.AttributeBooleanValue{Value: sdkaws.Bool(false)}})
	wantAPIErrorMessage(t, err, "InvalidInstanceID", multi)
	inst := l.instance(t)
	if len(inst.NetworkInterfaces) != 2 || sdkaws.ToString(inst.NetworkInterfaces[1].NetworkInterfaceId) != b1 ||
		sdkaws.ToInt32(inst.NetworkInterfaces[0].Attachment.DeviceIndex) != 0 || !sdkaws.ToBool(inst.NetworkInterfaces[0].Attachment.DeleteOnTermination) {
		t.Fatalf("instance's interfaces %+v", inst.NetworkInterfaces)
	}
	_, err = l.a.DetachNetworkInterface(ctx, &ec2.DetachNetworkInterfaceInput{AttachmentId: inst.NetworkInterfaces[0].Attachment.AttachmentId})
	wantAPIErrorMessage(t, err, "OperationNotPermitted", "The network interface at device index 0 and networkCard index 0 cannot be detached.")
	_, err = l.a.DetachNetworkInterface(ctx, &ec2.DetachNetworkInterfaceInput{AttachmentId: sdkaws.String("eni-attach-0123456789abcdef0")})
	wantAPIError(t, err, "InvalidAttachmentID.NotFound")
	must[*ec2.DetachNetworkInterfaceOutput](t)(l.a.DetachNetworkInterface(ctx, &ec2.DetachNetworkInterfaceInput{AttachmentId: att.AttachmentId}))
	if e := l.eni(t, b1); e.Status != types.NetworkInterfaceStatusAvailable || e.Attachment != nil {
		t.Fatalf("detached %+v", e)
	}
	// Attached again, to be deleted with the instance; b2 stays.
	att = must[*ec2.AttachNetworkInterfaceOutput](t)(l.a.AttachNetworkInterface(ctx, &ec2.AttachNetworkInterfaceInput{NetworkInterfaceId: &b1,
		InstanceId: l.inst.InstanceId, DeviceIndex: sdkaws.Int32(1)}))
	must[*ec2.ModifyNetworkInterfaceAttributeOutput](t)(l.a.ModifyNetworkInterfaceAttribute(ctx, &ec2.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: &b1,
		Attachment: &types.NetworkInterfaceAttachmentChanges{AttachmentId: att.AttachmentId, DeleteOnTermination: sdkaws.Bool(true)}}))
	if e := l.eni(t, b1); !sdkaws.ToBool(e.Attachment.DeleteOnTermination) {
		t.Fatalf("delete on termination not set: %+v", e.Attachment)
	}
	must[*ec2.TerminateInstancesOutput](t)(l.a.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{*l.inst.InstanceId}}))
	_, err = l.a.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{b1}})
	wantAPIError(t, err, "InvalidNetworkInterfaceID.NotFound")
	if e := l.eni(t, b2); e.Status != types.NetworkInterfaceStatusAvailable {
		t.Fatalf("b2 after the termination: %+v", e)
	}
}

func (l *eniLab) instance(t *testing.T) types.Instance {
	t.Helper()
	out := must[*ec2.DescribeInstancesOutput](t)(l.a.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{*l.inst.InstanceId}}))
	return out.Reservations[0].Instances[0]
}

// TestRunInstancesWithNetworkInterfaces: a launch with an existing
// interface at index 0 and a new one in another subnet at index 1, the
// existing one kept at termination, the new one deleted; and the
// parameter combinations AWS refuses.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceNetworkInterfaceSpecification.html
func TestRunInstancesWithNetworkInterfaces(t *testing.T) {
	l := newENILab(t)
	lan := *must[*ec2.CreateNetworkInterfaceOutput](t)(l.a.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: &l.subA,
		PrivateIpAddress: sdkaws.String("10.0.1.50")})).NetworkInterface.NetworkInterfaceId
	run := must[*ec2.RunInstancesOutput](t)(l.a.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdkaws.String("ami-1"), MinCount: sdkaws.Int32(1), MaxCount: sdkaws.Int32(1),
		InstanceType: types.InstanceTypeM5Large, NetworkInterfaces: []types.InstanceNetworkInterfaceSpecification{
			{DeviceIndex: sdkaws.Int32(0), NetworkInterfaceId: &lan},
			{DeviceIndex: sdkaws.Int32(1), SubnetId: &l.subB, PrivateIpAddress: sdkaws.String("10.0.2.50"), SecondaryPrivateIpAddressCount: sdkaws.Int32(2), Description: sdkaws.String("wan")}}}))
	i := run.Instances[0]
	if sdkaws.ToString(i.PrivateIpAddress) != "10.0.1.50" || sdkaws.ToString(i.SubnetId) != l.subA || len(i.NetworkInterfaces) != 2 {
		t.Fatalf("launched %+v", i)
	}
	wan := i.NetworkInterfaces[1]
	if sdkaws.ToString(wan.PrivateIpAddress) != "10.0.2.50" || len(wan.PrivateIpAddresses) != 3 || sdkaws.ToString(wan.Description) != "wan" ||
		!sdkaws.ToBool(wan.Attachment.DeleteOnTermination) || sdkaws.ToBool(i.NetworkInterfaces[0].Attachment.DeleteOnTermination) {
		t.Fatalf("second interface %+v", wan)
	}
	must[*ec2.TerminateInstancesOutput](t)(l.a.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{*i.InstanceId}}))
	if e := l.eni(t, lan); e.Status != types.NetworkInterfaceStatusAvailable || sdkaws.ToString(e.PrivateIpAddress) != "10.0.1.50" {
		t.Fatalf("the existing interface after the termination: %+v", e)
	}
	_, err := l.a.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{*wan.NetworkInterfaceId}})
	wantAPIError(t, err, "InvalidNetworkInterfaceID.NotFound")

	nic := []types.InstanceNetworkInterfaceSpecification{{DeviceIndex: sdkaws.Int32(0), SubnetId: &l.subA}}
	_, err = l.a.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdkaws.String("ami-1"), MinCount: sdkaws.Int32(1), MaxCount: sdkaws.Int32(1), SubnetId: &l.subA, NetworkInterfaces: nic})
	wantAPIErrorMessage(t, err, "InvalidParameterCombination", "Network interfaces and an instance-level subnet ID may not be specified on the same request")
	_, err = l.a.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdkaws.String("ami-1"), MinCount: sdkaws.Int32(1), MaxCount: sdkaws.Int32(1), InstanceType: types.InstanceTypeT2Micro,
		NetworkInterfaces: append(nic, types.InstanceNetworkInterfaceSpecification{DeviceIndex: sdkaws.Int32(1), SubnetId: &l.subB},
			types.InstanceNetworkInterfaceSpecification{DeviceIndex: sdkaws.Int32(2), SubnetId: &l.subB})})
	wantAPIErrorMessage(t, err, "AttachmentLimitExceeded", "Interface count 3 exceeds the limit for t2.micro")
	_, err = l.a.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdkaws.String("ami-1"), MinCount: sdkaws.Int32(1), MaxCount: sdkaws.Int32(1),
		NetworkInterfaces: append(nic, types.InstanceNetworkInterfaceSpecification{DeviceIndex: sdkaws.Int32(1), SubnetId: &l.subOther})})
	wantAPIError(t, err, "InvalidParameterValue")
	// Nothing of the refused launches is left.
	out := must[*ec2.DescribeNetworkInterfacesOutput](t)(l.a.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{}))
	if len(out.NetworkInterfaces) != 2 {
		t.Fatalf("%d interfaces after the refused launches, want 2", len(out.NetworkInterfaces))
	}
}
