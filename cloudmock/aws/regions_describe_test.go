package aws_test

import (
	"slices"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// DescribeRegions lists the regions the one endpoint serves, each with its
// endpoint name and no opt-in needed; RegionName.N and the region-name
// filter pick, and an unknown name is InvalidParameterValue.
func TestDescribeRegions(t *testing.T) {
	l := newLab(t)
	c := regionClient(l, "eu-west-1")
	out := must[*ec2.DescribeRegionsOutput](t)(c.DescribeRegions(ctx, &ec2.DescribeRegionsInput{}))
	var names []string
	for _, r := range out.Regions {
		names = append(names, sdkaws.ToString(r.RegionName))
		if want := "ec2." + sdkaws.ToString(r.RegionName) + ".amazonaws.com"; sdkaws.ToString(r.Endpoint) != want || sdkaws.ToString(r.OptInStatus) != "opt-in-not-required" {
			t.Errorf("region %+v: want endpoint %s, opt-in-not-required", r, want)
		}
	}
	for _, r := range []string{"us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2", "sa-east-1"} {
		if !slices.Contains(names, r) {
			t.Errorf("DescribeRegions lists %v, without %s", names, r)
		}
	}
	one := must[*ec2.DescribeRegionsOutput](t)(c.DescribeRegions(ctx, &ec2.DescribeRegionsInput{
		Filters: []types.Filter{{Name: sdkaws.String("region-name"), Values: []string{"us-*-2"}}}}))
	if len(one.Regions) == 0 || !slices.ContainsFunc(one.Regions, func(r types.Region) bool { return *r.RegionName == "us-west-2" }) ||
		slices.ContainsFunc(one.Regions, func(r types.Region) bool { return *r.RegionName == "us-east-1" }) {
		t.Errorf("filter region-name us-*-2 gave %v", one.Regions)
	}
	named := must[*ec2.DescribeRegionsOutput](t)(c.DescribeRegions(ctx, &ec2.DescribeRegionsInput{RegionNames: []string{"sa-east-1"}}))
	if len(named.Regions) != 1 || *named.Regions[0].RegionName != "sa-east-1" {
		t.Errorf("RegionName sa-east-1 gave %v", named.Regions)
	}
	_, err := c.DescribeRegions(ctx, &ec2.DescribeRegionsInput{RegionNames: []string{"xx-moon-1"}})
	wantAPIError(t, err, "InvalidParameterValue")
}

// DescribeAvailabilityZones lists the zones of the region the call is
// signed for, with zone IDs, and picks by name, ID and filter.
func TestDescribeAvailabilityZones(t *testing.T) {
	l := newLab(t)
	c := regionClient(l, "eu-west-1")
	out := must[*ec2.DescribeAvailabilityZonesOutput](t)(c.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{}))
	var got []string
	for _, z := range out.AvailabilityZones {
		got = append(got, *z.ZoneName+"="+*z.ZoneId+"/"+string(z.State)+"/"+*z.RegionName+"/"+*z.ZoneType)
	}
	want := []string{"eu-west-1a=euw1-az1/available/eu-west-1/availability-zone",
		"eu-west-1b=euw1-az2/available/eu-west-1/availability-zone", "eu-west-1c=euw1-az3/available/eu-west-1/availability-zone"}
	if !slices.Equal(got, want) {
		t.Errorf("zones of eu-west-1: %v, want %v", got, want)
	}
	use1 := regionClient(l, "us-east-1")
	byID := must[*ec2.DescribeAvailabilityZonesOutput](t)(use1.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{ZoneIds: []string{"use1-az2"}}))
	if len(byID.AvailabilityZones) != 1 || *byID.AvailabilityZones[0].ZoneName != "us-east-1b" {
		t.Errorf("ZoneId use1-az2 gave %v", byID.AvailabilityZones)
	}
	f := must[*ec2.DescribeAvailabilityZonesOutput](t)(use1.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{
		Filters: []types.Filter{{Name: sdkaws.String("zone-name"), Values: []string{"us-east-1c"}}}}))
	if len(f.AvailabilityZones) != 1 || *f.AvailabilityZones[0].ZoneId != "use1-az3" {
		t.Errorf("filter zone-name us-east-1c gave %v", f.AvailabilityZones)
	}
	_, err := use1.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{ZoneNames: []string{"eu-west-1a"}})
	wantAPIError(t, err, "InvalidParameterValue")
	_, err = use1.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{
		Filters: []types.Filter{{Name: sdkaws.String("no-such-filter"), Values: []string{"x"}}}})
	wantAPIError(t, err, "InvalidParameterValue")
}
