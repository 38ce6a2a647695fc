package model

import (
	"strings"
	"time"
)

// VPC flow logs: what an account asks to be recorded of the IP traffic
// of a VPC's, a subnet's or one network interface's interfaces, and where
// the records go. The realizer writes the records from the flows it sees
// in the kernel (cloudmock/realize, flowlogs.go) to the flow log's log
// group (logs.go) and to a file of the lab.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html — flow logs capture the IP traffic of a VPC, subnet or network interface

// KindFlowLog is a VPC flow log.
const KindFlowLog Kind = "flow-log"

// The resource types a flow log watches.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateFlowLogs.html — ResourceType: VPC | Subnet | NetworkInterface (and the transit gateway types)
const (
	FlowLogVPC              = "VPC"
	FlowLogSubnet           = "Subnet"
	FlowLogNetworkInterface = "NetworkInterface"
)

// The traffic types a flow log records.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateFlowLogs.html — TrafficType: ACCEPT | REJECT | ALL
const (
	TrafficAccept = "ACCEPT"
	TrafficReject = "REJECT"
	TrafficAll    = "ALL"
)

// The destinations a flow log publishes to. The lab delivers to
// CloudWatch Logs (its log groups, logs.go); an s3 flow log is kept with
// its bucket's ARN but the lab has no S3 to deliver to: its records go to
// the lab's file only (cloudmock/realize).
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateFlowLogs.html — LogDestinationType: cloud-watch-logs | s3 | kinesis-data-firehose; default cloud-watch-logs
const (
	DestinationCloudWatchLogs = "cloud-watch-logs"
	DestinationS3             = "s3"
)

// DefaultAggregationInterval is a flow log's maximum aggregation interval
// in seconds when none is given; 60 is the other value allowed.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html#flow-logs-aggregration-interval — by default the maximum aggregation interval is 10 minutes; 1 minute may be chosen
const DefaultAggregationInterval = 600

// FlowLog is one flow log of one resource.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_FlowLog.html — FlowLog
type FlowLog struct {
	ID           string
	Meta         `json:"-"` // scope, name and handle (names.go)
	Account      string
	Region       string
	ResourceType string // FlowLogVPC, FlowLogSubnet or FlowLogNetworkInterface
	ResourceID   string
	TrafficType  string // TrafficAccept, TrafficReject or TrafficAll
	// DestinationType is DestinationCloudWatchLogs or DestinationS3;
	// Destination is the log group's or bucket's ARN, LogGroupName the
	// log group's name (CloudWatch Logs only).
	DestinationType string
	Destination     string
	LogGroupName    string `json:",omitempty"`
	// DeliverLogsPermissionARN is the IAM role the service would publish
	// with; the lab keeps it and checks its shape only.
	DeliverLogsPermissionARN string `json:",omitempty"`
	// LogFormat is the record format, DefaultLogFormat when none was given.
	LogFormat              string
	MaxAggregationInterval int // seconds: 60 or 600
	CreatedAt              time.Time
	Tags                   map[string]string
}

func (f *FlowLog) ref() ref { return ref{KindFlowLog, f.ID, f.Account} }

func (f *FlowLog) copy(c *Cloud) FlowLog {
	out := *f
	out.Meta = c.metaLocked(f.ID)
	out.Tags = c.tagsLocked(f.ID)
	return out
}

// Records reports whether the flow log records traffic with the action
// (TrafficAccept or TrafficReject).
func (f FlowLog) Records(action string) bool {
	return f.TrafficType == TrafficAll || f.TrafficType == action
}

// FlowLogSpec says what CreateFlowLog makes.
type FlowLogSpec struct {
	ResourceType, ResourceID string
	TrafficType              string
	DestinationType          string // "" is DestinationCloudWatchLogs
	// LogGroupName or Destination (a log group's ARN) for CloudWatch Logs;
	// Destination (a bucket's ARN) for S3.
	LogGroupName, Destination string
	DeliverLogsPermissionARN  string
	LogFormat                 string // "" is DefaultLogFormat
	MaxAggregationInterval    int    // 0 is DefaultAggregationInterval
	Tags                      map[string]string
}

