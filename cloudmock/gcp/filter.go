package gcp

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
)

// term is one comparison of a list filter: a field path, an operator and
// a value (a regular expression for eq and ne).
type term struct {
	path []string
	op   string // eq, ne, =, !=
	re   *regexp.Regexp
	lit  string
}

// termRE matches one comparison: FIELD eq|ne|=|!= VALUE, the value quoted
// or bare, optionally in parentheses.
var termRE = regexp.MustCompile(`^\(?\s*([A-Za-z][A-Za-z0-9_.]*)\s*(eq|ne|!=|=)\s*("(?:[^"\\]|\\.)*"|[^\s()]+)\s*\)?`)

// parseFilter parses a list's filter parameter: comparisons joined by
// spaces or AND, all of which must hold. eq and ne take an RE2 regular
// expression that must match the whole value (gcloud's --filter arrives
// as name eq ".*\bweb\b.*"); = and != compare literally.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/networks/list — filter: field, operator (=, !=, >, <, :, eq, ne) and value; eq/ne take a regular expression that must match the entire field
func parseFilter(s string) ([]term, *apiError) {
	var out []term
	rest := strings.TrimSpace(s)
	for rest != "" {
		m := termRE.FindStringSubmatch(rest)
		if m == nil {
			return nil, fail(http.StatusBadRequest, "invalid", "Invalid value for field 'filter': '%s'. Invalid list filter expression.", clip(s))
		}
		t := term{path: strings.Split(m[1], "."), op: m[2]}
		v := m[3]
		if strings.HasPrefix(v, `"`) {
			// Only \" is an escape of the quoting: a regular expression
			// keeps its own backslashes (\b).
			v = strings.ReplaceAll(v[1:len(v)-1], `\"`, `"`)
		}
		if t.op == "eq" || t.op == "ne" {
			re, err := regexp.Compile("^(?:" + v + ")$")
			if err != nil {
				return nil, fail(http.StatusBadRequest, "invalid", "Invalid value for field 'filter': '%s'. Invalid regular expression: %s", clip(s), clip(err.Error()))
			}
			t.re = re
		}
		t.lit = v
		out = append(out, t)
		rest = strings.TrimSpace(rest[len(m[0]):])
		rest = strings.TrimSpace(strings.TrimPrefix(rest, "AND "))
	}
	return out, nil
}

// keep reports whether an item passes every term.
func keep(item any, terms []term) bool {
	if len(terms) == 0 {
		return true
	}
	b, _ := json.Marshal(item)
	var m any
	_ = json.Unmarshal(b, &m)
	for _, t := range terms {
		vals := lookup(m, t.path)
		hit := false
		for _, v := range vals {
			if t.re != nil && t.re.MatchString(v) || t.re == nil && v == t.lit {
				hit = true
				break
			}
		}
		if hit == (t.op == "ne" || t.op == "!=") {
			return false
		}
	}
	return true
}

// lookup returns the values at a path; a list yields each element's.
func lookup(v any, path []string) []string {
	if len(path) == 0 {
		switch x := v.(type) {
		case nil:
			return nil
		case string:
			return []string{x}
		case []any:
			var out []string
			for _, e := range x {
				out = append(out, lookup(e, nil)...)
			}
			return out
		default:
			return []string{fmt.Sprint(x)}
		}
	}
	switch x := v.(type) {
	case map[string]any:
		return lookup(x[path[0]], path[1:])
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, lookup(e, path)...)
		}
		return out
	}
	return nil
}

// filtered applies the request's filter to items.
func filtered[T any](q *request, items []T) ([]T, *apiError) {
	terms, err := parseFilter(q.URL.Query().Get("filter"))
	if err != nil || len(terms) == 0 {
		return items, err
	}
	var out []T
	for _, it := range items {
		if keep(it, terms) {
			out = append(out, it)
		}
	}
	return out, nil
}
