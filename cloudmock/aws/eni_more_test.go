package aws_test

import (
	"slices"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestAssignPrivateIPAddresses: explicit addresses and a count, the
// type's address limit, a taken address moved only with
// AllowReassignment, unassigning only secondary addresses.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AssignPrivateIpAddresses.html
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_UnassignPrivateIpAddresses.html
func TestAssignPrivateIPAddresses(t *testing.T) {
	l := newENILab(t)
	mk := func() string {
		return *must[*ec2.CreateNetworkInterfaceOutput](t)(l.a.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: &l.subB})).NetworkInterface.NetworkInterfaceId
	}
	a, b := mk(), mk()
	got := must[*ec2.AssignPrivateIpAddressesOutput](t)(l.a.AssignPrivateIpAddresses(ctx, &ec2.AssignPrivateIpAddressesInput{NetworkInterfaceId: &a,
		PrivateIpAddresses: []string{"10.0.2.20"}}))
	if len(got.AssignedPrivateIpAddresses) != 1 || sdkaws.ToString(got.AssignedPrivateIpAddresses[0].PrivateIpAddress) != "10.0.2.20" {
		t.Fatalf("assigned %+v", got.AssignedPrivateIpAddresses)
	}
	got = must[*ec2.AssignPrivateIpAddressesOutput](t)(l.a.AssignPrivateIpAddresses(ctx, &ec2.AssignPrivateIpAddressesInput{NetworkInterfaceId: &a,
		SecondaryPrivateIpAddressCount: sdkaws.Int32(2)}))
	if len(got.AssignedPrivateIpAddresses) != 2 {
		t.Fatalf("assigned by count %+v", got.AssignedPrivateIpAddresses)
	}
	if ips := privateIPs(l.eni(t, a)); len(ips) != 4 || ips[1] != "10.0.2.20" {
		t.Fatalf("addresses %v", ips)
	}
	_, err := l.a.AssignPrivateIpAddresses(ctx, &ec2.AssignPrivateIpAddressesInput{NetworkInterfaceId: &b, PrivateIpAddresses: []string{"10.0.2.20"}})
	wantAPIError(t, err, "InvalidIPAddress.InUse")
	_, err = l.a.AssignPrivateIpAddresses(ctx, &ec2.AssignPrivateIpAddressesInput{NetworkInterfaceId: &b, PrivateIpAddresses: []string{"10.0.2.3"}})
	wantAPIError(t, err, "InvalidParameterValue")
	must[*ec2.AssignPrivateIpAddressesOutput](t)(l.a.AssignPrivateIpAddresses(ctx, &ec2.AssignPrivateIpAddressesInput{NetworkInterfaceId: &b,
		PrivateIpAddresses: []string{"10.0.2.20"}, AllowReassignment: sdkaws.Bool(true)}))
	if ips := privateIPs(l.eni(t, a)); slices.Contains(ips, "10.0.2.20") || !slices.Contains(privateIPs(l.eni(t, b)), "10.0.2.20") {
		t.Fatalf("reassigned: a %v, b %v", ips, privateIPs(l.eni(t, b)))
	}
	primary := privateIPs(l.eni(t, a))[0]
	_, err = l.a.UnassignPrivateIpAddresses(ctx, &ec2.UnassignPrivateIpAddressesInput{NetworkInterfaceId: &a, PrivateIpAddresses: []string{primary}})
	wantAPIErrorMessage(t, err, "InvalidParameterValue", "Some of the specified addresses are not assigned to interface "+a)
	must[*ec2.UnassignPrivateIpAddressesOutput](t)(l.a.UnassignPrivateIpAddresses(ctx, &ec2.UnassignPrivateIpAddressesInput{NetworkInterfaceId: &b, PrivateIpAddresses: []string{"10.0.2.20"}}))
	if ips := privateIPs(l.eni(t, b)); len(ips) != 1 {
		t.Fatalf("after unassign %v", ips)
	}
	// The instance's t2.micro takes 2 addresses per interface.
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/AvailableIpPerENI.html
	eni0 := *l.inst.NetworkInterfaces[0].NetworkInterfaceId
	must[*ec2.AssignPrivateIpAddressesOutput](t)(l.a.AssignPrivateIpAddresses(ctx, &ec2.AssignPrivateIpAddressesInput{NetworkInterfaceId: &eni0, SecondaryPrivateIpAddressCount: sdkaws.Int32(1)}))
	_, err = l.a.AssignPrivateIpAddresses(ctx, &ec2.AssignPrivateIpAddressesInput{NetworkInterfaceId: &eni0, SecondaryPrivateIpAddressCount: sdkaws.Int32(1)})
	wantAPIErrorMessage(t, err, "PrivateIpAddressLimitExceeded", "Number of private addresses will exceed limit.")
	if ips := l.instance(t).NetworkInterfaces[0].PrivateIpAddresses; len(ips) != 2 {
		t.Fatalf("instance's addresses %v", ips)
	}
}

