package aws_test

import (
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestDescribeInstancesFilters: the filters inventory scripts use find
// instances by zone ID, interface, group name, architecture and launch
// index, and a stopped instance by its state reason.
func TestDescribeInstancesFilters(t *testing.T) {
	l := newLab(t)
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "f")
	sub := mkSubnet(t, l.a, *vpc.VpcId, "10.0.1.0/24")
	run := must[*ec2.RunInstancesOutput](t)(l.a.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdkaws.String("ami-1"), MinCount: sdkaws.Int32(2), MaxCount: sdkaws.Int32(2), SubnetId: sub.SubnetId}))
	i0, i1 := *run.Instances[0].InstanceId, *run.Instances[1].InstanceId
	if a := run.Instances[0].Architecture; a != types.ArchitectureValuesX8664 || run.Instances[0].RootDeviceName == nil {
		t.Fatalf("instance shows architecture %q, root device %v", a, run.Instances[0].RootDeviceName)
	}
	must[*ec2.StopInstancesOutput](t)(l.a.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{i1}}))
	ids := func(fs ...types.Filter) []string {
		out := must[*ec2.DescribeInstancesOutput](t)(l.a.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: append(fs, filter("vpc-id", *vpc.VpcId))}))
		var got []string
		for _, r := range out.Reservations {
			for _, i := range r.Instances {
				got = append(got, *i.InstanceId)
			}
		}
		return got
	}
	zoneID := sdkaws.ToString(must[*ec2.DescribeSubnetsOutput](t)(l.a.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{*sub.SubnetId}})).Subnets[0].AvailabilityZone)
	zones := must[*ec2.DescribeAvailabilityZonesOutput](t)(l.a.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{ZoneNames: []string{zoneID}}))
	// The instance DescribeInstances numbers 1 in the reservation.
	second := ""
	for _, r := range must[*ec2.DescribeInstancesOutput](t)(l.a.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{i0, i1}})).Reservations {
		for _, i := range r.Instances {
			if sdkaws.ToInt32(i.AmiLaunchIndex) == 1 {
				second = *i.InstanceId
			}
		}
	}
	for _, tc := range []struct {
		f    types.Filter
		want []string
	}{
		{filter("architecture", "x86_64"), []string{i0, i1}},
		{filter("availability-zone-id", *zones.AvailabilityZones[0].ZoneId), []string{i0, i1}},
		{filter("network-interface.subnet-id", *sub.SubnetId), []string{i0}}, // a stopped instance keeps its interface
		{filter("instance.group-name", "default"), []string{i0, i1}},
		{filter("launch-index", "1"), []string{second}},
		{filter("state-reason-code", "Client.UserInitiatedShutdown"), []string{i1}},
		{filter("key-name", "*"), nil},
		{filter("network-interface.attachment.device-index", "0"), []string{i0}},
	} {
		got := ids(tc.f)
		if tc.f.Values[0] == *sub.SubnetId || tc.f.Values[0] == "0" {
			// Both instances keep their primary interface while stopped.
			tc.want = []string{i0, i1}
		}
		if !sameSet(got, tc.want) {
			t.Errorf("filter %s=%s: %v, want %v", *tc.f.Name, tc.f.Values[0], got, tc.want)
		}
	}
	_, err := l.a.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []types.Filter{filter("no-such-filter", "x")}})
	wantAPIError(t, err, "InvalidParameterValue")
}
