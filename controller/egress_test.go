package controller

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/topologies"
)

// TestEgressOverAPI: GET /v1/egress lists the egress gateway with the
// topology's base policy and its private subnets; PUT .../base needs an
// operator, refuses an unknown base (400) or gateway (404), and once
// accepted is the base the controller pushes, kept in the store, an event.
func TestEgressOverAPI(t *testing.T) {
	top, err := topologies.Load("../topologies/testdata/good/egress.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := intent.Compile(top)
	if err != nil {
		t.Fatal(err)
	}
	l := newAPILab(t, p)
	code, body := l.do(t, l.viewer, "GET", "/v1/egress", "")
	var gs []api.EgressGateway
	if code != http.StatusOK || json.Unmarshal([]byte(body), &gs) != nil || len(gs) != 1 || gs[0].Name != "dev-egress" ||
		gs[0].Base != "deny-list" || strings.Join(gs[0].Subnets, ",") != "app,db" {
		t.Fatalf("GET /v1/egress: %d %s", code, body)
	}
	for _, c := range []struct {
		token, path, body string
		code              int
		msg               string
	}{
		{l.viewer, "/v1/egress/dev-egress/base", `{"base":"allow-list"}`, http.StatusForbidden, ""},
		{l.operator, "/v1/egress/dev-egress/base", `{"base":"allow-all"}`, http.StatusBadRequest, `base policy "allow-all": want allow-list or deny-list`},
		{l.operator, "/v1/egress/nope/base", `{"base":"allow-list"}`, http.StatusNotFound, `no egress gateway "nope"`},
	} {
		code, body := l.do(t, c.token, "PUT", c.path, c.body)
		if code != c.code || c.msg != "" && !strings.Contains(errorText(t, body), c.msg) {
			t.Errorf("PUT %s %s: %d %s; want %d %q", c.path, c.body, code, body, c.code, c.msg)
		}
	}
	if code, body := l.do(t, l.viewer, "GET", "/v1/egress/nope/log", ""); code != http.StatusNotFound {
		t.Errorf("GET the log of an unknown gateway: %d %s", code, body)
	}
	code, body = l.do(t, l.operator, "PUT", "/v1/egress/dev-egress/base", `{"base":"allow-list"}`)
	var g api.EgressGateway
	if code != http.StatusOK || json.Unmarshal([]byte(body), &g) != nil || g.Base != "allow-list" {
		t.Fatalf("PUT base allow-list: %d %s", code, body)
	}
	if cfg := l.c.egressConfig(p.EgressGateways()[0]); cfg.Base != "allow-list" || cfg.Resolver != netip.MustParseAddr("10.3.0.2") {
		t.Errorf("the policy to push: %+v", cfg)
	}
	// A new controller on the same store keeps the switch.
	if cfg := New(p, Options{Store: l.st}).egressConfig(p.EgressGateways()[0]); cfg.Base != "allow-list" {
		t.Errorf("after a restart the base is %s", cfg.Base)
	}
	evs, err := l.st.Events(0)
	if err != nil || len(evs) == 0 || evs[len(evs)-1].Kind != "egress" || !strings.Contains(evs[len(evs)-1].Msg, "dev-egress to allow-list") {
		t.Errorf("events %+v, %v", evs, err)
	}
}

// TestWithEgress: a private subnet's learned routes gain the default
// route to its egress gateway; another subnet's are left as they are.
func TestWithEgress(t *testing.T) {
	learned := map[netip.Prefix]string{netip.MustParsePrefix("10.1.0.0/16"): "dev-1"}
	eg := map[string]intent.EgressRoute{"dev-vpc/app": {Account: "a", Gateway: "dev-egress"}}
	got := withEgress(learned, eg, "dev-vpc/app")
	if len(got) != 2 || got[intent.DefaultRoute()] != "dev-egress" || len(learned) != 1 {
		t.Errorf("withEgress = %v (learned now %v)", got, learned)
	}
	if got := withEgress(learned, eg, "dev-vpc/gw"); len(got) != 1 {
		t.Errorf("a public subnet got %v", got)
	}
	if got := withEgress(nil, eg, "dev-vpc/app"); len(got) != 1 {
		t.Errorf("without learned routes: %v", got)
	}
}
