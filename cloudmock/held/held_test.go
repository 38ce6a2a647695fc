package held

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// A response held by an inner wrapper reaches the client unchanged through
// an outer one, and a read's mark goes along with it.
func TestSendPassesResponseAndReadMark(t *testing.T) {
	for _, read := range []bool{false, true} {
		inner, outer := NewResponse(), NewResponse()
		inner.Header().Set("Content-Type", "text/xml")
		inner.WriteHeader(http.StatusCreated)
		inner.WriteHeader(http.StatusTeapot) // the first status stands
		inner.Write([]byte("<ok/>"))
		if read {
			MarkRead(inner)
		}
		inner.Send(outer)
		if outer.Read() != read {
			t.Errorf("read %v: outer's mark is %v", read, outer.Read())
		}
		w := httptest.NewRecorder()
		outer.Send(w)
		if w.Code != http.StatusCreated || w.Body.String() != "<ok/>" || w.Header().Get("Content-Type") != "text/xml" {
			t.Errorf("client got %d %q %v", w.Code, w.Body.String(), w.Header())
		}
	}
	// A writer that is not held ignores the mark.
	MarkRead(httptest.NewRecorder())
}
