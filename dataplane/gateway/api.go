package gateway

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/bgp"
	"github.com/mcnlab/mcnlab/dataplane/flowexport"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/dataplane/wg"
)

// This file is the only one that sees the management API's wire types.

// Backend serves an Engine through the management API (mgmt.Backend).
type Backend struct{ E *Engine }

var _ mgmt.Backend = Backend{}

// Name implements mgmt.Backend.
func (b Backend) Name() string { return b.E.Name() }

// Config implements mgmt.Backend.
func (b Backend) Config() mgmt.Config { return ToWire(b.E.Config()) }

// Apply implements mgmt.Backend: invalid input (including a bad key)
// wraps mgmt.ErrInvalid.
func (b Backend) Apply(ctx context.Context, w mgmt.Config) (mgmt.Config, error) {
	cfg, err := FromWire(w)
	if err != nil {
		return mgmt.Config{}, fmt.Errorf("%w: %w", mgmt.ErrInvalid, err)
	}
	err = b.E.Apply(ctx, cfg)
	if errors.Is(err, ErrInvalid) {
		return mgmt.Config{}, fmt.Errorf("%w: %w", mgmt.ErrInvalid, err)
	}
	return ToWire(b.E.Config()), err
}

// Status implements mgmt.Backend.
func (b Backend) Status(ctx context.Context) (mgmt.Status, error) {
	st, err := b.E.Status(ctx)
	if err != nil {
		return mgmt.Status{}, err
	}
	out := mgmt.Status{Name: st.Name, Boot: b.E.Boot(), Tunnels: []mgmt.Tunnel{}, Sessions: []mgmt.Session{}, Routes: []mgmt.Route{},
		RoutesVersion: fmt.Sprintf("%s.%d", b.E.Boot(), st.RoutesVersion)}
	for _, t := range st.Tunnels {
		state := mgmt.TunnelDown
		if t.Up {
			state = mgmt.TunnelUp
		}
		out.Tunnels = append(out.Tunnels, mgmt.Tunnel{
			Peer: t.Peer, Interface: t.Interface, State: state, Endpoint: t.Endpoint,
			RxBytes: t.RxBytes, TxBytes: t.TxBytes, RxPackets: t.RxPackets, TxPackets: t.TxPackets, LastHandshake: t.LastHandshake.UTC(),
			StateSince: t.Liveness.Since.UTC(), ProbesSent: t.Liveness.Sent,
			ProbesReceived: t.Liveness.Received, StateChanges: t.Liveness.Transitions,
			PeerRestarts: t.Liveness.PeerRestarts,
		})
	}
	for _, s := range st.Sessions {
		ws := mgmt.Session{
			Name: s.Name, Address: s.Address, ASN: s.ASN, State: string(s.State),
			UptimeSeconds: int64(s.Uptime / time.Second),
			Received:      s.Received, Accepted: s.Accepted, Advertised: s.Advertised,
		}
		if s.BFD != nil {
			ws.BFD = s.BFD.State.String()
		}
		ws.Filtered = slices.Clone(s.Filtered)
		out.Sessions = append(out.Sessions, ws)
	}
	for _, p := range slices.SortedFunc(maps.Keys(st.Routes), comparePrefix) {
		out.Routes = append(out.Routes, mgmt.Route{Prefix: p, NextHops: st.Routes[p]})
	}
	for _, d := range st.Segmentation {
		out.Segmentation = append(out.Segmentation, mgmt.DomainDrops{From: d.From, To: d.To, Packets: d.Packets, Bytes: d.Bytes})
	}
	out.FireNet = fireNetStatusToWire(st.FireNet)
	return out, nil
}

