// Package held holds an API front-end's answer back until what the call
// changed is in force (realized in the dataplane, saved to disk), for the
// wrappers that cloudmock puts around its front-ends. It knows no
// provider's wire format: a front-end says which calls are reads by
// calling MarkRead on the writer it is given.
package held

import (
	"bytes"
	"net/http"
)

// Response is an http.ResponseWriter that records a response to send later.
type Response struct {
	header http.Header
	status int
	wrote  bool
	read   bool
	body   bytes.Buffer
}

// NewResponse returns an empty held response (status 200 until written).
func NewResponse() *Response { return &Response{header: http.Header{}, status: http.StatusOK} }

// Header implements http.ResponseWriter.
func (h *Response) Header() http.Header { return h.header }

// WriteHeader implements http.ResponseWriter.
func (h *Response) WriteHeader(status int) {
	if !h.wrote {
		h.status, h.wrote = status, true
	}
}

// Write implements http.ResponseWriter.
func (h *Response) Write(b []byte) (int, error) {
	h.wrote = true
	return h.body.Write(b)
}

// MarkRead records that the call changes nothing by its nature (a
// Describe): it is answered at once, whatever other calls commit while it
// runs.
func (h *Response) MarkRead() { h.read = true }

// Status is the recorded status code.
func (h *Response) Status() int { return h.status }

// Read reports whether the front-end marked the call a read.
func (h *Response) Read() bool { return h.read }

// Send writes the held response to w, and passes a read's mark on when w
// is held too (one wrapper inside another).
func (h *Response) Send(w http.ResponseWriter) {
	if h.read {
		MarkRead(w)
	}
	for k, v := range h.header {
		w.Header()[k] = v
	}
	w.WriteHeader(h.status)
	_, _ = w.Write(h.body.Bytes())
}

// MarkRead tells the wrapper whose writer w is, if any, that the call is a
// read. Front-ends call it for every call that cannot change anything.
func MarkRead(w http.ResponseWriter) {
	if m, ok := w.(interface{ MarkRead() }); ok {
		m.MarkRead()
	}
}
