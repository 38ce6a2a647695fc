package realize

import (
	"fmt"
	"net/http"

	"github.com/mcnlab/mcnlab/cloudmock/held"
)

// InForce wraps an API front-end (an http.Handler such as the aws
// package's) so that a call is answered only once what it changed is in
// force in the dataplane: the front-end's answer is held back until Sync
// returns. If the dataplane cannot be brought in line, the call fails with
// 500 and a plain-text reason instead, although the model has the change.
//
// A call during which nothing was committed to the model (a refused
// change), or that the front-end marked a read (held.MarkRead), is
// answered at once: it has nothing to bring in force, and a dataplane
// still catching up with someone else's change must neither hold it nor
// fail it.
func (r *Realizer) InForce(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		rec := held.NewResponse()
		before := r.cloud.Seq()
		next.ServeHTTP(rec, req)
		// A read (marked by the front-end) does not wait even when other
		// calls committed while it ran.
		if !rec.Read() && rec.Status() < 400 && r.cloud.Seq() != before {
			if err := r.Sync(req.Context()); err != nil {
				http.Error(w, fmt.Sprintf("the change is in the model but not in force in the dataplane: %v", err), http.StatusInternalServerError)
				return
			}
		}
		rec.Send(w)
	})
}
