package azure

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// armError is ARM's error body.
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/troubleshooting/common-deployment-errors — {"error":{"code","message"}}
type armError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Target  string `json:"target,omitempty"` // the property at fault, where the provider names it (Compute's errors do)
}

func (e *armError) Error() string { return e.Code + ": " + e.Message }

// fail returns an ARM error with a status.
func fail(status int, code, format string, args ...any) *armError {
	return &armError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// writeError writes err as ARM's error body: an *armError as it is, a
// model error through fromModel, anything else as a 500.
func writeError(w http.ResponseWriter, err error) {
	var ae *armError
	if !errors.As(err, &ae) {
		ae = fromModel(err)
	}
	writeJSON(w, ae.Status, map[string]*armError{"error": ae})
}

// writeJSON writes v as JSON with a status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":{"code":"InternalServerError","message":"encode response"}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// maxBody is the largest request body read.
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/templates/best-practices#template-limits — a request (a template) is limited to 4 MB
const maxBody = 4 << 20

// decodeBody decodes a JSON request body into v; any malformed body,
// wrong type or trailing data is ARM's 400 InvalidRequestFormat.
// Azure: https://learn.microsoft.com/en-us/rest/api/network/virtual-networks/create-or-update — a body that does not parse is refused with InvalidRequestFormat
func decodeBody(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(b) > maxBody {
		return fail(400, "InvalidRequestFormat", "Cannot parse the request: the body could not be read or is larger than %d bytes.", maxBody)
	}
	return decodeJSON(b, v)
}

// decodeJSON is decodeBody's parser.
func decodeJSON(b []byte, v any) error {
	if len(bytes.TrimSpace(b)) == 0 {
		return fail(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: the body is empty.")
	}
	d := json.NewDecoder(bytes.NewReader(b))
	if err := d.Decode(v); err != nil {
		return fail(400, "InvalidRequestFormat", "Cannot parse the request: %s", clip(err.Error()))
	}
	if d.More() {
		return fail(400, "InvalidRequestFormat", "Cannot parse the request: data after the JSON value.")
	}
	return nil
}

// clip shortens a quoted user value in a message.
func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

// etagOf is a resource's etag: a weak tag derived from its body, so that it
// changes exactly when the resource does.
// Azure: https://learn.microsoft.com/en-us/rest/api/virtualnetwork/virtual-networks/get — etag: a unique read-only string that changes whenever the resource is updated
func etagOf(v any) string {
	b, _ := json.Marshal(v)
	return `W/"` + guidOf(string(b)) + `"`
}

// guidOf formats a hash of s as a GUID.
func guidOf(s string) string {
	h := sha256.Sum256([]byte(s))
	x := fmt.Sprintf("%x", h[:16])
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// ref is an ARM reference to another resource.
type ref struct {
	ID string `json:"id"`
}

// lower is strings.ToLower, for case-insensitive path words.
func lower(s string) string { return strings.ToLower(s) }

// readPut decodes a PUT's body into in and checks the location that
// locOf reads from it, answering the request itself (ok false) when either
// fails.
func readPut[T any](q *request, in *T, locOf func(*T) string) (string, bool) {
	if err := decodeBody(q.Request, in); err != nil {
		writeError(q.w, err)
		return "", false
	}
	loc, err := location(locOf(in), "LocationNotAvailableForResourceType")
	if err != nil {
		writeError(q.w, err)
		return "", false
	}
	return loc, true
}
