package model

import (
	"bytes"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

const role = "arn:aws:iam::111111111111:role/flow-logs"

func cwlSpec(typ, id string) FlowLogSpec {
	return FlowLogSpec{ResourceType: typ, ResourceID: id, TrafficType: TrafficAll, LogGroupName: "vpc-flows",
		DeliverLogsPermissionARN: role}
}

// A flow log takes AWS's defaults, refuses what CreateFlowLogs refuses,
// and exists once per resource, traffic type and destination.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateFlowLogs.html
func TestFlowLogCreate(t *testing.T) {
	c := newCloud(t)
	n := mustNetwork(t, c, "10.0.0.0/16")
	at := Place{Region: n.Region}
	f, err := c.CreateFlowLog(acct, at, cwlSpec(FlowLogVPC, n.ID))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(f.ID, "fl-") || f.LogFormat != DefaultLogFormat || f.MaxAggregationInterval != 600 ||
		f.DestinationType != DestinationCloudWatchLogs || f.Destination != LogGroupARN(n.Region, acct, "vpc-flows") {
		t.Errorf("flow log = %+v", f)
	}
	_, err = c.CreateFlowLog(acct, at, cwlSpec(FlowLogVPC, n.ID))
	wantCode(t, err, CodeAlreadyExists)
	_, err = c.CreateFlowLog(acct, at, cwlSpec(FlowLogVPC, "vpc-0000000000000000a"))
	wantCode(t, err, CodeNotFound)
	_, err = c.CreateFlowLog(acct, at, cwlSpec(FlowLogSubnet, n.ID))
	wantCode(t, err, CodeNotFound)

	bad := []func(*FlowLogSpec){
		func(s *FlowLogSpec) { s.TrafficType = "SOME" },
		func(s *FlowLogSpec) { s.ResourceType = "Instance" },
		func(s *FlowLogSpec) { s.MaxAggregationInterval = 120 },
		func(s *FlowLogSpec) { s.DeliverLogsPermissionARN = "" },
		func(s *FlowLogSpec) { s.LogGroupName = "" },
		func(s *FlowLogSpec) { s.Destination = "arn:aws:logs:us-east-1:111111111111:log-group:x" },
		func(s *FlowLogSpec) { s.LogFormat = "${srcaddr} ${nosuch}" },
		func(s *FlowLogSpec) { s.LogFormat = DefaultLogFormat + " " },
		func(s *FlowLogSpec) { s.DestinationType = DestinationS3 },
		func(s *FlowLogSpec) { s.DestinationType = "kinesis" },
	}
	for i, mod := range bad {
		s := cwlSpec(FlowLogVPC, n.ID)
		s.TrafficType = TrafficAccept
		mod(&s)
		if _, err := c.CreateFlowLog(acct, at, s); CodeOf(err) != CodeInvalidParameter {
			t.Errorf("bad spec %d: err = %v, want InvalidParameter", i, err)
		}
	}
	s3 := FlowLogSpec{ResourceType: FlowLogVPC, ResourceID: n.ID, TrafficType: TrafficReject, DestinationType: DestinationS3,
		Destination: "arn:aws:s3:::flows/vpc", MaxAggregationInterval: 60, LogFormat: "${srcaddr} ${dstaddr} ${action} ${flow-direction}"}
	g, err := c.CreateFlowLog(acct, at, s3)
	if err != nil {
		t.Fatal(err)
	}
	if g.Destination != "arn:aws:s3:::flows/vpc" || g.LogGroupName != "" || g.MaxAggregationInterval != 60 {
		t.Errorf("s3 flow log = %+v", g)
	}
	byARN := cwlSpec(FlowLogVPC, n.ID)
	byARN.LogGroupName, byARN.Destination, byARN.TrafficType = "", LogGroupARN(n.Region, acct, "other")+":*", TrafficAccept
	h, err := c.CreateFlowLog(acct, at, byARN)
	if err != nil || h.LogGroupName != "other" {
		t.Fatalf("by ARN: %+v, %v", h, err)
	}
	if got := len(c.FlowLogs(acct)); got != 3 {
		t.Errorf("%d flow logs, want 3", got)
	}
	if err := c.DeleteFlowLog(acct, f.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, c.DeleteFlowLog(acct, f.ID), CodeNotFound)
}

// Records render in their format: the default one as AWS's example, a
// custom one with the version of its newest field and "-" for what does
// not apply.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-records-examples.html — accepted and rejected traffic
func TestFlowRecordRender(t *testing.T) {
	r := FlowRecord{Account: "123456789010", InterfaceID: "eni-1235b8ca123456789", Src: netip.MustParseAddr("172.31.16.139"),
		Dst: netip.MustParseAddr("172.31.16.21"), SrcPort: 20641, DstPort: 22, Protocol: 6, Packets: 20, Bytes: 4249,
		Start: time.Unix(1418530010, 0), End: time.Unix(1418530070, 0), Action: TrafficAccept, NetworkID: "vpc-1"}
	f, err := ParseLogFormat(DefaultLogFormat)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.Render(r), "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK"; got != want {
		t.Errorf("default record:\n got  %s\n want %s", got, want)
	}
	f, err = ParseLogFormat("${version} ${vpc-id} ${instance-id} ${type} ${flow-direction} ${pkt-src-aws-service}")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.Render(r), "5 vpc-1 - IPv4 ingress -"; got != want {
		t.Errorf("custom record: got %q, want %q", got, want)
	}
}

// Delivered events make their log group and stream, keep their order, and
// are dropped oldest first past the stream's size.
func TestLogGroups(t *testing.T) {
	c := newCloud(t)
	if _, err := c.CreateLogGroup(acct, "us-east-1", "a/b"); err != nil {
		t.Fatal(err)
	}
	_, err := c.CreateLogGroup(acct, "us-east-1", "a/b")
	wantCode(t, err, CodeAlreadyExists)
	_, err = c.CreateLogGroup(acct, "us-east-1", "bad name")
	wantCode(t, err, CodeInvalidParameter)
	wantCode(t, c.DeliverLogEvents(acct, "us-east-1", "flows", "eni-1", []LogEvent{{Message: "x"}}, false), CodeNotFound)
	evs := make([]LogEvent, MaxEventsPerStream+2)
	for i := range evs {
		evs[i] = LogEvent{Timestamp: int64(i), Message: "m"}
	}
	if err := c.DeliverLogEvents(acct, "us-east-1", "flows", "eni-1", evs, true); err != nil {
		t.Fatal(err)
	}
	g, err := c.LogGroup(acct, "us-east-1", "flows")
	if err != nil {
		t.Fatal(err)
	}
	s := g.Streams["eni-1"]
	if s == nil || len(s.Events) != MaxEventsPerStream || s.Events[0].Timestamp != 2 || s.Events[0].IngestionTime == 0 {
		t.Fatalf("stream = %+v", s)
	}
	if gs := c.LogGroups(acct, "us-east-1", "a"); len(gs) != 1 || gs[0].Name != "a/b" {
		t.Errorf("groups with prefix a = %+v", gs)
	}
	if err := c.DeleteLogGroup(acct, "us-east-1", "flows"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, c.DeleteLogGroup(acct, "us-east-1", "flows"), CodeNotFound)
}

// Flow logs and log groups with their events come back from a snapshot.
func TestSnapshotRestoresFlowLogs(t *testing.T) {
	c := newCloud(t)
	n := mustNetwork(t, c, "10.0.0.0/16")
	spec := cwlSpec(FlowLogVPC, n.ID)
	spec.Tags = map[string]string{"team": "net"}
	f, err := c.CreateFlowLog(acct, Place{Region: n.Region}, spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.DeliverLogEvents(acct, n.Region, "vpc-flows", "eni-1", []LogEvent{{Timestamp: 5, Message: "2 rec"}}, true); err != nil {
		t.Fatal(err)
	}
	b, _, err := c.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	r := New()
	if err := r.Restore(b); err != nil {
		t.Fatal(err)
	}
	if got := r.FlowLogs(acct); !reflect.DeepEqual(got, c.FlowLogs(acct)) || len(got) != 1 || got[0].Tags["team"] != "net" {
		t.Errorf("flow logs after restore = %+v, want %+v", got, f)
	}
	g1, _ := c.LogGroup(acct, n.Region, "vpc-flows")
	g2, err := r.LogGroup(acct, n.Region, "vpc-flows")
	if err != nil || !reflect.DeepEqual(g1, g2) {
		t.Errorf("log group after restore = %+v, %v; want %+v", g2, err, g1)
	}
	b2, _, _ := r.Snapshot()
	if !bytes.Equal(b, b2) {
		t.Errorf("the restored cloud's snapshot differs")
	}
}
