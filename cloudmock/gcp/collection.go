package gcp

import "net/http"

// collection is how a collection of wire forms kept in the model is
// served: its list kind and resource path, its items as stored (by
// name), their answer form, and its insert, delete (inside the
// operation) and patch (nil: not patchable).
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1 — list (GET collection), insert (POST collection), get (GET), delete (DELETE), patch (PATCH)
type collection[T interface{ name() string }] struct {
	listKind, scope, path string
	items                 []T
	out                   func(T) T
	insert                func(T) *apiError
	remove                func(item T, path string) *apiError
	patch                 func(T) *apiError
}

// serveCollection answers one request on a collection: rest are the path
// words after it.
func serveCollection[T interface{ name() string }](q *request, s *Server, c collection[T], rest []string) *apiError {
	switch {
	case len(rest) == 0 && q.Method == http.MethodGet:
		items := make([]T, 0, len(c.items))
		for _, it := range c.items {
			items = append(items, c.out(it))
		}
		return writeList(q, s, c.listKind, c.path, items)
	case len(rest) == 0 && q.Method == http.MethodPost:
		var in T
		if err := decode(q.Request, &in); err != nil {
			return err
		}
		return c.insert(in)
	case len(rest) == 1:
		path := c.path + "/" + rest[0]
		it, ok := named(c.items, rest[0])
		if !ok {
			return notFound(path)
		}
		switch {
		case q.Method == http.MethodGet:
			writeJSON(q.w, http.StatusOK, c.out(it))
			return nil
		case q.Method == http.MethodDelete:
			return s.mutate(q, c.scope, "delete", path, func() *apiError { return c.remove(it, path) })
		case q.Method == http.MethodPatch && c.patch != nil:
			return c.patch(it)
		}
	}
	return notFound(c.path + "/" + joinWords(rest))
}
