package azure

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
)

// Long-running operations. Every write is done when its response is
// sent; a PUT or DELETE still answers as ARM's asynchronous ones do, with
// an Azure-AsyncOperation URL (an operation that has succeeded) and
// Retry-After: 0, so that clients follow their usual polling path without
// waiting (az waits 30 s per poll without Retry-After, cloud-clients.md §1.1.3).
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/async-operations — Azure-AsyncOperation, Location, Retry-After, and the operation's status

// asyncHeaders sets the headers of an asynchronous answer in a location.
func asyncHeaders(q *request, location string, withLocation bool) {
	var b [16]byte
	_, _ = rand.Read(b[:])
	if location == "" {
		location = "global"
	}
	ns := q.ns
	if ns == "" {
		ns = "Microsoft.Network"
	}
	op := q.base + "/subscriptions/" + q.sub + "/providers/" + ns + "/locations/" + location + "/operations/" +
		hex.EncodeToString(b[:]) + "?api-version=" + q.URL.Query().Get("api-version")
	h := q.w.Header()
	h.Set("Azure-AsyncOperation", op)
	h.Set("Retry-After", "0")
	if withLocation {
		h.Set("Location", strings.Replace(op, "/operations/", "/operationResults/", 1))
	}
}

// putDone answers a PUT: 201 for a new resource, 200 for an update, with
// the resource's body and the operation headers.
func putDone(q *request, created bool, location string, body any) {
	asyncHeaders(q, location, false)
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(q.w, status, body)
}

// deleteDone answers a DELETE that deleted something: 202 with the
// operation headers; one that found nothing is 204.
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/async-operations — DELETE of a resource that does not exist returns 204
func deleteDone(q *request, location string, deleted bool) {
	if !deleted {
		q.w.WriteHeader(http.StatusNoContent)
		return
	}
	asyncHeaders(q, location, true)
	q.w.WriteHeader(http.StatusAccepted)
}

// resource is what serveResource needs of one kind of resource.
type resource[T any] struct {
	find   func(sub, group, name string) (T, error) // the resource, or ARM's not-found error
	out    func(T) any                              // its JSON answer
	put    func(q *request, group, name string)     // creates or updates it, answering
	del    func(sub string, x T) error              // deletes it (or refuses)
	region func(T) string                           // its location, for the operation's URL
}

// serveResource answers GET, PUT and DELETE of one resource: a DELETE of
// one that does not exist is 204, of one that does an accepted
// long-running operation.
// Azure: https://learn.microsoft.com/en-us/rest/api/azure/#async-operations-throttling-and-paging — DELETE answers 202 with Azure-AsyncOperation, or 204 when there is nothing to delete
func serveResource[T any](q *request, group, name string, r resource[T]) {
	switch q.Method {
	case http.MethodGet:
		x, err := r.find(q.sub, group, name)
		if err != nil {
			writeError(q.w, err)
			return
		}
		writeJSON(q.w, http.StatusOK, r.out(x))
	case http.MethodPut:
		r.put(q, group, name)
	case http.MethodDelete:
		x, err := r.find(q.sub, group, name)
		if err != nil {
			deleteDone(q, "", false)
			return
		}
		if err := r.del(q.sub, x); err != nil {
			writeError(q.w, err)
			return
		}
		deleteDone(q, r.region(x), true)
	default:
		writeError(q.w, fail(http.StatusMethodNotAllowed, "MethodNotAllowed", "The method '%s' is not allowed here.", q.Method))
	}
}

// operation answers an operation's status: every operation has succeeded.
func (s *Server) operation(q *request, kind, id string) {
	if kind == "operationresults" && (s.nicActionResult(q, id) || s.vngActionResult(q, id)) {
		return
	}
	if kind == "operationresults" {
		q.w.WriteHeader(http.StatusOK)
		return
	}
	writeJSON(q.w, http.StatusOK, map[string]any{"status": "Succeeded"})
}

// page answers a list with at most PageSize items from $skiptoken on,
// and an absolute nextLink to the rest.
// Azure: https://learn.microsoft.com/en-us/rest/api/azure/#async-operations-throttling-and-paging — a list returns value and, while more remain, nextLink
func (s *Server) page(q *request, items []any) {
	size := s.PageSize
	if size <= 0 {
		size = 100
	}
	from, _ := strconv.Atoi(q.URL.Query().Get("$skiptoken"))
	from = max(0, min(from, len(items)))
	to := min(from+size, len(items))
	out := map[string]any{"value": append([]any{}, items[from:to]...)}
	if to < len(items) {
		v := q.URL.Query()
		v.Set("$skiptoken", strconv.Itoa(to))
		out["nextLink"] = q.base + q.URL.Path + "?" + v.Encode()
	}
	writeJSON(q.w, http.StatusOK, out)
}
