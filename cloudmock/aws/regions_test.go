package aws_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/mcnlab/mcnlab/internal/roottest"
)

var threeRegions = []string{"us-east-1", "us-west-2", "eu-west-1"}

// regionClient is account A's client signing for region.
func regionClient(l *lab, region string) *ec2.Client {
	return ec2.New(ec2.Options{
		Region:           region,
		BaseEndpoint:     sdkaws.String(l.url),
		Credentials:      l.a.Options().Credentials,
		RetryMaxAttempts: 1,
	})
}

func vpcIDs(t *testing.T, c *ec2.Client) []string {
	t.Helper()
	out := must[*ec2.DescribeVpcsOutput](t)(c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}))
	var ids []string
	for _, v := range out.Vpcs {
		ids = append(ids, *v.VpcId)
	}
	slices.Sort(ids)
	return ids
}

// TestRegionsListOnlyTheirOwn creates a VPC with a subnet in each of three
// regions through one endpoint, each client signing for its region, and
// checks that each region lists only its own VPC, subnet, route table and
// security group, and that another region's VPC ID is not found.
func TestRegionsListOnlyTheirOwn(t *testing.T) {
	l := newLab(t)
	vpcs := map[string]string{}
	subnets := map[string]string{}
	for i, r := range threeRegions {
		c := regionClient(l, r)
		v := mkVpc(t, c, "10."+string(rune('0'+i))+".0.0/16", r)
		vpcs[r] = *v.VpcId
		s := mkSubnet(t, c, *v.VpcId, "10."+string(rune('0'+i))+".1.0/24")
		subnets[r] = *s.SubnetId
		if want := r + "a"; *s.AvailabilityZone != want {
			t.Errorf("subnet in %s: zone %s, want %s", r, *s.AvailabilityZone, want)
		}
	}
	for _, r := range threeRegions {
		c := regionClient(l, r)
		// Besides its own objects, each region has its default VPC's.
		def := must[*ec2.DescribeVpcsOutput](t)(c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("is-default", "true")}}))
		if len(def.Vpcs) != 1 {
			t.Fatalf("DescribeVpcs is-default in %s: %d VPCs, want its default VPC", r, len(def.Vpcs))
		}
		if got, want := vpcIDs(t, c), slices.Sorted(slices.Values([]string{vpcs[r], *def.Vpcs[0].VpcId})); !slices.Equal(got, want) {
			t.Errorf("DescribeVpcs in %s: %v, want only %v", r, got, want)
		}
		own := []types.Filter{filter("vpc-id", vpcs[r])}
		sn := must[*ec2.DescribeSubnetsOutput](t)(c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{filter("default-for-az", "false")}}))
		if len(sn.Subnets) != 1 || *sn.Subnets[0].SubnetId != subnets[r] || !strings.Contains(*sn.Subnets[0].SubnetArn, ":"+r+":") {
			t.Errorf("DescribeSubnets in %s: %+v, want only %s with an ARN in %s", r, sn.Subnets, subnets[r], r)
		}
		rts := must[*ec2.DescribeRouteTablesOutput](t)(c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: own}))
		if len(rts.RouteTables) != 1 || *rts.RouteTables[0].VpcId != vpcs[r] {
			t.Errorf("DescribeRouteTables in %s: %d tables, want only the main table of %s", r, len(rts.RouteTables), vpcs[r])
		}
		sgs := must[*ec2.DescribeSecurityGroupsOutput](t)(c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: own}))
		if len(sgs.SecurityGroups) != 1 || *sgs.SecurityGroups[0].VpcId != vpcs[r] {
			t.Errorf("DescribeSecurityGroups in %s: %d groups, want only the default group of %s", r, len(sgs.SecurityGroups), vpcs[r])
		}
		acls := must[*ec2.DescribeNetworkAclsOutput](t)(c.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: own}))
		if len(acls.NetworkAcls) != 1 || *acls.NetworkAcls[0].VpcId != vpcs[r] {
			t.Errorf("DescribeNetworkAcls in %s: %d ACLs, want only the default ACL of %s", r, len(acls.NetworkAcls), vpcs[r])
		}
		tags := must[*ec2.DescribeTagsOutput](t)(c.DescribeTags(ctx, &ec2.DescribeTagsInput{}))
		if len(tags.Tags) != 1 || *tags.Tags[0].ResourceId != vpcs[r] {
			t.Errorf("DescribeTags in %s: %+v, want only the Name of %s", r, tags.Tags, vpcs[r])
		}
	}
	west := regionClient(l, "us-west-2")
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/resources.html — a Regional resource is not seen from another Region
	_, err := west.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{vpcs["us-east-1"]}})
	wantAPIError(t, err, "InvalidVpcID.NotFound")
	_, err = west.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: sdkaws.String(vpcs["eu-west-1"]), CidrBlock: sdkaws.String("10.2.2.0/24")})
	wantAPIError(t, err, "InvalidVpcID.NotFound")
	_, err = west.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: sdkaws.String(subnets["us-east-1"])})
	wantAPIError(t, err, "InvalidSubnetID.NotFound")
	_, err = west.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{vpcs["us-east-1"]}, Tags: []types.Tag{{Key: sdkaws.String("k"), Value: sdkaws.String("v")}}})
	wantAPIError(t, err, "InvalidVpcID.NotFound")
	// A filter naming another region's VPC is no error: it matches nothing.
	sn := must[*ec2.DescribeSubnetsOutput](t)(west.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{filter("vpc-id", vpcs["us-east-1"])}}))
	if len(sn.Subnets) != 0 {
		t.Errorf("us-west-2 subnets filtered by a us-east-1 VPC: %d, want none", len(sn.Subnets))
	}
	// An internet gateway of one region cannot attach to another's VPC.
	igw := must[*ec2.CreateInternetGatewayOutput](t)(west.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{}))
	_, err = regionClient(l, "us-east-1").AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGateway.InternetGatewayId, VpcId: sdkaws.String(vpcs["us-east-1"])})
	wantAPIError(t, err, "InvalidInternetGatewayID.NotFound")
	must[*ec2.AttachInternetGatewayOutput](t)(west.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGateway.InternetGatewayId, VpcId: sdkaws.String(vpcs["us-west-2"])}))
}

