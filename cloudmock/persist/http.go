package persist

import (
	"fmt"
	"net/http"

	"github.com/mcnlab/mcnlab/cloudmock/held"
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
		rec := held.NewResponse()
		before := s.position()
		next.ServeHTTP(rec, req)
		if rec.Read() || s.position() == before {
			// A read (marked by the front-end), or nothing committed
			// meanwhile (a refused change): nothing to wait for.
			rec.Send(w)
			return
		}
		if err := s.Sync(req.Context()); err != nil {
			http.Error(w, fmt.Sprintf("the change is in the model but not saved: %v", err), http.StatusInternalServerError)
			return
		}
		rec.Send(w)
	})
}

// position is where the model and the records stand: it changes with
// every committed change and every remembered record.
func (s *Store) position() [2]uint64 {
	seq := s.cloud.Seq()
	s.mu.Lock()
	defer s.mu.Unlock()
	return [2]uint64{seq, s.remembered}
}
