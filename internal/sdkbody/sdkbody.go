// Package sdkbody gives an SDK's HTTP client requests whose bodies are
// their own, for the AWS SDK's clients of the lab's and the real clouds.
package sdkbody

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
)

// Doer is an HTTP client as the AWS SDK takes one (aws.HTTPClient).
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Buffered wraps next so that each request goes out with a body of its
// own, which nothing else closes.
//
// smithy-go closes a request's body as soon as the client returns the
// response's headers, and its closed body then answers WriteTo with
// io.EOF. net/http's transport still reads the body once more after
// sending Content-Length bytes (to check there are none left over); when
// the server has answered before that read, which happens when the body
// is larger than the transport's 4 KiB buffer and the sending goroutine
// is preempted, the read fails, the transport closes the connection, and
// the SDK fails to read a 200 response's body with "use of closed network
// connection" on every attempt (aws/aws-sdk-go-v2#1825, #2737). Requests
// of the SDK's Query protocol are small and already in memory, so copying
// one costs nothing that matters.
func Buffered(next Doer) Doer { return buffered{next: next} }

type buffered struct{ next Doer }

// Do implements Doer.
func (c buffered) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		b, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("read %s request body: %w", r.URL.Host, err)
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	}
	return c.next.Do(r)
}