// TestNetworkInterfaceAttributes: description, groups, source/destination
// check and attachment, changed and read one attribute at a time.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyNetworkInterfaceAttribute.html
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeNetworkInterfaceAttribute.html
func TestNetworkInterfaceAttributes(t *testing.T) {
	l := newENILab(t)
	sg := must[*ec2.CreateSecurityGroupOutput](t)(l.a.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: sdkaws.String("fw"),
		Description: sdkaws.String("fw"), VpcId: &l.vpc}))
	id := *l.inst.NetworkInterfaces[0].NetworkInterfaceId
	mod := func(in ec2.ModifyNetworkInterfaceAttributeInput) {
		t.Helper()
		in.NetworkInterfaceId = &id
		must[*ec2.ModifyNetworkInterfaceAttributeOutput](t)(l.a.ModifyNetworkInterfaceAttribute(ctx, &in))
	}
	attr := func(a types.NetworkInterfaceAttribute) *ec2.DescribeNetworkInterfaceAttributeOutput {
		t.Helper()
		return must[*ec2.DescribeNetworkInterfaceAttributeOutput](t)(l.a.DescribeNetworkInterfaceAttribute(ctx, &ec2.DescribeNetworkInterfaceAttributeInput{NetworkInterfaceId: &id, Attribute: a}))
	}
	mod(ec2.ModifyNetworkInterfaceAttributeInput{Description: &types.AttributeValue{Value: sdkaws.String("lan side")}})
	mod(ec2.ModifyNetworkInterfaceAttributeInput{Groups: []string{*sg.GroupId}})
	mod(ec2.ModifyNetworkInterfaceAttributeInput{SourceDestCheck: &types.AttributeBooleanValue{Value: sdkaws.Bool(false)}})
	if d := attr(types.NetworkInterfaceAttributeDescription); sdkaws.ToString(d.Description.Value) != "lan side" || d.SourceDestCheck != nil {
		t.Fatalf("description %+v", d)
	}
	if g := attr(types.NetworkInterfaceAttributeGroupSet); len(g.Groups) != 1 || *g.Groups[0].GroupId != *sg.GroupId || *g.Groups[0].GroupName != "fw" {
		t.Fatalf("groupSet %+v", g.Groups)
	}
	if s := attr(types.NetworkInterfaceAttributeSourceDestCheck); s.SourceDestCheck == nil || sdkaws.ToBool(s.SourceDestCheck.Value) {
		t.Fatalf("sourceDestCheck %+v", s.SourceDestCheck)
	}
	if a := attr(types.NetworkInterfaceAttributeAttachment); a.Attachment == nil || sdkaws.ToInt32(a.Attachment.DeviceIndex) != 0 || sdkaws.ToString(a.Attachment.InstanceId) != *l.inst.InstanceId {
		t.Fatalf("attachment %+v", a.Attachment)
	}
	// The instance shows its primary interface's groups and check.
	if i := l.instance(t); sdkaws.ToBool(i.SourceDestCheck) || len(i.SecurityGroups) != 1 || *i.SecurityGroups[0].GroupId != *sg.GroupId {
		t.Fatalf("instance %+v", i)
	}
	must[*ec2.ResetNetworkInterfaceAttributeOutput](t)(l.a.ResetNetworkInterfaceAttribute(ctx, &ec2.ResetNetworkInterfaceAttributeInput{NetworkInterfaceId: &id, SourceDestCheck: sdkaws.String("true")}))
	if s := attr(types.NetworkInterfaceAttributeSourceDestCheck); !sdkaws.ToBool(s.SourceDestCheck.Value) {
		t.Fatalf("after reset %+v", s.SourceDestCheck)
	}
	_, err := l.a.ModifyNetworkInterfaceAttribute(ctx, &ec2.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: &id, Groups: []string{"sg-0123456789abcdef0"}})
	wantAPIError(t, err, "InvalidGroup.NotFound")
	_, err = l.a.ModifyNetworkInterfaceAttribute(ctx, &ec2.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: &id,
		Attachment: &types.NetworkInterfaceAttachmentChanges{AttachmentId: sdkaws.String("eni-attach-0123456789abcdef0"), DeleteOnTermination: sdkaws.Bool(false)}})
	wantAPIError(t, err, "InvalidAttachmentID.NotFound")
}

