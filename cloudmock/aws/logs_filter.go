package aws

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// filterLogEvents answers the events of a group's streams (all, those
// named, or those with a prefix) that match a filter pattern, in time
// order.
// AWS: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilterLogEvents.html — logGroupName, logStreamNames, logStreamNamePrefix, startTime, endTime, filterPattern, limit, nextToken
func filterLogEvents(h *Handler, account, region string, body []byte) (any, error) {
	var in struct {
		groupRef
		Streams   []string `json:"logStreamNames"`
		Prefix    string   `json:"logStreamNamePrefix"`
		StartTime int64    `json:"startTime"`
		EndTime   int64    `json:"endTime"`
		Pattern   string   `json:"filterPattern"`
		pageReq
	}
	if err := decodeDX(body, &in); err != nil {
		return nil, err
	}
	if len(in.Streams) > 0 && in.Prefix != "" {
		return nil, logsInvalid("logStreamNames and logStreamNamePrefix are mutually exclusive")
	}
	match, err := compilePattern(in.Pattern)
	if err != nil {
		return nil, err
	}
	g, err := in.load(h, account, region)
	if err != nil {
		return nil, err
	}
	type searched struct {
		Name      string `json:"logStreamName"`
		Completed bool   `json:"searchedCompletely"`
	}
	out := struct {
		Events    []jsonEvent `json:"events"`
		Searched  []searched  `json:"searchedLogStreams"`
		NextToken string      `json:"nextToken,omitempty"`
	}{Events: []jsonEvent{}, Searched: []searched{}}
	var evs []jsonEvent
	for _, name := range slices.Sorted(maps.Keys(g.Streams)) {
		if (len(in.Streams) > 0 && !slices.Contains(in.Streams, name)) || !strings.HasPrefix(name, in.Prefix) {
			continue
		}
		out.Searched = append(out.Searched, searched{Name: name, Completed: true})
		for i, e := range g.Streams[name].Events {
			if inTime(e, in.StartTime, in.EndTime) && match(e.Message) {
				evs = append(evs, jsonEvent{LogStreamName: name, Timestamp: e.Timestamp, Message: e.Message,
					IngestionTime: e.IngestionTime, EventID: fmt.Sprintf("%s-%d", name, i)})
			}
		}
	}
	slices.SortStableFunc(evs, func(a, b jsonEvent) int { return int(a.Timestamp - b.Timestamp) })
	page, next, err := logsPage(evs, in.Limit, logsPageSize, in.NextToken)
	if err != nil {
		return nil, err
	}
	out.Events, out.NextToken = append(out.Events, page...), next
	return out, nil
}

// compilePattern compiles the filter patterns the lab understands: none
// (every event); terms, each a word or a "quoted phrase", that must all
// appear; and the space-delimited pattern of flow log records, [f1,
// f2=value, f3!=value, ...], where a value may end in * and a field
// without a condition matches anything (the last field takes the rest).
// JSON and regular-expression patterns are refused.
// AWS: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html — terms, quoted phrases, space-delimited [ ] patterns with = and != conditions and * wildcards
func compilePattern(p string) (func(string) bool, error) {
	p = strings.TrimSpace(p)
	switch {
	case p == "":
		return func(string) bool { return true }, nil
	case strings.HasPrefix(p, "[") && strings.HasSuffix(p, "]"):
		return spacePattern(p[1 : len(p)-1])
	case strings.HasPrefix(p, "{") || strings.HasPrefix(p, "%"):
		return nil, logsInvalid("Invalid filter pattern: the lab supports terms and space-delimited patterns only")
	}
	var terms []string
	for rest := p; rest != ""; rest = strings.TrimSpace(rest) {
		if q, ok := strings.CutPrefix(rest, `"`); ok {
			phrase, after, found := strings.Cut(q, `"`)
			if !found {
				return nil, logsInvalid("Invalid filter pattern: an unterminated quote")
			}
			terms, rest = append(terms, phrase), after
			continue
		}
		word, after, _ := strings.Cut(rest, " ")
		terms, rest = append(terms, word), after
	}
	return func(m string) bool {
		for _, t := range terms {
			if !strings.Contains(m, t) {
				return false
			}
		}
		return true
	}, nil
}

// spacePattern compiles the inside of a [ ] pattern.
func spacePattern(inner string) (func(string) bool, error) {
	type cond struct {
		value  string
		negate bool
		any    bool
	}
	var conds []cond
	for _, f := range strings.Split(inner, ",") {
		f = strings.TrimSpace(f)
		c := cond{any: true}
		if name, v, ok := strings.Cut(f, "!="); ok {
			c = cond{value: strings.Trim(strings.TrimSpace(v), `"`), negate: true}
			f = name
		} else if name, v, ok := strings.Cut(f, "="); ok {
			c = cond{value: strings.Trim(strings.TrimSpace(v), `"`)}
			f = name
		}
		if strings.TrimSpace(f) == "" && !c.any {
			return nil, logsInvalid("Invalid filter pattern: a condition without a field name")
		}
		conds = append(conds, c)
	}
	return func(m string) bool {
		words := strings.Fields(m)
		if len(words) < len(conds) {
			return false
		}
		for i, c := range conds {
			if c.any {
				continue
			}
			w := words[i]
			if i == len(conds)-1 {
				w = strings.Join(words[i:], " ")
			}
			eq := w == c.value
			if pre, ok := strings.CutSuffix(c.value, "*"); ok {
				eq = strings.HasPrefix(w, pre)
			}
			if eq == c.negate {
				return false
			}
		}
		return true
	}, nil
}