// TestRegionVPCQuotaPerRegion fills the VPCs-per-Region quota (5, each
// region's default VPC one of them) in two regions: the sixth VPC of a
// region is refused while the other region still has room.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — VPCs per Region: 5
func TestRegionVPCQuotaPerRegion(t *testing.T) {
	l := newLab(t)
	east, west := regionClient(l, "us-east-1"), regionClient(l, "us-west-2")
	for i := range 4 {
		mkVpc(t, east, "10."+string(rune('0'+i))+".0.0/16", "e")
	}
	_, err := east.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdkaws.String("10.9.0.0/16")})
	wantAPIError(t, err, "VpcLimitExceeded")
	for i := range 4 {
		mkVpc(t, west, "10."+string(rune('0'+i))+".0.0/16", "w")
	}
	_, err = west.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdkaws.String("10.9.0.0/16")})
	wantAPIError(t, err, "VpcLimitExceeded")
	mkVpc(t, regionClient(l, "eu-west-1"), "10.9.0.0/16", "eu")
	// Elastic IPs too: 5 per Region.
	for _, c := range []*ec2.Client{east, west} {
		for range 5 {
			must[*ec2.AllocateAddressOutput](t)(c.AllocateAddress(ctx, &ec2.AllocateAddressInput{}))
		}
		_, err = c.AllocateAddress(ctx, &ec2.AllocateAddressInput{})
		wantAPIError(t, err, "AddressLimitExceeded")
	}
}

