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
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"mcnlab_lab_converged", nil, 1},
		{"mcnlab_gateway_up", map[string]string{"gateway": "tr1-gw", "role": "transit", "group": "tr1"}, 1},
		{"mcnlab_gateway_up", map[string]string{"gateway": "dc1-rtr", "role": "site"}, 0},
		{"mcnlab_gateway_tunnels_up", map[string]string{"gateway": "tr1-gw"}, 3},
		{"mcnlab_bgp_sessions_established", map[string]string{"gateway": "dc1-rtr"}, 0},
		{"mcnlab_bgp_sessions", map[string]string{"gateway": "dc1-rtr"}, 1},
		{"mcnlab_tunnel_up", map[string]string{"gateway": "sp1-gw", "peer": "tr1-gw"}, 1},
		{"mcnlab_tunnel_bytes_total", map[string]string{"gateway": "tr1-gw", "peer": "sp1-gw", "direction": "tx"}, 2960},
		{"mcnlab_tunnel_packets_total", map[string]string{"gateway": "tr1-gw", "peer": "sp1-gw", "direction": "rx"}, 10},
		{"mcnlab_bgp_session_established", map[string]string{"gateway": "tr1-gw", "peer": "sp1-gw"}, 1},
		{"mcnlab_bgp_prefixes", map[string]string{"gateway": "tr1-gw", "peer": "sp1-gw", "kind": "advertised"}, 3},
		{"mcnlab_segmentation_dropped_packets_total", map[string]string{"gateway": "tr1-gw", "from": "dev", "to": "prod"}, 12},
		{"mcnlab_segmentation_dropped_bytes_total", map[string]string{"gateway": "tr1-gw", "from": "dev", "to": "prod"}, 1008},
		{"mcnlab_firewall_up", map[string]string{"firewall": "fw2", "transit": "tr1"}, 0},
		{"mcnlab_firewall_dropped_packets_total", map[string]string{"firewall": "fw1"}, 7},
		{"mcnlab_approvals_pending", nil, 3},
		{"mcnlab_cloud_api_requests_total", map[string]string{"provider": "aws"}, 42},
		{"mcnlab_routes_pending_approval", map[string]string{"transit": "tr1", "site": "dc1"}, 2},
		{"mcnlab_routes_pending_approval", map[string]string{"transit": "tr1", "site": "dc2"}, 1},
		{"mcnlab_api_request_duration_seconds", map[string]string{"route": "/v1/status", "method": "get", "code": "200"}, 3},
		{"mcnlab_api_request_duration_seconds", map[string]string{"route": "/v1/routes/approve", "method": "post", "code": "403"}, 1},
	} {
		got, ok := apitest.Sum(fams, c.name, c.labels)
		if !ok || got != c.want {
			t.Errorf("%s%v = %v (present %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
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
