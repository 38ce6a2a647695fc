package controller

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/controller/cloud"
)

// pathProvider is a fake provider that reads ends from a map.
type pathProvider struct {
	fakeProvider
	ends map[string]cloud.EndState
}

func (p *pathProvider) ReadEnd(_ context.Context, key string) (cloud.EndState, error) {
	e, ok := p.ends[key]
	if !ok {
		return e, fmt.Errorf("instance %s: no such instance", key)
	}
	return e, nil
}

// POST /v1/flightpath traces through the ends the account's provider
// reads and the approvals in the controller's store: a read-only token
// asks; shared-web to dc1-app waits on the pending 10.100.0.0/24 until it
// is approved; dev-app to shared-db is blocked by shared-db's group, and
// the ends mark the route each takes. An unknown endpoint is 404, a
// provider that cannot read ends a 500 saying so.
func TestFlightPathOverAPI(t *testing.T) {
	p := demoPlan(t)
	l := newAPILab(t, p)
	trace := func(body string) (int, api.FlightPath, string) {
		code, out := l.do(t, l.viewer, "POST", "/v1/flightpath", body)
		var fp api.FlightPath
		if code == http.StatusOK {
			if err := json.Unmarshal([]byte(out), &fp); err != nil {
				t.Fatalf("decode %s: %v", out, err)
			}
		}
		return code, fp, out
	}
	if code, _, out := trace(`{"from":"dev-app","to":"shared-db"}`); code != 500 || errorText(t, out) != "account aws-lab (aws): its provider cannot read security groups, route tables and network ACLs for FlightPath yet" {
		t.Errorf("without a path reader: %d %s", code, out)
	}
	ends := p.DesiredView(nil, nil).Ends
	l.c.opts.Providers["aws-lab"] = &pathProvider{ends: ends}
	l.c.inv = cloud.NewInventory()
	for _, g := range p.Gateways {
		l.c.inv.Instances[g.Key] = cloud.InstanceInfo{ID: g.Key}
	}
	if code, _, out := trace(`{"from":"dev-app","to":"nobody"}`); code != 404 {
		t.Errorf("unknown endpoint: %d %s, want 404", code, out)
	}
	code, fp, out := trace(`{"from":"shared-web","to":"dc1-app"}`)
	if code != 200 || fp.Reachable || fp.Block == nil || fp.Block.Rule != "dc1 10.100.0.0/24 pending" {
		t.Fatalf("shared-web -> dc1-app before approval: %d %s", code, out)
	}
	if code, body := l.do(t, l.operator, "POST", "/v1/routes/approve", `{"site":"dc1","prefix":"10.100.0.0/24"}`); code != 200 {
		t.Fatalf("approve: %d %s", code, body)
	}
	// The provider's route table has no route yet: the cloud, not the
	// approval, now keeps the pair apart.
	if _, fp, out = trace(`{"from":"shared-web","to":"dc1-app"}`); fp.Reachable || fp.Block == nil || fp.Block.Action != "missing" {
		t.Errorf("shared-web -> dc1-app approved, its route not programmed: %s", out)
	}
	code, fp, out = trace(`{"from":"dev-app","to":"shared-db","protocol":"tcp","port":5432}`)
	if code != 200 || fp.Reachable || fp.Block == nil || fp.Block.Hop != "shared-db" || fp.Block.Object != "shared-vpc/shared-db" {
		t.Fatalf("dev-app -> shared-db tcp/5432: %d %s", code, out)
	}
	if len(fp.Ends) != 2 || fp.Ends[0].Endpoint != "dev-app" || fp.Ends[1].Endpoint != "shared-db" {
		t.Fatalf("ends %+v", fp.Ends)
	}
	for _, e := range fp.Ends {
		var marked []string
		for _, r := range e.RouteTable.Routes {
			if r.Matched {
				marked = append(marked, r.Destination.String())
			}
		}
		want := map[string]string{"dev-app": "10.3.0.0/16", "shared-db": "10.2.0.0/16"}[e.Endpoint]
		if len(marked) != 1 || marked[0] != want || e.NetworkACL == nil || e.NetworkACL.Inbound[0] != "100 allow all from 0.0.0.0/0" {
			t.Errorf("%s: routes marked %v, want %s; ACL %+v", e.Endpoint, marked, want, e.NetworkACL)
		}
	}
}
