package api

import (
	"context"
	"fmt"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// MetricsBackend is the part of a Backend that feeds GET /metrics with
// what the gateways and firewalls report. A Backend without it gets the
// API's own metrics and the lab-wide ones that Backend answers (status,
// pending approvals).
type MetricsBackend interface {
	// Metrics returns each gateway's and firewall's counters as last
	// read; it may ask the firewalls and must return when ctx is done.
	Metrics(ctx context.Context) (Metrics, error)
}

// Metrics is a snapshot of the counters that /metrics exposes.
type Metrics struct {
	Gateways  []GatewayMetrics
	Firewalls []FirewallMetrics
	// CloudCalls counts the cloud API requests the controller sent, by
	// provider.
	CloudCalls map[string]uint64
}

// GatewayMetrics is one gateway's health and counters.
type GatewayMetrics struct {
	Name  string
	Role  GatewayRole
	Group string
	// Up is set while the gateway answers its management API.
	Up       bool
	Tunnels  []TunnelMetrics
	Sessions []SessionMetrics
	// Drops are its segmentation drops by ordered domain pair.
	Drops []DropMetrics
}

// TunnelMetrics is one tunnel of a gateway.
type TunnelMetrics struct {
	Peer string
	Up   bool
	// RxBytes and TxBytes count encrypted bytes, RxPackets and TxPackets
	// inner packets, from and to the peer.
	RxBytes, TxBytes, RxPackets, TxPackets uint64
}

// SessionMetrics is one BGP session of a gateway.
type SessionMetrics struct {
	Peer        string
	Established bool
	// Received, Accepted and Advertised count prefixes.
	Received, Accepted, Advertised uint64
}

// DropMetrics counts what a gateway dropped from one domain to another.
type DropMetrics struct {
	From, To       string
	Packets, Bytes uint64
}

// FirewallMetrics is one FireNet firewall's health and drops.
type FirewallMetrics struct {
	Name    string
	Transit string
	// Up is set while the firewall answers its management API.
	Up bool
	// DroppedPackets and DroppedBytes count what its deny rules, its
	// default deny and connection tracking (invalid packets) dropped.
	DroppedPackets, DroppedBytes uint64
	Connections                  int
}

// metricsPath is where the Prometheus exposition is served.
const metricsPath = "/metrics"

// metrics are the handler's own metrics (the API's latency, the Go
// runtime's and the process's), kept across scrapes.
type metrics struct {
	reg     *prometheus.Registry
	latency *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "mcnlab_api_request_duration_seconds",
		Help:    "Time taken to answer controller API requests, by route, method and status code.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"route", "method", "code"})
	m.reg.MustRegister(m.latency, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// instrument times rt's answers into the latency histogram.
func (m *metrics) instrument(rt route, next http.HandlerFunc) http.HandlerFunc {
	obs := m.latency.MustCurryWith(prometheus.Labels{"route": rt.path})
	return promhttp.InstrumentHandlerDuration(obs, next)
}

// serveMetrics answers GET /metrics: the handler's own metrics and a
// snapshot of the lab's, read from the Backend for this scrape.
func (h *handler) serveMetrics(w http.ResponseWriter, r *http.Request, _ caller) {
	lab, err := h.labMetrics(r.Context())
	if err != nil {
		fail(w, fmt.Errorf("metrics: %w", err))
		return
	}
	g := prometheus.Gatherers{h.metrics.reg, lab}
	promhttp.HandlerFor(g, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError}).ServeHTTP(w, r)
}

// labMetrics gathers the Backend's answers into a registry of constant
// metrics for one scrape.
func (h *handler) labMetrics(ctx context.Context) (*prometheus.Registry, error) {
	st, err := h.b.Status(ctx)
	if err != nil {
		return nil, err
	}
	pending, err := h.b.Pending(ctx)
	if err != nil {
		return nil, err
	}
	var m Metrics
	if mb, ok := h.b.(MetricsBackend); ok {
		if m, err = mb.Metrics(ctx); err != nil {
			return nil, err
		}
	}
	reg := prometheus.NewRegistry()
	if err := reg.Register(snapshot{st: st, pending: pending, m: m}); err != nil {
		return nil, fmt.Errorf("register the lab's metrics: %w", err)
	}
	return reg, nil
}
