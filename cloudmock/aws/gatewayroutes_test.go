package aws_test

import (
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// gatewayLab is a VPC with an attached internet gateway, a web subnet and
// an appliance subnet with a network interface, and an empty route table.
type gatewayLab struct {
	*lab
	vpc, web, app, eni, igw, rt string
}

func newGatewayLab(t *testing.T) *gatewayLab {
	l := &gatewayLab{lab: newLab(t)}
	l.vpc = *mkVpc(t, l.a, "10.0.0.0/16", "edge").VpcId
	l.web = *mkSubnet(t, l.a, l.vpc, "10.0.1.0/24").SubnetId
	l.app = *mkSubnet(t, l.a, l.vpc, "10.0.2.0/24").SubnetId
	l.eni = *must[*ec2.CreateNetworkInterfaceOutput](t)(l.a.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: &l.app})).NetworkInterface.NetworkInterfaceId
	l.igw = *must[*ec2.CreateInternetGatewayOutput](t)(l.a.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})).InternetGateway.InternetGatewayId
	if _, err := l.a.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: &l.igw, VpcId: &l.vpc}); err != nil {
		t.Fatal(err)
	}
	l.rt = *must[*ec2.CreateRouteTableOutput](t)(l.a.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: &l.vpc})).RouteTable.RouteTableId
	return l
}

func (l *gatewayLab) route(dst string) *ec2.CreateRouteInput {
	return &ec2.CreateRouteInput{RouteTableId: &l.rt, DestinationCidrBlock: &dst, NetworkInterfaceId: &l.eni}
}

// TestGatewayRouteTable associates a route table with the internet gateway
// (an edge association), shows it in DescribeRouteTables with the
// association.gateway-id filter, and refuses what a gateway route table
// does not take with EC2's codes.
func TestGatewayRouteTable(t *testing.T) {
	l := newGatewayLab(t)
	// Routes a gateway route table cannot hold stop the association.
	if _, err := l.a.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: &l.rt, DestinationCidrBlock: sdkaws.String("0.0.0.0/0"), GatewayId: &l.igw}); err != nil {
		t.Fatal(err)
	}
	_, err := l.a.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: &l.rt, GatewayId: &l.igw})
	wantAPIErrorMessage(t, err, "InvalidParameterValue", "Route target is not supported. This route only supports interface and instance targets.")
	if _, err := l.a.DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: &l.rt, DestinationCidrBlock: sdkaws.String("0.0.0.0/0")}); err != nil {
		t.Fatal(err)
	}
	_, err = l.a.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: &l.rt, GatewayId: &l.igw, SubnetId: &l.web})
	wantAPIError(t, err, "InvalidParameterCombination")
	_, err = l.a.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: &l.rt})
	wantAPIError(t, err, "MissingParameter")
	_, err = l.a.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: &l.rt, GatewayId: sdkaws.String("igw-0123456789abcdef0")})
	wantAPIError(t, err, "InvalidGatewayID.NotFound")

	a := must[*ec2.AssociateRouteTableOutput](t)(l.a.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: &l.rt, GatewayId: &l.igw}))
	if a.AssociationState.State != types.RouteTableAssociationStateCodeAssociated {
		t.Fatalf("association state = %s", a.AssociationState.State)
	}
	// One gateway route table per gateway.
	other := must[*ec2.CreateRouteTableOutput](t)(l.a.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: &l.vpc})).RouteTable.RouteTableId
	_, err = l.a.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: other, GatewayId: &l.igw})
	wantAPIError(t, err, "Resource.AlreadyAssociated")

	// Routes: a subnet's whole CIDR block to an interface; nothing else.
	if _, err := l.a.CreateRoute(ctx, l.route("10.0.1.0/24")); err != nil {
		t.Fatal(err)
	}
	_, err = l.a.CreateRoute(ctx, l.route("10.0.1.0/25"))
	wantAPIError(t, err, "InvalidParameterValue")
	_, err = l.a.CreateRoute(ctx, l.route("192.0.2.0/24"))
	wantAPIError(t, err, "InvalidParameterValue")
	_, err = l.a.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: &l.rt, DestinationCidrBlock: sdkaws.String("10.0.2.0/24"), GatewayId: &l.igw})
	wantAPIErrorMessage(t, err, "InvalidParameterValue", "Route target is not supported. This route only supports interface and instance targets.")
	_, err = l.a.EnableVgwRoutePropagation(ctx, &ec2.EnableVgwRoutePropagationInput{RouteTableId: &l.rt, GatewayId: sdkaws.String("vgw-0123456789abcdef0")})
	wantAPIError(t, err, "InvalidGatewayID.NotFound")

	got := must[*ec2.DescribeRouteTablesOutput](t)(l.a.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("association.gateway-id", l.igw)}}))
	if len(got.RouteTables) != 1 || *got.RouteTables[0].RouteTableId != l.rt {
		t.Fatalf("tables of association.gateway-id %s = %+v", l.igw, got.RouteTables)
	}
	as := got.RouteTables[0].Associations
	if len(as) != 1 || sdkaws.ToString(as[0].GatewayId) != l.igw || as[0].SubnetId != nil || sdkaws.ToBool(as[0].Main) ||
		as[0].AssociationState.State != types.RouteTableAssociationStateCodeAssociated {
		t.Fatalf("edge association = %+v", as)
	}
	rs := got.RouteTables[0].Routes
	if len(rs) != 2 || sdkaws.ToString(rs[1].NetworkInterfaceId) != l.eni || rs[1].State != types.RouteStateActive {
		t.Fatalf("gateway table routes = %+v", rs)
	}

	// The local route's target may go to the interface and come back.
	if _, err := l.a.ReplaceRoute(ctx, &ec2.ReplaceRouteInput{RouteTableId: &l.rt, DestinationCidrBlock: sdkaws.String("10.0.0.0/16"), NetworkInterfaceId: &l.eni}); err != nil {
		t.Fatal(err)
	}
	if r := l.tableRoutes(t)[0]; sdkaws.ToString(r.NetworkInterfaceId) != l.eni || r.Origin != types.RouteOriginCreateRouteTable {
		t.Fatalf("local route after ReplaceRoute = %+v", r)
	}
	if _, err := l.a.ReplaceRoute(ctx, &ec2.ReplaceRouteInput{RouteTableId: &l.rt, DestinationCidrBlock: sdkaws.String("10.0.0.0/16"), LocalTarget: sdkaws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if r := l.tableRoutes(t)[0]; sdkaws.ToString(r.GatewayId) != "local" {
		t.Fatalf("local route after LocalTarget = %+v", r)
	}

	// Moved to another table, the association takes that table's rules.
	if _, err := l.a.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: other, DestinationCidrBlock: sdkaws.String("0.0.0.0/0"), GatewayId: &l.igw}); err != nil {
		t.Fatal(err)
	}
	_, err = l.a.ReplaceRouteTableAssociation(ctx, &ec2.ReplaceRouteTableAssociationInput{AssociationId: a.AssociationId, RouteTableId: other})
	wantAPIError(t, err, "InvalidParameterValue")
	if _, err := l.a.DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: other, DestinationCidrBlock: sdkaws.String("0.0.0.0/0")}); err != nil {
		t.Fatal(err)
	}
	moved := must[*ec2.ReplaceRouteTableAssociationOutput](t)(l.a.ReplaceRouteTableAssociation(ctx, &ec2.ReplaceRouteTableAssociationInput{AssociationId: a.AssociationId, RouteTableId: other}))
	got = must[*ec2.DescribeRouteTablesOutput](t)(l.a.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("association.gateway-id", l.igw)}}))
	if len(got.RouteTables) != 1 || *got.RouteTables[0].RouteTableId != *other {
		t.Fatalf("after ReplaceRouteTableAssociation the gateway's table = %+v, want %s", got.RouteTables, *other)
	}
	if _, err := l.a.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: moved.NewAssociationId}); err != nil {
		t.Fatal(err)
	}
	got = must[*ec2.DescribeRouteTablesOutput](t)(l.a.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("association.gateway-id", l.igw)}}))
	if len(got.RouteTables) != 0 {
		t.Fatalf("after DisassociateRouteTable the gateway has tables %+v", got.RouteTables)
	}
	// Once the table is no gateway's, any route goes again.
	if _, err := l.a.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: &l.rt, DestinationCidrBlock: sdkaws.String("0.0.0.0/0"), GatewayId: &l.igw}); err != nil {
		t.Fatal(err)
	}
}

