package model

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
)

// CloudWatch Logs, as much as flow logs need: log groups of an account in
// a region, their log streams and the events in them. A flow log delivers
// its records to its log group, one stream per network interface named by
// the interface's ID. Log groups are named, not minted: they have no
// owner record and no handle, and name no kernel objects.
// AWS: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CloudWatchLogsConcepts.html — log groups, log streams, log events
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-cwl.html — each network interface has a unique log stream in the log group

// The kinds of CloudWatch Logs' objects (errors, change events).
const (
	KindLogGroup  Kind = "log-group"
	KindLogStream Kind = "log-stream"
)

// MaxEventsPerStream is how many events a stream keeps: past it the
// oldest are dropped, the lab's stand-in for a retention period.
const MaxEventsPerStream = 10000

// LogEvent is one event of a stream; times in milliseconds since the
// epoch.
// AWS: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_OutputLogEvent.html — timestamp, message, ingestionTime
type LogEvent struct {
	Timestamp     int64  `json:"t"`
	IngestionTime int64  `json:"i"`
	Message       string `json:"m"`
}

// LogStream is a sequence of events from one source.
type LogStream struct {
	Name      string
	CreatedAt time.Time
	Events    []LogEvent
}

// LogGroup is a named group of streams of an account in a region.
type LogGroup struct {
	Account   string
	Region    string
	Name      string
	CreatedAt time.Time
	Streams   map[string]*LogStream
}

// ARN is the log group's ARN.
func (g LogGroup) ARN() string { return LogGroupARN(g.Region, g.Account, g.Name) }

// LogGroupARN is the ARN of a log group.
// AWS: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchlogs.html#amazoncloudwatchlogs-resources-for-iam-policies — arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}
func LogGroupARN(region, account, name string) string {
	return fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", region, account, name)
}

// copy returns a deep copy of the group, its streams and events.
func (g *LogGroup) copy() LogGroup {
	out := *g
	out.Streams = make(map[string]*LogStream, len(g.Streams))
	for k, s := range g.Streams {
		out.Streams[k] = &LogStream{Name: s.Name, CreatedAt: s.CreatedAt, Events: slices.Clone(s.Events)}
	}
	return out
}

// logGroups are CloudWatch Logs' objects of a Cloud, by logKey.
type logGroups map[string]*LogGroup

func logKey(account, region, name string) string { return account + "\x00" + region + "\x00" + name }

// logGroupName is what a log group name may hold.
// AWS: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html — 1 to 512 characters: a-z, A-Z, 0-9, '_', '-', '/', '.', '#'
var logGroupName = regexp.MustCompile(`^[\.\-_/#A-Za-z0-9]{1,512}$`)

func checkLogGroupName(name string) error {
	if !logGroupName.MatchString(name) {
		return errf(CodeInvalidParameter, KindLogGroup, name, "1 validation error detected: Value '%s' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+", Clip(name))
	}
	return nil
}

// CreateLogGroup makes a log group.
// AWS: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html — ResourceAlreadyExistsException if it exists
func (c *Cloud) CreateLogGroup(account, region, name string) (LogGroup, error) {
	if err := checkLogGroupName(name); err != nil {
		return LogGroup{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.limitsLocked(account); err != nil {
		return LogGroup{}, err
	}
	if _, ok := c.logs[logKey(account, region, name)]; ok {
		return LogGroup{}, errf(CodeAlreadyExists, KindLogGroup, name, "The specified log group already exists")
	}
	return c.createLogGroupLocked(account, region, name).copy(), nil
}

func (c *Cloud) createLogGroupLocked(account, region, name string) *LogGroup {
	g := &LogGroup{Account: account, Region: region, Name: name, CreatedAt: time.Now().UTC().Truncate(time.Millisecond),
		Streams: map[string]*LogStream{}}
	c.logs[logKey(account, region, name)] = g
	c.emitLocked(KindLogGroup, OpCreate, g.ARN(), account)
	return g
}

// LogGroups returns the account's log groups of a region whose names
// start with prefix, sorted by name.
func (c *Cloud) LogGroups(account, region, prefix string) []LogGroup {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []LogGroup
	for _, g := range c.logs {
		if g.Account == account && g.Region == region && strings.HasPrefix(g.Name, prefix) {
			out = append(out, g.copy())
		}
	}
	slices.SortFunc(out, func(a, b LogGroup) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// LogGroup returns one log group with its streams and events.
func (c *Cloud) LogGroup(account, region, name string) (LogGroup, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	g, ok := c.logs[logKey(account, region, name)]
	if !ok {
		return LogGroup{}, errNoLogGroup(name)
	}
	return g.copy(), nil
}

// errNoLogGroup is CloudWatch Logs' answer for a missing log group.
// AWS: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DeleteLogGroup.html — ResourceNotFoundException: the specified resource does not exist
func errNoLogGroup(name string) error {
	return errf(CodeNotFound, KindLogGroup, name, "The specified log group does not exist.")
}

// DeleteLogGroup deletes a log group with its streams and events.
// AWS: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DeleteLogGroup.html
func (c *Cloud) DeleteLogGroup(account, region, name string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := logKey(account, region, name)
	g, ok := c.logs[k]
	if !ok {
		return errNoLogGroup(name)
	}
	delete(c.logs, k)
	c.emitLocked(KindLogGroup, OpDelete, g.ARN(), account)
	return nil
}

// DeliverLogEvents appends events to a stream of a log group, making the
// group (create) and the stream if they do not exist: how a flow log
// delivers. Events past MaxEventsPerStream drop the oldest.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-cwl.html — the flow log creates the log group if needed, and a log stream per network interface
func (c *Cloud) DeliverLogEvents(account, region, group, stream string, events []LogEvent, create bool) error {
	if len(events) == 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.limitsLocked(account); err != nil {
		return err
	}
	g, ok := c.logs[logKey(account, region, group)]
	if !ok {
		if !create {
			return errNoLogGroup(group)
		}
		g = c.createLogGroupLocked(account, region, group)
	}
	s, ok := g.Streams[stream]
	if !ok {
		s = &LogStream{Name: stream, CreatedAt: time.Now().UTC().Truncate(time.Millisecond)}
		g.Streams[stream] = s
	}
	now := time.Now().UnixMilli()
	for _, e := range events {
		e.IngestionTime = now
		s.Events = append(s.Events, e)
	}
	if n := len(s.Events) - MaxEventsPerStream; n > 0 {
		s.Events = slices.Delete(s.Events, 0, n)
	}
	c.emitLocked(KindLogGroup, OpUpdate, g.ARN(), account)
	return nil
}

// logGroupsSnapshot is how the log groups are stored: sorted by key.
func (l logGroups) snapshot() []*LogGroup {
	out := make([]*LogGroup, 0, len(l))
	for _, k := range slices.Sorted(maps.Keys(l)) {
		out = append(out, l[k])
	}
	return out
}

// restoreLogGroups loads stored log groups, setting *err (once) for a
// repeated one.
func restoreLogGroups(err *error, l logGroups, gs []*LogGroup) {
	for _, g := range gs {
		if *err != nil {
			return
		}
		if g == nil || g.Name == "" {
			*err = fmt.Errorf("restore cloud: a log group without a name")
			return
		}
		k := logKey(g.Account, g.Region, g.Name)
		if _, dup := l[k]; dup {
			*err = fmt.Errorf("restore cloud: the log group %s appears twice", g.ARN())
			return
		}
		if g.Streams == nil {
			g.Streams = map[string]*LogStream{}
		}
		l[k] = g
	}
}
