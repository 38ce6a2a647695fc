package aws

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// The CloudWatch Logs API, as much as reading flow logs needs: AWS JSON
// 1.1, POST / with the action in X-Amz-Target (Logs_20140328.*), SigV4
// for the service logs, on the same endpoint and keys as EC2.
// AWS: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/Welcome.html — the CloudWatch Logs API (2014-03-28)
const (
	logsTargetPrefix = "Logs_20140328."
	logsService      = "logs"
	logsPageSize     = 10000 // the most events GetLogEvents and FilterLogEvents answer at once
)

// logsActions maps CloudWatch Logs action names to their implementations.
var logsActions = map[string]dxAction{
	"CreateLogGroup":     createLogGroup,
	"DeleteLogGroup":     deleteLogGroup,
	"DescribeLogGroups":  describeLogGroups,
	"DescribeLogStreams": describeLogStreams,
	"GetLogEvents":       getLogEvents,
	"FilterLogEvents":    filterLogEvents,
}

// LogsActions lists the CloudWatch Logs actions the handler implements,
// sorted.
func LogsActions() []string { return slices.Sorted(maps.Keys(logsActions)) }

// toLogsError maps an error to CloudWatch Logs' exceptions.
// AWS: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html — ResourceAlreadyExistsException, InvalidParameterException (400); ResourceNotFoundException (400); ServiceUnavailableException (500)
func toLogsError(err error) *dxError {
	var de *dxError
	if errors.As(err, &de) {
		return de
	}
	var me *model.Error
	if !errors.As(err, &me) {
		return &dxError{Type: "ServiceUnavailableException", Message: "The service cannot complete the request.", Status: http.StatusInternalServerError}
	}
	typ := "InvalidParameterException"
	switch me.Code {
	case model.CodeNotFound:
		typ = "ResourceNotFoundException"
	case model.CodeAlreadyExists:
		typ = "ResourceAlreadyExistsException"
	}
	return &dxError{Type: typ, Message: me.Msg, Status: http.StatusBadRequest}
}

func logsInvalid(format string, args ...any) *dxError {
	return &dxError{Type: "InvalidParameterException", Message: sprintfClipped(format, args...), Status: http.StatusBadRequest}
}

type logGroupReq struct {
	LogGroupName string `json:"logGroupName"`
}

// AWS: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html
func createLogGroup(h *Handler, account, region string, body []byte) (any, error) {
	var in logGroupReq
	if err := decodeDX(body, &in); err != nil {
		return nil, err
	}
	if _, err := h.cloud.CreateLogGroup(account, region, in.LogGroupName); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

// AWS: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DeleteLogGroup.html
func deleteLogGroup(h *Handler, account, region string, body []byte) (any, error) {
	var in logGroupReq
	if err := decodeDX(body, &in); err != nil {
		return nil, err
	}
	return struct{}{}, h.cloud.DeleteLogGroup(account, region, in.LogGroupName)
}

// jsonLogGroup is CloudWatch Logs' LogGroup.
// AWS: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_LogGroup.html — arn ends in :*, logGroupArn does not
type jsonLogGroup struct {
	LogGroupName   string `json:"logGroupName"`
	CreationTime   int64  `json:"creationTime"`
	ARN            string `json:"arn"`
	LogGroupARN    string `json:"logGroupArn"`
	StoredBytes    int64  `json:"storedBytes"`
	LogGroupClass  string `json:"logGroupClass"`
	MetricFilterCt int    `json:"metricFilterCount"`
}

// AWS: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DescribeLogGroups.html — logGroupNamePrefix, limit (1 to 50), nextToken; sorted by name
func describeLogGroups(h *Handler, account, region string, body []byte) (any, error) {
	var in struct {
		Prefix string `json:"logGroupNamePrefix"`
		pageReq
	}
	if err := decodeDX(body, &in); err != nil {
		return nil, err
	}
	groups := h.cloud.LogGroups(account, region, in.Prefix)
	page, next, err := logsPage(groups, in.Limit, 50, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := struct {
		LogGroups []jsonLogGroup `json:"logGroups"`
		NextToken string         `json:"nextToken,omitempty"`
	}{LogGroups: []jsonLogGroup{}, NextToken: next}
	for _, g := range page {
		out.LogGroups = append(out.LogGroups, jsonLogGroup{LogGroupName: g.Name, CreationTime: g.CreatedAt.UnixMilli(),
			ARN: g.ARN() + ":*", LogGroupARN: g.ARN(), StoredBytes: storedBytes(g), LogGroupClass: "STANDARD"})
	}
	return out, nil
}

func storedBytes(g model.LogGroup) int64 {
	var n int64
	for _, s := range g.Streams {
		for _, e := range s.Events {
			n += int64(len(e.Message))
		}
	}
	return n
}

// logsPage pages items by an offset token: limit 0 is max.
func logsPage[T any](items []T, limit, most int, token string) ([]T, string, error) {
	if limit < 0 || limit > most {
		return nil, "", logsInvalid("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value less than or equal to %d", limit, most)
	}
	if limit == 0 {
		limit = most
	}
	from := 0
	if token != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(token, "o/"))
		if err != nil || n < 0 || n > len(items) || !strings.HasPrefix(token, "o/") {
			return nil, "", logsInvalid("The specified nextToken is invalid.")
		}
		from = n
	}
	to := min(len(items), from+limit)
	next := ""
	if to < len(items) {
		next = "o/" + strconv.Itoa(to)
	}
	return items[from:to], next, nil
}

