package main

import (
	"context"
	"slices"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/mcnlab/mcnlab/controller/cloud/aws"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

// Aviatrix multi-region transit in one account: transits in us-east-1 and
// eu-west-1 peered, a spoke under each and a site on the us-east-1 one.
// The lab's endpoint record lists both regions, the home region first.
// Every pair is as simulate says, and each region's DescribeVpcs, signed
// for that region, lists exactly that region's VPCs (VPCs are regional:
// https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-regions-availability-zones.html).
func TestAWSMultiRegionTransit(t *testing.T) {
	lab := deployCloudLab(t, "testdata/aws-multiregion.yaml", "amr")
	lc, err := mcnlab.ReadEndpoint(lab, "aws")
	if err != nil {
		t.Fatal(err)
	}
	if got := lc.AllRegions(); !slices.Equal(got, []string{"us-east-1", "eu-west-1"}) {
		t.Errorf("the lab's endpoint record lists regions %v, want us-east-1 (home) and eu-west-1", got)
	}
	want := map[string][]string{
		"us-east-1": {"usa-vpc", "use-vpc"},
		"eu-west-1": {"eua-vpc", "euw-vpc"},
		"us-west-2": nil,
	}
	for region, vpcs := range want {
		c := ec2.New(ec2.Options{Region: region, BaseEndpoint: sdkaws.String(lc.URL),
			Credentials: credentials.NewStaticCredentialsProvider(lc.Credentials.KeyID, lc.Credentials.Secret, "")})
		out, err := c.DescribeVpcs(context.Background(), &ec2.DescribeVpcsInput{})
		if err != nil {
			t.Fatalf("%s: DescribeVpcs: %v", region, err)
		}
		var got []string
		for _, v := range out.Vpcs {
			for _, tg := range v.Tags {
				if sdkaws.ToString(tg.Key) == aws.TagKey {
					got = append(got, sdkaws.ToString(tg.Value))
				}
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, vpcs) {
			t.Errorf("%s: DescribeVpcs lists the lab's VPCs %v, want %v", region, got, vpcs)
		}
	}
	checkMatrix(t, lab)
}
