package gcp

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// selfLink is the absolute URL of a resource path under the server's base.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/networks — selfLink: server-defined URL for the resource
func (q *request) selfLink(path string) string { return q.base + path }

// numericID is the unsigned 64-bit id GCP gives a resource beside its
// name; the lab derives it from the resource path, so it is stable
// across restarts of a saved cloud.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/networks — id: unique identifier for the resource, defined by the server (uint64 as a string)
func numericID(path string) string {
	sum := sha256.Sum256([]byte(path))
	return strconv.FormatUint(binary.BigEndian.Uint64(sum[:8])>>1, 10)
}

// hexName is 16 hex digits derived from s, for the names GCP generates
// (default-route-6b2a...): always 16, whatever the hash.
func hexName(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}

// fingerprint is a resource's fingerprint: base64 of a hash of what a
// patch may change, so a patch with a stale one is refused.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/subnetworks — fingerprint (bytes, base64): needed to patch
func fingerprint(state string) string {
	sum := sha256.Sum256([]byte(state))
	return base64.StdEncoding.EncodeToString(sum[:8])
}

// refPrefixes are the URL forms clients use for a resource: the server's
// own links and the real API's two hosts.
var refHosts = []string{"https://www.googleapis.com/compute/v1/", "https://compute.googleapis.com/compute/v1/"}

// resolveRef turns a reference to a resource of the project into its
// resource path (projects/P/...): an absolute URL (the server's own or
// googleapis.com's), a path relative to the API root (projects/P/...), a
// path relative to the project (global/networks/N), or a bare name,
// which scope and coll complete ("global", "networks").
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/subnetworks/insert — network: a full or partial URL of the network
func (q *request) resolveRef(ref, scope, coll string) (string, *apiError) {
	r := ref
	for _, h := range append([]string{q.base}, refHosts...) {
		if rest, ok := strings.CutPrefix(r, h); ok {
			r = rest
			break
		}
	}
	if u, err := url.Parse(r); err == nil && u.Scheme != "" {
		if i := strings.Index(u.Path, "/compute/v1/"); i >= 0 {
			r = u.Path[i+len("/compute/v1/"):]
		}
	}
	switch {
	case strings.HasPrefix(r, "projects/"):
	case strings.Contains(r, "/"):
		r = "projects/" + q.project + "/" + r
	default:
		r = "projects/" + q.project + "/" + scope + "/" + coll + "/" + r
	}
	want := "projects/" + q.project + "/" + scope + "/" + coll + "/"
	if name, ok := strings.CutPrefix(r, want); !ok || !nameRE.MatchString(name) {
		return "", fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.%s': '%s'. The URL is malformed.", strings.TrimSuffix(coll, "s"), clip(ref))
	}
	return r, nil
}

// nameRE is what a resource name must match.
// GCP: https://cloud.google.com/compute/docs/naming-resources#resource-name-format — 1-63 characters, [a-z]([-a-z0-9]*[a-z0-9])?
var nameRE = regexp.MustCompile(`^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$`)

// checkName refuses a name that does not match nameRE.
func checkName(field, name string) *apiError {
	if !nameRE.MatchString(name) {
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field '%s': '%s'. Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)'", field, clip(name))
	}
	return nil
}

// page cuts a list by maxResults and pageToken; the token is the offset.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/networks/list — maxResults (0-500, default 500), pageToken, nextPageToken
func page[T any](q *request, s *Server, items []T) ([]T, string, *apiError) {
	max := s.cfg.PageSize
	if v := q.URL.Query().Get("maxResults"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 500 {
			return nil, "", fail(http.StatusBadRequest, "invalid", "Invalid value for field 'maxResults': '%s'. Must be less than or equal to 500", clip(v))
		}
		if n > 0 && n < max {
			max = n
		}
	}
	start := 0
	if t := q.URL.Query().Get("pageToken"); t != "" {
		b, err := base64.RawURLEncoding.DecodeString(t)
		n, err2 := strconv.Atoi(string(b))
		if err != nil || err2 != nil || n < 0 || n > len(items) {
			return nil, "", fail(http.StatusBadRequest, "invalid", "Invalid value for field 'pageToken': '%s'. Supplied page token is not valid.", clip(t))
		}
		start = n
	}
	end := min(start+max, len(items))
	next := ""
	if end < len(items) {
		next = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
	}
	return items[start:end], next, nil
}

// list is the body of a list answer.
type list struct {
	Kind          string `json:"kind"`
	ID            string `json:"id"`
	Items         any    `json:"items,omitempty"`
	NextPageToken string `json:"nextPageToken,omitempty"`
	SelfLink      string `json:"selfLink"`
}

// writeList answers a page of items.
func writeList[T any](q *request, s *Server, kind, path string, items []T) *apiError {
	items, err := filtered(q, items)
	if err != nil {
		return err
	}
	pg, next, err := page(q, s, items)
	if err != nil {
		return err
	}
	l := list{Kind: kind, ID: path, NextPageToken: next, SelfLink: q.selfLink(path)}
	if len(pg) > 0 {
		l.Items = pg
	}
	writeJSON(q.w, http.StatusOK, l)
	return nil
}

// scoped is one item of an aggregated list: its scope key (regions/R,
// zones/Z or global), its name and its wire form.
type scoped[T any] struct {
	scope, name string
	item        T
}

// writeAggregated answers an aggregatedList of a collection: the items
// that pass the filter, by scope, each scope's sorted by name.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/instances/aggregatedList — items: a map from scope to {COLLECTION: [...]}
func writeAggregated[T any](q *request, kind, coll string, all []scoped[T]) *apiError {
	if q.Method != http.MethodGet {
		return fail(http.StatusMethodNotAllowed, "methodNotAllowed", "Method %s is not allowed here", q.Method)
	}
	terms, aerr := parseFilter(q.URL.Query().Get("filter"))
	if aerr != nil {
		return aerr
	}
	slices.SortStableFunc(all, func(a, b scoped[T]) int { return strings.Compare(a.name, b.name) })
	items := map[string]map[string][]T{}
	for _, it := range all {
		if !keep(it.item, terms) {
			continue
		}
		if items[it.scope] == nil {
			items[it.scope] = map[string][]T{coll: nil}
		}
		items[it.scope][coll] = append(items[it.scope][coll], it.item)
	}
	path := "projects/" + q.project + "/aggregated/" + coll
	writeJSON(q.w, http.StatusOK, map[string]any{"kind": kind, "id": path, "items": items, "selfLink": q.selfLink(path)})
	return nil
}
