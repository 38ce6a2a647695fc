package gcp

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// operation is a Compute Engine Operation: every mutation answers one.
// The lab's mutations finish at once, so an operation is DONE when it is
// first returned; a failure that GCP reports after accepting the request
// (a resource in use, a quota) is inside it.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/globalOperations — Operation resource; status PENDING, RUNNING or DONE; error.errors[]
type operation struct {
	Kind                string   `json:"kind"`
	ID                  string   `json:"id"`
	Name                string   `json:"name"`
	OperationType       string   `json:"operationType"`
	TargetLink          string   `json:"targetLink"`
	TargetID            string   `json:"targetId,omitempty"`
	Status              string   `json:"status"`
	User                string   `json:"user"`
	Progress            int      `json:"progress"`
	InsertTime          string   `json:"insertTime"`
	StartTime           string   `json:"startTime"`
	EndTime             string   `json:"endTime"`
	SelfLink            string   `json:"selfLink"`
	Region              string   `json:"region,omitempty"`
	Zone                string   `json:"zone,omitempty"`
	Error               *opError `json:"error,omitempty"`
	HTTPErrorStatusCode int      `json:"httpErrorStatusCode,omitempty"`
	HTTPErrorMessage    string   `json:"httpErrorMessage,omitempty"`

	scope string // global, regions/R or zones/Z
	proj  string
}

type opError struct {
	Errors []opErrorItem `json:"errors"`
}

type opErrorItem struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// operations keeps the operations of every project, the newest maxOps.
type operations struct {
	mu     sync.Mutex // guards the fields below
	byName map[string]*operation
	order  []string
}

// maxOps bounds the operations kept; older ones are forgotten, as GCP
// forgets operations after a while.
const maxOps = 10000

// asyncReasons are the failures GCP reports inside a DONE operation
// rather than as the request's answer.
// GCP: https://cloud.google.com/compute/docs/api/handling-errors#errors_in_operations — errors that occur after the request is accepted are in the operation's error field
var asyncReasons = map[string]string{"resourceInUseByAnotherResource": "RESOURCE_IN_USE_BY_ANOTHER_RESOURCE", "QUOTA_EXCEEDED": "QUOTA_EXCEEDED",
	"IP_IN_USE_BY_ANOTHER_RESOURCE": "IP_IN_USE_BY_ANOTHER_RESOURCE"}

// mutate runs one mutation of the resource at path in a scope and answers
// its operation. fn's error fails the request itself unless GCP reports
// it inside the operation (asyncReasons).
func (s *Server) mutate(q *request, scope, opType, path string, fn func() *apiError) *apiError {
	err := fn()
	async := ""
	if err != nil {
		if async = asyncReasons[err.Reason]; async == "" {
			return err
		}
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	now := s.now().Format("2006-01-02T15:04:05.000-07:00")
	name := "operation-" + strings.ReplaceAll(s.now().Format("20060102150405.000"), ".", "") + "-" + hex.EncodeToString(b[:])
	op := &operation{Kind: "compute#operation", Name: name, OperationType: opType, TargetLink: q.selfLink(path), TargetID: numericID(path),
		Status: "DONE", User: "user@" + q.project + ".iam.gserviceaccount.com", Progress: 100, InsertTime: now, StartTime: now, EndTime: now,
		scope: scope, proj: q.project}
	opPath := "projects/" + q.project + "/" + scope + "/operations/" + name
	op.ID, op.SelfLink = numericID(opPath), q.selfLink(opPath)
	if r, ok := strings.CutPrefix(scope, "regions/"); ok {
		op.Region = q.selfLink("projects/" + q.project + "/regions/" + r)
	} else if z, ok := strings.CutPrefix(scope, "zones/"); ok {
		op.Zone = q.selfLink("projects/" + q.project + "/zones/" + z)
	}
	if err != nil {
		op.Error = &opError{Errors: []opErrorItem{{Code: async, Message: err.Message}}}
		op.HTTPErrorStatusCode, op.HTTPErrorMessage = err.Status, http.StatusText(err.Status)
	}
	s.ops.add(op)
	writeJSON(q.w, http.StatusOK, op)
	return nil
}

func (o *operations) add(op *operation) {
	o.mu.Lock()
	defer o.mu.Unlock()
	key := op.proj + "/" + op.scope + "/" + op.Name
	o.byName[key] = op
	o.order = append(o.order, key)
	if len(o.order) > maxOps {
		delete(o.byName, o.order[0])
		o.order = o.order[1:]
	}
}

// serveOperations answers get, wait, list and delete of a scope's
// operations.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/globalOperations/wait — wait returns the operation when it is DONE (or after a while)
func (s *Server) serveOperations(q *request, scope string, rest []string) *apiError {
	s.ops.mu.Lock()
	defer s.ops.mu.Unlock()
	prefix := q.project + "/" + scope + "/"
	if len(rest) == 0 {
		if q.Method != http.MethodGet {
			return fail(http.StatusMethodNotAllowed, "methodNotAllowed", "Method %s is not allowed here", q.Method)
		}
		var items []*operation
		for _, k := range s.ops.order {
			if strings.HasPrefix(k, prefix) {
				items = append(items, s.ops.byName[k])
			}
		}
		slices.Reverse(items)
		return writeList(q, s, "compute#operationList", "projects/"+q.project+"/"+scope+"/operations", items)
	}
	op, ok := s.ops.byName[prefix+rest[0]]
	if !ok {
		return notFound("projects/" + q.project + "/" + scope + "/operations/" + rest[0])
	}
	switch {
	case len(rest) == 1 && q.Method == http.MethodGet, len(rest) == 2 && rest[1] == "wait" && q.Method == http.MethodPost:
		writeJSON(q.w, http.StatusOK, op)
	case len(rest) == 1 && q.Method == http.MethodDelete:
		delete(s.ops.byName, prefix+rest[0])
		q.w.WriteHeader(http.StatusNoContent)
	default:
		return notFound("projects/" + q.project + "/" + scope + "/operations/" + strings.Join(rest, "/"))
	}
	return nil
}

// created is the creationTimestamp of a new resource, kept in its
// attributes.
func (s *Server) created() string { return s.now().Format("2006-01-02T15:04:05.000-07:00") }
