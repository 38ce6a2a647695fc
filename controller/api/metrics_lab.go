package api

import (
	"maps"
	"slices"

	"github.com/prometheus/client_golang/prometheus"
)

// The lab's metrics, one descriptor each. Counters come from the gateways'
// and firewalls' own counters, which start again from zero when one
// restarts (Prometheus's rate() takes that for a counter reset).
var (
	descConverged = prometheus.NewDesc("mcnlab_lab_converged",
		"1 when every gateway is configured and every tunnel and BGP session is up.", nil, nil)
	descGatewayUp = prometheus.NewDesc("mcnlab_gateway_up",
		"1 while the gateway answers its management API.", []string{"gateway", "role", "group"}, nil)
	descTunnels = prometheus.NewDesc("mcnlab_gateway_tunnels",
		"Tunnels configured on the gateway.", []string{"gateway"}, nil)
	descTunnelsUp = prometheus.NewDesc("mcnlab_gateway_tunnels_up",
		"Tunnels of the gateway whose peer answers the liveness hellos.", []string{"gateway"}, nil)
	descTunnelUp = prometheus.NewDesc("mcnlab_tunnel_up",
		"1 while the tunnel's peer answers the liveness hellos.", []string{"gateway", "peer"}, nil)
	descTunnelBytes = prometheus.NewDesc("mcnlab_tunnel_bytes_total",
		"Encrypted bytes the tunnel received (rx) and sent (tx).", []string{"gateway", "peer", "direction"}, nil)
	descTunnelPackets = prometheus.NewDesc("mcnlab_tunnel_packets_total",
		"Inner packets the tunnel carried from (rx) and to (tx) the peer.", []string{"gateway", "peer", "direction"}, nil)
	descSessions = prometheus.NewDesc("mcnlab_bgp_sessions",
		"BGP sessions configured on the gateway.", []string{"gateway"}, nil)
	descSessionsUp = prometheus.NewDesc("mcnlab_bgp_sessions_established",
		"BGP sessions of the gateway in state established.", []string{"gateway"}, nil)
	descSessionUp = prometheus.NewDesc("mcnlab_bgp_session_established",
		"1 while the BGP session is established.", []string{"gateway", "peer"}, nil)
	descPrefixes = prometheus.NewDesc("mcnlab_bgp_prefixes",
		"Prefixes of the BGP session: received from the peer, accepted by the import policy, advertised to the peer.",
		[]string{"gateway", "peer", "kind"}, nil)
	descDropPackets = prometheus.NewDesc("mcnlab_segmentation_dropped_packets_total",
		"Forwarded packets the gateway dropped from one security domain to another.", []string{"gateway", "from", "to"}, nil)
	descDropBytes = prometheus.NewDesc("mcnlab_segmentation_dropped_bytes_total",
		"Bytes of the forwarded packets the gateway dropped from one security domain to another.", []string{"gateway", "from", "to"}, nil)
	descFirewallUp = prometheus.NewDesc("mcnlab_firewall_up",
		"1 while the FireNet firewall answers its management API.", []string{"firewall", "transit"}, nil)
	descFirewallDrops = prometheus.NewDesc("mcnlab_firewall_dropped_packets_total",
		"Packets the firewall dropped: by deny rules, its default deny, or as invalid to connection tracking.", []string{"firewall", "transit"}, nil)
	descFirewallDropBytes = prometheus.NewDesc("mcnlab_firewall_dropped_bytes_total",
		"Bytes of the packets the firewall dropped.", []string{"firewall", "transit"}, nil)
	descFirewallConns = prometheus.NewDesc("mcnlab_firewall_connections",
		"Entries in the firewall's connection table.", []string{"firewall", "transit"}, nil)
	descPendingAll = prometheus.NewDesc("mcnlab_approvals_pending",
		"Prefixes learned from sites that wait for approval, over every transit.", nil, nil)
	descPending = prometheus.NewDesc("mcnlab_routes_pending_approval",
		"Prefixes learned from a site that wait for approval at a transit.", []string{"transit", "site"}, nil)
	descCloudCalls = prometheus.NewDesc("mcnlab_cloud_api_requests_total",
		"Cloud API requests the controller sent (retries included), by provider.", []string{"provider"}, nil)
)

