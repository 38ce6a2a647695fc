package gcp

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// apiError is a Compute Engine error: an HTTP status, a message and the
// reason clients branch on.
// GCP: https://cloud.google.com/compute/docs/api/handling-errors — {"error":{"code","message","errors":[{"message","domain","reason"}]}}
type apiError struct {
	Status  int
	Reason  string // notFound, alreadyExists, invalid, resourceInUseByAnotherResource, forbidden, ...
	Message string
}

func (e *apiError) Error() string { return e.Reason + ": " + e.Message }

func fail(status int, reason, format string, args ...any) *apiError {
	return &apiError{Status: status, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// statusText is the google.rpc status name the error body carries.
var statusText = map[int]string{400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
	409: "ALREADY_EXISTS", 412: "FAILED_PRECONDITION", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL"}

type errorItem struct {
	Message string `json:"message"`
	Domain  string `json:"domain"`
	Reason  string `json:"reason"`
}

type errorBody struct {
	Error struct {
		Code    int         `json:"code"`
		Message string      `json:"message"`
		Errors  []errorItem `json:"errors"`
		Status  string      `json:"status,omitempty"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, e *apiError) {
	var b errorBody
	b.Error.Code, b.Error.Message, b.Error.Status = e.Status, e.Message, statusText[e.Status]
	b.Error.Errors = []errorItem{{Message: e.Message, Domain: "global", Reason: e.Reason}}
	writeJSON(w, e.Status, b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// notFound is GCP's answer for a resource path that names nothing.
func notFound(path string) *apiError {
	return fail(http.StatusNotFound, "notFound", "The resource '%s' was not found", path)
}

// fromModel maps a model error about the resource at path to GCP's.
func fromModel(err error, path string) *apiError {
	if e, ok := errors.AsType[*apiError](err); ok {
		return e
	}
	switch model.CodeOf(err) {
	case model.CodeNotFound:
		return notFound(path)
	case model.CodeAlreadyExists, model.CodeDuplicate:
		return fail(http.StatusConflict, "alreadyExists", "The resource '%s' already exists", path)
	case model.CodeDependency:
		return fail(http.StatusBadRequest, "resourceInUseByAnotherResource", "The resource '%s' is already being used: %s", path, modelMessage(err))
	case model.CodeLimitExceeded, model.CodeQuotaExceeded:
		return fail(http.StatusForbidden, "QUOTA_EXCEEDED", "Quota exceeded: %s", modelMessage(err))
	case model.CodeConflict, model.CodeInvalidRange, model.CodeInvalidParameter:
		return fail(http.StatusBadRequest, "invalid", "Invalid value for '%s': %s", path, modelMessage(err))
	}
	return fail(http.StatusBadRequest, "invalid", "%s", modelMessage(err))
}

func modelMessage(err error) string {
	return err.Error()
}
