// Package fwmgmt is a firewall instance's management API: the wire types
// of its policy and status, an HTTP server over a unix socket that
// serves a dataplane/firewall engine, and a Client. The controller pushes
// a FireNet firewall's rules through it and `inspect` reads its counters.
// It touches no kernel state itself: the engine does.
//
// # Wire format, version 1
//
// JSON over HTTP/1.1 on a unix socket (mode 0600), as dataplane/mgmt's:
//
//	GET /v1/healthz   200 {"status":"ok","name":"i-0abc"}
//	GET /v1/config    200 Config (the policy in place; allow-all before the first PUT)
//	PUT /v1/config    body Config: the whole policy, applied in one transaction
//	                  200 Config, or 400 Error (invalid: nothing changed)
//	GET /v1/status    200 Status (per-rule counters, connection count)
//
// A Config is {"rules": [{"name": "1", "action": "deny", "protocol":
// "tcp", "dst_port": 22, "src": "10.1.0.0/16", "dst": "10.3.0.0/16"}],
// "default": "allow"}: first match wins, then default; packets of
// connections already allowed pass before any rule. With "engine": "l7"
// (and "resolvers": the DNS servers of its squid), rules of protocol
// "http" (with "host", "path") and "tls" (with "sni") are the l7
// engine's, applied by squid to the requests and TLS connections of the
// tcp/80 and tcp/443 flows the others let through; its status then has
// "l7": the packets diverted, the latest decisions, each naming its rule.
package fwmgmt
