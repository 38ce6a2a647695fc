package aws_test

import (
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func dhcpValues(d types.DhcpOptions, key string) []string {
	var out []string
	for _, c := range d.DhcpConfigurations {
		if sdkaws.ToString(c.Key) == key {
			for _, v := range c.Values {
				out = append(out, sdkaws.ToString(v.Value))
			}
		}
	}
	return out
}

// TestDHCPOptions: the Region's default DHCP options set (ec2.internal,
// AmazonProvidedDNS) that the default VPC and new VPCs use; a set of
// one's own associated, refused deletion while in use, replaced by
// default (none) and deleted.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/DHCPOptionSetConcepts.html
func TestDHCPOptions(t *testing.T) {
	l := newLab(t)
	def := must[*ec2.DescribeVpcsOutput](t)(l.a.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("is-default", "true")}})).Vpcs[0]
	dopt := sdkaws.ToString(def.DhcpOptionsId)
	sets := must[*ec2.DescribeDhcpOptionsOutput](t)(l.a.DescribeDhcpOptions(ctx, &ec2.DescribeDhcpOptionsInput{DhcpOptionsIds: []string{dopt}})).DhcpOptions
	if len(sets) != 1 || dhcpValues(sets[0], "domain-name")[0] != "ec2.internal" || dhcpValues(sets[0], "domain-name-servers")[0] != "AmazonProvidedDNS" {
		t.Fatalf("the default VPC's DHCP options %s: %+v", dopt, sets)
	}
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "own")
	if got := sdkaws.ToString(vpc.DhcpOptionsId); got != dopt {
		t.Fatalf("a new VPC uses DHCP options %s, want the Region's default %s", got, dopt)
	}
	west := must[*ec2.DescribeDhcpOptionsOutput](t)(regionClient(l, "eu-west-1").DescribeDhcpOptions(ctx, &ec2.DescribeDhcpOptionsInput{})).DhcpOptions
	if len(west) != 1 || dhcpValues(west[0], "domain-name")[0] != "eu-west-1.compute.internal" {
		t.Fatalf("eu-west-1's DHCP options: %+v", west)
	}

	own := must[*ec2.CreateDhcpOptionsOutput](t)(l.a.CreateDhcpOptions(ctx, &ec2.CreateDhcpOptionsInput{DhcpConfigurations: []types.NewDhcpConfiguration{
		{Key: sdkaws.String("domain-name"), Values: []string{"corp.example"}},
		{Key: sdkaws.String("domain-name-servers"), Values: []string{"10.0.0.2", "10.0.0.3"}}}})).DhcpOptions
	must[*ec2.AssociateDhcpOptionsOutput](t)(l.a.AssociateDhcpOptions(ctx, &ec2.AssociateDhcpOptionsInput{DhcpOptionsId: own.DhcpOptionsId, VpcId: vpc.VpcId}))
	byFilter := must[*ec2.DescribeVpcsOutput](t)(l.a.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("dhcp-options-id", *own.DhcpOptionsId)}})).Vpcs
	if len(byFilter) != 1 || *byFilter[0].VpcId != *vpc.VpcId {
		t.Fatalf("VPCs of DHCP options %s: %+v", *own.DhcpOptionsId, byFilter)
	}
	found := must[*ec2.DescribeDhcpOptionsOutput](t)(l.a.DescribeDhcpOptions(ctx, &ec2.DescribeDhcpOptionsInput{Filters: []types.Filter{filter("key", "domain-name-servers"), filter("value", "10.0.0.3")}})).DhcpOptions
	if len(found) != 1 || *found[0].DhcpOptionsId != *own.DhcpOptionsId {
		t.Fatalf("DHCP options by key and value: %+v", found)
	}
	_, err := l.a.DeleteDhcpOptions(ctx, &ec2.DeleteDhcpOptionsInput{DhcpOptionsId: own.DhcpOptionsId})
	wantAPIError(t, err, "DependencyViolation")
	must[*ec2.AssociateDhcpOptionsOutput](t)(l.a.AssociateDhcpOptions(ctx, &ec2.AssociateDhcpOptionsInput{DhcpOptionsId: sdkaws.String("default"), VpcId: vpc.VpcId}))
	if got := sdkaws.ToString(must[*ec2.DescribeVpcsOutput](t)(l.a.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{*vpc.VpcId}})).Vpcs[0].DhcpOptionsId); got != "default" {
		t.Fatalf("DHCP options after associating default: %s", got)
	}
	must[*ec2.DeleteDhcpOptionsOutput](t)(l.a.DeleteDhcpOptions(ctx, &ec2.DeleteDhcpOptionsInput{DhcpOptionsId: own.DhcpOptionsId}))
	_, err = l.a.DescribeDhcpOptions(ctx, &ec2.DescribeDhcpOptionsInput{DhcpOptionsIds: []string{*own.DhcpOptionsId}})
	wantAPIError(t, err, "InvalidDhcpOptionID.NotFound")
	_, err = l.a.CreateDhcpOptions(ctx, &ec2.CreateDhcpOptionsInput{DhcpConfigurations: []types.NewDhcpConfiguration{{Key: sdkaws.String("domain-nam"), Values: []string{"x"}}}})
	wantAPIError(t, err, "InvalidParameterValue")
}
