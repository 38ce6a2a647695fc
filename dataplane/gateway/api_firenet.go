package gateway

import (
	"fmt"
	"slices"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/firenet"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
)

// FireNet's wire conversions (api.go's, for Config.FireNet and
// Status.FireNet).

func fireNetFromWire(w *mgmt.FireNet) (*firenet.Config, error) {
	if w == nil {
		return nil, nil
	}
	c := &firenet.Config{
		Egress: w.Egress, EgressDomains: slices.Clone(w.EgressDomains), Internal: slices.Clone(w.Internal),
		Exclude: slices.Clone(w.Exclude), FailOpen: w.FailOpen,
		Health: firenet.Health{Interval: time.Duration(w.ProbeIntervalMS) * time.Millisecond, Fall: w.ProbeFall, Rise: w.ProbeRise},
	}
	switch w.Hash {
	case "", firenet.FiveTuple.String():
	case firenet.TwoTuple.String():
		c.Hash = firenet.TwoTuple
	default:
		return nil, fmt.Errorf("firenet: hash %q is neither 5-tuple nor 2-tuple", w.Hash)
	}
	for _, f := range w.Firewalls {
		c.Firewalls = append(c.Firewalls, firenet.Firewall{Name: f.Name, Addr: f.Address, Addr6: f.Address6, Link: f.Link})
	}
	for _, d := range w.Domains {
		c.Domains = append(c.Domains, firenet.Domain{Name: d.Name, Prefixes: slices.Clone(d.Prefixes)})
	}
	for _, p := range w.Pairs {
		c.Pairs = append(c.Pairs, firenet.Pair{A: p[0], B: p[1]})
	}
	return c, nil
}

func fireNetToWire(c *firenet.Config) *mgmt.FireNet {
	if c == nil {
		return nil
	}
	w := &mgmt.FireNet{
		Firewalls: []mgmt.Firewall{}, Egress: c.Egress, EgressDomains: slices.Clone(c.EgressDomains), Internal: slices.Clone(c.Internal),
		Exclude: slices.Clone(c.Exclude), Hash: c.Hash.String(), FailOpen: c.FailOpen,
		ProbeIntervalMS: int(c.Health.Interval / time.Millisecond), ProbeFall: c.Health.Fall, ProbeRise: c.Health.Rise,
	}
	for _, f := range c.Firewalls {
		w.Firewalls = append(w.Firewalls, mgmt.Firewall{Name: f.Name, Address: f.Addr, Address6: f.Addr6, Link: f.Link})
	}
	for _, d := range c.Domains {
		w.Domains = append(w.Domains, mgmt.Domain{Name: d.Name, Prefixes: slices.Clone(d.Prefixes)})
	}
	for _, p := range c.Pairs {
		w.Pairs = append(w.Pairs, [2]string{p.A, p.B})
	}
	return w
}

func fireNetStatusToWire(s *firenet.Status) *mgmt.FireNetStatus {
	if s == nil {
		return nil
	}
	w := &mgmt.FireNetStatus{Hash: s.Hash, Egress: s.Egress, FailOpen: s.FailOpen, Firewalls: []mgmt.FirewallStatus{},
		NoFirewallPackets: s.NoFirewall.Packets, Error: s.Error}
	for _, f := range s.Firewalls {
		w.Firewalls = append(w.Firewalls, mgmt.FirewallStatus{
			Name: f.Name, Address: f.Addr, Link: f.Link, Healthy: f.Healthy, Since: f.Since, Transitions: f.Transitions,
			RTTMicros: f.LastRTT.Microseconds(), LastError: f.LastError, Packets: f.Steered.Packets, Bytes: f.Steered.Bytes,
		})
	}
	return w
}