// CreateFlowLog makes a flow log of one resource, in the resource's
// region (at names its scope and name only). A flow
// log with the same resource, traffic type and destination exists
// already: AlreadyExists. The log group is made when the first records
// are delivered if it does not exist then.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateFlowLogs.html
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-cwl.html — if the log group does not exist, the flow log creates it
func (c *Cloud) CreateFlowLog(account string, at Place, spec FlowLogSpec) (FlowLog, error) {
	f, err := checkFlowLogSpec(account, spec)
	if err != nil {
		return FlowLog{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.limitsLocked(account); err != nil {
		return FlowLog{}, err
	}
	region, err := c.flowLogResourceLocked(account, f.ResourceType, f.ResourceID)
	if err != nil {
		return FlowLog{}, err
	}
	at.Region, f.Region = region, region
	if f.DestinationType == DestinationCloudWatchLogs {
		f.Destination = LogGroupARN(region, account, f.LogGroupName)
	}
	for _, o := range c.flowLogs {
		if o.Account == account && o.ResourceID == f.ResourceID && o.TrafficType == f.TrafficType && o.Destination == f.Destination {
			// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html — FlowLogAlreadyExists: a flow log with the same configuration and log destination exists
			return FlowLog{}, errf(CodeAlreadyExists, KindFlowLog, o.ID, "Error. There is an existing Flow Log with the same configuration and log destination.")
		}
	}
	id, err := c.newIDLocked(account, KindFlowLog, at)
	if err != nil {
		return FlowLog{}, err
	}
	f.ID = id
	f.CreatedAt = time.Now().UTC().Truncate(time.Millisecond)
	c.flowLogs.put(f)
	c.registerAtLocked(KindFlowLog, id, account, at, spec.Tags)
	return f.copy(c), nil
}

// flowLogResourceLocked returns the region of the resource a flow log
// watches, which the account must own.
func (c *Cloud) flowLogResourceLocked(account, typ, id string) (string, error) {
	switch typ {
	case FlowLogVPC:
		n, err := c.networks.get(account, id)
		if err != nil {
			return "", err
		}
		return n.Region, nil
	case FlowLogSubnet:
		s, err := c.subnets.get(account, id)
		if err != nil {
			return "", err
		}
		return s.Region, nil
	}
	e, err := c.enis.get(account, id)
	if err != nil {
		return "", err
	}
	return e.Region, nil
}

// checkFlowLogSpec checks a spec's values and returns the flow log it
// makes, without ID.
func checkFlowLogSpec(account string, spec FlowLogSpec) (*FlowLog, error) {
	bad := func(format string, args ...any) (*FlowLog, error) {
		return nil, errf(CodeInvalidParameter, KindFlowLog, "", format, args...)
	}
	switch spec.ResourceType {
	case FlowLogVPC, FlowLogSubnet, FlowLogNetworkInterface:
	default:
		return bad("Invalid ResourceType: '%s'. Valid values: VPC, Subnet, NetworkInterface", Clip(spec.ResourceType))
	}
	switch spec.TrafficType {
	case TrafficAccept, TrafficReject, TrafficAll:
	default:
		return bad("Invalid TrafficType: '%s'. Valid values: ACCEPT, REJECT, ALL", Clip(spec.TrafficType))
	}
	f := &FlowLog{Account: account, ResourceType: spec.ResourceType, ResourceID: spec.ResourceID,
		TrafficType: spec.TrafficType, DestinationType: spec.DestinationType, DeliverLogsPermissionARN: spec.DeliverLogsPermissionARN,
		LogFormat: spec.LogFormat, MaxAggregationInterval: spec.MaxAggregationInterval}
	if f.DestinationType == "" {
		f.DestinationType = DestinationCloudWatchLogs
	}
	if f.MaxAggregationInterval == 0 {
		f.MaxAggregationInterval = DefaultAggregationInterval
	}
	if f.MaxAggregationInterval != 60 && f.MaxAggregationInterval != 600 {
		return bad("Invalid MaxAggregationInterval: %d. Valid values: 60, 600", f.MaxAggregationInterval)
	}
	if f.LogFormat == "" {
		f.LogFormat = DefaultLogFormat
	}
	if _, err := ParseLogFormat(f.LogFormat); err != nil {
		return nil, err
	}
	if err := f.setDestination(account, spec); err != nil {
		return nil, err
	}
	return f, nil
}

// setDestination checks and sets where the records go.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateFlowLogs.html — DeliverLogsPermissionArn is required for cloud-watch-logs; for s3 specify LogDestination and neither DeliverLogsPermissionArn nor LogGroupName
func (f *FlowLog) setDestination(account string, spec FlowLogSpec) error {
	bad := func(format string, args ...any) error {
		return errf(CodeInvalidParameter, KindFlowLog, "", format, args...)
	}
	switch f.DestinationType {
	case DestinationCloudWatchLogs:
		if spec.DeliverLogsPermissionARN == "" {
			return bad("DeliverLogsPermissionArn is required when the LogDestinationType is cloud-watch-logs.")
		}
		if !strings.HasPrefix(spec.DeliverLogsPermissionARN, "arn:aws:iam::") {
			return bad("Invalid DeliverLogsPermissionArn: '%s'.", Clip(spec.DeliverLogsPermissionARN))
		}
		switch {
		case spec.LogGroupName != "" && spec.Destination != "":
			return bad("Please only provide LogGroupName or only provide LogDestination.")
		case spec.LogGroupName != "":
			if err := checkLogGroupName(spec.LogGroupName); err != nil {
				return err
			}
			f.LogGroupName = spec.LogGroupName
		case spec.Destination != "":
			name, ok := logGroupOfARN(spec.Destination, account)
			if !ok {
				return bad("Invalid LogDestination: '%s'. It must be the ARN of a CloudWatch Logs log group of the account.", Clip(spec.Destination))
			}
			f.LogGroupName = name
		default:
			return bad("LogDestination or LogGroupName is required when the LogDestinationType is cloud-watch-logs.")
		}
		f.Destination = "" // the log group's ARN, once the region is known
	case DestinationS3:
		if spec.LogGroupName != "" || spec.DeliverLogsPermissionARN != "" {
			return bad("DeliverLogsPermissionArn and LogGroupName are not applicable for s3 delivery")
		}
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3-create-flow-log.html — the bucket ARN, arn:aws:s3:::bucket_name[/subfolder]
		if !strings.HasPrefix(spec.Destination, "arn:aws:s3:::") || len(spec.Destination) == len("arn:aws:s3:::") {
			return bad("Invalid LogDestination: '%s'. It must be the ARN of an S3 bucket.", Clip(spec.Destination))
		}
		f.Destination = spec.Destination
	default:
		return bad("Invalid LogDestinationType: '%s'. Valid values: cloud-watch-logs, s3", Clip(f.DestinationType))
	}
	return nil
}

// logGroupOfARN is the log group name of a log group ARN of the account
// (arn:aws:logs:REGION:ACCOUNT:log-group:NAME, with or without ":*").
func logGroupOfARN(arn, account string) (string, bool) {
	parts := strings.SplitN(arn, ":", 7)
	if len(parts) != 7 || parts[0] != "arn" || parts[2] != "logs" || parts[4] != account || parts[5] != "log-group" {
		return "", false
	}
	name := strings.TrimSuffix(parts[6], ":*")
	return name, checkLogGroupName(name) == nil
}

// FlowLogs returns the account's flow logs, sorted by ID.
func (c *Cloud) FlowLogs(account string) []FlowLog {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.flowLogs.list(c, account)
}

// AllFlowLogs returns every account's flow logs, sorted by ID.
func (c *Cloud) AllFlowLogs() []FlowLog {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.flowLogs.listWhere(c, func(*FlowLog) bool { return true })
}

// DeleteFlowLog deletes a flow log; the records delivered stay in the log
// group.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteFlowLogs.html
func (c *Cloud) DeleteFlowLog(account, id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.flowLogs.get(account, id); err != nil {
		return err
	}
	delete(c.flowLogs, id)
	c.forgetLocked(KindFlowLog, id, account)
	return nil
}
