package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/controller/api/apitest"
	"github.com/mcnlab/mcnlab/controller/graph"
	"github.com/mcnlab/mcnlab/controller/store"
	"github.com/mcnlab/mcnlab/controller/tracker"
)

// consoleFake serves a graph whose one gateway's state the test sets,
// two allocations and the store's event log.
type consoleFake struct {
	*apitest.Fake
	st    *store.Store
	mu    sync.Mutex
	state string
}

func (f *consoleFake) Graph(context.Context) (*graph.Graph, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return &graph.Graph{Name: "t", Live: true, Nodes: []graph.Node{{ID: "gateway:gw1", Kind: graph.KindGateway, Label: "gw1", State: f.state}}}, nil
}

func (f *consoleFake) GatewayDetail(_ context.Context, name string) (api.GatewayDetail, error) {
	if name != "gw1" {
		return api.GatewayDetail{}, api.ErrNotFound
	}
	return api.GatewayDetail{Gateway: api.Gateway{Name: "gw1"}, Up: true}, nil
}

func (f *consoleFake) Allocations(context.Context) ([]tracker.Allocation, error) {
	return []tracker.Allocation{{CIDR: netip.MustParsePrefix("10.1.0.0/16"), Kind: tracker.KindNetwork, Name: "prod-vpc"},
		{CIDR: netip.MustParsePrefix("10.100.0.0/24"), Kind: tracker.KindSite, Name: "dc1"}}, nil
}

func (f *consoleFake) Events(_ context.Context, after int64, limit int) ([]store.Event, error) {
	return f.st.EventsAfter(after, limit)
}

// viewerStore opens a store in a temporary directory, closed when the
// test ends, with a read-only token named viewer.
func viewerStore(t *testing.T) (*store.Store, string) {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "controller.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	token, err := st.CreateToken(store.RoleReadOnly, "viewer")
	if err != nil {
		t.Fatal(err)
	}
	return st, token
}

// TestConsoleEndpoints: whoami names the token's role; the tracker's test
// keeps the overlapping allocation and answers 400 for host bits; events
// after an ID; the stream sends the graph first, again when a gateway
// goes down, and each new event, within a second.
func TestConsoleEndpoints(t *testing.T) {
	st, token := viewerStore(t)
	f := &consoleFake{Fake: apitest.NewFake(), st: st, state: graph.StateUp}
	hs := httptest.NewServer(api.NewHandler(f, st))
	defer hs.Close()
	c := api.NewClient(hs.URL, token)
	if who, err := c.Whoami(context.Background()); err != nil || who.Role != store.RoleReadOnly || who.Name != "viewer" {
		t.Errorf("whoami = %+v, %v; want viewer, read-only", who, err)
	}
	code, body, _ := call(t, hs.URL, token, "GET", "/v1/vpc-tracker?test=10.1.2.0/24", "")
	var as []tracker.Allocation
	if code != http.StatusOK || json.Unmarshal([]byte(body), &as) != nil || len(as) != 1 || as[0].Name != "prod-vpc" {
		t.Errorf("vpc-tracker?test=10.1.2.0/24 = %d %s; want prod-vpc alone", code, body)
	}
	if code, body, _ := call(t, hs.URL, token, "GET", "/v1/vpc-tracker?test=10.1.2.1/24", ""); code != http.StatusBadRequest || !strings.Contains(body, "did you mean 10.1.2.0/24") {
		t.Errorf("vpc-tracker?test=10.1.2.1/24 = %d %s; want 400 naming 10.1.2.0/24", code, body)
	}
	if code, _, _ := call(t, hs.URL, token, "GET", "/v1/gateways/nope", ""); code != http.StatusNotFound {
		t.Errorf("GET /v1/gateways/nope = %d, want 404", code)
	}
	for _, m := range []string{"one", "two"} {
		if err := st.Log("test", m); err != nil {
			t.Fatal(err)
		}
	}
	code, body, _ = call(t, hs.URL, token, "GET", "/v1/events?after=1", "")
	var es []store.Event
	if code != http.StatusOK || json.Unmarshal([]byte(body), &es) != nil || len(es) != 1 || es[0].Msg != "two" {
		t.Errorf("events?after=1 = %d %s; want the event two alone", code, body)
	}

	req, _ := http.NewRequest("GET", hs.URL+"/v1/stream", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("stream Content-Type %q", ct)
	}
	events := make(chan [2]string, 16)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		var ev string
		for sc.Scan() {
			l := sc.Text()
			if v, ok := strings.CutPrefix(l, "event: "); ok {
				ev = v
			}
			if v, ok := strings.CutPrefix(l, "data: "); ok {
				events <- [2]string{ev, v}
			}
		}
		close(events)
	}()
	next := func(what string) [2]string {
		t.Helper()
		select {
		case e, ok := <-events:
			if !ok {
				t.Fatalf("stream ended waiting for %s", what)
			}
			return e
		case <-time.After(time.Second):
			t.Fatalf("no %s within 1 s", what)
		}
		return [2]string{}
	}
	if e := next("first graph"); e[0] != "graph" || !strings.Contains(e[1], `"state":"up"`) {
		t.Errorf("first event %v, want the graph with gw1 up", e)
	}
	f.mu.Lock()
	f.state = graph.StateDown
	f.mu.Unlock()
	if e := next("graph with gw1 down"); e[0] != "graph" || !strings.Contains(e[1], `"state":"down"`) {
		t.Errorf("after gw1 went down: %v, want the graph with gw1 down", e)
	}
	if err := st.Log("approve", "three"); err != nil {
		t.Fatal(err)
	}
	if e := next("log event"); e[0] != "log" || !strings.Contains(e[1], `"msg":"three"`) {
		t.Errorf("after logging three: %v, want a log event of it (the earlier ones are not sent again)", e)
	}
}
