package aws_test

import (
	"slices"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

const flowRole = "arn:aws:iam::111111111111:role/flow-logs"

func logsClient(url string) *cloudwatchlogs.Client {
	return cloudwatchlogs.New(cloudwatchlogs.Options{Region: "us-east-1", BaseEndpoint: sdkaws.String(url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(credA.AccessKeyID, credA.SecretAccessKey, "")})
}

func flowLogIDs(t *testing.T, c *ec2.Client, filters ...types.Filter) []string {
	t.Helper()
	out := must[*ec2.DescribeFlowLogsOutput](t)(c.DescribeFlowLogs(ctx, &ec2.DescribeFlowLogsInput{Filter: filters}))
	var ids []string
	for _, f := range out.FlowLogs {
		ids = append(ids, *f.FlowLogId)
	}
	slices.Sort(ids)
	return ids
}

// Flow logs through the Go SDK: created for a VPC and an interface, a bad
// resource an unsuccessful item, a repeat FlowLogAlreadyExists, each
// documented filter, and deletion with an unknown ID unsuccessful.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateFlowLogs.html
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeFlowLogs.html
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteFlowLogs.html
func TestFlowLogsSDK(t *testing.T) {
	l := newLab(t)
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "v")
	sub := must[*ec2.CreateSubnetOutput](t)(l.a.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.VpcId, CidrBlock: sdkaws.String("10.0.1.0/24")})).Subnet
	eni := must[*ec2.CreateNetworkInterfaceOutput](t)(l.a.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: sub.SubnetId})).NetworkInterface

	out := must[*ec2.CreateFlowLogsOutput](t)(l.a.CreateFlowLogs(ctx, &ec2.CreateFlowLogsInput{
		ResourceType: types.FlowLogsResourceTypeVpc, ResourceIds: []string{*vpc.VpcId, "vpc-0123456789abcdef0"},
		TrafficType: types.TrafficTypeAll, LogGroupName: sdkaws.String("vpc-flows"), DeliverLogsPermissionArn: sdkaws.String(flowRole),
		MaxAggregationInterval: sdkaws.Int32(60),
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeVpcFlowLog,
			Tags: []types.Tag{{Key: sdkaws.String("team"), Value: sdkaws.String("net")}}}}}))
	if len(out.FlowLogIds) != 1 || len(out.Unsuccessful) != 1 || *out.Unsuccessful[0].ResourceId != "vpc-0123456789abcdef0" ||
		*out.Unsuccessful[0].Error.Code != "InvalidVpcID.NotFound" {
		t.Fatalf("CreateFlowLogs = %+v", out)
	}
	vpcFL := out.FlowLogIds[0]
	again := must[*ec2.CreateFlowLogsOutput](t)(l.a.CreateFlowLogs(ctx, &ec2.CreateFlowLogsInput{
		ResourceType: types.FlowLogsResourceTypeVpc, ResourceIds: []string{*vpc.VpcId}, TrafficType: types.TrafficTypeAll,
		LogGroupName: sdkaws.String("vpc-flows"), DeliverLogsPermissionArn: sdkaws.String(flowRole)}))
	if len(again.FlowLogIds) != 0 || len(again.Unsuccessful) != 1 || *again.Unsuccessful[0].Error.Code != "FlowLogAlreadyExists" {
		t.Errorf("a repeated flow log: %+v", again)
	}
	eniOut := must[*ec2.CreateFlowLogsOutput](t)(l.a.CreateFlowLogs(ctx, &ec2.CreateFlowLogsInput{
		ResourceType: types.FlowLogsResourceTypeNetworkInterface, ResourceIds: []string{*eni.NetworkInterfaceId},
		TrafficType: types.TrafficTypeReject, LogDestinationType: types.LogDestinationTypeS3,
		LogDestination: sdkaws.String("arn:aws:s3:::flow-bucket/eni"), LogFormat: sdkaws.String("${interface-id} ${srcaddr} ${action}")}))
	if len(eniOut.FlowLogIds) != 1 {
		t.Fatalf("interface flow log: %+v", eniOut)
	}
	eniFL := eniOut.FlowLogIds[0]

	d := must[*ec2.DescribeFlowLogsOutput](t)(l.a.DescribeFlowLogs(ctx, &ec2.DescribeFlowLogsInput{FlowLogIds: []string{vpcFL}})).FlowLogs
	if len(d) != 1 || *d[0].ResourceId != *vpc.VpcId || *d[0].LogGroupName != "vpc-flows" || *d[0].LogFormat != model.DefaultLogFormat ||
		*d[0].MaxAggregationInterval != 60 || *d[0].DeliverLogsPermissionArn != flowRole || *d[0].FlowLogStatus != "ACTIVE" ||
		*d[0].LogDestination != "arn:aws:logs:us-east-1:111111111111:log-group:vpc-flows" || d[0].LogDestinationType != types.LogDestinationTypeCloudWatchLogs ||
		*d[0].DeliverLogsStatus != "SUCCESS" || d[0].CreationTime == nil || len(d[0].Tags) != 1 {
		t.Errorf("DescribeFlowLogs = %+v", d)
	}
	both := []string{vpcFL, eniFL}
	slices.Sort(both)
	for _, c := range []struct {
		f    types.Filter
		want []string
	}{
		{filter("deliver-log-status", "SUCCESS"), both},
		{filter("deliver-log-status", "FAILED"), nil},
		{filter("log-destination-type", "s3"), []string{eniFL}},
		{filter("flow-log-id", vpcFL), []string{vpcFL}},
		{filter("log-group-name", "vpc-flows"), []string{vpcFL}},
		{filter("resource-id", *eni.NetworkInterfaceId), []string{eniFL}},
		{filter("traffic-type", "REJECT"), []string{eniFL}},
		{filter("tag:team", "net"), []string{vpcFL}},
		{filter("tag-key", "team"), []string{vpcFL}},
	} {
		if got := flowLogIDs(t, l.a, c.f); !slices.Equal(got, c.want) {
			t.Errorf("filter %s=%v: %v, want %v", *c.f.Name, c.f.Values, got, c.want)
		}
	}
	_, err := l.a.DescribeFlowLogs(ctx, &ec2.DescribeFlowLogsInput{Filter: []types.Filter{filter("no-such-filter", "x")}})
	wantAPIError(t, err, "InvalidParameterValue")
	_, err = l.a.DescribeFlowLogs(ctx, &ec2.DescribeFlowLogsInput{FlowLogIds: []string{"fl-0123456789abcdef0"}})
	wantAPIError(t, err, "InvalidFlowLogId.NotFound")
	if got := flowLogIDs(t, l.b); len(got) != 0 {
		t.Errorf("another account sees %v", got)
	}

	del := must[*ec2.DeleteFlowLogsOutput](t)(l.a.DeleteFlowLogs(ctx, &ec2.DeleteFlowLogsInput{FlowLogIds: []string{vpcFL, "fl-0123456789abcdef0"}}))
	if len(del.Unsuccessful) != 1 || *del.Unsuccessful[0].ResourceId != "fl-0123456789abcdef0" || *del.Unsuccessful[0].Error.Code != "InvalidFlowLogId.NotFound" {
		t.Errorf("DeleteFlowLogs = %+v", del.Unsuccessful)
	}
	if got := flowLogIDs(t, l.a); !slices.Equal(got, []string{eniFL}) {
		t.Errorf("after delete: %v", got)
	}
}

