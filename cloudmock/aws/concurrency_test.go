package aws_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

func TestConcurrentCallsAndClientToken(t *testing.T) {
	l := newLab(t)
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "x")
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	ids := make(chan string, 64)
	for i := range 16 {
		wg.Go(func() {
			_, err := l.a.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.VpcId, CidrBlock: sdkaws.String(fmt.Sprintf("10.0.%d.0/24", i))})
			errs <- err
		})
		// The same token from many goroutines at once makes one table.
		wg.Go(func() {
			out, err := l.a.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: vpc.VpcId, ClientToken: sdkaws.String("same")})
			errs <- err
			if err == nil {
				ids <- *out.RouteTable.RouteTableId
			}
		})
	}
	wg.Wait()
	close(errs)
	close(ids)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	first := ""
	for id := range ids {
		if first == "" {
			first = id
		}
		if id != first {
			t.Fatalf("one client token gave two route tables: %s and %s", first, id)
		}
	}
	subs := must[*ec2.DescribeSubnetsOutput](t)(l.a.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{filter("default-for-az", "false")}}))
	if len(subs.Subnets) != 16 {
		t.Fatalf("%d subnets besides the default ones, want 16", len(subs.Subnets))
	}
	if n := len(must[*ec2.DescribeRouteTablesOutput](t)(l.a.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{})).RouteTables); n != 3 {
		t.Fatalf("%d route tables, want the default VPC's main, main + 1", n)
	}
}

// TestRealizerSeesAPIChanges checks that a model subscriber (the future
// realizer) is told about changes made through the EC2 API.
func TestRealizerSeesAPIChanges(t *testing.T) {
	l := newLab(t)
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "x")
	igw := must[*ec2.CreateInternetGatewayOutput](t)(l.a.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})).InternetGateway
	must[*ec2.AttachInternetGatewayOutput](t)(l.a.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGatewayId, VpcId: vpc.VpcId}))
	events := make(chan model.Event, 16)
	sub := l.cloud.Subscribe(func(e model.Event) { events <- e })
	defer sub.Close()
	rt := must[*ec2.DescribeRouteTablesOutput](t)(l.a.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("vpc-id", *vpc.VpcId)}})).RouteTables[0]
	must[*ec2.CreateRouteOutput](t)(l.a.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rt.RouteTableId, DestinationCidrBlock: sdkaws.String("0.0.0.0/0"), GatewayId: igw.InternetGatewayId}))
	select {
	case e := <-events:
		if e.Kind != model.KindRouteTable || e.Op != model.OpUpdate || e.ID != *rt.RouteTableId || e.Account != credA.AccountID {
			t.Fatalf("event = %+v", e)
		}
		got, err := l.cloud.RouteTable(e.Account, e.ID)
		if err != nil || len(got.Routes) != 2 || got.Routes[1].Target.Kind != model.TargetInternetGateway {
			t.Fatalf("model table after event = %+v, %v", got, err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no change event for CreateRoute")
	}
}
