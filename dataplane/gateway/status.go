package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/bfd"
	"github.com/mcnlab/mcnlab/dataplane/bgp"
	"github.com/mcnlab/mcnlab/dataplane/firenet"
)

// TunnelStatus is one tunnel's counters, for Status.
type TunnelStatus struct {
	Peer, Interface string
	Up              bool
	Endpoint        netip.AddrPort
	// RxBytes and TxBytes count encrypted bytes (WireGuard's counters),
	// RxPackets and TxPackets the inner packets (the TUN link's).
	RxBytes       uint64
	TxBytes       uint64
	RxPackets     uint64
	TxPackets     uint64
	LastHandshake time.Time
	// Liveness is the tunnel's prober; Up is its Up.
	Liveness LivenessStats
}

// SessionStatus is one BGP session, named after its peer or neighbour.
type SessionStatus struct {
	Name string
	bgp.PeerState
	// BFD is the neighbour's BFD session; nil for tunnel peers and for
	// neighbours without one.
	BFD *bfd.Stats
}

// Status is a snapshot of tunnels, sessions, installed routes and
// segmentation drops.
type Status struct {
	Name     string
	Tunnels  []TunnelStatus
	Sessions []SessionStatus
	Routes   map[netip.Prefix][]netip.Addr
	// RoutesVersion changes whenever Routes may have changed (the FIB's
	// Version, read before Routes).
	RoutesVersion uint64
	// Segmentation has one entry per denied ordered pair of domains, in
	// name order; nil without a segmentation policy.
	Segmentation []DomainDrops
	// FireNet is the firewalls' health and counters; nil without a
	// FireNet.
	FireNet *firenet.Status
}

// Status reports every tunnel, session and FIB route. It waits for an Apply
// in progress.
func (e *Engine) Status(ctx context.Context) (Status, error) {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return Status{}, fmt.Errorf("gateway status: %w", ErrClosed)
	}
	st := Status{Name: e.name}
	if st.Name == "" {
		st.Name = e.cur.Name
	}
	names := map[netip.Addr]string{}
	var errs []error
	for _, p := range e.cur.Peers {
		names[p.PeerAddress] = p.Name
		t := e.tunnels[p.Name]
		ts := TunnelStatus{Peer: p.Name, Interface: t.ifname}
		stats, err := t.dev.Stats()
		if err != nil {
			errs = append(errs, err)
		} else if len(stats) > 0 {
			s := stats[0]
			ts.Endpoint, ts.RxBytes, ts.TxBytes, ts.LastHandshake = s.Endpoint, s.RxBytes, s.TxBytes, s.LastHandshake
		}
		if ts.RxPackets, ts.TxPackets, err = e.sys.tunnels.packets(t); err != nil {
			errs = append(errs, err)
		}
		if t.live != nil {
			ts.Liveness = t.live.Stats()
			ts.Up = ts.Liveness.Up
		}
		st.Tunnels = append(st.Tunnels, ts)
	}
	for _, n := range e.cur.Neighbors {
		names[n.Address] = n.Name
	}
	if e.cur.Segmentation != nil {
		drops, err := e.nft.drops(e.cur.Segmentation)
		if err != nil {
			errs = append(errs, err)
		}
		st.Segmentation = drops
	}
	if e.firenet != nil {
		fs, err := e.firenet.Status()
		if err != nil {
			errs = append(errs, err)
		}
		st.FireNet = &fs
	}
	sp := e.speaker.Load()
	e.mu.Unlock()
	bfds := e.bfdStats()
	if sp != nil {
		peers, err := sp.Peers(ctx)
		if err != nil {
			errs = append(errs, err)
		}
		for _, ps := range peers {
			ss := SessionStatus{Name: names[ps.Address], PeerState: ps}
			if b, ok := bfds[ps.Address]; ok {
				ss.BFD = &b
			}
			st.Sessions = append(st.Sessions, ss)
		}
	}
	st.RoutesVersion = e.sys.fib.Version()
	routes, err := e.sys.fib.Routes()
	if err != nil {
		errs = append(errs, err)
	}
	st.Routes = routes
	if err := errors.Join(errs...); err != nil {
		return st, fmt.Errorf("gateway status: %w", err)
	}
	return st, nil
}