// TestNetworkInterfaceFilters: every filter of DescribeNetworkInterfaces
// that the API reference lists picks the right interfaces, and an unknown
// one is refused.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeNetworkInterfaces.html — Filter.N
func TestNetworkInterfaceFilters(t *testing.T) {
	l := newENILab(t)
	spare := *must[*ec2.CreateNetworkInterfaceOutput](t)(l.a.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: &l.subB,
		Description: sdkaws.String("spare"), PrivateIpAddress: sdkaws.String("10.0.2.9"), SecondaryPrivateIpAddressCount: sdkaws.Int32(1),
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeNetworkInterface, Tags: []types.Tag{{Key: sdkaws.String("role"), Value: sdkaws.String("spare")}}}}})).NetworkInterface
	prim := l.inst.NetworkInterfaces[0]
	eip := must[*ec2.AllocateAddressOutput](t)(l.a.AllocateAddress(ctx, &ec2.AllocateAddressInput{}))
	must[*ec2.AssociateAddressOutput](t)(l.a.AssociateAddress(ctx, &ec2.AssociateAddressInput{AllocationId: eip.AllocationId, NetworkInterfaceId: spare.NetworkInterfaceId,
		PrivateIpAddress: spare.PrivateIpAddresses[1].PrivateIpAddress}))
	p, s := *prim.NetworkInterfaceId, *spare.NetworkInterfaceId
	cases := []struct {
		name, value string
		want        []string
	}{
		{"network-interface-id", s, []string{s}},
		{"subnet-id", l.subA, []string{p}},
		{"vpc-id", l.vpc, []string{p, s}},
		{"availability-zone", "us-east-1a", []string{p, s}},
		{"availability-zone-id", "use1-az1", []string{p, s}},
		{"operator.managed", "false", []string{p, s}},
		{"description", "spa*", []string{s}},
		{"group-id", *prim.Groups[0].GroupId, []string{p, s}},
		{"group-name", "default", []string{p, s}},
		{"interface-type", "interface", []string{p, s}},
		{"mac-address", *spare.MacAddress, []string{s}},
		{"owner-id", credA.AccountID, []string{p, s}},
		{"private-ip-address", "10.0.2.9", []string{s}},
		{"addresses.private-ip-address", *spare.PrivateIpAddresses[1].PrivateIpAddress, []string{s}},
		{"addresses.primary", "false", []string{s}},
		{"private-dns-name", "ip-10-0-2-9.ec2.internal", []string{s}},
		{"addresses.association.public-ip", *eip.PublicIp, []string{s}},
		{"association.public-ip", *eip.PublicIp, nil}, // mapped to a secondary address, not the primary
		{"requester-managed", "false", []string{p, s}},
		{"source-dest-check", "true", []string{p, s}},
		{"status", "available", []string{s}},
		{"status", "in-use", []string{p}},
		{"attachment.instance-id", *l.inst.InstanceId, []string{p}},
		{"attachment.instance-owner-id", credA.AccountID, []string{p}},
		{"attachment.attachment-id", *prim.Attachment.AttachmentId, []string{p}},
		{"attachment.device-index", "0", []string{p}},
		{"attachment.status", "attached", []string{p}},
		{"attachment.delete-on-termination", "true", []string{p}},
		{"attachment.attach-time", "*", []string{p}},
		{"tag:role", "spare", []string{s}},
		{"tag-key", "role", []string{s}},
	}
	for _, c := range cases {
		out := must[*ec2.DescribeNetworkInterfacesOutput](t)(l.a.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{Filters: []types.Filter{filter(c.name, c.value)}}))
		var got []string
		for _, e := range out.NetworkInterfaces {
			got = append(got, *e.NetworkInterfaceId)
		}
		slices.Sort(got)
		want := slices.Sorted(slices.Values(c.want))
		if !slices.Equal(got, want) {
			t.Errorf("filter %s=%s: got %v, want %v", c.name, c.value, got, want)
		}
	}
	_, err := l.a.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{Filters: []types.Filter{filter("bogus", "x")}})
	wantAPIError(t, err, "InvalidParameterValue")

	// DescribeInstances' network-interface.* filters see every interface
	// of an instance, the attached spare included.
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html — network-interface.* filters
	must[*ec2.AttachNetworkInterfaceOutput](t)(l.a.AttachNetworkInterface(ctx, &ec2.AttachNetworkInterfaceInput{NetworkInterfaceId: &s, InstanceId: l.inst.InstanceId, DeviceIndex: sdkaws.Int32(1)}))
	for _, f := range []types.Filter{filter("network-interface.subnet-id", l.subB), filter("network-interface.addresses.private-ip-address", "10.0.2.9"),
		filter("network-interface.attachment.device-index", "1"), filter("network-interface.description", "spare"),
		filter("network-interface.addresses.association.public-ip", *eip.PublicIp), filter("network-interface.tag:role", "spare"),
		filter("network-interface.mac-address", *spare.MacAddress), filter("ip-address", "")} {
		out := must[*ec2.DescribeInstancesOutput](t)(l.a.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []types.Filter{f}}))
		if *f.Name == "ip-address" {
			continue // the instance has no public address: nothing to match, only not refused
		}
		if len(out.Reservations) != 1 || *out.Reservations[0].Instances[0].InstanceId != *l.inst.InstanceId {
			t.Errorf("DescribeInstances %s=%v: %+v", *f.Name, f.Values, out.Reservations)
		}
	}
	out := must[*ec2.DescribeInstancesOutput](t)(l.a.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []types.Filter{filter("network-interface.attachment.device-index", "2")}}))
	if len(out.Reservations) != 0 {
		t.Errorf("device index 2 matched %+v", out.Reservations)
	}
}