// FromWire converts an API config; it fails only on undecodable keys (the
// rest is checked by Config.Validate).
func FromWire(w mgmt.Config) (Config, error) {
	c := Config{Name: w.Name, ASN: w.ASN, RouterID: w.RouterID, Prefixes: slices.Clone(w.Prefixes), MTU: w.MTU}
	var errs []error
	if w.PrivateKey != "" {
		k, err := wg.ParseKey(w.PrivateKey)
		if err != nil {
			errs = append(errs, fmt.Errorf("private_key: %w", err))
		}
		c.PrivateKey = k
	}
	for i, p := range w.Peers {
		var key wg.Key
		if p.PublicKey != "" {
			k, err := wg.ParseKey(p.PublicKey)
			if err != nil {
				errs = append(errs, fmt.Errorf("peers[%d] %q: public_key: %w", i, p.Name, err))
			}
			key = k
		}
		c.Peers = append(c.Peers, Peer{
			Name: p.Name, PublicKey: key, Endpoint: p.Endpoint, ListenPort: p.ListenPort,
			Address: p.Address, PeerAddress: p.PeerAddress, ASN: p.ASN, Prepend: p.Prepend,
			Import: filtersFromWire(p.Import), Export: filtersFromWire(p.Export), NotFrom: slices.Clone(p.NotFrom),
			Approval: p.Approval, Approved: slices.Clone(p.Approved),
		})
	}
	for _, n := range w.Neighbors {
		nn := Neighbor{
			Name: n.Name, Address: n.Address, ASN: n.ASN, LocalAddress: n.LocalAddress, Passive: n.Passive,
			Prepend: n.Prepend, Import: filtersFromWire(n.Import), Export: filtersFromWire(n.Export), NoBFD: n.NoBFD,
			Approval: n.Approval, Approved: slices.Clone(n.Approved),
		}
		if v := n.VXLAN; v != nil {
			nn.VXLAN = &VXLAN{VNI: v.VNI, Local: v.Local, Remote: v.Remote, Port: v.Port, Address: v.Address, MTU: v.MTU}
		}
		c.Neighbors = append(c.Neighbors, nn)
	}
	if s := w.Segmentation; s != nil {
		c.Segmentation = &Segmentation{Connections: slices.Clone(s.Connections)}
		for _, d := range s.Domains {
			c.Segmentation.Domains = append(c.Segmentation.Domains, Domain{Name: d.Name, Prefixes: slices.Clone(d.Prefixes)})
		}
	}
	fn, err := fireNetFromWire(w.FireNet)
	if err != nil {
		errs = append(errs, err)
	}
	c.FireNet = fn
	if f := w.FlowExport; f != nil {
		c.FlowExport = &FlowExport{Config: flowexport.Config{Collector: f.Collector, Interval: time.Duration(f.IntervalMS) * time.Millisecond, DomainID: f.DomainID}}
		for _, d := range f.Domains {
			c.FlowExport.Domains = append(c.FlowExport.Domains, Domain{Name: d.Name, Prefixes: slices.Clone(d.Prefixes)})
		}
	}
	return c, errors.Join(errs...)
}

// ToWire converts a config for the API.
func ToWire(c Config) mgmt.Config {
	w := mgmt.Config{Name: c.Name, ASN: c.ASN, RouterID: c.RouterID, Prefixes: slices.Clone(c.Prefixes), MTU: c.MTU}
	if !c.PrivateKey.IsZero() {
		w.PrivateKey = c.PrivateKey.String()
	}
	for _, p := range c.Peers {
		w.Peers = append(w.Peers, mgmt.Peer{
			Name: p.Name, PublicKey: p.PublicKey.String(), Endpoint: p.Endpoint, ListenPort: p.ListenPort,
			Address: p.Address, PeerAddress: p.PeerAddress, ASN: p.ASN, Prepend: p.Prepend,
			Import: filtersToWire(p.Import), Export: filtersToWire(p.Export), NotFrom: slices.Clone(p.NotFrom),
			Approval: p.Approval, Approved: slices.Clone(p.Approved),
		})
	}
	for _, n := range c.Neighbors {
		wn := mgmt.Neighbor{
			Name: n.Name, Address: n.Address, ASN: n.ASN, LocalAddress: n.LocalAddress, Passive: n.Passive,
			Prepend: n.Prepend, Import: filtersToWire(n.Import), Export: filtersToWire(n.Export), NoBFD: n.NoBFD,
			Approval: n.Approval, Approved: slices.Clone(n.Approved),
		}
		if v := n.VXLAN; v != nil {
			wn.VXLAN = &mgmt.VXLAN{VNI: v.VNI, Local: v.Local, Remote: v.Remote, Port: v.Port, Address: v.Address, MTU: v.MTU}
		}
		w.Neighbors = append(w.Neighbors, wn)
	}
	if s := c.Segmentation; s != nil {
		w.Segmentation = &mgmt.Segmentation{Domains: []mgmt.Domain{}, Connections: slices.Clone(s.Connections)}
		for _, d := range s.Domains {
			w.Segmentation.Domains = append(w.Segmentation.Domains, mgmt.Domain{Name: d.Name, Prefixes: append([]netip.Prefix{}, d.Prefixes...)})
		}
	}
	w.FireNet = fireNetToWire(c.FireNet)
	if f := c.FlowExport; f != nil {
		w.FlowExport = &mgmt.FlowExport{Collector: f.Collector, IntervalMS: int(f.Interval / time.Millisecond), DomainID: f.DomainID}
		for _, d := range f.Domains {
			w.FlowExport.Domains = append(w.FlowExport.Domains, mgmt.Domain{Name: d.Name, Prefixes: slices.Clone(d.Prefixes)})
		}
	}
	return w
}

func filtersFromWire(fs []mgmt.Filter) []bgp.PrefixFilter {
	var out []bgp.PrefixFilter
	for _, f := range fs {
		out = append(out, bgp.PrefixFilter{Prefix: f.Prefix, GE: f.GE, LE: f.LE})
	}
	return out
}

func filtersToWire(fs []bgp.PrefixFilter) []mgmt.Filter {
	var out []mgmt.Filter
	for _, f := range fs {
		out = append(out, mgmt.Filter{Prefix: f.Prefix, GE: f.GE, LE: f.LE})
	}
	return out
}
