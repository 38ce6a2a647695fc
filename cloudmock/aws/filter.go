package aws

import (
	"encoding/base64"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// filter is one Filter.N of a Describe call: a name and the values any of
// which may match.
type filter struct {
	name     string
	values   []string
	patterns [][]globToken // values compiled, in order
}

// filters returns the request's Filter.N, each value checked for length
// and compiled once.
func (f form) filters() ([]filter, error) {
	var out []filter
	for _, i := range f.indices("Filter") {
		p := "Filter." + strconv.Itoa(i)
		flt := filter{name: f.str(p + ".Name"), values: f.list(p + ".Value")}
		if err := checkFilter(flt); err != nil {
			return nil, err
		}
		for _, v := range flt.values {
			flt.patterns = append(flt.patterns, compileGlob(v))
		}
		out = append(out, flt)
	}
	return out, nil
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
		for _, p := range f.patterns {
			for _, v := range vals {
				if globMatch(p, []rune(v)) {
					hit = true
					break
				}
			}
			if hit {
				break
			}
		}
		if !hit {
			return false, nil
		}
	}
	return true, nil
}

// maxFilterValueChars bounds one filter value. EC2's Filter type documents
// no length for a value; the longest value a filter must match exactly is a
// tag value, 256 Unicode characters, so a longer value can match nothing
// literally and is refused as EC2 refuses an out-of-range parameter.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Tags.html#tag-restrictions — tag value up to 256 Unicode characters
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Filter.html — Filter.Value.N (no documented length)
const maxFilterValueChars = 256

// checkFilter refuses a filter value longer than maxFilterValueChars.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html — InvalidParameterValue
func checkFilter(f filter) error {
	for _, v := range f.values {
		if n := utf8.RuneCountInString(v); n > maxFilterValueChars {
			return errInvalid("The filter value '%s' for filter '%s' is %d characters long; a filter value is at most %d characters.",
				v, f.name, n, maxFilterValueChars)
		}
	}
	return nil
}

// globToken is one element of a compiled filter value: a literal
// character, ? (any one character) or * (any run).
type globToken struct {
	r    rune
	kind byte // 'c' literal r, '?' one character, '*' any run
}

// compileGlob splits a filter value into tokens; a backslash makes the
// next character literal (a trailing backslash is itself literal).
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Filtering.html — * and ? wildcards, escaped with a backslash
func compileGlob(pattern string) []globToken {
	rs := []rune(pattern)
	out := make([]globToken, 0, len(rs))
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; {
		case r == '\\' && i+1 < len(rs):
			i++
			out = append(out, globToken{r: rs[i], kind: 'c'})
		case r == '*':
			if n := len(out); n > 0 && out[n-1].kind == '*' {
				continue // ** is *
			}
			out = append(out, globToken{kind: '*'})
		case r == '?':
			out = append(out, globToken{kind: '?'})
		default:
			out = append(out, globToken{r: r, kind: 'c'})
		}
	}
	return out
}

// glob matches s against a pattern with * (any run) and ? (one character).
// It is the two-pointer wildcard match: on a mismatch it returns to the
// last * and lets it take one more character, never recursing, so it takes
// O(len(pattern)*len(s)) steps at worst.
func glob(pattern, s string) bool {
	return globMatch(compileGlob(pattern), []rune(s))
}

func globMatch(p []globToken, s []rune) bool {
	pi, si := 0, 0
	star, mark := -1, 0 // the last * seen and the position of s it started at
	for si < len(s) {
		switch {
		case pi < len(p) && p[pi].kind == '*':
			star, mark = pi, si
			pi++
		case pi < len(p) && (p[pi].kind == '?' || p[pi].r == s[si]):
			pi++
			si++
		case star >= 0:
			mark++
			pi, si = star+1, mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi].kind == '*' {
		pi++
	}
	return pi == len(p)
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
				return nil, "", notFoundError(want)
			}
			picked = append(picked, o)
		}
		all = picked
	}
	out, err := filtered(f, all, get)
	if err != nil {
		return nil, "", err
	}
	return paginate(f, out)
}

// filtered keeps the items that match the call's filters.
func filtered[T any](f form, all []T, get func(T) fields) ([]T, error) {
	fs, err := f.filters()
	if err != nil {
		return nil, err
	}
	var out []T
	for _, x := range all {
		ok, err := matches(fs, get(x))
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, x)
		}
	}
	return out, nil
}

// paginate cuts a page of MaxResults items at NextToken.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/Query-Requests.html#api-pagination — MaxResults and NextToken
func paginate[T any](f form, items []T) ([]T, string, error) {
	start := 0
	if tok := f.str("NextToken"); tok != "" {
		b, err := base64.RawURLEncoding.DecodeString(tok)
		n, err2 := strconv.Atoi(string(b))
		if err != nil || err2 != nil || n < 0 || n > len(items) {
			return nil, "", &apiError{Code: "InvalidNextToken", Message: "The token '" + clip(tok) + "' is invalid", Status: 400}
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