// TestElasticIPOnInterfaces: an elastic IP associated with an instance's
// primary interface shows on the instance (ipAddress) and on the
// interface (association), one on a secondary address in its
// privateIpAddressesSet; DescribeAddresses finds them by public IP and
// answers InvalidAddress.NotFound for one the account does not hold.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeAddresses.html — PublicIp.N
func TestElasticIPOnInterfaces(t *testing.T) {
	l := newENILab(t)
	eni0 := *l.inst.NetworkInterfaces[0].NetworkInterfaceId
	sec := must[*ec2.AssignPrivateIpAddressesOutput](t)(l.a.AssignPrivateIpAddresses(ctx, &ec2.AssignPrivateIpAddressesInput{NetworkInterfaceId: &eni0,
		SecondaryPrivateIpAddressCount: sdkaws.Int32(1)})).AssignedPrivateIpAddresses[0].PrivateIpAddress
	e1 := must[*ec2.AllocateAddressOutput](t)(l.a.AllocateAddress(ctx, &ec2.AllocateAddressInput{}))
	e2 := must[*ec2.AllocateAddressOutput](t)(l.a.AllocateAddress(ctx, &ec2.AllocateAddressInput{}))
	must[*ec2.AssociateAddressOutput](t)(l.a.AssociateAddress(ctx, &ec2.AssociateAddressInput{AllocationId: e1.AllocationId, InstanceId: l.inst.InstanceId}))
	must[*ec2.AssociateAddressOutput](t)(l.a.AssociateAddress(ctx, &ec2.AssociateAddressInput{AllocationId: e2.AllocationId, NetworkInterfaceId: &eni0, PrivateIpAddress: sec}))
	i := l.instance(t)
	if sdkaws.ToString(i.PublicIpAddress) != *e1.PublicIp {
		t.Fatalf("instance public IP %q, want %s", sdkaws.ToString(i.PublicIpAddress), *e1.PublicIp)
	}
	n := i.NetworkInterfaces[0]
	if n.Association == nil || sdkaws.ToString(n.Association.PublicIp) != *e1.PublicIp || sdkaws.ToString(n.Association.IpOwnerId) != credA.AccountID {
		t.Fatalf("interface association %+v", n.Association)
	}
	if a := n.PrivateIpAddresses[1].Association; a == nil || sdkaws.ToString(a.PublicIp) != *e2.PublicIp {
		t.Fatalf("secondary address association %+v", a)
	}
	if e := l.eni(t, eni0); e.Association == nil || sdkaws.ToString(e.Association.AllocationId) != *e1.AllocationId {
		t.Fatalf("DescribeNetworkInterfaces association %+v", e.Association)
	}
	out := must[*ec2.DescribeAddressesOutput](t)(l.a.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{PublicIps: []string{*e2.PublicIp}}))
	if len(out.Addresses) != 1 || sdkaws.ToString(out.Addresses[0].PrivateIpAddress) != *sec || sdkaws.ToString(out.Addresses[0].NetworkInterfaceId) != eni0 ||
		sdkaws.ToString(out.Addresses[0].InstanceId) != *l.inst.InstanceId {
		t.Fatalf("DescribeAddresses by public IP %+v", out.Addresses)
	}
	out = must[*ec2.DescribeAddressesOutput](t)(l.a.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{Filters: []types.Filter{filter("private-ip-address", *sec)}}))
	if len(out.Addresses) != 1 || *out.Addresses[0].PublicIp != *e2.PublicIp {
		t.Fatalf("DescribeAddresses by private-ip-address %+v", out.Addresses)
	}
	_, err := l.a.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{PublicIps: []string{"198.51.100.77"}})
	wantAPIErrorMessage(t, err, "InvalidAddress.NotFound", "Address '198.51.100.77' not found.")
	// Unassigning the secondary address disassociates its elastic IP.
	must[*ec2.UnassignPrivateIpAddressesOutput](t)(l.a.UnassignPrivateIpAddresses(ctx, &ec2.UnassignPrivateIpAddressesInput{NetworkInterfaceId: &eni0, PrivateIpAddresses: []string{*sec}}))
	out = must[*ec2.DescribeAddressesOutput](t)(l.a.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{PublicIps: []string{*e2.PublicIp}}))
	if out.Addresses[0].AssociationId != nil {
		t.Fatalf("still associated %+v", out.Addresses[0])
	}
}
