package aws_test

import (
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// TestFlowLogsAWSCLI: the AWS CLI creates, filters and deletes flow logs
// (aws ec2) and reads the records delivered to a log group (aws logs),
// pointed at the lab by --endpoint-url.
func TestFlowLogsAWSCLI(t *testing.T) {
	bin := awsCLIPath(t)
	l := newLab(t)
	ec2CLI, logsCLI := cliRunner(t, bin, l), cliServiceRunner(t, bin, l, "logs")
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "v")
	var created struct {
		FlowLogIds   []string
		Unsuccessful []struct {
			ResourceId string
			Error      struct{ Code string }
		}
	}
	ec2CLI(&created, "create-flow-logs", "--resource-type", "VPC", "--resource-ids", *vpc.VpcId, "vpc-0aaaaaaaaaaaaaaaa",
		"--traffic-type", "ALL", "--log-group-name", "cli-flows", "--deliver-logs-permission-arn", flowRole,
		"--max-aggregation-interval", "60", "--tag-specifications", "ResourceType=vpc-flow-log,Tags=[{Key=env,Value=lab}]")
	if len(created.FlowLogIds) != 1 || len(created.Unsuccessful) != 1 || created.Unsuccessful[0].Error.Code != "InvalidVpcID.NotFound" {
		t.Fatalf("create-flow-logs: %+v", created)
	}
	var described struct {
		FlowLogs []struct {
			FlowLogId, ResourceId, LogGroupName, TrafficType, LogFormat string
			MaxAggregationInterval                                      int
		}
	}
	ec2CLI(&described, "describe-flow-logs", "--filter", "Name=resource-id,Values="+*vpc.VpcId, "Name=tag:env,Values=lab")
	if len(described.FlowLogs) != 1 || described.FlowLogs[0].FlowLogId != created.FlowLogIds[0] || described.FlowLogs[0].LogGroupName != "cli-flows" ||
		described.FlowLogs[0].LogFormat != model.DefaultLogFormat || described.FlowLogs[0].MaxAggregationInterval != 60 {
		t.Errorf("describe-flow-logs: %+v", described)
	}
	ec2CLI(&described, "describe-flow-logs", "--filter", "Name=traffic-type,Values=REJECT")
	if len(described.FlowLogs) != 0 {
		t.Errorf("describe-flow-logs traffic-type=REJECT: %+v", described)
	}

	rec := "2 111111111111 eni-0123 10.0.1.5 10.0.1.6 40000 80 6 5 400 100 160 ACCEPT OK"
	if err := l.cloud.DeliverLogEvents(credA.AccountID, "us-east-1", "cli-flows", "eni-0123", []model.LogEvent{{Timestamp: 100000, Message: rec}}, true); err != nil {
		t.Fatal(err)
	}
	var events struct{ Events []struct{ Message string } }
	logsCLI(&events, "get-log-events", "--log-group-name", "cli-flows", "--log-stream-name", "eni-0123", "--start-from-head")
	if len(events.Events) != 1 || events.Events[0].Message != rec {
		t.Errorf("get-log-events: %+v", events)
	}
	logsCLI(&events, "filter-log-events", "--log-group-name", "cli-flows", "--filter-pattern", "[v, a, eni, src, dst, sp, dp=80, ...rest]")
	if len(events.Events) != 1 {
		t.Errorf("filter-log-events: %+v", events)
	}

	var deleted struct {
		Unsuccessful []struct {
			ResourceId string
			Error      struct{ Code string }
		}
	}
	ec2CLI(&deleted, "delete-flow-logs", "--flow-log-ids", created.FlowLogIds[0], "fl-0bbbbbbbbbbbbbbbb")
	if len(deleted.Unsuccessful) != 1 || deleted.Unsuccessful[0].ResourceId != "fl-0bbbbbbbbbbbbbbbb" || deleted.Unsuccessful[0].Error.Code != "InvalidFlowLogId.NotFound" {
		t.Errorf("delete-flow-logs: %+v", deleted)
	}
}
