package aws

import (
	"context"
	"fmt"
	"net/netip"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

var (
	_ cloud.NetworkLister = (*Provider)(nil)
	_ cloud.NetworkLister = (*Regional)(nil)
)

// Networks lists every VPC of the region, the owner's and others' (the
// default VPC included), with each CIDR block associated with it.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcs.html — CidrBlockAssociationSet and Ipv6CidrBlockAssociationSet hold the primary and secondary blocks
func (p *Provider) Networks(ctx context.Context) ([]cloud.Network, error) {
	var out []cloud.Network
	pg := ec2.NewDescribeVpcsPaginator(p.ec2, &ec2.DescribeVpcsInput{},
		func(o *ec2.DescribeVpcsPaginatorOptions) { o.Limit = p.pageSize })
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe VPCs in %s: %w", p.region, err)
		}
		for _, v := range page.Vpcs {
			out = append(out, cloud.Network{ID: sdkaws.ToString(v.VpcId), Name: tagValue(v.Tags, "Name"), Region: p.region,
				CIDRs: vpcBlocks(v), Key: keyOf(v.Tags), Owner: tagValue(v.Tags, TagOwner)})
		}
	}
	return out, nil
}

// vpcBlocks returns a VPC's associated IPv4 and IPv6 blocks; the primary
// block alone where the answer has no association sets.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpcCidrBlockState.html — associated, associating, disassociating, disassociated, failing, failed
func vpcBlocks(v types.Vpc) []netip.Prefix {
	var out []netip.Prefix
	for _, a := range v.CidrBlockAssociationSet {
		if st := a.CidrBlockState; st == nil || st.State == types.VpcCidrBlockStateCodeAssociated {
			if pf := prefix(a.CidrBlock); pf.IsValid() {
				out = append(out, pf)
			}
		}
	}
	if len(out) == 0 {
		if pf := prefix(v.CidrBlock); pf.IsValid() {
			out = append(out, pf)
		}
	}
	for _, a := range v.Ipv6CidrBlockAssociationSet {
		if st := a.Ipv6CidrBlockState; st == nil || st.State == types.VpcCidrBlockStateCodeAssociated {
			if pf := prefix(a.Ipv6CidrBlock); pf.IsValid() {
				out = append(out, pf)
			}
		}
	}
	return out
}

// Networks lists every VPC of the account in every region it serves: the
// regions of the desired states seen and those holding the owner's
// objects (LookIn, discovery).
func (r *Regional) Networks(ctx context.Context) ([]cloud.Network, error) {
	if err := r.discover(ctx); err != nil {
		return nil, err
	}
	var out []cloud.Network
	for _, reg := range r.order() {
		r.mu.Lock()
		p := r.regions[reg]
		r.mu.Unlock()
		ns, err := p.Networks(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, ns...)
	}
	return out, nil
}
