package aws

import (
	"bytes"
	"fmt"
	"io"
	"net/http"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// BufferedBody wraps an SDK HTTP client so that each request goes out
// with a body of its own, which nothing else closes.
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
func BufferedBody(next sdkaws.HTTPClient) sdkaws.HTTPClient {
	if next == nil {
		next = awshttp.NewBuildableClient()
	}
	return bufferedBody{next: next}
}

type bufferedBody struct{ next sdkaws.HTTPClient }

// Do implements sdkaws.HTTPClient.
func (c bufferedBody) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		b, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("read %s request body: %w", r.URL.Host, err)
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	}
	cloud.CountCall(Name)
	return c.next.Do(r)
}