// Bad parameters fail the whole call with InvalidParameter.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateFlowLogs.html — DeliverLogsPermissionArn required for cloud-watch-logs, not for s3; MaxAggregationInterval 60 | 600
func TestFlowLogsBadInput(t *testing.T) {
	l := newLab(t)
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "v")
	base := func() *ec2.CreateFlowLogsInput {
		return &ec2.CreateFlowLogsInput{ResourceType: types.FlowLogsResourceTypeVpc, ResourceIds: []string{*vpc.VpcId},
			TrafficType: types.TrafficTypeAccept, LogGroupName: sdkaws.String("g"), DeliverLogsPermissionArn: sdkaws.String(flowRole)}
	}
	for name, mod := range map[string]func(*ec2.CreateFlowLogsInput){
		"no role":       func(in *ec2.CreateFlowLogsInput) { in.DeliverLogsPermissionArn = nil },
		"interval":      func(in *ec2.CreateFlowLogsInput) { in.MaxAggregationInterval = sdkaws.Int32(300) },
		"unknown field": func(in *ec2.CreateFlowLogsInput) { in.LogFormat = sdkaws.String("${srcaddr} ${colour}") },
		"trailing":      func(in *ec2.CreateFlowLogsInput) { in.LogFormat = sdkaws.String(model.DefaultLogFormat + " ") },
		"s3 with role":  func(in *ec2.CreateFlowLogsInput) { in.LogDestinationType = types.LogDestinationTypeS3 },
		"traffic":       func(in *ec2.CreateFlowLogsInput) { in.TrafficType = "SOME" },
	} {
		in := base()
		mod(in)
		_, err := l.a.CreateFlowLogs(ctx, in)
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if !strings.Contains(err.Error(), "InvalidParameter") {
			t.Errorf("%s: %v, want InvalidParameter", name, err)
		}
	}
}

