package aws

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// gdCondition is one criterion's condition.
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Condition.html — eq, neq, gt, gte, lt, lte, equals, notEquals, greaterThan, greaterThanOrEqual, lessThan, lessThanOrEqual, matches, notMatches
type gdCondition struct {
	Eq                 []string `json:"eq"`
	Neq                []string `json:"neq"`
	Equals             []string `json:"equals"`
	NotEquals          []string `json:"notEquals"`
	Gt                 *int64   `json:"gt"`
	Gte                *int64   `json:"gte"`
	Lt                 *int64   `json:"lt"`
	Lte                *int64   `json:"lte"`
	GreaterThan        *int64   `json:"greaterThan"`
	GreaterThanOrEqual *int64   `json:"greaterThanOrEqual"`
	LessThan           *int64   `json:"lessThan"`
	LessThanOrEqual    *int64   `json:"lessThanOrEqual"`
	Matches            []string `json:"matches"`
	NotMatches         []string `json:"notMatches"`
}

// gdCriteria is FindingCriteria.
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_FindingCriteria.html — criterion: a map of finding properties to conditions
type gdCriteria struct {
	Criterion map[string]gdCondition `json:"criterion"`
}

// gdSort is SortCriteria.
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_SortCriteria.html — attributeName, orderBy ASC | DESC
type gdSort struct {
	AttributeName string `json:"attributeName"`
	OrderBy       string `json:"orderBy"`
}

// findingValue is a finding's value of an attribute: its strings, and its
// number where the attribute is numeric.
type findingValue struct {
	strs    []string
	num     float64
	numeric bool
}

func strValue(s ...string) findingValue { return findingValue{strs: s} }

func numValue(v float64) findingValue {
	return findingValue{strs: []string{strconv.FormatFloat(v, 'f', -1, 64)}, num: v, numeric: true}
}

const nca = "service.action.networkConnectionAction."
const ifaces = "resource.instanceDetails.networkInterfaces."

// findingAttrs are the finding attributes that criteria and sorting name,
// by the JSON path GuardDuty names them with.
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_ListFindings.html — findingCriteria: the JSON field names that can be queried
var findingAttrs = map[string]func(h *Handler, f model.Finding) findingValue{
	"id":                                  func(_ *Handler, f model.Finding) findingValue { return strValue(f.ID) },
	"accountId":                           func(_ *Handler, f model.Finding) findingValue { return strValue(f.Account) },
	"region":                              func(h *Handler, f model.Finding) findingValue { return strValue(h.regionOf(f.Region)) },
	"type":                                func(_ *Handler, f model.Finding) findingValue { return strValue(f.Type) },
	"severity":                            func(_ *Handler, f model.Finding) findingValue { return numValue(f.Severity) },
	"updatedAt":                           func(_ *Handler, f model.Finding) findingValue { return numValue(float64(f.UpdatedAt.UnixMilli())) },
	"createdAt":                           func(_ *Handler, f model.Finding) findingValue { return numValue(float64(f.CreatedAt.UnixMilli())) },
	"resource.resourceType":               func(_ *Handler, f model.Finding) findingValue { return strValue("Instance") },
	"resource.instanceDetails.instanceId": func(_ *Handler, f model.Finding) findingValue { return strValue(f.Resource.InstanceID) },
	"resource.instanceDetails.imageId":    func(_ *Handler, f model.Finding) findingValue { return strValue(f.Resource.ImageID) },
	ifaces + "publicIp":                   func(_ *Handler, f model.Finding) findingValue { return strValue(addrString(f.Resource.PublicIP)) },
	ifaces + "privateIpAddresses.privateIpAddress": func(_ *Handler, f model.Finding) findingValue {
		return strValue(addrString(f.Resource.PrivateIP))
	},
	ifaces + "subnetId": func(_ *Handler, f model.Finding) findingValue { return strValue(f.Resource.SubnetID) },
	ifaces + "vpcId":    func(_ *Handler, f model.Finding) findingValue { return strValue(f.Resource.NetworkID) },
	ifaces + "securityGroups.groupId": func(_ *Handler, f model.Finding) findingValue {
		return strValue(f.Resource.SecurityGroupIDs...)
	},
	"resource.instanceDetails.tags.key": func(_ *Handler, f model.Finding) findingValue {
		return strValue(slices.Sorted(maps.Keys(f.Resource.Tags))...)
	},
	"resource.instanceDetails.tags.value": func(_ *Handler, f model.Finding) findingValue {
		return strValue(slices.Sorted(maps.Values(f.Resource.Tags))...)
	},
	"service.archived":                      func(_ *Handler, f model.Finding) findingValue { return strValue(strconv.FormatBool(f.Archived)) },
	"service.count":                         func(_ *Handler, f model.Finding) findingValue { return numValue(float64(f.Count)) },
	"service.eventFirstSeen":                func(_ *Handler, f model.Finding) findingValue { return strValue(gdTimeString(f.FirstSeen)) },
	"service.eventLastSeen":                 func(_ *Handler, f model.Finding) findingValue { return strValue(gdTimeString(f.LastSeen)) },
	"service.resourceRole":                  func(_ *Handler, f model.Finding) findingValue { return strValue(resourceRole(f.Connection.Direction)) },
	"service.action.actionType":             func(_ *Handler, f model.Finding) findingValue { return strValue("NETWORK_CONNECTION") },
	"service.additionalInfo.threatListName": func(_ *Handler, f model.Finding) findingValue { return strValue(f.ThreatListName) },
	nca + "blocked": func(_ *Handler, f model.Finding) findingValue {
		return strValue(strconv.FormatBool(f.Connection.Blocked))
	},
	nca + "connectionDirection":    func(_ *Handler, f model.Finding) findingValue { return strValue(f.Connection.Direction) },
	nca + "protocol":               func(_ *Handler, f model.Finding) findingValue { return strValue(f.Connection.Protocol) },
	nca + "localPortDetails.port":  func(_ *Handler, f model.Finding) findingValue { return numValue(float64(f.Connection.LocalPort)) },
	nca + "remotePortDetails.port": func(_ *Handler, f model.Finding) findingValue { return numValue(float64(f.Connection.RemotePort)) },
	nca + "remoteIpDetails.ipAddressV4": func(_ *Handler, f model.Finding) findingValue {
		if f.Connection.Remote.Is4() {
			return strValue(f.Connection.Remote.String())
		}
		return strValue()
	},
}

