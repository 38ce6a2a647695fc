package aws_test

import (
	"slices"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestManagedPrefixListLifecycle drives a customer-managed prefix list
// through the Go SDK as terraform-provider-aws does: create, modify with
// the current version, read entries by version, restore, refer to it from
// a route and a security group rule, and delete.
func TestManagedPrefixListLifecycle(t *testing.T) {
	l := newLab(t)
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "v")
	pl := must[*ec2.CreateManagedPrefixListOutput](t)(l.a.CreateManagedPrefixList(ctx, &ec2.CreateManagedPrefixListInput{
		PrefixListName: sdkaws.String("corp"), MaxEntries: sdkaws.Int32(5), AddressFamily: sdkaws.String("IPv4"),
		Entries: []types.AddPrefixListEntry{{Cidr: sdkaws.String("192.0.2.0/25"), Description: sdkaws.String("office")}},
	})).PrefixList
	id := *pl.PrefixListId
	if pl.State != types.PrefixListStateCreateComplete || sdkaws.ToInt64(pl.Version) != 1 || *pl.OwnerId != credA.AccountID || *pl.MaxEntries != 5 {
		t.Fatalf("created: %+v", pl)
	}
	_, err := l.a.ModifyManagedPrefixList(ctx, &ec2.ModifyManagedPrefixListInput{PrefixListId: &id, CurrentVersion: sdkaws.Int64(7),
		AddEntries: []types.AddPrefixListEntry{{Cidr: sdkaws.String("198.51.100.0/24")}}})
	wantAPIErrorMessage(t, err, "PrefixListVersionMismatch", "The prefix list has the incorrect version number.")
	_, err = l.a.ModifyManagedPrefixList(ctx, &ec2.ModifyManagedPrefixListInput{PrefixListId: &id, CurrentVersion: sdkaws.Int64(1),
		RemoveEntries: []types.RemovePrefixListEntry{{Cidr: sdkaws.String("10.9.0.0/16")}}})
	wantAPIError(t, err, "InvalidPrefixListModification")
	mod := must[*ec2.ModifyManagedPrefixListOutput](t)(l.a.ModifyManagedPrefixList(ctx, &ec2.ModifyManagedPrefixListInput{PrefixListId: &id, CurrentVersion: sdkaws.Int64(1),
		AddEntries: []types.AddPrefixListEntry{{Cidr: sdkaws.String("198.51.100.7/24")}}})).PrefixList
	if sdkaws.ToInt64(mod.Version) != 2 || mod.State != types.PrefixListStateModifyComplete {
		t.Fatalf("modified: %+v", mod)
	}
	v1 := must[*ec2.GetManagedPrefixListEntriesOutput](t)(l.a.GetManagedPrefixListEntries(ctx, &ec2.GetManagedPrefixListEntriesInput{PrefixListId: &id, TargetVersion: sdkaws.Int64(1)})).Entries
	now := must[*ec2.GetManagedPrefixListEntriesOutput](t)(l.a.GetManagedPrefixListEntries(ctx, &ec2.GetManagedPrefixListEntriesInput{PrefixListId: &id})).Entries
	if len(v1) != 1 || *v1[0].Description != "office" || len(now) != 2 || *now[1].Cidr != "198.51.100.0/24" {
		t.Fatalf("entries: version 1 %+v, now %+v", v1, now)
	}
	rt := must[*ec2.CreateRouteTableOutput](t)(l.a.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: vpc.VpcId})).RouteTable
	igw := must[*ec2.CreateInternetGatewayOutput](t)(l.a.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})).InternetGateway
	must[*ec2.AttachInternetGatewayOutput](t)(l.a.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGatewayId, VpcId: vpc.VpcId}))
	must[*ec2.CreateRouteOutput](t)(l.a.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rt.RouteTableId, DestinationPrefixListId: &id, GatewayId: igw.InternetGatewayId}))
	sg := must[*ec2.CreateSecurityGroupOutput](t)(l.a.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: sdkaws.String("web"), Description: sdkaws.String("w"), VpcId: vpc.VpcId}))
	must[*ec2.AuthorizeSecurityGroupIngressOutput](t)(l.a.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId,
		IpPermissions: []types.IpPermission{{IpProtocol: sdkaws.String("tcp"), FromPort: sdkaws.Int32(443), ToPort: sdkaws.Int32(443),
			PrefixListIds: []types.PrefixListId{{PrefixListId: &id, Description: sdkaws.String("corp https")}}}}}))
	tables := must[*ec2.DescribeRouteTablesOutput](t)(l.a.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("route.destination-prefix-list-id", id)}})).RouteTables
	if len(tables) != 1 || !slices.ContainsFunc(tables[0].Routes, func(r types.Route) bool {
		return sdkaws.ToString(r.DestinationPrefixListId) == id && sdkaws.ToString(r.GatewayId) == *igw.InternetGatewayId && r.DestinationCidrBlock == nil
	}) {
		t.Fatalf("route tables with the list's route: %+v", tables)
	}
	groups := must[*ec2.DescribeSecurityGroupsOutput](t)(l.a.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filter("ip-permission.prefix-list-id", id)}})).SecurityGroups
	if len(groups) != 1 || *groups[0].IpPermissions[0].PrefixListIds[0].PrefixListId != id || *groups[0].IpPermissions[0].PrefixListIds[0].Description != "corp https" {
		t.Fatalf("groups with the list: %+v", groups)
	}
	assoc := must[*ec2.GetManagedPrefixListAssociationsOutput](t)(l.a.GetManagedPrefixListAssociations(ctx, &ec2.GetManagedPrefixListAssociationsInput{PrefixListId: &id})).PrefixListAssociations
	if len(assoc) != 2 {
		t.Fatalf("associations: %+v", assoc)
	}
	_, err = l.a.DeleteManagedPrefixList(ctx, &ec2.DeleteManagedPrefixListInput{PrefixListId: &id})
	wantAPIError(t, err, "DependencyViolation")
	// A list referenced by a route table counts as its maximum entries:
	// growing it past the table's 50 routes fails.
	_, err = l.a.ModifyManagedPrefixList(ctx, &ec2.ModifyManagedPrefixListInput{PrefixListId: &id, MaxEntries: sdkaws.Int32(60)})
	wantAPIError(t, err, "RouteLimitExceeded")
	rest := must[*ec2.RestoreManagedPrefixListVersionOutput](t)(l.a.RestoreManagedPrefixListVersion(ctx, &ec2.RestoreManagedPrefixListVersionInput{PrefixListId: &id,
		PreviousVersion: sdkaws.Int64(1), CurrentVersion: sdkaws.Int64(2)})).PrefixList
	if sdkaws.ToInt64(rest.Version) != 3 {
		t.Fatalf("restored: %+v", rest)
	}
	must[*ec2.DeleteRouteOutput](t)(l.a.DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: rt.RouteTableId, DestinationPrefixListId: &id}))
	must[*ec2.RevokeSecurityGroupIngressOutput](t)(l.a.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: sg.GroupId,
		IpPermissions: []types.IpPermission{{IpProtocol: sdkaws.String("tcp"), FromPort: sdkaws.Int32(443), ToPort: sdkaws.Int32(443),
			PrefixListIds: []types.PrefixListId{{PrefixListId: &id}}}}}))
	must[*ec2.DeleteManagedPrefixListOutput](t)(l.a.DeleteManagedPrefixList(ctx, &ec2.DeleteManagedPrefixListInput{PrefixListId: &id}))
	_, err = l.a.GetManagedPrefixListEntries(ctx, &ec2.GetManagedPrefixListEntriesInput{PrefixListId: &id})
	wantAPIErrorMessage(t, err, "InvalidPrefixListID.NotFound", "The prefix list ID '"+id+"' does not exist")
	// The other account does not see it.
	_, err = l.b.DescribeManagedPrefixLists(ctx, &ec2.DescribeManagedPrefixListsInput{PrefixListIds: []string{id}})
	wantAPIError(t, err, "InvalidPrefixListID.NotFound")
}

