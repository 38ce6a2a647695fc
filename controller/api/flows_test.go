package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/controller/api/apitest"
)

// flowsFake answers GET /v1/flows with the query it got, as a group key.
type flowsFake struct{ *apitest.Fake }

func (flowsFake) Flows(_ context.Context, q api.FlowsQuery) (api.Flows, error) {
	if q.By == "vpc" {
		return api.Flows{}, fmt.Errorf("%w: by %q: want domain, gateway or app", api.ErrInvalid, q.By)
	}
	return api.Flows{By: q.By, Groups: []api.FlowGroup{{Key: fmt.Sprintf("top=%d since=%s", q.Top, q.Since), Flows: 1}}}, nil
}

// TestFlowsEndpoint: the client's query reaches the backend whole; a bad
// top, since or by answers 400 naming it; a controller without flows
// answers 501; empty lists are [], not null.
func TestFlowsEndpoint(t *testing.T) {
	st, token := viewerStore(t)
	hs := httptest.NewServer(api.NewHandler(flowsFake{apitest.NewFake()}, st))
	defer hs.Close()
	c := api.NewClient(hs.URL, token)
	got, err := c.Flows(context.Background(), api.FlowsQuery{Top: 5, By: "app", Since: 90 * time.Second})
	if err != nil || got.By != "app" || len(got.Groups) != 1 || got.Groups[0].Key != "top=5 since=1m30s" || got.Flows == nil {
		t.Errorf("Flows = %+v, %v", got, err)
	}
	for _, tc := range []struct{ query, want string }{
		{"?top=-1", `top "-1": want a count of 0 or more`},
		{"?since=5x", `since "5x": want a duration such as 90s or 5m`},
		{"?by=vpc", `invalid request: by "vpc": want domain, gateway or app`},
	} {
		code, body, _ := call(t, hs.URL, token, "GET", "/v1/flows"+tc.query, "")
		var e api.ErrorBody
		if code != http.StatusBadRequest || json.Unmarshal([]byte(body), &e) != nil || e.Error != tc.want {
			t.Errorf("GET /v1/flows%s = %d %s, want 400 %s", tc.query, code, body, tc.want)
		}
	}
	// A backend that is only a Backend has no flows.
	plain := httptest.NewServer(api.NewHandler(struct{ api.Backend }{apitest.NewFake()}, st))
	defer plain.Close()
	if code, body, _ := call(t, plain.URL, token, "GET", "/v1/flows", ""); code != http.StatusNotImplemented {
		t.Errorf("GET /v1/flows without flows = %d %s, want 501", code, body)
	}
}
