package aws_test

import (
	"net/netip"
	"slices"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/cloud/aws"
)

// TestNetworksListsEveryVPC: the VPC tracker's listing holds the owner's
// VPC (with its key and owner), another team's VPC with its secondary
// block, and the account's default VPC, each with its CIDR blocks, in
// the region of each VPC, and it changes nothing.
func TestNetworksListsEveryVPC(t *testing.T) {
	e := newEnv(t)
	e.apply(t, lab())
	other, err := e.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdkaws.String("10.50.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	id := sdkaws.ToString(other.Vpc.VpcId)
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html — a VPC may have secondary IPv4 blocks
	if _, err := e.ec2.AssociateVpcCidrBlock(ctx, &ec2.AssociateVpcCidrBlockInput{VpcId: &id, CidrBlock: sdkaws.String("10.51.0.0/16")}); err != nil {
		t.Fatal(err)
	}
	e.wire.take()
	r := aws.NewRegional(e.cfg, owner, lab())
	nets, err := r.Networks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if m := mutating(e.wire.take()); len(m) > 0 {
		t.Errorf("Networks made calls %v", m)
	}
	byCIDR := map[string]cloud.Network{}
	for _, n := range nets {
		if n.Region != region {
			t.Errorf("network %s in region %q, want %s", n.ID, n.Region, region)
		}
		byCIDR[n.CIDRs[0].String()] = n
	}
	p := netip.MustParsePrefix
	if n := byCIDR["10.1.0.0/16"]; n.Name != "prod-vpc" || n.Key != "prod-vpc" || n.Owner != owner {
		t.Errorf("the owner's VPC is listed as %+v, want name and key prod-vpc, owner %s", n, owner)
	}
	if n := byCIDR["10.50.0.0/16"]; n.ID != id || n.Owner != "" || !slices.Equal(n.CIDRs, []netip.Prefix{p("10.50.0.0/16"), p("10.51.0.0/16")}) {
		t.Errorf("the other VPC is listed as %+v, want %s with 10.50.0.0/16 and 10.51.0.0/16 and no owner", n, id)
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/default-vpc.html — the default VPC is 172.31.0.0/16
	if _, ok := byCIDR["172.31.0.0/16"]; !ok || len(nets) != 3 {
		t.Errorf("networks %+v, want the two VPCs and the default VPC 172.31.0.0/16", nets)
	}
}
