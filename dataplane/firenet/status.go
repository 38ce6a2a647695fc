package firenet

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/policy"
)

// Status is a gateway's FireNet as `inspect` prints it.
type Status struct {
	Hash      string
	Egress    bool
	FailOpen  bool
	Pairs     []Pair
	Firewalls []FirewallStatus
	// NoFirewall counts inspected packets dropped while no firewall was
	// healthy.
	NoFirewall policy.Count
	// Error is the failure of the last table update that a health change
	// made ("" when it succeeded).
	Error string
}

// FirewallStatus is one firewall's health and traffic.
type FirewallStatus struct {
	Name  string
	Addr  netip.Addr
	Link  string
	Mark  uint32
	Table int
	// Healthy since Since (or down since then); Transitions counts the
	// changes.
	Healthy     bool
	Since       time.Time
	Transitions int
	// LastProbe is when the last probe ended, LastRTT the round trip of
	// the last answered one, LastError why the last one failed.
	LastProbe time.Time
	LastRTT   time.Duration
	LastError string
	// Steered counts the packets and bytes sent to the firewall (both
	// directions of its flows).
	Steered policy.Count
}

// Status reads the health and the counters.
func (s *Steerer) Status() (Status, error) {
	s.mu.Lock()
	st := Status{Hash: s.cfg.Hash.String(), Egress: s.cfg.Egress, FailOpen: s.cfg.FailOpen, Pairs: append([]Pair(nil), s.cfg.Pairs...)}
	if s.lastErr != nil {
		st.Error = s.lastErr.Error()
	}
	for _, f := range s.fws {
		st.Firewalls = append(st.Firewalls, FirewallStatus{
			Name: f.fw.Name, Addr: f.fw.Addr, Link: f.fw.Link, Mark: f.routes[0].Mark, Table: f.routes[0].Table,
			Healthy: f.healthy, Since: f.since, Transitions: f.transitions,
			LastProbe: f.lastProbe, LastRTT: f.lastRTT, LastError: f.lastErr,
		})
	}
	s.mu.Unlock()
	counts, err := policy.Counters(s.deps.NFT, policy.Table{Name: TableName})
	if err != nil {
		return st, fmt.Errorf("firenet: status: %w", err)
	}
	st.NoFirewall = counts[CounterNoFirewall]
	for i := range st.Firewalls {
		st.Firewalls[i].Steered = counts[counterName(st.Firewalls[i].Name)]
	}
	return st, nil
}
