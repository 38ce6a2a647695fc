// Package aws is cloudmock's AWS front-end: an http.Handler that speaks the
// EC2 Query API (form-encoded POST, Version 2016-11-15, XML responses and
// AWS's error codes) and, on the same listener, the Direct Connect API (AWS
// JSON 1.1: POST / with X-Amz-Target: OvertureService.<Action>) over the
// provider-neutral model, so that the official AWS SDKs and the AWS CLI
// work against it when given its endpoint URL. Direct Connect lines are
// provisioned by the lab (model.Cloud.ProvisionDXConnection), not by the
// API; the API describes them and manages private virtual interfaces on
// them. GuardDuty's REST-JSON API (/detector/...) is served there too
// (guardduty*.go): detectors, threat intel sets and findings, which the
// lab raises from what it sees (model.Cloud.RecordFinding).
//
// It verifies Signature Version 4 on every request and maps each access key
// to one account, which sees only its own objects. All wire shapes (XML
// element names, JSON member names, parameter names, error codes) live here
// and must not leak into the model; this package must not keep cloud state
// of its own beyond idempotency tokens.
package aws