// TestRegionInterRegionPeering peers a us-east-1 VPC with a us-west-2 one:
// the peer VPC is found only in the PeerRegion named, the peering is seen
// in both regions and accepted only in the accepter's.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AcceptVpcPeeringConnection.html — an inter-Region request is accepted in the Region of the accepter VPC
func TestRegionInterRegionPeering(t *testing.T) {
	l := newLab(t)
	east, west := regionClient(l, "us-east-1"), regionClient(l, "us-west-2")
	a := mkVpc(t, east, "10.1.0.0/16", "a")
	b := mkVpc(t, west, "10.2.0.0/16", "b")
	_, err := east.CreateVpcPeeringConnection(ctx, &ec2.CreateVpcPeeringConnectionInput{VpcId: a.VpcId, PeerVpcId: b.VpcId})
	wantAPIError(t, err, "InvalidVpcID.NotFound")
	_, err = east.CreateVpcPeeringConnection(ctx, &ec2.CreateVpcPeeringConnectionInput{VpcId: a.VpcId, PeerVpcId: b.VpcId, PeerRegion: sdkaws.String("eu-west-1")})
	wantAPIError(t, err, "InvalidVpcID.NotFound")
	p := must[*ec2.CreateVpcPeeringConnectionOutput](t)(east.CreateVpcPeeringConnection(ctx, &ec2.CreateVpcPeeringConnectionInput{VpcId: a.VpcId, PeerVpcId: b.VpcId, PeerRegion: sdkaws.String("us-west-2")}))
	pc := p.VpcPeeringConnection
	if *pc.RequesterVpcInfo.Region != "us-east-1" || *pc.AccepterVpcInfo.Region != "us-west-2" {
		t.Errorf("peering regions: requester %s, accepter %s", *pc.RequesterVpcInfo.Region, *pc.AccepterVpcInfo.Region)
	}
	_, err = east.AcceptVpcPeeringConnection(ctx, &ec2.AcceptVpcPeeringConnectionInput{VpcPeeringConnectionId: pc.VpcPeeringConnectionId})
	wantAPIError(t, err, "OperationNotPermitted")
	must[*ec2.AcceptVpcPeeringConnectionOutput](t)(west.AcceptVpcPeeringConnection(ctx, &ec2.AcceptVpcPeeringConnectionInput{VpcPeeringConnectionId: pc.VpcPeeringConnectionId}))
	for _, c := range []*ec2.Client{east, west} {
		out := must[*ec2.DescribeVpcPeeringConnectionsOutput](t)(c.DescribeVpcPeeringConnections(ctx, &ec2.DescribeVpcPeeringConnectionsInput{}))
		if len(out.VpcPeeringConnections) != 1 || out.VpcPeeringConnections[0].Status.Code != types.VpcPeeringConnectionStateReasonCodeActive {
			t.Errorf("peerings seen: %+v, want the one active peering", out.VpcPeeringConnections)
		}
	}
	out := must[*ec2.DescribeVpcPeeringConnectionsOutput](t)(regionClient(l, "eu-west-1").DescribeVpcPeeringConnections(ctx, &ec2.DescribeVpcPeeringConnectionsInput{}))
	if len(out.VpcPeeringConnections) != 0 {
		t.Errorf("eu-west-1 sees %d peerings, want none", len(out.VpcPeeringConnections))
	}
}

// TestRegionsAWSCLI creates a VPC in each of three regions with the real
// AWS CLI, one endpoint URL and --region, and lists each region's.
func TestRegionsAWSCLI(t *testing.T) {
	bin, err := exec.LookPath("aws")
	if err != nil {
		roottest.Missing(t, "aws CLI not installed (Debian: awscli)")
	}
	if testing.Short() {
		t.Skip("slow: starts the AWS CLI")
	}
	l := newLab(t)
	run := func(region string, args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(t.Context(), bin, append([]string{"--endpoint-url", l.url, "--region", region, "--output", "json", "ec2"}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+credA.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+credA.SecretAccessKey,
			"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
			"AWS_EC2_METADATA_DISABLED=true", "AWS_MAX_ATTEMPTS=1", "AWS_PAGER=")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws --region %s ec2 %v: %v\n%s", region, args, err, out)
		}
		return string(out)
	}
	created := map[string]string{}
	for i, r := range threeRegions {
		var v struct{ Vpc struct{ VpcId string } }
		out := run(r, "create-vpc", "--cidr-block", "10."+string(rune('0'+i))+".0.0/16")
		if err := json.Unmarshal([]byte(out), &v); err != nil || v.Vpc.VpcId == "" {
			t.Fatalf("create-vpc in %s: %q: %v", r, out, err)
		}
		created[r] = v.Vpc.VpcId
	}
	for _, r := range threeRegions {
		var list struct{ Vpcs []struct{ VpcId string } }
		out := run(r, "describe-vpcs", "--filters", "Name=is-default,Values=false")
		if err := json.Unmarshal([]byte(out), &list); err != nil {
			t.Fatalf("describe-vpcs in %s: %q: %v", r, out, err)
		}
		if len(list.Vpcs) != 1 || list.Vpcs[0].VpcId != created[r] {
			t.Errorf("describe-vpcs in %s: %+v, want only %s", r, list.Vpcs, created[r])
		}
	}
}
