package apitest

import (
	"context"
	"os/exec"
	"slices"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/mcnlab/mcnlab/controller/api"
)

var _ api.MetricsBackend = (*Fake)(nil)

// SampleMetrics are the counters NewFake's lab reports: tr1-gw and sp1-gw
// answer (dc1-rtr does not), one tunnel each way between them with
// traffic, tr1-gw's segmentation drops, and one FireNet firewall up and
// one down.
func SampleMetrics() api.Metrics {
	return api.Metrics{
		CloudCalls: map[string]uint64{"aws": 42},
		Gateways: []api.GatewayMetrics{
			{Name: "tr1-gw", Role: api.GatewayTransit, Group: "tr1", Up: true,
				Tunnels:  []api.TunnelMetrics{{Peer: "sp1-gw", Up: true, RxBytes: 1480, TxBytes: 2960, RxPackets: 10, TxPackets: 20}},
				Sessions: []api.SessionMetrics{{Peer: "sp1-gw", Established: true, Received: 1, Accepted: 1, Advertised: 3}},
				Drops:    []api.DropMetrics{{From: "dev", To: "prod", Packets: 12, Bytes: 1008}}},
			{Name: "sp1-gw", Role: api.GatewaySpoke, Group: "sp1", Up: true,
				Tunnels:  []api.TunnelMetrics{{Peer: "tr1-gw", Up: true, RxBytes: 2960, TxBytes: 1480, RxPackets: 20, TxPackets: 10}},
				Sessions: []api.SessionMetrics{{Peer: "tr1-gw", Established: true, Received: 3, Accepted: 3, Advertised: 1}}},
			{Name: "dc1-rtr", Role: api.GatewaySite, Group: "dc1"},
		},
		Firewalls: []api.FirewallMetrics{
			{Name: "fw1", Transit: "tr1", Up: true, DroppedPackets: 7, DroppedBytes: 588, Connections: 3},
			{Name: "fw2", Transit: "tr1"},
		},
	}
}

// Metrics reports f.Counters.
func (f *Fake) Metrics(context.Context) (api.Metrics, error) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	m := f.Counters
	m.Gateways, m.Firewalls = slices.Clone(m.Gateways), slices.Clone(m.Firewalls)
	return m, f.Err
}

// CheckMetrics runs `promtool check metrics` (Debian's prometheus
// package) on a Prometheus exposition and fails t with promtool's words
// when it finds a problem; it fails when promtool is not installed.
func CheckMetrics(t testing.TB, exposition string) {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatalf("promtool (Debian package prometheus) is needed to check the metrics: %v", err)
	}
	cmd := exec.Command(path, "check", "metrics")
	cmd.Stdin = strings.NewReader(exposition)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
}

// ParseMetrics parses a Prometheus text exposition by metric family name,
// failing t when it does not parse.
func ParseMetrics(t testing.TB, exposition string) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(exposition))
	if err != nil {
		t.Fatalf("parse the exposition: %v\n%s", err, exposition)
	}
	return fams
}

// Sum adds the values of family name's series whose labels include want
// (a histogram's value is its count); found is false when none matches.
func Sum(fams map[string]*dto.MetricFamily, name string, want map[string]string) (sum float64, found bool) {
next:
	for _, m := range fams[name].GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				continue next
			}
		}
		found = true
		switch {
		case m.Gauge != nil:
			sum += m.GetGauge().GetValue()
		case m.Counter != nil:
			sum += m.GetCounter().GetValue()
		case m.Histogram != nil:
			sum += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return sum, found
}

// Want is a value that the series of a metric family whose labels include
// Labels add up to.
type Want struct {
	Name   string
	Labels map[string]string
	Value  float64
}

// WantMetrics checks each Want against fams (Sum), failing t for each
// that is absent or has another value.
func WantMetrics(t testing.TB, fams map[string]*dto.MetricFamily, wants []Want) {
	t.Helper()
	for _, w := range wants {
		if got, ok := Sum(fams, w.Name, w.Labels); !ok || got != w.Value {
			t.Errorf("%s%v = %v (present %v), want %v", w.Name, w.Labels, got, ok, w.Value)
		}
	}
}
