package model

import (
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// DefaultLogFormat is the format of a flow log created without one: the
// version 2 fields.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html#flow-logs-default — the default format
const DefaultLogFormat = "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}"

// logFields are the documented fields of a flow log record with the
// version that brought each. Fields the lab cannot know (the AWS service
// of an address, the ECS ones, the zone ID, sublocations, the traffic
// path, the reject reason) are accepted and written as "-", as AWS writes
// a field that does not apply to a record.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html#flow-logs-fields — the available fields; "-" for a field not applicable or not computed
var logFields = map[string]int{
	"version": 2, "account-id": 2, "interface-id": 2, "srcaddr": 2, "dstaddr": 2, "srcport": 2, "dstport": 2, "protocol": 2,
	"packets": 2, "bytes": 2, "start": 2, "end": 2, "action": 2, "log-status": 2,
	"vpc-id": 3, "subnet-id": 3, "instance-id": 3, "tcp-flags": 3, "type": 3, "pkt-srcaddr": 3, "pkt-dstaddr": 3,
	"region": 4, "az-id": 4, "sublocation-type": 4, "sublocation-id": 4,
	"pkt-src-aws-service": 5, "pkt-dst-aws-service": 5, "flow-direction": 5, "traffic-path": 5,
	"ecs-cluster-arn": 7, "ecs-cluster-name": 7, "ecs-container-instance-arn": 7, "ecs-container-instance-id": 7,
	"ecs-container-id": 7, "ecs-second-container-id": 7, "ecs-service-name": 7, "ecs-task-definition-arn": 7,
	"ecs-task-arn": 7, "ecs-task-id": 7,
	"reject-reason": 8,
}

// LogFormat is a parsed flow log record format: its fields in order and
// the record version they make.
type LogFormat struct {
	Fields  []string
	Version int
}

// ParseLogFormat parses a record format: ${field} names of documented
// fields, separated by single spaces.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html#flow-logs-custom — specify fields as ${field-id}, separated by spaces; the version is the highest among the fields
func ParseLogFormat(s string) (LogFormat, error) {
	invalid := func() (LogFormat, error) {
		// The wording AWS answers a malformed format with.
		return LogFormat{}, errf(CodeInvalidParameter, KindFlowLog, "", "1 validation error detected: Value '%s' at 'logFormat' has an invalid format", Clip(s))
	}
	if s == "" {
		return invalid()
	}
	var out LogFormat
	for _, tok := range strings.Split(s, " ") {
		name, ok := strings.CutPrefix(tok, "${")
		if name, ok = strings.CutSuffix(name, "}"); !ok {
			return invalid()
		}
		v, known := logFields[name]
		if !known {
			return LogFormat{}, errf(CodeInvalidParameter, KindFlowLog, name, "Unknown fields provided: ${%s}", Clip(name))
		}
		out.Fields = append(out.Fields, name)
		out.Version = max(out.Version, v)
	}
	return out, nil
}

// FlowRecord is one flow log record: a flow of one direction through one
// interface within one aggregation interval.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html — a record captures a flow (a 5-tuple per network interface) within an aggregation interval
type FlowRecord struct {
	Account     string // the interface's owner
	InterfaceID string
	NetworkID   string
	SubnetID    string
	InstanceID  string // "" for an interface of no instance
	Region      string
	// Src and Dst are the packets' addresses as the interface sees them
	// (its private address for its side); Protocol the IANA number.
	Src, Dst         netip.Addr
	SrcPort, DstPort uint16
	Protocol         uint8
	Packets, Bytes   uint64
	Start, End       time.Time
	Action           string // TrafficAccept or TrafficReject
	// Egress: the flow leaves through the interface (flow-direction).
	Egress bool
}

// Render writes a record in a format; version is the format's version.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html#flow-logs-fields — each field's meaning; start and end in Unix seconds; log-status OK
func (f LogFormat) Render(r FlowRecord) string {
	vals := make([]string, len(f.Fields))
	for i, name := range f.Fields {
		vals[i] = r.field(name, f.Version)
	}
	return strings.Join(vals, " ")
}

func (r FlowRecord) field(name string, version int) string {
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	u := func(n uint64) string { return strconv.FormatUint(n, 10) }
	switch name {
	case "version":
		return strconv.Itoa(version)
	case "account-id":
		return dash(r.Account)
	case "interface-id":
		return dash(r.InterfaceID)
	case "srcaddr", "pkt-srcaddr":
		return r.Src.String()
	case "dstaddr", "pkt-dstaddr":
		return r.Dst.String()
	case "srcport":
		return u(uint64(r.SrcPort))
	case "dstport":
		return u(uint64(r.DstPort))
	case "protocol":
		return u(uint64(r.Protocol))
	case "packets":
		return u(r.Packets)
	case "bytes":
		return u(r.Bytes)
	case "start":
		return strconv.FormatInt(r.Start.Unix(), 10)
	case "end":
		return strconv.FormatInt(r.End.Unix(), 10)
	case "action":
		return r.Action
	case "log-status":
		return "OK"
	case "vpc-id":
		return dash(r.NetworkID)
	case "subnet-id":
		return dash(r.SubnetID)
	case "instance-id":
		return dash(r.InstanceID)
	case "type":
		if r.Src.Is6() {
			return "IPv6"
		}
		return "IPv4"
	case "region":
		return dash(r.Region)
	case "flow-direction":
		if r.Egress {
			return "egress"
		}
		return "ingress"
	}
	return "-"
}
