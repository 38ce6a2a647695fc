package main

import (
	"context"
	"slices"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/directconnect"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/mcnlab/mcnlab/controller/cloud/aws"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

// Aviatrix multi-region transit in one account: transits in us-east-1 and
// eu-west-1 peered, a spoke under each, a site on a private line to each
// and a branch on a tunnel to the eu-west-1 one. The lab's endpoint record lists both regions, the home region
// first. Every pair is as simulate says; each region's DescribeVpcs,
// signed for that region, lists exactly that region's VPCs (VPCs are
// regional:
// https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-regions-availability-zones.html),
// and each region's Direct Connect lists the line into its transit and
// the virtual interface on it, in that region (a private virtual
// interface reaches a virtual private gateway of its own Region:
// https://docs.aws.amazon.com/directconnect/latest/APIReference/API_CreatePrivateVirtualInterface.html).
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
	wantDX := map[string]string{"us-east-1": "dcm", "eu-west-1": "dce", "us-west-2": ""}
	for region, line := range wantDX {
		c := directconnect.New(directconnect.Options{Region: region, BaseEndpoint: sdkaws.String(lc.URL),
			Credentials: credentials.NewStaticCredentialsProvider(lc.Credentials.KeyID, lc.Credentials.Secret, "")})
		conns, err := c.DescribeConnections(context.Background(), &directconnect.DescribeConnectionsInput{})
		if err != nil {
			t.Fatalf("%s: DescribeConnections: %v", region, err)
		}
		vifs, err := c.DescribeVirtualInterfaces(context.Background(), &directconnect.DescribeVirtualInterfacesInput{})
		if err != nil {
			t.Fatalf("%s: DescribeVirtualInterfaces: %v", region, err)
		}
		var got []string
		for _, x := range conns.Connections {
			got = append(got, sdkaws.ToString(x.ConnectionName)+"@"+sdkaws.ToString(x.Region))
		}
		for _, v := range vifs.VirtualInterfaces {
			got = append(got, sdkaws.ToString(v.VirtualInterfaceName)+"@"+sdkaws.ToString(v.Region)+"/"+string(v.VirtualInterfaceState))
		}
		var want []string
		if line != "" {
			want = []string{line + "@" + region, line + "-vif@" + region + "/available"}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: Direct Connect lists %v, want %v", region, got, want)
		}
	}
	checkMatrix(t, lab)
}

// --circuit takes the line's region as an optional fourth part: the lab
// puts a site's line at a location of its transit's region.
func TestCircuitFlagRegion(t *testing.T) {
	got, err := parseCircuits([]string{"dce=mcn-l-dce:dx0:eu-west-1", "dcm=mcn-l-dcm:dx0"}, "111122223333")
	if err != nil || len(got) != 2 || got[0].Region != "eu-west-1" || got[0].Interface != "dx0" || got[1].Region != "" {
		t.Fatalf("parseCircuits = %+v, %v", got, err)
	}
}