// jsonLogStream is CloudWatch Logs' LogStream.
// AWS: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_LogStream.html
type jsonLogStream struct {
	LogStreamName       string `json:"logStreamName"`
	CreationTime        int64  `json:"creationTime"`
	FirstEventTimestamp int64  `json:"firstEventTimestamp,omitempty"`
	LastEventTimestamp  int64  `json:"lastEventTimestamp,omitempty"`
	LastIngestionTime   int64  `json:"lastIngestionTime,omitempty"`
	ARN                 string `json:"arn"`
	StoredBytes         int64  `json:"storedBytes"`
}

// AWS: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DescribeLogStreams.html — logGroupName or logGroupIdentifier, logStreamNamePrefix, orderBy LogStreamName | LastEventTime, descending, limit (1 to 50)
func describeLogStreams(h *Handler, account, region string, body []byte) (any, error) {
	var in struct {
		groupRef
		Prefix     string `json:"logStreamNamePrefix"`
		OrderBy    string `json:"orderBy"`
		Descending bool   `json:"descending"`
		pageReq
	}
	if err := decodeDX(body, &in); err != nil {
		return nil, err
	}
	g, err := in.load(h, account, region)
	if err != nil {
		return nil, err
	}
	if in.OrderBy == "LastEventTime" && in.Prefix != "" {
		return nil, logsInvalid("Cannot order by LastEventTime with a logStreamNamePrefix.")
	}
	var streams []jsonLogStream
	for _, s := range g.Streams {
		if !strings.HasPrefix(s.Name, in.Prefix) {
			continue
		}
		x := jsonLogStream{LogStreamName: s.Name, CreationTime: s.CreatedAt.UnixMilli(), ARN: g.ARN() + ":log-stream:" + s.Name}
		if n := len(s.Events); n > 0 {
			x.FirstEventTimestamp, x.LastEventTimestamp, x.LastIngestionTime = s.Events[0].Timestamp, s.Events[n-1].Timestamp, s.Events[n-1].IngestionTime
		}
		streams = append(streams, x)
	}
	slices.SortFunc(streams, func(a, b jsonLogStream) int {
		if in.OrderBy == "LastEventTime" && a.LastEventTimestamp != b.LastEventTimestamp {
			return int(a.LastEventTimestamp - b.LastEventTimestamp)
		}
		return strings.Compare(a.LogStreamName, b.LogStreamName)
	})
	if in.Descending {
		slices.Reverse(streams)
	}
	page, next, err := logsPage(streams, in.Limit, 50, in.NextToken)
	if err != nil {
		return nil, err
	}
	return struct {
		LogStreams []jsonLogStream `json:"logStreams"`
		NextToken  string          `json:"nextToken,omitempty"`
	}{LogStreams: append([]jsonLogStream{}, page...), NextToken: next}, nil
}