// equalsAny reports whether one of the finding's values is one of want;
// numeric attributes compare as numbers.
func (v findingValue) equalsAny(want []string) bool {
	for _, w := range want {
		if v.numeric {
			if x, err := strconv.ParseFloat(w, 64); err == nil && x == v.num {
				return true
			}
			continue
		}
		if slices.Contains(v.strs, w) {
			return true
		}
	}
	return false
}

// matches reports whether a finding's value meets a condition.
func (v findingValue) matches(key string, c gdCondition) (bool, error) {
	if len(c.Matches) > 0 || len(c.NotMatches) > 0 {
		// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Condition.html — matches and notMatches are available only for create-filter and update-filter
		return false, gdInvalidInput("findingCriteria.criterion." + key)
	}
	if eq := append(slices.Clone(c.Eq), c.Equals...); len(eq) > 0 && !v.equalsAny(eq) {
		return false, nil
	}
	if neq := append(slices.Clone(c.Neq), c.NotEquals...); len(neq) > 0 && v.equalsAny(neq) {
		return false, nil
	}
	bounds := []struct {
		limit *int64
		ok    func(a, b float64) bool
	}{
		{c.Gt, func(a, b float64) bool { return a > b }}, {c.GreaterThan, func(a, b float64) bool { return a > b }},
		{c.Gte, func(a, b float64) bool { return a >= b }}, {c.GreaterThanOrEqual, func(a, b float64) bool { return a >= b }},
		{c.Lt, func(a, b float64) bool { return a < b }}, {c.LessThan, func(a, b float64) bool { return a < b }},
		{c.Lte, func(a, b float64) bool { return a <= b }}, {c.LessThanOrEqual, func(a, b float64) bool { return a <= b }},
	}
	for _, b := range bounds {
		if b.limit == nil {
			continue
		}
		if !v.numeric {
			return false, gdInvalidInput("findingCriteria.criterion." + key)
		}
		if !b.ok(v.num, float64(*b.limit)) {
			return false, nil
		}
	}
	return true, nil
}