// TestAWSManagedPrefixLists: every account sees AWS's lists of the
// region it calls, on the lab's documentation range.
func TestAWSManagedPrefixLists(t *testing.T) {
	l := newLab(t)
	pls := must[*ec2.DescribePrefixListsOutput](t)(l.a.DescribePrefixLists(ctx, &ec2.DescribePrefixListsInput{
		Filters: []types.Filter{filter("prefix-list-name", "com.amazonaws.us-east-1.s3")}})).PrefixLists
	if len(pls) != 1 || len(pls[0].Cidrs) != 1 || !strings.HasPrefix(pls[0].Cidrs[0], "198.51.100.") {
		t.Fatalf("S3 list: %+v", pls)
	}
	all := must[*ec2.DescribePrefixListsOutput](t)(l.a.DescribePrefixLists(ctx, &ec2.DescribePrefixListsInput{})).PrefixLists
	if len(all) != 2 {
		t.Fatalf("DescribePrefixLists: %d lists, want S3 and DynamoDB of us-east-1", len(all))
	}
	managed := must[*ec2.DescribeManagedPrefixListsOutput](t)(l.b.DescribeManagedPrefixLists(ctx, &ec2.DescribeManagedPrefixListsInput{
		Filters: []types.Filter{filter("owner-id", "AWS")}})).PrefixLists
	names := []string{}
	for _, p := range managed {
		names = append(names, *p.PrefixListName)
		if p.MaxEntries != nil || !strings.Contains(*p.PrefixListArn, ":aws:prefix-list/") {
			t.Errorf("AWS-managed list %s: %+v", *p.PrefixListName, p)
		}
	}
	slices.Sort(names)
	if want := []string{"com.amazonaws.global.cloudfront.origin-facing", "com.amazonaws.us-east-1.dynamodb", "com.amazonaws.us-east-1.s3"}; !slices.Equal(names, want) {
		t.Fatalf("AWS-managed lists: %v, want %v", names, want)
	}
	_, err := l.a.ModifyManagedPrefixList(ctx, &ec2.ModifyManagedPrefixListInput{PrefixListId: pls[0].PrefixListId, PrefixListName: sdkaws.String("x")})
	wantAPIError(t, err, "InvalidParameterValue")
	_, err = l.a.DescribeManagedPrefixLists(ctx, &ec2.DescribeManagedPrefixListsInput{PrefixListIds: []string{"pl-zz"}})
	wantAPIError(t, err, "InvalidPrefixListId.Malformed")
}