// groupRef is a log group as the reading actions name it: by name or by
// identifier (a name or an ARN).
// AWS: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_GetLogEvents.html — logGroupIdentifier: the name or ARN; specify either it or logGroupName
type groupRef struct {
	Group      string `json:"logGroupName"`
	Identifier string `json:"logGroupIdentifier"`
}

// load returns the log group.
func (r groupRef) load(h *Handler, account, region string) (model.LogGroup, error) {
	name := r.Group
	if name == "" {
		name = r.Identifier
		if _, after, ok := strings.Cut(r.Identifier, ":log-group:"); ok {
			name = strings.TrimSuffix(after, ":*")
		}
	}
	return h.cloud.LogGroup(account, region, name)
}

// pageReq are a listing's limit and token.
type pageReq struct {
	Limit     int    `json:"limit"`
	NextToken string `json:"nextToken"`
}

type jsonEvent struct {
	LogStreamName string `json:"logStreamName,omitempty"`
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
	EventID       string `json:"eventId,omitempty"`
}

// inTime reports whether an event is within [start, end) (0: open).
// AWS: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_GetLogEvents.html — events with a timestamp equal to or later than startTime, earlier than endTime
func inTime(e model.LogEvent, start, end int64) bool {
	return (start == 0 || e.Timestamp >= start) && (end == 0 || e.Timestamp < end)
}

// getLogEvents answers a stream's events in time order, from the head
// with startFromHead, else the latest; the tokens page by offset.
// AWS: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_GetLogEvents.html — logGroupName, logStreamName, startTime, endTime, startFromHead, limit (up to 10,000), nextToken; nextForwardToken, nextBackwardToken
func getLogEvents(h *Handler, account, region string, body []byte) (any, error) {
	var in struct {
		groupRef
		Stream        string `json:"logStreamName"`
		StartTime     int64  `json:"startTime"`
		EndTime       int64  `json:"endTime"`
		StartFromHead bool   `json:"startFromHead"`
		pageReq
	}
	if err := decodeDX(body, &in); err != nil {
		return nil, err
	}
	g, err := in.load(h, account, region)
	if err != nil {
		return nil, err
	}
	s, ok := g.Streams[in.Stream]
	if !ok {
		return nil, &dxError{Type: "ResourceNotFoundException", Message: "The specified log stream does not exist.", Status: http.StatusBadRequest}
	}
	var evs []jsonEvent
	for _, e := range s.Events {
		if inTime(e, in.StartTime, in.EndTime) {
			evs = append(evs, jsonEvent{Timestamp: e.Timestamp, Message: e.Message, IngestionTime: e.IngestionTime})
		}
	}
	limit := in.Limit
	if limit <= 0 || limit > logsPageSize {
		limit = logsPageSize
	}
	from, to := 0, len(evs)
	switch tok := in.NextToken; {
	case strings.HasPrefix(tok, "f/"):
		from, err = strconv.Atoi(tok[2:])
		to = min(len(evs), from+limit)
	case strings.HasPrefix(tok, "b/"):
		to, err = strconv.Atoi(tok[2:])
		from = max(0, to-limit)
	case tok != "":
		err = errors.New("bad token")
	case in.StartFromHead:
		to = min(len(evs), limit)
	default:
		from = max(0, len(evs)-limit)
	}
	if err != nil || from < 0 || to > len(evs) || from > to {
		return nil, logsInvalid("The specified nextToken is invalid.")
	}
	// The tokens are offsets padded to one width: AWS's SDK paginators
	// stop when a token comes back unchanged.
	return struct {
		Events            []jsonEvent `json:"events"`
		NextForwardToken  string      `json:"nextForwardToken"`
		NextBackwardToken string      `json:"nextBackwardToken"`
	}{Events: append([]jsonEvent{}, evs[from:to]...), NextForwardToken: fmt.Sprintf("f/%020d", to),
		NextBackwardToken: fmt.Sprintf("b/%020d", from)}, nil
}
