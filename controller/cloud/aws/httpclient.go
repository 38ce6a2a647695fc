package aws

import (
	"net/http"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/internal/sdkbody"
)

// BufferedBody wraps an SDK HTTP client so that each request goes out
// with a body of its own, which nothing else closes (sdkbody.Buffered:
// aws/aws-sdk-go-v2#1825, #2737), and counts it as a call to AWS.
func BufferedBody(next sdkaws.HTTPClient) sdkaws.HTTPClient {
	if next == nil {
		next = awshttp.NewBuildableClient()
	}
	return counted{next: sdkbody.Buffered(next)}
}

// counted counts each request as a call to AWS.
type counted struct{ next sdkbody.Doer }

// Do implements sdkaws.HTTPClient.
func (c counted) Do(r *http.Request) (*http.Response, error) {
	cloud.CountCall(Name)
	return c.next.Do(r)
}
