package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/mcnlab/mcnlab/controller/store"
)

// Client calls the API of one controller with one token. Its methods are
// safe for concurrent use; it owns no goroutines or files beyond those of
// its http.Client.
type Client struct {
	// BaseURL is where the controller listens, e.g. http://127.0.0.1:7443.
	BaseURL string
	// Token is the bearer token sent with every request.
	Token string
	// HTTP is the client used; nil means http.DefaultClient.
	HTTP *http.Client
}

// NewClient returns a Client for the controller at baseURL.
func NewClient(baseURL, token string) *Client {
	return &Client{BaseURL: strings.TrimRight(baseURL, "/"), Token: token}
}

// APIError is an answer other than 2xx.
type APIError struct {
	// Method and Path are those of the request.
	Method, Path string
	StatusCode   int
	// Message is the server's error message (the body's "error"), or the
	// body itself when it is not the API's JSON error.
	Message string
	// Role is, on a 403, the role that the request needs.
	Role store.Role
}

// Error returns the request, the status and the message.
func (e *APIError) Error() string {
	return fmt.Sprintf("%s %s: %d %s: %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode), e.Message)
}

// do sends a request with in as its JSON body (when not nil) and decodes a
// 2xx answer into out (when not nil).
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("%s %s: encode request: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.BaseURL, "/")+path, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := &APIError{Method: method, Path: path, StatusCode: resp.StatusCode}
		var eb ErrorBody
		if json.Unmarshal(b, &eb) == nil && eb.Error != "" {
			e.Message, e.Role = eb.Error, eb.Role
		} else {
			e.Message = strings.TrimSpace(string(b))
		}
		return e
	}
	if out == nil {
		return nil
	}
	if p, ok := out.(*[]byte); ok {
		*p = b
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
	}
	return nil
}

// Status calls GET /v1/status.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var v Status
	return v, c.do(ctx, "GET", "/v1/status", nil, &v)
}

// Pending calls GET /v1/routes/pending.
func (c *Client) Pending(ctx context.Context) ([]PendingRoute, error) {
	var v []PendingRoute
	return v, c.do(ctx, "GET", "/v1/routes/pending", nil, &v)
}

// Approved calls GET /v1/routes/approved.
func (c *Client) Approved(ctx context.Context) ([]ApprovedRoute, error) {
	var v []ApprovedRoute
	return v, c.do(ctx, "GET", "/v1/routes/approved", nil, &v)
}

// Approve calls POST /v1/routes/approve.
func (c *Client) Approve(ctx context.Context, site, prefix string) (ApproveResult, error) {
	var v ApproveResult
	return v, c.do(ctx, "POST", "/v1/routes/approve", ApproveRequest{Site: site, Prefix: prefix}, &v)
}

// Revoke calls DELETE /v1/routes/approved/{site}/{prefix}, the prefix's
// slash escaped.
func (c *Client) Revoke(ctx context.Context, site, prefix string) (RevokeResult, error) {
	var v RevokeResult
	return v, c.do(ctx, "DELETE", "/v1/routes/approved/"+url.PathEscape(site)+"/"+url.PathEscape(prefix), nil, &v)
}

// RouteTables calls GET /v1/route-tables.
func (c *Client) RouteTables(ctx context.Context) ([]RouteTable, error) {
	var v []RouteTable
	return v, c.do(ctx, "GET", "/v1/route-tables", nil, &v)
}

// Segmentation calls GET /v1/segmentation.
func (c *Client) Segmentation(ctx context.Context) (Segmentation, error) {
	var v Segmentation
	return v, c.do(ctx, "GET", "/v1/segmentation", nil, &v)
}

// Ping calls POST /v1/diagnostics/ping.
func (c *Client) Ping(ctx context.Context, req PingRequest) (PingResult, error) {
	var v PingResult
	return v, c.do(ctx, "POST", "/v1/diagnostics/ping", req, &v)
}

// Tokens calls GET /v1/tokens.
func (c *Client) Tokens(ctx context.Context) ([]store.TokenInfo, error) {
	var v []store.TokenInfo
	return v, c.do(ctx, "GET", "/v1/tokens", nil, &v)
}

// CreateToken calls POST /v1/tokens.
func (c *Client) CreateToken(ctx context.Context, name string, role store.Role) (NewToken, error) {
	var v NewToken
	return v, c.do(ctx, "POST", "/v1/tokens", TokenRequest{Name: name, Role: role}, &v)
}

// RevokeToken calls DELETE /v1/tokens/{name}.
func (c *Client) RevokeToken(ctx context.Context, name string) error {
	return c.do(ctx, "DELETE", "/v1/tokens/"+url.PathEscape(name), nil, nil)
}

// OpenAPI calls GET /v1/openapi.yaml.
func (c *Client) OpenAPI(ctx context.Context) ([]byte, error) {
	var b []byte
	return b, c.do(ctx, "GET", "/v1/openapi.yaml", nil, &b)
}
