package aws_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// DescribeTransitGatewayAttachments lists a VPC attachment with its
// resource and associated table, by every documented filter;
// DisableTransitGatewayRouteTablePropagation undoes the default
// propagation and answers disabled.
func TestTGWAttachmentsAndDisablePropagation(t *testing.T) {
	l := newLab(t)
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "x")
	sub := mkSubnet(t, l.a, *vpc.VpcId, "10.0.1.0/24")
	tgw := must[*ec2.CreateTransitGatewayOutput](t)(l.a.CreateTransitGateway(ctx, &ec2.CreateTransitGatewayInput{})).TransitGateway
	att := must[*ec2.CreateTransitGatewayVpcAttachmentOutput](t)(l.a.CreateTransitGatewayVpcAttachment(ctx, &ec2.CreateTransitGatewayVpcAttachmentInput{
		TransitGatewayId: tgw.TransitGatewayId, VpcId: vpc.VpcId, SubnetIds: []string{*sub.SubnetId}})).TransitGatewayVpcAttachment
	defRT := *tgw.Options.AssociationDefaultRouteTableId
	for _, f := range []types.Filter{filter("resource-type", "vpc"), filter("resource-id", *vpc.VpcId), filter("transit-gateway-id", *tgw.TransitGatewayId),
		filter("association.transit-gateway-route-table-id", defRT), filter("association.state", "associated"), filter("resource-owner-id", credA.AccountID),
		filter("transit-gateway-owner-id", credA.AccountID), filter("transit-gateway-attachment-id", *att.TransitGatewayAttachmentId)} {
		out := must[*ec2.DescribeTransitGatewayAttachmentsOutput](t)(l.a.DescribeTransitGatewayAttachments(ctx, &ec2.DescribeTransitGatewayAttachmentsInput{Filters: []types.Filter{f}}))
		if len(out.TransitGatewayAttachments) != 1 {
			t.Fatalf("filter %s=%v: %+v", *f.Name, f.Values, out.TransitGatewayAttachments)
		}
		a := out.TransitGatewayAttachments[0]
		if a.ResourceType != types.TransitGatewayAttachmentResourceTypeVpc || *a.ResourceId != *vpc.VpcId || a.Association == nil || *a.Association.TransitGatewayRouteTableId != defRT {
			t.Fatalf("attachment %+v", a)
		}
	}
	if out := must[*ec2.DescribeTransitGatewayAttachmentsOutput](t)(l.a.DescribeTransitGatewayAttachments(ctx, &ec2.DescribeTransitGatewayAttachmentsInput{
		Filters: []types.Filter{filter("resource-type", "vpn")}})); len(out.TransitGatewayAttachments) != 0 {
		t.Fatalf("vpn attachments %+v", out.TransitGatewayAttachments)
	}
	_, err := l.a.DescribeTransitGatewayAttachments(ctx, &ec2.DescribeTransitGatewayAttachmentsInput{Filters: []types.Filter{filter("vpc-id", "x")}})
	wantAPIError(t, err, "InvalidParameterValue")

	dis := must[*ec2.DisableTransitGatewayRouteTablePropagationOutput](t)(l.a.DisableTransitGatewayRouteTablePropagation(ctx, &ec2.DisableTransitGatewayRouteTablePropagationInput{
		TransitGatewayRouteTableId: &defRT, TransitGatewayAttachmentId: att.TransitGatewayAttachmentId}))
	if dis.Propagation.State != types.TransitGatewayPropagationStateDisabled || *dis.Propagation.ResourceId != *vpc.VpcId {
		t.Fatalf("disable answer %+v", dis.Propagation)
	}
	props := must[*ec2.GetTransitGatewayRouteTablePropagationsOutput](t)(l.a.GetTransitGatewayRouteTablePropagations(ctx, &ec2.GetTransitGatewayRouteTablePropagationsInput{TransitGatewayRouteTableId: &defRT}))
	if len(props.TransitGatewayRouteTablePropagations) != 0 {
		t.Fatalf("propagations after disable %+v", props.TransitGatewayRouteTablePropagations)
	}
	routes := must[*ec2.SearchTransitGatewayRoutesOutput](t)(l.a.SearchTransitGatewayRoutes(ctx, &ec2.SearchTransitGatewayRoutesInput{TransitGatewayRouteTableId: &defRT,
		Filters: []types.Filter{filter("type", "propagated")}}))
	if len(routes.Routes) != 0 {
		t.Fatalf("propagated routes after disable %+v", routes.Routes)
	}
	_, err = l.a.DisableTransitGatewayRouteTablePropagation(ctx, &ec2.DisableTransitGatewayRouteTablePropagationInput{
		TransitGatewayRouteTableId: &defRT, TransitGatewayAttachmentId: att.TransitGatewayAttachmentId})
	if err == nil {
		t.Fatal("disabling a propagation twice succeeded")
	}
	must[*ec2.EnableTransitGatewayRouteTablePropagationOutput](t)(l.a.EnableTransitGatewayRouteTablePropagation(ctx, &ec2.EnableTransitGatewayRouteTablePropagationInput{
		TransitGatewayRouteTableId: &defRT, TransitGatewayAttachmentId: att.TransitGatewayAttachmentId}))
}
