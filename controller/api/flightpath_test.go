package api_test

import (
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/controller/api/apitest"
)

// POST /v1/flightpath is open to read-only tokens; a malformed flow is a
// 400 saying what is valid, and a backend that does not trace paths
// answers 501.
func TestFlightPathRequests(t *testing.T) {
	s := apitest.NewServer(t)
	for _, c := range []struct {
		body string
		code int
		msg  string
	}{
		{`{"from":"a"}`, 400, "flightpath: from and to must both be set"},
		{`{"from":"a","to":"b","protocol":"sctp"}`, 400, `flightpath: protocol "sctp": want icmp, tcp or udp`},
		{`{"from":"a","to":"b","protocol":"tcp"}`, 400, "flightpath: tcp needs a port in 1-65535 (got 0)"},
		{`{"from":"a","to":"b","protocol":"icmp","port":7}`, 400, "flightpath: icmp takes no port (got 7)"},
		{`{"from":"a","to":"b","protocol":"tcp","port":443}`, 501, "this controller does not trace paths"},
	} {
		code, body, _ := call(t, s.URL, s.ReadOnly, "POST", "/v1/flightpath", c.body)
		if e := errorOf(t, body); code != c.code || !strings.Contains(e.Error, c.msg) {
			t.Errorf("POST /v1/flightpath %s: %d %q; want %d %q", c.body, code, body, c.code, c.msg)
		}
	}
}