// The CloudWatch Logs API on the same endpoint: create, list, describe
// streams, read and filter events, delete, with its exceptions.
// AWS: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/Welcome.html
func TestCloudWatchLogsSDK(t *testing.T) {
	l := newLab(t)
	cw := logsClient(l.url)
	must[*cloudwatchlogs.CreateLogGroupOutput](t)(cw.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: sdkaws.String("flows/a")}))
	_, err := cw.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: sdkaws.String("flows/a")})
	wantAPIError(t, err, "ResourceAlreadyExistsException")
	recs := []string{
		"2 111111111111 eni-1 10.0.1.5 10.0.1.6 40000 80 6 5 400 100 160 ACCEPT OK",
		"2 111111111111 eni-1 10.0.1.6 10.0.1.5 80 40000 6 4 300 100 160 ACCEPT OK",
		"2 111111111111 eni-1 10.0.1.7 10.0.1.5 40001 22 6 1 60 100 160 REJECT OK",
	}
	var evs []model.LogEvent
	for i, r := range recs {
		evs = append(evs, model.LogEvent{Timestamp: int64(1000 + i), Message: r})
	}
	if err := l.cloud.DeliverLogEvents(credA.AccountID, "us-east-1", "flows/b", "eni-1", evs, true); err != nil {
		t.Fatal(err)
	}
	gs := must[*cloudwatchlogs.DescribeLogGroupsOutput](t)(cw.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: sdkaws.String("flows/")}))
	if len(gs.LogGroups) != 2 || *gs.LogGroups[1].LogGroupName != "flows/b" || *gs.LogGroups[1].Arn != "arn:aws:logs:us-east-1:111111111111:log-group:flows/b:*" {
		t.Errorf("DescribeLogGroups = %+v", gs.LogGroups)
	}
	ss := must[*cloudwatchlogs.DescribeLogStreamsOutput](t)(cw.DescribeLogStreams(ctx, &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: sdkaws.String("flows/b")}))
	if len(ss.LogStreams) != 1 || *ss.LogStreams[0].LogStreamName != "eni-1" || *ss.LogStreams[0].LastEventTimestamp != 1002 {
		t.Errorf("DescribeLogStreams = %+v", ss.LogStreams)
	}
	ge := must[*cloudwatchlogs.GetLogEventsOutput](t)(cw.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: sdkaws.String("flows/b"),
		LogStreamName: sdkaws.String("eni-1"), StartFromHead: sdkaws.Bool(true), Limit: sdkaws.Int32(2)}))
	if len(ge.Events) != 2 || *ge.Events[0].Message != recs[0] {
		t.Errorf("GetLogEvents = %+v", ge.Events)
	}
	rest := must[*cloudwatchlogs.GetLogEventsOutput](t)(cw.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: sdkaws.String("flows/b"),
		LogStreamName: sdkaws.String("eni-1"), NextToken: ge.NextForwardToken}))
	if len(rest.Events) != 1 || *rest.Events[0].Message != recs[2] {
		t.Errorf("GetLogEvents next page = %+v", rest.Events)
	}
	for pattern, want := range map[string]int{
		"":                    3,
		"REJECT":              1,
		`"10.0.1.6 10.0.1.5"`: 1,
		"[v, a, eni, src, dst, sp, dp=80, p=6, ...rest]":                        1,
		"[v, a, eni, src, dst, sp, dp, p, pk, b, s, e, action!=REJECT, status]": 2,
		"[v, a, eni, src=10.0.1.*, dst, ...rest]":                               3,
	} {
		fe := must[*cloudwatchlogs.FilterLogEventsOutput](t)(cw.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{
			LogGroupName: sdkaws.String("flows/b"), FilterPattern: sdkaws.String(pattern)}))
		if len(fe.Events) != want {
			t.Errorf("FilterLogEvents %q: %d events, want %d", pattern, len(fe.Events), want)
		}
	}
	_, err = cw.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: sdkaws.String("nope"), LogStreamName: sdkaws.String("eni-1")})
	wantAPIError(t, err, "ResourceNotFoundException")
	must[*cloudwatchlogs.DeleteLogGroupOutput](t)(cw.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: sdkaws.String("flows/b")}))
	_, err = cw.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: sdkaws.String("flows/b")})
	wantAPIError(t, err, "ResourceNotFoundException")
}
