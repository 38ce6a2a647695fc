package realize

import (
	"bytes"
	"fmt"
	"net/http"
)

// InForce wraps an API front-end (an http.Handler such as the aws
// package's) so that a call is answered only once what it changed is in
// force in the dataplane: the front-end's answer is held back until Sync
// returns. If the dataplane cannot be brought in line, the call fails with
// 500 and a plain-text reason instead, although the model has the change.
//
// A call during which nothing was committed to the model (a read, or a
// refused change) is answered at once: it has nothing to bring in force,
// and a dataplane still catching up with someone else's change must not
// fail it.
func (r *Realizer) InForce(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		rec := &heldResponse{header: http.Header{}, status: http.StatusOK}
		before := r.cloud.Seq()
		next.ServeHTTP(rec, req)
		if rec.status < 400 && r.cloud.Seq() != before {
			if err := r.Sync(req.Context()); err != nil {
				http.Error(w, fmt.Sprintf("the change is in the model but not in force in the dataplane: %v", err), http.StatusInternalServerError)
				return
			}
		}
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.status)
		_, _ = w.Write(rec.body.Bytes())
	})
}

// heldResponse records a response to send later.
type heldResponse struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (h *heldResponse) Header() http.Header { return h.header }

func (h *heldResponse) WriteHeader(status int) {
	if !h.wrote {
		h.status, h.wrote = status, true
	}
}

func (h *heldResponse) Write(b []byte) (int, error) {
	h.wrote = true
	return h.body.Write(b)
}
