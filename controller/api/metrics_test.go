package api_test

import (
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/mcnlab/mcnlab/controller/api/apitest"
)

// TestMetricsExposition scrapes /metrics over the fake lab as Prometheus
// would (a read-only bearer token), checks it with promtool and reads
// each kind of series back: gateways up or not, tunnels' bytes and
// packets, BGP prefixes, segmentation and firewall drops, pending
// approvals per site, and the latency of the API calls made before.
func TestMetricsExposition(t *testing.T) {
	s := apitest.NewServer(t)
	if code, body, _ := call(t, s.URL, "", "GET", "/metrics", ""); code != 401 {
		t.Fatalf("GET /metrics without a token: %d %s, want 401", code, body)
	}
	for range 3 {
		if code, _, _ := call(t, s.URL, s.ReadOnly, "GET", "/v1/status", ""); code != 200 {
			t.Fatalf("GET /v1/status: %d", code)
		}
	}
	call(t, s.URL, s.ReadOnly, "POST", "/v1/routes/approve", `{"site":"dc1","prefix":"172.16.0.0/16"}`) // 403
	code, body, h := call(t, s.URL, s.ReadOnly, "GET", "/metrics", "")
	if code != 200 {
		t.Fatalf("GET /metrics: %d %s", code, body)
	}
	if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q, want the text exposition format", ct)
	}
	apitest.CheckMetrics(t, body)
	fams := apitest.ParseMetrics(t, body)
	apitest.WantMetrics(t, fams, []apitest.Want{
		{Name: "mcnlab_lab_converged", Value: 1},
		{Name: "mcnlab_gateway_up", Labels: map[string]string{"gateway": "tr1-gw", "role": "transit", "group": "tr1"}, Value: 1},
		{Name: "mcnlab_gateway_up", Labels: map[string]string{"gateway": "dc1-rtr", "role": "site"}, Value: 0},
		{Name: "mcnlab_gateway_tunnels_up", Labels: map[string]string{"gateway": "tr1-gw"}, Value: 3},
		{Name: "mcnlab_bgp_sessions_established", Labels: map[string]string{"gateway": "dc1-rtr"}, Value: 0},
		{Name: "mcnlab_bgp_sessions", Labels: map[string]string{"gateway": "dc1-rtr"}, Value: 1},
		{Name: "mcnlab_tunnel_up", Labels: map[string]string{"gateway": "sp1-gw", "peer": "tr1-gw"}, Value: 1},
		{Name: "mcnlab_tunnel_bytes_total", Labels: map[string]string{"gateway": "tr1-gw", "peer": "sp1-gw", "direction": "tx"}, Value: 2960},
		{Name: "mcnlab_tunnel_packets_total", Labels: map[string]string{"gateway": "tr1-gw", "peer": "sp1-gw", "direction": "rx"}, Value: 10},
		{Name: "mcnlab_bgp_session_established", Labels: map[string]string{"gateway": "tr1-gw", "peer": "sp1-gw"}, Value: 1},
		{Name: "mcnlab_bgp_prefixes", Labels: map[string]string{"gateway": "tr1-gw", "peer": "sp1-gw", "kind": "advertised"}, Value: 3},
		{Name: "mcnlab_segmentation_dropped_packets_total", Labels: map[string]string{"gateway": "tr1-gw", "from": "dev", "to": "prod"}, Value: 12},
		{Name: "mcnlab_segmentation_dropped_bytes_total", Labels: map[string]string{"gateway": "tr1-gw", "from": "dev", "to": "prod"}, Value: 1008},
		{Name: "mcnlab_firewall_up", Labels: map[string]string{"firewall": "fw2", "transit": "tr1"}, Value: 0},
		{Name: "mcnlab_firewall_dropped_packets_total", Labels: map[string]string{"firewall": "fw1"}, Value: 7},
		{Name: "mcnlab_approvals_pending", Value: 3},
		{Name: "mcnlab_cloud_api_requests_total", Labels: map[string]string{"provider": "aws"}, Value: 42},
		{Name: "mcnlab_routes_pending_approval", Labels: map[string]string{"transit": "tr1", "site": "dc1"}, Value: 2},
		{Name: "mcnlab_routes_pending_approval", Labels: map[string]string{"transit": "tr1", "site": "dc2"}, Value: 1},
		{Name: "mcnlab_api_request_duration_seconds", Labels: map[string]string{"route": "/v1/status", "method": "get", "code": "200"}, Value: 3},
		{Name: "mcnlab_api_request_duration_seconds", Labels: map[string]string{"route": "/v1/routes/approve", "method": "post", "code": "403"}, Value: 1},
	})
	if _, ok := apitest.Sum(fams, "mcnlab_firewall_dropped_packets_total", map[string]string{"firewall": "fw2"}); ok {
		t.Errorf("fw2 does not answer, yet has a drop counter")
	}
	if f := fams["mcnlab_api_request_duration_seconds"]; f.GetType() != dto.MetricType_HISTOGRAM {
		t.Errorf("mcnlab_api_request_duration_seconds is a %v, want a histogram", f.GetType())
	}
	if _, ok := fams["go_goroutines"]; !ok {
		t.Errorf("no Go runtime metrics (go_goroutines)")
	}
}