// TestGatewayRouteTableOtherVPC refuses an internet gateway of another VPC.
func TestGatewayRouteTableOtherVPC(t *testing.T) {
	l := newGatewayLab(t)
	vpc2 := *mkVpc(t, l.a, "10.9.0.0/16", "other").VpcId
	rt2 := must[*ec2.CreateRouteTableOutput](t)(l.a.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: &vpc2})).RouteTable.RouteTableId
	_, err := l.a.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: rt2, GatewayId: &l.igw})
	wantAPIError(t, err, "InvalidParameterValue")
}

func (l *gatewayLab) tableRoutes(t *testing.T) []types.Route {
	t.Helper()
	got := must[*ec2.DescribeRouteTablesOutput](t)(l.a.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{l.rt}}))
	return got.RouteTables[0].Routes
}

// TestGatewayRouteTableCLI associates a route table with the internet
// gateway and finds it by association.gateway-id with the real AWS CLI,
// as the VPC guide's commands do.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/associate-route-table-gateway.html — aws ec2 associate-route-table --gateway-id
func TestGatewayRouteTableCLI(t *testing.T) {
	eachCLI(t, func(t *testing.T, bin string) {
		l := newGatewayLab(t)
		aws := cliRunner(t, bin, l.lab)
		var a struct {
			AssociationId    string
			AssociationState struct{ State string }
		}
		aws(&a, "associate-route-table", "--route-table-id", l.rt, "--gateway-id", l.igw)
		if a.AssociationState.State != "associated" {
			t.Fatalf("associate-route-table --gateway-id = %+v", a)
		}
		aws(&struct{}{}, "create-route", "--route-table-id", l.rt, "--destination-cidr-block", "10.0.1.0/24", "--network-interface-id", l.eni)
		if out := aws(nil, "create-route", "--route-table-id", l.rt, "--destination-cidr-block", "0.0.0.0/0", "--gateway-id", l.igw); !strings.Contains(out, "Route target is not supported") {
			t.Errorf("create-route to the gateway in its own table: %s", out)
		}
		var got struct {
			RouteTables []struct {
				RouteTableId string
				Associations []struct{ GatewayId, RouteTableAssociationId string }
			}
		}
		aws(&got, "describe-route-tables", "--filters", "Name=association.gateway-id,Values="+l.igw)
		if len(got.RouteTables) != 1 || got.RouteTables[0].RouteTableId != l.rt || got.RouteTables[0].Associations[0].GatewayId != l.igw ||
			got.RouteTables[0].Associations[0].RouteTableAssociationId != a.AssociationId {
			t.Fatalf("describe-route-tables by association.gateway-id = %+v", got)
		}
		aws(&struct{}{}, "disassociate-route-table", "--association-id", a.AssociationId)
		aws(&got, "describe-route-tables", "--filters", "Name=association.gateway-id,Values="+l.igw)
		if len(got.RouteTables) != 0 {
			t.Fatalf("after disassociate-route-table: %+v", got)
		}
	})
}