// filterFindings keeps the findings that meet every criterion.
func (h *Handler) filterFindings(fs []model.Finding, crit *gdCriteria) ([]model.Finding, error) {
	if crit == nil {
		return fs, nil
	}
	for key := range crit.Criterion {
		if _, ok := findingAttrs[key]; !ok {
			return nil, gdInvalidInput("findingCriteria.criterion." + key)
		}
	}
	out := fs[:0:0]
	for _, f := range fs {
		keep := true
		for key, cond := range crit.Criterion {
			ok, err := findingAttrs[key](h, f).matches(key, cond)
			if err != nil {
				return nil, err
			}
			keep = keep && ok
		}
		if keep {
			out = append(out, f)
		}
	}
	return out, nil
}

// sortFindings orders findings by an attribute, ties by ID.
func (h *Handler) sortFindings(fs []model.Finding, s gdSort) error {
	attr, ok := findingAttrs[s.AttributeName]
	if !ok {
		return gdInvalidInput("sortCriteria.attributeName")
	}
	if s.OrderBy != "" && s.OrderBy != "ASC" && s.OrderBy != "DESC" {
		return gdInvalidInput("sortCriteria.orderBy")
	}
	key := func(f model.Finding) findingValue { return attr(h, f) }
	slices.SortStableFunc(fs, func(a, b model.Finding) int {
		va, vb := key(a), key(b)
		var c int
		if va.numeric {
			c = cmp.Compare(va.num, vb.num)
		} else {
			c = cmp.Compare(strings.Join(va.strs, ","), strings.Join(vb.strs, ","))
		}
		if s.OrderBy == "DESC" {
			c = -c
		}
		if c == 0 {
			c = cmp.Compare(a.ID, b.ID)
		}
		return c
	})
	return nil
}

// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_ListFindings.html — findingCriteria, sortCriteria, maxResults 1 to 50, nextToken; answers findingIds
func gdListFindings(h *Handler, c *gdCall) (any, error) {
	var in struct {
		FindingCriteria *gdCriteria `json:"findingCriteria"`
		SortCriteria    *gdSort     `json:"sortCriteria"`
		MaxResults      *int        `json:"maxResults"`
		NextToken       string      `json:"nextToken"`
	}
	if err := decodeGD(c.body, &in); err != nil {
		return nil, err
	}
	fs, err := h.gdFindings(c, in.FindingCriteria)
	if err != nil {
		return nil, err
	}
	if in.SortCriteria != nil {
		if err := h.sortFindings(fs, *in.SortCriteria); err != nil {
			return nil, err
		}
	}
	ids := make([]string, 0, len(fs))
	for _, f := range fs {
		ids = append(ids, f.ID)
	}
	page, next, err := gdPage(ids, in.MaxResults, in.NextToken, 50)
	if err != nil {
		return nil, err
	}
	return struct {
		FindingIDs []string `json:"findingIds"`
		NextToken  string   `json:"nextToken,omitempty"`
	}{page, next}, nil
}

// gdFindings returns the call's detector's findings that meet crit.
func (h *Handler) gdFindings(c *gdCall, crit *gdCriteria) ([]model.Finding, error) {
	if _, err := h.gdDetector(c); err != nil {
		return nil, err
	}
	fs, err := h.cloud.Findings(c.account, c.detectorID)
	if err != nil {
		return nil, err
	}
	return h.filterFindings(fs, crit)
}

// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_GetFindingsStatistics.html — findingStatisticTypes COUNT_BY_SEVERITY answers countBySeverity; groupBy is not served by the lab
func gdGetFindingsStatistics(h *Handler, c *gdCall) (any, error) {
	var in struct {
		FindingStatisticTypes []string    `json:"findingStatisticTypes"`
		FindingCriteria       *gdCriteria `json:"findingCriteria"`
		GroupBy               string      `json:"groupBy"`
	}
	if err := decodeGD(c.body, &in); err != nil {
		return nil, err
	}
	if in.GroupBy != "" {
		return nil, gdInvalidInput("groupBy (the lab answers findingStatisticTypes COUNT_BY_SEVERITY only)")
	}
	for _, t := range in.FindingStatisticTypes {
		if t != "COUNT_BY_SEVERITY" {
			return nil, gdInvalidInput("findingStatisticTypes")
		}
	}
	fs, err := h.gdFindings(c, in.FindingCriteria)
	if err != nil {
		return nil, err
	}
	counts := map[string]int{}
	for _, f := range fs {
		counts[strconv.FormatFloat(f.Severity, 'f', 1, 64)]++
	}
	type stats struct {
		CountBySeverity map[string]int `json:"countBySeverity"`
	}
	return struct {
		FindingStatistics stats `json:"findingStatistics"`
	}{stats{counts}}, nil
}
