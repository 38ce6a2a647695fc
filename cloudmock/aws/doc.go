// Package aws is cloudmock's AWS front-end: an http.Handler that speaks the
// EC2 Query API (form-encoded POST, Version 2016-11-15, XML responses and
// AWS's error codes) over the provider-neutral model, so that the official
// AWS SDKs and the AWS CLI work against it when given its endpoint URL.
//
// It verifies Signature Version 4 on every request and maps each access key
// to one account, which sees only its own objects. All EC2 wire shapes (XML
// element names, parameter names, error codes) live here and must not leak
// into the model; this package must not keep cloud state of its own beyond
// idempotency tokens.
package aws
