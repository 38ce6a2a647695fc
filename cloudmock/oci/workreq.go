package oci

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// workRequest is a WorkRequest on the wire (the Core Services work
// requests of the workrequests client).
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/WorkRequest/ — WorkRequest: id, operationType, status, compartmentId, resources, percentComplete, timeAccepted, timeStarted, timeFinished
type workRequest struct {
	ID              string       `json:"id"`
	OperationType   string       `json:"operationType"`
	Status          string       `json:"status"`
	CompartmentID   string       `json:"compartmentId"`
	Resources       []wrResource `json:"resources"`
	PercentComplete float32      `json:"percentComplete"`
	TimeAccepted    string       `json:"timeAccepted"`
	TimeStarted     string       `json:"timeStarted,omitempty"`
	TimeFinished    string       `json:"timeFinished,omitempty"`
}

// wrResource is a WorkRequestResource.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/WorkRequestResource — actionType CREATED, UPDATED, DELETED, RELATED, IN_PROGRESS; entityType; identifier; entityUri
type wrResource struct {
	ActionType string `json:"actionType"`
	EntityType string `json:"entityType"`
	Identifier string `json:"identifier"`
	EntityURI  string `json:"entityUri,omitempty"`
}

// Work request statuses.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/WorkRequest/ — status ACCEPTED, IN_PROGRESS, FAILED, SUCCEEDED, CANCELING, CANCELED
const (
	wrAccepted   = "ACCEPTED"
	wrInProgress = "IN_PROGRESS"
	wrSucceeded  = "SUCCEEDED"
)

// work is one work request the server keeps: the change is made in the
// model when it is accepted; its status advances as clients poll it.
type work struct {
	tenancy string
	wire    workRequest
	polls   int
	logs    []string
}

// works are the server's work requests.
type works struct {
	mu   sync.Mutex
	byID map[string]*work
	seq  []string // IDs in the order accepted
}

// workOp names an operation that answers a work request and the
// resource it changes.
type workOp struct {
	op, entity, id, action, compartment string
}

// accept records a work request for a change already made and sets its
// OCID on the answer's opc-work-request-id.
// OCI: https://docs.oracle.com/en-us/iaas/Content/API/Concepts/usingapi.htm — an asynchronous operation answers an opc-work-request-id to poll with GetWorkRequest
func (s *Server) accept(q *request, o workOp) string {
	id := model.OCIID("workrequest", s.cfg.Region)
	now := s.now().UTC().Format(time.RFC3339Nano)
	w := &work{tenancy: q.tenancy, wire: workRequest{ID: id, OperationType: o.op, Status: wrAccepted, CompartmentID: o.compartment,
		Resources: []wrResource{{ActionType: o.action, EntityType: o.entity, Identifier: o.id,
			EntityURI: "/" + apiVersion + "/" + entityColl(o.entity) + "/" + o.id}},
		TimeAccepted: now},
		logs: []string{o.op + " accepted for " + o.id}}
	s.works.mu.Lock()
	if s.works.byID == nil {
		s.works.byID = map[string]*work{}
	}
	s.works.byID[id] = w
	s.works.seq = append(s.works.seq, id)
	s.works.mu.Unlock()
	q.w.Header().Set("opc-work-request-id", id)
	return id
}

// entityColl is the collection path of an entity type.
func entityColl(entity string) string {
	return strings.ToLower(entity[:1]) + entity[1:] + "s"
}

// advance moves a work request one step as it is polled: ACCEPTED, then
// IN_PROGRESS, then SUCCEEDED with its resources' action final.
func (s *Server) advance(w *work) {
	now := s.now().UTC().Format(time.RFC3339Nano)
	w.polls++
	switch {
	case w.wire.Status == wrAccepted:
		w.wire.Status, w.wire.PercentComplete, w.wire.TimeStarted = wrInProgress, 50, now
		w.logs = append(w.logs, w.wire.OperationType+" started")
	case w.wire.Status == wrInProgress:
		w.wire.Status, w.wire.PercentComplete, w.wire.TimeFinished = wrSucceeded, 100, now
		w.logs = append(w.logs, w.wire.OperationType+" succeeded")
	}
}

// serveWorkRequests answers GetWorkRequest (a GET advances it),
// ListWorkRequests (by compartment and resourceId), and the errors and
// logs of one.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/WorkRequest/ListWorkRequests — compartmentId required, resourceId optional; a bare array
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/WorkRequestError/ListWorkRequestErrors — the errors of a work request (none for one that succeeds)
func (s *Server) serveWorkRequests(q *request) *apiError {
	if q.Method != http.MethodGet {
		return fail(http.StatusMethodNotAllowed, "MethodNotAllowed", "Method %s is not allowed on workRequests", q.Method)
	}
	s.works.mu.Lock()
	defer s.works.mu.Unlock()
	if len(q.rest) == 0 {
		return s.listWorkRequests(q)
	}
	w, ok := s.works.byID[q.rest[0]]
	if !ok || w.tenancy != q.tenancy {
		return notFound("WorkRequest", q.rest[0])
	}
	switch {
	case len(q.rest) == 1:
		s.advance(w)
		writeJSON(q.w, http.StatusOK, w.wire)
	case len(q.rest) == 2 && q.rest[1] == "errors":
		writeJSON(q.w, http.StatusOK, []any{})
	case len(q.rest) == 2 && q.rest[1] == "logs":
		out := []map[string]string{}
		for _, m := range w.logs {
			out = append(out, map[string]string{"message": m, "timestamp": w.wire.TimeAccepted})
		}
		writeJSON(q.w, http.StatusOK, out)
	default:
		return fail(http.StatusNotFound, "NotFound", "Not found: %s", clip(q.URL.Path))
	}
	return nil
}

func (s *Server) listWorkRequests(q *request) *apiError {
	qv := q.URL.Query()
	if err := s.checkCompartment(q, qv.Get("compartmentId")); err != nil {
		return err
	}
	var out []workRequest
	for _, id := range s.works.seq {
		w := s.works.byID[id]
		if w.tenancy != q.tenancy || w.wire.CompartmentID != qv.Get("compartmentId") {
			continue
		}
		if r := qv.Get("resourceId"); r != "" && !slices.ContainsFunc(w.wire.Resources, func(x wrResource) bool { return x.Identifier == r }) {
			continue
		}
		out = append(out, w.wire)
	}
	return writePage(s, q, out)
}
