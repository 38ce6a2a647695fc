package gcp_test

import (
	"net/http"
	"net/http/httptest"
)

// bearer adds a static bearer token to every request, as a token source
// does.
type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}

func authClient(srv *httptest.Server, token string) *http.Client {
	return &http.Client{Transport: bearer{token: token, next: srv.Client().Transport}}
}