// TestGatewayEndpointRoutes: a gateway endpoint adds its service's prefix
// list route (target vpce-...) to the chosen tables, and modify and
// delete keep them in step.
func TestGatewayEndpointRoutes(t *testing.T) {
	l := newLab(t)
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "v")
	rt1 := must[*ec2.CreateRouteTableOutput](t)(l.a.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: vpc.VpcId})).RouteTable
	rt2 := must[*ec2.CreateRouteTableOutput](t)(l.a.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: vpc.VpcId})).RouteTable
	_, err := l.a.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: vpc.VpcId, ServiceName: sdkaws.String("com.amazonaws.us-east-1.nope")})
	wantAPIError(t, err, "InvalidServiceName")
	ep := must[*ec2.CreateVpcEndpointOutput](t)(l.a.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: vpc.VpcId,
		ServiceName: sdkaws.String("com.amazonaws.us-east-1.s3"), VpcEndpointType: types.VpcEndpointTypeGateway, RouteTableIds: []string{*rt1.RouteTableId}})).VpcEndpoint
	// AWS answers the state in lower case ("available"), though the API reference lists "Available".
	if ep.State != "available" || !strings.Contains(*ep.PolicyDocument, `"Effect":"Allow"`) || !slices.Equal(ep.RouteTableIds, []string{*rt1.RouteTableId}) {
		t.Fatalf("endpoint: %+v", ep)
	}
	s3 := must[*ec2.DescribePrefixListsOutput](t)(l.a.DescribePrefixLists(ctx, &ec2.DescribePrefixListsInput{
		Filters: []types.Filter{filter("prefix-list-name", "com.amazonaws.us-east-1.s3")}})).PrefixLists[0]
	got := must[*ec2.DescribeRouteTablesOutput](t)(l.a.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{*rt1.RouteTableId}})).RouteTables[0]
	if !slices.ContainsFunc(got.Routes, func(r types.Route) bool {
		return sdkaws.ToString(r.DestinationPrefixListId) == *s3.PrefixListId && sdkaws.ToString(r.GatewayId) == *ep.VpcEndpointId && r.State == types.RouteStateActive
	}) {
		t.Fatalf("routes of %s: %+v", *rt1.RouteTableId, got.Routes)
	}
	_, err = l.a.DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: rt1.RouteTableId, DestinationPrefixListId: s3.PrefixListId})
	wantAPIError(t, err, "InvalidParameterValue")
	must[*ec2.ModifyVpcEndpointOutput](t)(l.a.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: ep.VpcEndpointId,
		AddRouteTableIds: []string{*rt2.RouteTableId}, RemoveRouteTableIds: []string{*rt1.RouteTableId},
		PolicyDocument: sdkaws.String(`{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}]}`)}))
	_, err = l.a.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: ep.VpcEndpointId, PolicyDocument: sdkaws.String("{not json")})
	wantAPIError(t, err, "InvalidPolicyDocument")
	eps := must[*ec2.DescribeVpcEndpointsOutput](t)(l.a.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{Filters: []types.Filter{
		filter("vpc-endpoint-type", "Gateway"), filter("service-name", "com.amazonaws.*.s3"), filter("vpc-id", *vpc.VpcId)}})).VpcEndpoints
	if len(eps) != 1 || !slices.Equal(eps[0].RouteTableIds, []string{*rt2.RouteTableId}) || !strings.Contains(*eps[0].PolicyDocument, "Deny") {
		t.Fatalf("described: %+v", eps)
	}
	_, err = l.a.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{Filters: []types.Filter{filter("bogus", "x")}})
	wantAPIError(t, err, "InvalidParameterValue")
	del := must[*ec2.DeleteVpcEndpointsOutput](t)(l.a.DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{*ep.VpcEndpointId, "vpce-0123456789abcdef0"}}))
	if len(del.Unsuccessful) != 1 || *del.Unsuccessful[0].ResourceId != "vpce-0123456789abcdef0" || *del.Unsuccessful[0].Error.Code != "InvalidVpcEndpointId.NotFound" {
		t.Fatalf("unsuccessful: %+v", del.Unsuccessful)
	}
	got = must[*ec2.DescribeRouteTablesOutput](t)(l.a.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{*rt2.RouteTableId}})).RouteTables[0]
	if len(got.Routes) != 1 {
		t.Fatalf("routes after delete: %+v", got.Routes)
	}
	_, err = l.a.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{*ep.VpcEndpointId}})
	wantAPIError(t, err, "InvalidVpcEndpointId.NotFound")
}

