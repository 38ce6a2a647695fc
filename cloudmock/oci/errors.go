package oci

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// apiError is an OCI error: an HTTP status, a code clients branch on and
// a message.
// OCI: https://docs.oracle.com/en-us/iaas/Content/API/References/apierrors.htm — {"code","message"} with the status and code per error
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func fail(status int, code, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// OCI's error codes the server answers.
// OCI: https://docs.oracle.com/en-us/iaas/Content/API/References/apierrors.htm — 400 InvalidParameter, 400 LimitExceeded, 401 NotAuthenticated, 404 NotAuthorizedOrNotFound, 409 Conflict, 409 IncorrectState, 412 NoEtagMatch
const (
	codeInvalidParameter = "InvalidParameter"
	codeLimitExceeded    = "LimitExceeded"
	codeNotAuthenticated = "NotAuthenticated"
	codeNotFound         = "NotAuthorizedOrNotFound"
	codeConflict         = "Conflict"
	codeIncorrectState   = "IncorrectState"
	codeNoEtagMatch      = "NoEtagMatch"
	codeMissingParameter = "MissingParameter"
)

func invalid(format string, args ...any) *apiError {
	return fail(http.StatusBadRequest, codeInvalidParameter, format, args...)
}

func notFound(what, id string) *apiError {
	return fail(http.StatusNotFound, codeNotFound, "Authorization failed or requested resource not found: %s %s", what, clip(id))
}

// fromModel maps a model error to OCI's code and status.
func fromModel(err error) *apiError {
	var me *model.Error
	msg := err.Error()
	if errors.As(err, &me) {
		msg = me.Msg
	}
	switch model.CodeOf(err) {
	case model.CodeNotFound:
		return fail(http.StatusNotFound, codeNotFound, "Authorization failed or requested resource not found: %s", msg)
	case model.CodeLimitExceeded, model.CodeQuotaExceeded:
		return fail(http.StatusBadRequest, codeLimitExceeded, "%s", msg)
	case model.CodeConflict, model.CodeAlreadyExists, model.CodeDuplicate, model.CodeDependency,
		model.CodeAlreadyAssociated, model.CodeCannotDelete:
		return fail(http.StatusConflict, codeConflict, "%s", msg)
	case model.CodeIncorrectState:
		return fail(http.StatusConflict, codeIncorrectState, "%s", msg)
	}
	return fail(http.StatusBadRequest, codeInvalidParameter, "%s", msg)
}

// requestID is the opc-request-id of an answer: the client's, when it
// sent one, then the server's own part.
// OCI: https://docs.oracle.com/en-us/iaas/Content/API/Concepts/usingapi.htm — every response has an opc-request-id header; a client-supplied one is echoed in it
func requestID(r *http.Request) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	own := strings.ToUpper(hex.EncodeToString(b[:]))
	if c := r.Header.Get("opc-request-id"); c != "" && len(c) <= 98 && !strings.ContainsAny(c, "\r\n") {
		return c + "/" + own
	}
	return own
}

func writeError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.Status, map[string]string{"code": e.Code, "message": e.Message})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// clip shortens what a caller sent before it is quoted back.
func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}
