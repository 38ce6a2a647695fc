package aws_test

import (
	"slices"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestModifyTransitGateway changes a gateway's description, CIDR blocks,
// flags and default propagation table, reads them back through Describe
// and its options.* filters, and sees a new attachment propagate to the
// new default propagation table.
func TestModifyTransitGateway(t *testing.T) {
	l := newLab(t)
	g := must[*ec2.CreateTransitGatewayOutput](t)(l.a.CreateTransitGateway(ctx, &ec2.CreateTransitGatewayInput{})).TransitGateway
	rt2 := must[*ec2.CreateTransitGatewayRouteTableOutput](t)(l.a.CreateTransitGatewayRouteTable(ctx, &ec2.CreateTransitGatewayRouteTableInput{TransitGatewayId: g.TransitGatewayId})).TransitGatewayRouteTable
	m := must[*ec2.ModifyTransitGatewayOutput](t)(l.a.ModifyTransitGateway(ctx, &ec2.ModifyTransitGatewayInput{TransitGatewayId: g.TransitGatewayId, Description: sdkaws.String("core"),
		Options: &types.ModifyTransitGatewayOptions{AddTransitGatewayCidrBlocks: []string{"10.99.0.0/24", "2001:db8:99::/64"}, DnsSupport: types.DnsSupportValueDisable,
			VpnEcmpSupport: types.VpnEcmpSupportValueDisable, AutoAcceptSharedAttachments: types.AutoAcceptSharedAttachmentsValueEnable,
			PropagationDefaultRouteTableId: rt2.TransitGatewayRouteTableId, AmazonSideAsn: sdkaws.Int64(64513)}})).TransitGateway
	o := m.Options
	if *m.Description != "core" || o.DnsSupport != types.DnsSupportValueDisable || o.VpnEcmpSupport != types.VpnEcmpSupportValueDisable ||
		o.AutoAcceptSharedAttachments != types.AutoAcceptSharedAttachmentsValueEnable || *o.PropagationDefaultRouteTableId != *rt2.TransitGatewayRouteTableId ||
		*o.AssociationDefaultRouteTableId != *g.Options.AssociationDefaultRouteTableId || *o.AmazonSideAsn != 64513 ||
		!slices.Equal(o.TransitGatewayCidrBlocks, []string{"10.99.0.0/24", "2001:db8:99::/64"}) {
		t.Fatalf("modified options %+v", o)
	}
	for _, f := range []types.Filter{filter("options.dns-support", "disable"), filter("options.auto-accept-shared-attachments", "enable"),
		filter("options.propagation-default-route-table-id", *rt2.TransitGatewayRouteTableId), filter("options.amazon-side-asn", "64513")} {
		got := must[*ec2.DescribeTransitGatewaysOutput](t)(l.a.DescribeTransitGateways(ctx, &ec2.DescribeTransitGatewaysInput{Filters: []types.Filter{f}})).TransitGateways
		if len(got) != 1 {
			t.Fatalf("%s: %d gateways", *f.Name, len(got))
		}
	}
	rts := must[*ec2.DescribeTransitGatewayRouteTablesOutput](t)(l.a.DescribeTransitGatewayRouteTables(ctx, &ec2.DescribeTransitGatewayRouteTablesInput{
		Filters: []types.Filter{filter("default-propagation-route-table", "true")}})).TransitGatewayRouteTables
	if len(rts) != 1 || *rts[0].TransitGatewayRouteTableId != *rt2.TransitGatewayRouteTableId {
		t.Fatalf("default propagation tables %+v", rts)
	}
	for _, bad := range []*types.ModifyTransitGatewayOptions{{AddTransitGatewayCidrBlocks: []string{"10.98.0.0/25"}}, {RemoveTransitGatewayCidrBlocks: []string{"10.97.0.0/24"}},
		{AmazonSideAsn: sdkaws.Int64(65535)}} {
		_, err := l.a.ModifyTransitGateway(ctx, &ec2.ModifyTransitGatewayInput{TransitGatewayId: g.TransitGatewayId, Options: bad})
		wantAPIError(t, err, "InvalidParameterValue")
	}
	_, err := l.a.ModifyTransitGateway(ctx, &ec2.ModifyTransitGatewayInput{TransitGatewayId: sdkaws.String("tgw-0123456789abcdef0")})
	wantAPIError(t, err, "InvalidTransitGatewayID.NotFound")
	v := mkVpc(t, l.a, "10.5.0.0/16", "spoke")
	s := mkSubnet(t, l.a, *v.VpcId, "10.5.1.0/24")
	att := must[*ec2.CreateTransitGatewayVpcAttachmentOutput](t)(l.a.CreateTransitGatewayVpcAttachment(ctx, &ec2.CreateTransitGatewayVpcAttachmentInput{
		TransitGatewayId: g.TransitGatewayId, VpcId: v.VpcId, SubnetIds: []string{*s.SubnetId}})).TransitGatewayVpcAttachment
	props := must[*ec2.GetTransitGatewayRouteTablePropagationsOutput](t)(l.a.GetTransitGatewayRouteTablePropagations(ctx, &ec2.GetTransitGatewayRouteTablePropagationsInput{TransitGatewayRouteTableId: rt2.TransitGatewayRouteTableId})).TransitGatewayRouteTablePropagations
	if len(props) != 1 || *props[0].TransitGatewayAttachmentId != *att.TransitGatewayAttachmentId {
		t.Fatalf("propagations of the new default table %+v", props)
	}
}

// TestModifyTransitGatewayVpcAttachment adds and removes subnets (one per
// zone, at least one) and sets the options; with IPv6 support the VPC's
// IPv6 block propagates, without it not, and IPv6 static routes are taken.
func TestModifyTransitGatewayVpcAttachment(t *testing.T) {
	l := newLab(t)
	g := must[*ec2.CreateTransitGatewayOutput](t)(l.a.CreateTransitGateway(ctx, &ec2.CreateTransitGatewayInput{})).TransitGateway
	rt := g.Options.AssociationDefaultRouteTableId
	v := must[*ec2.CreateVpcOutput](t)(l.a.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdkaws.String("10.6.0.0/16"), AmazonProvidedIpv6CidrBlock: sdkaws.Bool(true)})).Vpc
	var subs []string
	for _, z := range []struct{ cidr, az string }{{"10.6.1.0/24", "us-east-1a"}, {"10.6.2.0/24", "us-east-1a"}, {"10.6.3.0/24", "us-east-1b"}} {
		subs = append(subs, *must[*ec2.CreateSubnetOutput](t)(l.a.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: v.VpcId, CidrBlock: sdkaws.String(z.cidr), AvailabilityZone: sdkaws.String(z.az)})).Subnet.SubnetId)
	}
	att := must[*ec2.CreateTransitGatewayVpcAttachmentOutput](t)(l.a.CreateTransitGatewayVpcAttachment(ctx, &ec2.CreateTransitGatewayVpcAttachmentInput{
		TransitGatewayId: g.TransitGatewayId, VpcId: v.VpcId, SubnetIds: subs[:1],
		Options: &types.CreateTransitGatewayVpcAttachmentRequestOptions{Ipv6Support: types.Ipv6SupportValueEnable}})).TransitGatewayVpcAttachment
	id := att.TransitGatewayAttachmentId
	if o := att.Options; o.Ipv6Support != types.Ipv6SupportValueEnable || o.DnsSupport != types.DnsSupportValueEnable || o.ApplianceModeSupport != types.ApplianceModeSupportValueDisable {
		t.Fatalf("created options %+v", o)
	}
	search := func() []string {
		var out []string
		for _, r := range must[*ec2.SearchTransitGatewayRoutesOutput](t)(l.a.SearchTransitGatewayRoutes(ctx, &ec2.SearchTransitGatewayRoutesInput{TransitGatewayRouteTableId: rt,
			Filters: []types.Filter{filter("state", "active")}})).Routes {
			out = append(out, *r.DestinationCidrBlock+"/"+string(r.Type))
		}
		return out
	}
	if got := search(); len(got) != 2 || got[0] != "10.6.0.0/16/propagated" || got[1] != "2001:db8:1000::/56/propagated" {
		t.Fatalf("routes with IPv6 support: %v", got)
	}
	_, err := l.a.ModifyTransitGatewayVpcAttachment(ctx, &ec2.ModifyTransitGatewayVpcAttachmentInput{TransitGatewayAttachmentId: id, AddSubnetIds: subs[1:2]})
	wantAPIError(t, err, "DuplicateSubnetsInSameZone")
	m := must[*ec2.ModifyTransitGatewayVpcAttachmentOutput](t)(l.a.ModifyTransitGatewayVpcAttachment(ctx, &ec2.ModifyTransitGatewayVpcAttachmentInput{TransitGatewayAttachmentId: id,
		AddSubnetIds: subs[2:], RemoveSubnetIds: subs[:1], Options: &types.ModifyTransitGatewayVpcAttachmentRequestOptions{Ipv6Support: types.Ipv6SupportValueDisable,
			ApplianceModeSupport: types.ApplianceModeSupportValueEnable, DnsSupport: types.DnsSupportValueDisable}})).TransitGatewayVpcAttachment
	if !slices.Equal(m.SubnetIds, subs[2:]) || m.Options.Ipv6Support != types.Ipv6SupportValueDisable || m.Options.ApplianceModeSupport != types.ApplianceModeSupportValueEnable ||
		m.Options.DnsSupport != types.DnsSupportValueDisable || m.Options.SecurityGroupReferencingSupport != types.SecurityGroupReferencingSupportValueEnable {
		t.Fatalf("modified %+v %+v", m.SubnetIds, m.Options)
	}
	d := must[*ec2.DescribeTransitGatewayVpcAttachmentsOutput](t)(l.a.DescribeTransitGatewayVpcAttachments(ctx, &ec2.DescribeTransitGatewayVpcAttachmentsInput{TransitGatewayAttachmentIds: []string{*id}})).TransitGatewayVpcAttachments[0]
	if d.Options.ApplianceModeSupport != types.ApplianceModeSupportValueEnable || !slices.Equal(d.SubnetIds, subs[2:]) {
		t.Fatalf("described %+v %+v", d.SubnetIds, d.Options)
	}
	if got := search(); len(got) != 1 || got[0] != "10.6.0.0/16/propagated" {
		t.Fatalf("routes without IPv6 support: %v", got)
	}
	_, err = l.a.ModifyTransitGatewayVpcAttachment(ctx, &ec2.ModifyTransitGatewayVpcAttachmentInput{TransitGatewayAttachmentId: id, RemoveSubnetIds: subs[2:]})
	wantAPIError(t, err, "InvalidParameterValue") // the last subnet stays
	must[*ec2.CreateTransitGatewayRouteOutput](t)(l.a.CreateTransitGatewayRoute(ctx, &ec2.CreateTransitGatewayRouteInput{TransitGatewayRouteTableId: rt,
		DestinationCidrBlock: sdkaws.String("2001:db8:77::/48"), TransitGatewayAttachmentId: id}))
	if got := search(); len(got) != 2 || got[1] != "2001:db8:77::/48/static" {
		t.Fatalf("routes with an IPv6 static route: %v", got)
	}
}
