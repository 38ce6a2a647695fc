package aws

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

// MaxBodyBytes is the largest request body the handler reads. EC2 documents
// no limit of its own for a Query API body; 4 MiB holds any request the
// API's own per-parameter limits allow (user data is at most 16 KB).
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html — user data is limited to 16 KB
const MaxBodyBytes = 4 << 20

// errBodyTooLarge is a body over MaxBodyBytes; errBodyTimeout one that did
// not arrive within the body read timeout.
var (
	errBodyTooLarge = errors.New("request body too large")
	errBodyTimeout  = errors.New("request body read timed out")
)

// readBody reads the request's body, refusing one over MaxBodyBytes (by
// its Content-Length before reading anything, or once more than that has
// arrived) rather than truncating it, and bounding the time it may take.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > MaxBodyBytes {
		lingerBody(w, r)
		return nil, errBodyTooLarge
	}
	// A wrapped writer may not reach the connection: the server's own
	// ReadTimeout then bounds the body.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(h.bodyTimeout))
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	switch {
	case isTimeout(err):
		return nil, errBodyTimeout
	case err != nil:
		return nil, fmt.Errorf("read request body: %w", err)
	case len(body) > MaxBodyBytes:
		lingerBody(w, r)
		return nil, errBodyTooLarge
	}
	return body, nil
}

// Bounds of lingerBody: how much of a refused body it discards at most,
// and how long it waits for the next part of it.
const (
	lingerBytes = 64 << 20
	lingerIdle  = 500 * time.Millisecond
)

// lingerBody reads and discards what the client still sends of a body
// refused as too large (at most lingerBytes, while each part arrives
// within lingerIdle) before the answer is written. A server that closes
// the connection with the client's data unread sends a TCP reset, and a
// client still writing its body can then lose the answer: the SDK
// reported "connection reset by peer" instead of RequestEntityTooLarge.
// A client that sends no body (or stops) gets its answer after
// lingerIdle. This is nginx's lingering close, done before answering.
// nginx: https://nginx.org/en/docs/http/ngx_http_core_module.html#lingering_close
func lingerBody(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	buf := make([]byte, 64<<10)
	for n := 0; n < lingerBytes; {
		if rc.SetReadDeadline(time.Now().Add(lingerIdle)) != nil {
			return // a wrapped writer: no deadline, so do not wait
		}
		k, err := r.Body.Read(buf)
		n += k
		if err != nil {
			return
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// ec2BodyError is EC2's answer to a body readBody refused. EC2 documents
// no error for an over-size or slow body: an over-size one is answered
// with HTTP 413 Content Too Large and the code RequestEntityTooLarge, a
// slow one as S3 answers it, RequestTimeout; both close the connection.
// RFC 9110: https://www.rfc-editor.org/rfc/rfc9110#section-15.5.14 — 413 Content Too Large
// AWS: https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html — RequestTimeout: "Your socket connection to the server was not read from or written to within the timeout period."
func ec2BodyError(w http.ResponseWriter, err error) *apiError {
	switch {
	case errors.Is(err, errBodyTooLarge):
		w.Header().Set("Connection", "close")
		return &apiError{Code: "RequestEntityTooLarge", Message: bodyTooLargeMessage, Status: http.StatusRequestEntityTooLarge}
	case errors.Is(err, errBodyTimeout):
		w.Header().Set("Connection", "close")
		return &apiError{Code: "RequestTimeout", Message: bodyTimeoutMessage, Status: http.StatusBadRequest}
	}
	return errInvalid("%v", err.Error())
}

// dxBodyError is Direct Connect's answer to a body readBody refused, in
// the JSON protocol's form.
func dxBodyError(w http.ResponseWriter, err error) *dxError {
	switch {
	case errors.Is(err, errBodyTooLarge):
		w.Header().Set("Connection", "close")
		return &dxError{Type: "RequestEntityTooLargeException", Message: bodyTooLargeMessage, Status: http.StatusRequestEntityTooLarge}
	case errors.Is(err, errBodyTimeout):
		w.Header().Set("Connection", "close")
		return &dxError{Type: "RequestTimeout", Message: bodyTimeoutMessage, Status: http.StatusBadRequest}
	}
	return &dxError{Type: "ValidationError", Message: clip(err.Error()), Status: http.StatusBadRequest}
}

var (
	bodyTooLargeMessage = fmt.Sprintf("The request body is larger than %d bytes, the most this endpoint accepts.", MaxBodyBytes)
	bodyTimeoutMessage  = "Your socket connection to the server was not read from or written to within the timeout period."
)
