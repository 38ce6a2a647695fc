package persist

import (
	"bytes"
	"fmt"
	"net/http"
)

// Durable wraps an API front-end so that each call is answered only once
// what it changed (in the model, or in the records the front-end
// remembered) is in the file: a client that got an answer finds its change
// again after the process dies. A call that changed nothing is answered at
// once. If the write fails, the call fails with 500 and a plain-text reason
// instead, although the running model has the change. A read is answered
// at once: it may show another call's change before that call is saved
// and answered.
func (s *Store) Durable(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		rec := &heldResponse{header: http.Header{}, status: http.StatusOK}
		before := s.position()
		next.ServeHTTP(rec, req)
		if s.position() == before {
			// Nothing was committed meanwhile (a read, or a refused
			// change): nothing to wait for.
			writeHeld(w, rec)
			return
		}
		if err := s.Sync(req.Context()); err != nil {
			http.Error(w, fmt.Sprintf("the change is in the model but not saved: %v", err), http.StatusInternalServerError)
			return
		}
		writeHeld(w, rec)
	})
}

// writeHeld sends a held response.
func writeHeld(w http.ResponseWriter, rec *heldResponse) {
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.status)
	_, _ = w.Write(rec.body.Bytes())
}

// position is where the model and the records stand: it changes with
// every committed change and every remembered record.
func (s *Store) position() [2]uint64 {
	seq := s.cloud.Seq()
	s.mu.Lock()
	defer s.mu.Unlock()
	return [2]uint64{seq, s.remembered}
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
