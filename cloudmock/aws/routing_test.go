package aws_test

import (
	"fmt"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestRoutesAndInternetGateway(t *testing.T) {
	l := newLab(t)
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "x")
	sub := mkSubnet(t, l.a, *vpc.VpcId, "10.0.1.0/24")
	igw := must[*ec2.CreateInternetGatewayOutput](t)(l.a.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})).InternetGateway
	rt := must[*ec2.CreateRouteTableOutput](t)(l.a.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: vpc.VpcId})).RouteTable
	if len(rt.Routes) != 1 || sdkaws.ToString(rt.Routes[0].GatewayId) != "local" {
		t.Fatalf("new route table routes = %+v, want only local", rt.Routes)
	}
	_, err := l.a.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rt.RouteTableId, DestinationCidrBlock: sdkaws.String("0.0.0.0/0"), GatewayId: igw.InternetGatewayId})
	wantAPIError(t, err, "InvalidParameterValue") // gateway not attached to this VPC
	if _, err := l.a.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGatewayId, VpcId: vpc.VpcId}); err != nil {
		t.Fatal(err)
	}
	igw2 := must[*ec2.CreateInternetGatewayOutput](t)(l.a.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})).InternetGateway
	_, err = l.a.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igw2.InternetGatewayId, VpcId: vpc.VpcId})
	wantAPIError(t, err, "Resource.AlreadyAssociated")
	igws := must[*ec2.DescribeInternetGatewaysOutput](t)(l.a.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{Filters: []types.Filter{filter("attachment.vpc-id", *vpc.VpcId)}}))
	if len(igws.InternetGateways) != 1 || igws.InternetGateways[0].Attachments[0].State != types.AttachmentStatus("available") {
		t.Fatalf("attached gateways = %+v", igws.InternetGateways)
	}

	if _, err := l.a.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rt.RouteTableId, DestinationCidrBlock: sdkaws.String("0.0.0.0/0"), GatewayId: igw.InternetGatewayId}); err != nil {
		t.Fatal(err)
	}
	_, err = l.a.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rt.RouteTableId, DestinationCidrBlock: sdkaws.String("0.0.0.0/0"), GatewayId: igw.InternetGatewayId})
	wantAPIError(t, err, "RouteAlreadyExists")
	_, err = l.a.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rt.RouteTableId, DestinationCidrBlock: sdkaws.String("10.0.0.0/16"), GatewayId: igw.InternetGatewayId})
	wantAPIError(t, err, "RouteAlreadyExists") // exactly the VPC CIDR: the local route
	_, err = l.a.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rt.RouteTableId, DestinationCidrBlock: sdkaws.String("192.0.2.0/24"), GatewayId: sdkaws.String("igw-0123456789abcdef0")})
	wantAPIError(t, err, "InvalidGatewayID.NotFound")
	_, err = l.a.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rt.RouteTableId, DestinationCidrBlock: sdkaws.String("192.0.2.0/24")})
	wantAPIError(t, err, "MissingParameter")
	_, err = l.a.DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: rt.RouteTableId, DestinationCidrBlock: sdkaws.String("10.0.0.0/16")})
	wantAPIError(t, err, "InvalidParameterValue")
	_, err = l.a.ReplaceRoute(ctx, &ec2.ReplaceRouteInput{RouteTableId: rt.RouteTableId, DestinationCidrBlock: sdkaws.String("10.0.0.0/16"), GatewayId: igw.InternetGatewayId})
	wantAPIError(t, err, "InvalidParameterValue")
	_, err = l.a.DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: rt.RouteTableId, DestinationCidrBlock: sdkaws.String("198.51.100.0/24")})
	wantAPIError(t, err, "InvalidRoute.NotFound")
	_, err = l.a.ReplaceRoute(ctx, &ec2.ReplaceRouteInput{RouteTableId: rt.RouteTableId, DestinationCidrBlock: sdkaws.String("198.51.100.0/24"), GatewayId: igw.InternetGatewayId})
	wantAPIError(t, err, "InvalidRoute.NotFound")

	assoc := must[*ec2.AssociateRouteTableOutput](t)(l.a.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: rt.RouteTableId, SubnetId: sub.SubnetId}))
	if assoc.AssociationState.State != types.RouteTableAssociationStateCodeAssociated {
		t.Fatalf("association state = %s", assoc.AssociationState.State)
	}
	_, err = l.a.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: rt.RouteTableId, SubnetId: sub.SubnetId})
	wantAPIError(t, err, "Resource.AlreadyAssociated")
	got := must[*ec2.DescribeRouteTablesOutput](t)(l.a.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("association.subnet-id", *sub.SubnetId)}}))
	if len(got.RouteTables) != 1 || *got.RouteTables[0].RouteTableId != *rt.RouteTableId || len(got.RouteTables[0].Routes) != 2 {
		t.Fatalf("subnet's table = %+v", got.RouteTables)
	}
	r := got.RouteTables[0].Routes[1]
	if sdkaws.ToString(r.DestinationCidrBlock) != "0.0.0.0/0" || sdkaws.ToString(r.GatewayId) != *igw.InternetGatewayId || r.State != types.RouteStateActive || r.Origin != types.RouteOriginCreateRoute {
		t.Fatalf("default route = %+v", r)
	}
	_, err = l.a.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: rt.RouteTableId})
	wantAPIError(t, err, "DependencyViolation")
	_, err = l.a.DeleteInternetGateway(ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: igw.InternetGatewayId})
	wantAPIError(t, err, "DependencyViolation")

	// Detaching the gateway turns its routes into blackholes.
	if _, err := l.a.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: igw.InternetGatewayId, VpcId: vpc.VpcId}); err != nil {
		t.Fatal(err)
	}
	got = must[*ec2.DescribeRouteTablesOutput](t)(l.a.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{*rt.RouteTableId}}))
	if s := got.RouteTables[0].Routes[1].State; s != types.RouteStateBlackhole {
		t.Fatalf("route to detached gateway state = %s, want blackhole", s)
	}
	_, err = l.a.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: igw.InternetGatewayId, VpcId: vpc.VpcId})
	wantAPIError(t, err, "Gateway.NotAttached")

	// Replacing the main association makes another table main.
	main := must[*ec2.DescribeRouteTablesOutput](t)(l.a.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("association.main", "true"), filter("vpc-id", *vpc.VpcId)}})).RouteTables[0]
	na := must[*ec2.ReplaceRouteTableAssociationOutput](t)(l.a.ReplaceRouteTableAssociation(ctx, &ec2.ReplaceRouteTableAssociationInput{AssociationId: main.Associations[0].RouteTableAssociationId, RouteTableId: rt.RouteTableId}))
	if na.NewAssociationId == nil {
		t.Fatal("no new association ID")
	}
	now := must[*ec2.DescribeRouteTablesOutput](t)(l.a.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("association.main", "true"), filter("vpc-id", *vpc.VpcId)}})).RouteTables
	if len(now) != 1 || *now[0].RouteTableId != *rt.RouteTableId {
		t.Fatalf("main table after replace = %v", now)
	}
	if _, err := l.a.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: assoc.AssociationId}); err != nil {
		t.Fatal(err)
	}
}

func TestRouteLimitExceeded(t *testing.T) {
	l := newLab(t)
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "x")
	igw := must[*ec2.CreateInternetGatewayOutput](t)(l.a.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})).InternetGateway
	must[*ec2.AttachInternetGatewayOutput](t)(l.a.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGatewayId, VpcId: vpc.VpcId}))
	rts := must[*ec2.DescribeRouteTablesOutput](t)(l.a.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("vpc-id", *vpc.VpcId)}}))
	rt := rts.RouteTables[0].RouteTableId
	for i := range 50 {
		if _, err := l.a.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rt, DestinationCidrBlock: sdkaws.String(fmt.Sprintf("172.16.%d.0/24", i)), GatewayId: igw.InternetGatewayId}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := l.a.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rt, DestinationCidrBlock: sdkaws.String("172.17.0.0/24"), GatewayId: igw.InternetGatewayId})
	wantAPIError(t, err, "RouteLimitExceeded")
}
