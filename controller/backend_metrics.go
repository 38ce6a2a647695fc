package controller

import (
	"context"
	"sync"
	"time"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/dataplane/fwmgmt"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
)

var _ api.MetricsBackend = (*Backend)(nil)

// firewallScrapeTimeout bounds how long a scrape waits for a firewall's
// counters.
const firewallScrapeTimeout = 2 * time.Second

// Metrics reports each gateway's counters as the last reconciliation read
// them (every 200 ms), and each FireNet firewall's drops, read now.
func (b *Backend) Metrics(ctx context.Context) (api.Metrics, error) {
	c := b.c
	m := api.Metrics{CloudCalls: cloud.APICalls()}
	c.mu.Lock()
	for _, g := range c.plan.Gateways {
		gm := api.GatewayMetrics{Name: g.Key, Role: api.GatewayRole(g.Role), Group: g.Group}
		if st, ok := c.status[g.Key]; ok {
			gm.Up = true
			gatewayCounters(&gm, st)
		}
		m.Gateways = append(m.Gateways, gm)
	}
	c.mu.Unlock()
	fws := c.plan.Firewalls()
	m.Firewalls = make([]api.FirewallMetrics, len(fws))
	var wg sync.WaitGroup
	for i, fw := range fws {
		m.Firewalls[i] = api.FirewallMetrics{Name: fw.Key, Transit: fw.Transit}
		cl, ok := c.firewallClient(fw.Key)
		if !ok {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(ctx, firewallScrapeTimeout)
			defer cancel()
			if st, err := cl.Status(ctx); err == nil {
				firewallDrops(&m.Firewalls[i], st)
			}
		}()
	}
	wg.Wait()
	return m, ctx.Err()
}

// gatewayCounters copies a gateway's status into its metrics.
func gatewayCounters(gm *api.GatewayMetrics, st mgmt.Status) {
	for _, t := range st.Tunnels {
		gm.Tunnels = append(gm.Tunnels, api.TunnelMetrics{Peer: t.Peer, Up: t.State == mgmt.TunnelUp,
			RxBytes: t.RxBytes, TxBytes: t.TxBytes, RxPackets: t.RxPackets, TxPackets: t.TxPackets})
	}
	for _, s := range st.Sessions {
		gm.Sessions = append(gm.Sessions, api.SessionMetrics{Peer: s.Name, Established: s.State == "established",
			Received: s.Received, Accepted: s.Accepted, Advertised: s.Advertised})
	}
	for _, d := range st.Segmentation {
		gm.Drops = append(gm.Drops, api.DropMetrics{From: d.From, To: d.To, Packets: d.Packets, Bytes: d.Bytes})
	}
}

// firewallDrops sums what a firewall dropped: its deny rules' matches,
// its default's when the default denies, and the packets connection
// tracking found invalid.
func firewallDrops(f *api.FirewallMetrics, st fwmgmt.Status) {
	f.Up = true
	f.Connections = st.Connections
	add := func(c fwmgmt.Count) {
		f.DroppedPackets += c.Packets
		f.DroppedBytes += c.Bytes
	}
	for _, r := range st.Rules {
		if r.Action == "deny" {
			add(r.Count)
		}
	}
	if st.Default == "deny" {
		add(st.DefaultCount)
	}
	add(st.Invalid)
}
