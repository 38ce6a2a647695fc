package aws

import (
	"encoding/base64"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// filter is one Filter.N of a Describe call: a name and the values any of
// which may match.
type filter struct {
	name   string
	values []string
}

func (f form) filters() []filter {
	var out []filter
	for _, i := range f.indices("Filter") {
		p := "Filter." + strconv.Itoa(i)
		out = append(out, filter{name: f.str(p + ".Name"), values: f.list(p + ".Value")})
	}
	return out
}

// fields returns an object's values for a filter name; ok is false if the
// name is not a filter of this resource.
type fields func(name string) (vals []string, ok bool)

// withTags adds the tag filters every taggable resource supports.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Filtering.html#Filtering_Resources_CLI — tag:<key>, tag-key, tag-value
func withTags(tags map[string]string, f fields) fields {
	return func(name string) ([]string, bool) {
		if k, ok := strings.CutPrefix(name, "tag:"); ok {
			if v, ok := tags[k]; ok {
				return []string{v}, true
			}
			return nil, true
		}
		switch name {
		case "tag-key":
			return slices.Collect(maps.Keys(tags)), true
		case "tag-value":
			return slices.Collect(maps.Values(tags)), true
		}
		return f(name)
	}
}

// matches reports whether an object passes all filters: filters are ANDed,
// the values of one filter ORed, and values may use * and ? wildcards.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Filtering.html — filter semantics and wildcards
func matches(fs []filter, get fields) (bool, error) {
	for _, f := range fs {
		vals, ok := get(f.name)
		if !ok {
			return false, errInvalid("The filter '%s' is invalid", f.name)
		}
		hit := false
		for _, want := range f.values {
			for _, v := range vals {
				if glob(want, v) {
					hit = true
				}
			}
		}
		if !hit {
			return false, nil
		}
	}
	return true, nil
}

// glob matches s against a pattern with * (any run) and ? (one character).
func glob(pattern, s string) bool {
	for len(pattern) > 0 {
		switch pattern[0] {
		case '*':
			for i := len(s); i >= 0; i-- {
				if glob(pattern[1:], s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if len(s) == 0 {
				return false
			}
		default:
			if len(s) == 0 || s[0] != pattern[0] {
				return false
			}
		}
		pattern, s = pattern[1:], s[1:]
	}
	return len(s) == 0
}

// selectObjects applies an ID list, filters and MaxResults/NextToken
// pagination to a sorted list of objects. An ID in the list that does not
// exist is an error, as in EC2.
func selectObjects[T any](f form, idParam string, all []T, id func(T) string, get func(T) fields) ([]T, string, error) {
	ids := f.list(idParam)
	if len(ids) > 0 {
		byID := map[string]T{}
		for _, o := range all {
			byID[id(o)] = o
		}
		var picked []T
		for _, want := range ids {
			o, ok := byID[want]
			if !ok {
				return nil, "", &apiError{Code: notFoundCode(want), Message: "The ID '" + want + "' does not exist", Status: 400}
			}
			picked = append(picked, o)
		}
		all = picked
	}
	fs := f.filters()
	var out []T
	for _, o := range all {
		ok, err := matches(fs, get(o))
		if err != nil {
			return nil, "", err
		}
		if ok {
			out = append(out, o)
		}
	}
	return paginate(f, out)
}

// paginate cuts a page of MaxResults items at NextToken.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/Query-Requests.html#api-pagination — MaxResults and NextToken
func paginate[T any](f form, items []T) ([]T, string, error) {
	start := 0
	if tok := f.str("NextToken"); tok != "" {
		b, err := base64.RawURLEncoding.DecodeString(tok)
		n, err2 := strconv.Atoi(string(b))
		if err != nil || err2 != nil || n < 0 || n > len(items) {
			return nil, "", &apiError{Code: "InvalidNextToken", Message: "The token '" + tok + "' is invalid", Status: 400}
		}
		start = n
	}
	if !f.has("MaxResults") {
		return items[start:], "", nil
	}
	max, err := f.intOr("MaxResults", 1000)
	if err != nil {
		return nil, "", err
	}
	if max < 5 || max > 1000 {
		return nil, "", errInvalid("Value ( %d ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.", max)
	}
	end := min(start+max, len(items))
	next := ""
	if end < len(items) {
		next = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
	}
	return items[start:end], next, nil
}

func one(v string) []string { return []string{v} }

// convertAll returns f of each object in order: a page of model objects in
// their XML form. None gives nil, as appending in a loop did.
func convertAll[T, X any](objs []T, f func(T) X) []X {
	var out []X
	for _, o := range objs {
		out = append(out, f(o))
	}
	return out
}
