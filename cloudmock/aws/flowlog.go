package aws

import (
	"errors"
	"strconv"
	"time"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// VPC flow logs: created per resource (a bad resource is an unsuccessful
// item, not a failed call), described with every documented filter,
// deleted per ID. The lab delivers their records (cloudmock/realize) to
// the CloudWatch Logs API this endpoint serves (logs.go).
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html

func init() {
	register("CreateFlowLogs", createFlowLogs)
	register("DescribeFlowLogs", describeFlowLogs)
	register("DeleteFlowLogs", deleteFlowLogs)
}

// xmlFlowLog is EC2's FlowLog.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_FlowLog.html — FlowLog
type xmlFlowLog struct {
	CreationTime             string   `xml:"creationTime"`
	DeliverLogsPermissionArn string   `xml:"deliverLogsPermissionArn,omitempty"`
	DeliverLogsStatus        string   `xml:"deliverLogsStatus"`
	FlowLogID                string   `xml:"flowLogId"`
	FlowLogStatus            string   `xml:"flowLogStatus"`
	LogGroupName             string   `xml:"logGroupName,omitempty"`
	ResourceID               string   `xml:"resourceId"`
	TrafficType              string   `xml:"trafficType"`
	LogDestinationType       string   `xml:"logDestinationType"`
	LogDestination           string   `xml:"logDestination"`
	LogFormat                string   `xml:"logFormat"`
	MaxAggregationInterval   int      `xml:"maxAggregationInterval"`
	Tags                     []xmlTag `xml:"tagSet>item"`
}

// flowLogDeliveryStatus is every flow log's deliverLogsStatus: the lab's
// delivery to its own log groups does not fail for want of permission.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_FlowLog.html — deliverLogsStatus SUCCESS | FAILED; flowLogStatus ACTIVE
const flowLogDeliveryStatus = "SUCCESS"

func toXMLFlowLog(f model.FlowLog) xmlFlowLog {
	return xmlFlowLog{CreationTime: f.CreatedAt.UTC().Format(time.RFC3339Nano), DeliverLogsPermissionArn: f.DeliverLogsPermissionARN,
		DeliverLogsStatus: flowLogDeliveryStatus, FlowLogID: f.ID, FlowLogStatus: "ACTIVE", LogGroupName: f.LogGroupName,
		ResourceID: f.ResourceID, TrafficType: f.TrafficType, LogDestinationType: f.DestinationType, LogDestination: f.Destination,
		LogFormat: f.LogFormat, MaxAggregationInterval: f.MaxAggregationInterval, Tags: tagSet(f.Tags)}
}

// flowLogFields are DescribeFlowLogs' filters.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeFlowLogs.html — deliver-log-status, log-destination-type, flow-log-id, log-group-name, resource-id, traffic-type, tag:<key>, tag-key
func flowLogFields(f model.FlowLog) fields {
	return withTags(f.Tags, func(name string) ([]string, bool) {
		switch name {
		case "deliver-log-status":
			return one(flowLogDeliveryStatus), true
		case "log-destination-type":
			return one(f.DestinationType), true
		case "flow-log-id":
			return one(f.ID), true
		case "log-group-name":
			return one(f.LogGroupName), true
		case "resource-id":
			return one(f.ResourceID), true
		case "traffic-type":
			return one(f.TrafficType), true
		}
		return nil, false
	})
}

type createFlowLogsResp struct {
	meta
	ClientToken  string            `xml:"clientToken,omitempty"`
	FlowLogIDs   []string          `xml:"flowLogIdSet>item"`
	Unsuccessful []xmlUnsuccessful `xml:"unsuccessful>item"`
}

// createFlowLogs makes one flow log per ResourceId.N; a resource that
// does not exist, or already has such a flow log, is an unsuccessful item.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateFlowLogs.html — ResourceId.N, ResourceType, TrafficType, LogDestinationType, LogGroupName, LogDestination, DeliverLogsPermissionArn, LogFormat, MaxAggregationInterval, TagSpecification.N; flowLogIdSet and unsuccessful
func createFlowLogs(h *Handler, c *call) (response, error) {
	ids := c.form.list("ResourceId")
	if len(ids) == 0 {
		return nil, errMissing("ResourceId")
	}
	typ, err := c.form.required("ResourceType")
	if err != nil {
		return nil, err
	}
	interval, err := c.form.intOr("MaxAggregationInterval", 0)
	if err != nil {
		return nil, err
	}
	tags, err := c.form.tagSpecs("vpc-flow-log")
	if err != nil {
		return nil, err
	}
	spec := model.FlowLogSpec{ResourceType: typ, TrafficType: c.form.str("TrafficType"), DestinationType: c.form.str("LogDestinationType"),
		LogGroupName: c.form.str("LogGroupName"), Destination: c.form.str("LogDestination"),
		DeliverLogsPermissionARN: c.form.str("DeliverLogsPermissionArn"), LogFormat: c.form.str("LogFormat"),
		MaxAggregationInterval: interval, Tags: tags}
	r := &createFlowLogsResp{ClientToken: c.form.str("ClientToken"), FlowLogIDs: []string{}, Unsuccessful: []xmlUnsuccessful{}}
	for _, id := range ids {
		spec.ResourceID = id
		var f model.FlowLog
		err := error(nil)
		if !h.seenIn(c, id) {
			err = notFoundError(id)
		} else {
			f, err = h.cloud.CreateFlowLog(c.account, model.Place{Region: c.region}, spec)
		}
		if err != nil {
			if model.CodeOf(err) == model.CodeInvalidParameter {
				return nil, flowLogError(err) // a bad parameter fails the whole call
			}
			ae := flowLogError(err)
			r.Unsuccessful = append(r.Unsuccessful, xmlUnsuccessful{Error: xmlErrorItem{Code: ae.Code, Message: ae.Message}, ResourceID: id})
			continue
		}
		r.FlowLogIDs = append(r.FlowLogIDs, f.ID)
	}
	return r, nil
}

type describeFlowLogsResp struct {
	meta
	FlowLogs  []xmlFlowLog `xml:"flowLogSet>item"`
	NextToken string       `xml:"nextToken,omitempty"`
}

// describeFlowLogs lists flow logs by FlowLogId.N and Filter.N.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeFlowLogs.html
func describeFlowLogs(h *Handler, c *call) (response, error) {
	id := func(f model.FlowLog) string { return f.ID }
	page, next, err := selectObjects(c.form, "FlowLogId", regional(h, c, h.cloud.FlowLogs(c.account), id), id, flowLogFields)
	if err != nil {
		return nil, err
	}
	return &describeFlowLogsResp{FlowLogs: convertAll(page, toXMLFlowLog), NextToken: next}, nil
}

type deleteFlowLogsResp struct {
	meta
	Unsuccessful []xmlUnsuccessful `xml:"unsuccessful>item"`
}

// deleteFlowLogs deletes each flow log it can and lists the others.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteFlowLogs.html — FlowLogId.N (at most 1000); unsuccessful lists the flow logs not deleted
func deleteFlowLogs(h *Handler, c *call) (response, error) {
	ids := c.form.list("FlowLogId")
	if len(ids) == 0 {
		return nil, errMissing("FlowLogId")
	}
	if len(ids) > 1000 {
		return nil, errInvalid("Maximum of 1000 flow log IDs allowed, got %s", strconv.Itoa(len(ids)))
	}
	r := &deleteFlowLogsResp{Unsuccessful: []xmlUnsuccessful{}}
	for _, id := range ids {
		err := error(nil)
		if !h.seenIn(c, id) {
			err = errNoFlowLog(id)
		} else {
			err = h.cloud.DeleteFlowLog(c.account, id)
		}
		if err != nil {
			ae := flowLogError(err)
			r.Unsuccessful = append(r.Unsuccessful, xmlUnsuccessful{Error: xmlErrorItem{Code: ae.Code, Message: ae.Message}, ResourceID: id})
		}
	}
	return r, nil
}

// errNoFlowLog is the unsuccessful item of a flow log that does not exist.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html — InvalidFlowLogId.NotFound: the specified flow log does not exist
func errNoFlowLog(id string) *apiError {
	return &apiError{Code: "InvalidFlowLogId.NotFound", Message: "These flow log ids in the input list are not found: [TotalCount: 1] " + clip(id), Status: 400}
}

// flowLogError is EC2's code for a flow log's model error.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html — FlowLogAlreadyExists, InvalidFlowLogId.NotFound, InvalidParameter (a parameter is not valid)
func flowLogError(err error) *apiError {
	var me *model.Error
	ok := errors.As(err, &me)
	switch {
	case ok && me.Kind == model.KindFlowLog && me.Code == model.CodeInvalidParameter:
		return &apiError{Code: "InvalidParameter", Message: me.Msg, Status: 400}
	case ok && me.Kind == model.KindFlowLog && me.Code == model.CodeNotFound:
		return errNoFlowLog(me.ID)
	case ok && me.Kind == model.KindFlowLog && me.Code == model.CodeAlreadyExists:
		return &apiError{Code: "FlowLogAlreadyExists", Message: me.Msg, Status: 400}
	}
	return toAPIError(err)
}