// TestInterfaceEndpointAndServices: an interface endpoint is a network
// interface in each subnet, with DNS entries; DescribeVpcEndpointServices
// lists what the lab serves.
func TestInterfaceEndpointAndServices(t *testing.T) {
	l := newLab(t)
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "v")
	sub := mkSubnet(t, l.a, *vpc.VpcId, "10.0.1.0/24")
	ep := must[*ec2.CreateVpcEndpointOutput](t)(l.a.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: vpc.VpcId,
		ServiceName: sdkaws.String("com.amazonaws.us-east-1.sts"), VpcEndpointType: types.VpcEndpointTypeInterface, SubnetIds: []string{*sub.SubnetId}})).VpcEndpoint
	if len(ep.NetworkInterfaceIds) != 1 || !*ep.PrivateDnsEnabled || len(ep.Groups) != 1 || len(ep.DnsEntries) != 3 || *ep.DnsEntries[2].DnsName != "sts.us-east-1.amazonaws.com" {
		t.Fatalf("interface endpoint: %+v", ep)
	}
	enis := must[*ec2.DescribeNetworkInterfacesOutput](t)(l.a.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: ep.NetworkInterfaceIds})).NetworkInterfaces
	if len(enis) != 1 || *enis[0].SubnetId != *sub.SubnetId || enis[0].InterfaceType != "vpc_endpoint" || !*enis[0].RequesterManaged ||
		*enis[0].Description != "VPC Endpoint Interface "+*ep.VpcEndpointId || enis[0].Status != types.NetworkInterfaceStatusInUse {
		t.Fatalf("endpoint interfaces: %+v", enis)
	}
	managed := must[*ec2.DescribeNetworkInterfacesOutput](t)(l.a.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{
		Filters: []types.Filter{filter("requester-managed", "true"), filter("interface-type", "vpc_endpoint")}})).NetworkInterfaces
	if len(managed) != 1 {
		t.Fatalf("requester-managed vpc_endpoint interfaces: %+v", managed)
	}
	// AWS: https://github.com/gruntwork-io/cloud-nuke/issues/431 — the endpoint's interface cannot be deleted on its own
	_, err := l.a.DeleteNetworkInterface(ctx, &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: &ep.NetworkInterfaceIds[0]})
	wantAPIErrorMessage(t, err, "InvalidParameterValue", "Network interface '"+ep.NetworkInterfaceIds[0]+"' is currently in use.")
	sg := must[*ec2.CreateSecurityGroupOutput](t)(l.a.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: sdkaws.String("vpce"), Description: sdkaws.String("v"), VpcId: vpc.VpcId}))
	must[*ec2.ModifyVpcEndpointOutput](t)(l.a.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: ep.VpcEndpointId,
		AddSecurityGroupIds: []string{*sg.GroupId}, RemoveSecurityGroupIds: []string{*ep.Groups[0].GroupId}}))
	enis = must[*ec2.DescribeNetworkInterfacesOutput](t)(l.a.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: ep.NetworkInterfaceIds})).NetworkInterfaces
	if len(enis[0].Groups) != 1 || *enis[0].Groups[0].GroupId != *sg.GroupId {
		t.Fatalf("endpoint interface's groups after ModifyVpcEndpoint: %+v", enis[0].Groups)
	}
	must[*ec2.CreateTagsOutput](t)(l.a.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{*ep.VpcEndpointId}, Tags: []types.Tag{{Key: sdkaws.String("Name"), Value: sdkaws.String("sts")}}}))
	tags := must[*ec2.DescribeTagsOutput](t)(l.a.DescribeTags(ctx, &ec2.DescribeTagsInput{Filters: []types.Filter{filter("resource-type", "vpc-endpoint")}})).Tags
	if len(tags) != 1 || *tags[0].ResourceId != *ep.VpcEndpointId {
		t.Fatalf("tags of vpc-endpoint resources: %+v", tags)
	}
	_, err = l.a.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: vpc.VpcId, ServiceName: sdkaws.String("com.amazonaws.us-east-1.sts"), VpcEndpointType: "Bogus"})
	wantAPIError(t, err, "InvalidVpcEndpointType")
	svcs := must[*ec2.DescribeVpcEndpointServicesOutput](t)(l.a.DescribeVpcEndpointServices(ctx, &ec2.DescribeVpcEndpointServicesInput{
		Filters: []types.Filter{filter("service-type", "Gateway")}}))
	if !slices.Equal(svcs.ServiceNames, []string{"com.amazonaws.us-east-1.dynamodb", "com.amazonaws.us-east-1.s3"}) {
		t.Fatalf("gateway services: %v", svcs.ServiceNames)
	}
	_, err = l.a.DescribeVpcEndpointServices(ctx, &ec2.DescribeVpcEndpointServicesInput{ServiceNames: []string{"com.amazonaws.us-east-1.nope"}})
	wantAPIError(t, err, "InvalidServiceName")
}
