// Package egressmgmt is an FQDN egress gateway's management API: the
// wire types of its policy, decision log and status, an HTTP server over
// a unix socket that serves a dataplane/egress filter, and a Client. The
// controller pushes the gateway's policy through it and reads its log
// (`mcnlab egress log`). Besides the API, the Backend resolves the rules'
// exact names through the VPC's resolver at an interval and teaches the
// filter their addresses (egress.Filter.Learn), which decide the
// protocols and ports that carry no name. It touches no kernel state
// itself: the filter does.
//
// # Wire format, version 1
//
// JSON over HTTP/1.1 on a unix socket (mode 0600), as dataplane/mgmt's:
//
//	GET /v1/healthz   200 {"status":"ok","name":"i-0abc"}
//	GET /v1/config    200 Config (the policy in place; an allow-list without tags before the first PUT)
//	PUT /v1/config    body Config: the whole policy, applied in one transaction
//	                  200 Config, or 400 Error (invalid: nothing changed)
//	GET /v1/log       200 [Entry] (the last decisions, oldest first)
//	GET /v1/status    200 Status
//
// A Config is {"base": "allow-list", "resolver": "10.3.0.2", "tags":
// [{"name": "dev", "sources": ["10.3.1.0/24"], "rules": [{"fqdn":
// "api.example.com", "protocol": "tcp", "port": 443}, {"fqdn":
// "*.example.com", "action": "allow"}]}]}; a rule without an action does
// the opposite of the base policy.
package egressmgmt