// snapshot is a prometheus.Collector of one scrape's answers.
type snapshot struct {
	st      Status
	pending []PendingRoute
	m       Metrics
}

// Describe sends every descriptor that Collect uses.
func (snapshot) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descConverged, descGatewayUp, descTunnels, descTunnelsUp, descTunnelUp,
		descTunnelBytes, descTunnelPackets, descSessions, descSessionsUp, descSessionUp, descPrefixes,
		descDropPackets, descDropBytes, descFirewallUp, descFirewallDrops, descFirewallDropBytes, descFirewallConns, descPendingAll, descPending, descCloudCalls} {
		ch <- d
	}
}

// Collect sends the snapshot's metrics.
func (s snapshot) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge(descConverged, bit(s.st.Converged))
	// Status names every gateway of the topology; Metrics those it
	// has read.
	read := map[string]GatewayMetrics{}
	for _, g := range s.m.Gateways {
		read[g.Name] = g
	}
	for _, g := range s.st.Gateways {
		gm, ok := read[g.Name]
		gauge(descGatewayUp, bit(ok && gm.Up), g.Name, string(g.Role), g.Group)
		gauge(descTunnels, float64(g.Tunnels), g.Name)
		gauge(descTunnelsUp, float64(g.TunnelsUp), g.Name)
		gauge(descSessions, float64(g.Sessions), g.Name)
		gauge(descSessionsUp, float64(g.SessionsUp), g.Name)
		for _, t := range gm.Tunnels {
			gauge(descTunnelUp, bit(t.Up), g.Name, t.Peer)
			counter(descTunnelBytes, t.RxBytes, g.Name, t.Peer, "rx")
			counter(descTunnelBytes, t.TxBytes, g.Name, t.Peer, "tx")
			counter(descTunnelPackets, t.RxPackets, g.Name, t.Peer, "rx")
			counter(descTunnelPackets, t.TxPackets, g.Name, t.Peer, "tx")
		}
		for _, se := range gm.Sessions {
			gauge(descSessionUp, bit(se.Established), g.Name, se.Peer)
			gauge(descPrefixes, float64(se.Received), g.Name, se.Peer, "received")
			gauge(descPrefixes, float64(se.Accepted), g.Name, se.Peer, "accepted")
			gauge(descPrefixes, float64(se.Advertised), g.Name, se.Peer, "advertised")
		}
		for _, d := range gm.Drops {
			counter(descDropPackets, d.Packets, g.Name, d.From, d.To)
			counter(descDropBytes, d.Bytes, g.Name, d.From, d.To)
		}
	}
	for _, f := range s.m.Firewalls {
		gauge(descFirewallUp, bit(f.Up), f.Name, f.Transit)
		if f.Up {
			counter(descFirewallDrops, f.DroppedPackets, f.Name, f.Transit)
			counter(descFirewallDropBytes, f.DroppedBytes, f.Name, f.Transit)
			gauge(descFirewallConns, float64(f.Connections), f.Name, f.Transit)
		}
	}
	gauge(descPendingAll, float64(len(s.pending)))
	pending := map[[2]string]int{}
	var order [][2]string
	for _, p := range s.pending {
		k := [2]string{p.Transit, p.Site}
		if pending[k] == 0 {
			order = append(order, k)
		}
		pending[k]++
	}
	for _, k := range order {
		gauge(descPending, float64(pending[k]), k[0], k[1])
	}
	for _, p := range slices.Sorted(maps.Keys(s.m.CloudCalls)) {
		counter(descCloudCalls, s.m.CloudCalls[p], p)
	}
}

// bit is 1 for true, 0 for false.
func bit(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
