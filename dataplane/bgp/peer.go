package bgp

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"time"

	api "github.com/osrg/gobgp/v3/api"
)

// Session timer defaults: short, because gateways must fail over in under
// two seconds (a dead peer is noticed within HoldTime).
const (
	DefaultHoldTime          = 3 * time.Second
	DefaultKeepaliveInterval = 1 * time.Second
	DefaultConnectRetry      = 1 * time.Second
)

// PrefixFilter matches Prefix and the prefixes inside it whose length lies
// in [GE, LE]. GE and LE zero match Prefix exactly; GE alone means up to the
// family's maximum length (as in a Cisco prefix-list).
type PrefixFilter struct {
	Prefix netip.Prefix
	GE, LE int
}

// PeerConfig is one BGP neighbor.
type PeerConfig struct {
	// Address identifies the neighbor; one session per address.
	Address netip.Addr
	// ASN is the neighbor's AS; equal to the speaker's makes it iBGP.
	ASN uint32
	// Port is the neighbor's TCP port; 0 means 179.
	Port uint32
	// LocalAddress is the source address of the session; invalid lets the
	// kernel choose.
	LocalAddress netip.Addr
	// Passive waits for the neighbor to connect.
	Passive bool
	// HoldTime, KeepaliveInterval and ConnectRetry default to
	// DefaultHoldTime, DefaultKeepaliveInterval and DefaultConnectRetry;
	// GoBGP counts them in whole seconds.
	HoldTime, KeepaliveInterval, ConnectRetry time.Duration
	// Prepend adds the local AS this many extra times to the AS path of
	// routes exported to this neighbor.
	Prepend int
	// Import and Export are allow-lists: when non-empty, only prefixes
	// matching one of the filters are accepted from (Import) or sent to
	// (Export) this neighbor. Empty accepts everything.
	Import, Export []PrefixFilter
	// NotFrom are ASes whose routes are not sent to this neighbor: a
	// route whose AS path holds one of them is held back (a transit does
	// not pass one peer transit's routes on to another).
	NotFrom []uint32
	// ManualApproval restricts import further: only the prefixes listed in
	// Approved (exactly) that Import also allows are accepted; with none
	// approved, nothing is. Routes received but not accepted stay in the
	// Adj-RIB-In (PeerState.Filtered), so approving one later takes a
	// soft reset, not a new session.
	ManualApproval bool
	Approved       []netip.Prefix
	// MultihopTTL, when non-zero, allows an eBGP neighbor this many hops
	// away.
	MultihopTTL uint8
	// Description is free text shown in PeerState.
	Description string
}

// SessionState is a BGP finite-state-machine state.
type SessionState string

// The BGP session states of RFC 4271 section 8.
const (
	StateUnknown     SessionState = "unknown"
	StateIdle        SessionState = "idle"
	StateConnect     SessionState = "connect"
	StateActive      SessionState = "active"
	StateOpenSent    SessionState = "opensent"
	StateOpenConfirm SessionState = "openconfirm"
	StateEstablished SessionState = "established"
)

// PeerState is a neighbor's session and counters.
type PeerState struct {
	Address     netip.Addr
	ASN         uint32
	Description string
	State       SessionState
	// Uptime is how long the session has been established; zero otherwise.
	Uptime time.Duration
	// Received, Accepted and Advertised count unicast prefixes (IPv4 and
	// IPv6 together) received, accepted by the import filter, and sent.
	Received, Accepted, Advertised uint64
	// Filtered are the prefixes received but refused by the import
	// policy (filters or manual approval), sorted; empty when none are.
	Filtered []netip.Prefix
}

// peerEntry is what the speaker installed for one neighbor.
type peerEntry struct {
	cfg      PeerConfig
	policies []installedPolicy
}

func (pc *PeerConfig) normalize() error {
	if !pc.Address.IsValid() {
		return errors.New("address must be set")
	}
	pc.Address = pc.Address.Unmap()
	if pc.ASN == 0 {
		return errors.New("ASN must be set")
	}
	if pc.Prepend < 0 || pc.Prepend > 16 {
		return fmt.Errorf("prepend %d out of range 0..16", pc.Prepend)
	}
	if pc.HoldTime == 0 {
		pc.HoldTime = DefaultHoldTime
	}
	if pc.KeepaliveInterval == 0 {
		pc.KeepaliveInterval = DefaultKeepaliveInterval
	}
	if pc.ConnectRetry == 0 {
		pc.ConnectRetry = DefaultConnectRetry
	}
	if pc.HoldTime < 3*time.Second {
		return fmt.Errorf("hold time %s below the 3s minimum of RFC 4271", pc.HoldTime)
	}
	for _, fs := range [][]PrefixFilter{pc.Import, pc.Export} {
		for _, f := range fs {
			if _, _, err := f.lengths(); err != nil {
				return err
			}
		}
	}
	for _, p := range pc.Approved {
		if !p.IsValid() {
			return fmt.Errorf("approved prefix %q invalid", p)
		}
	}
	return nil
}

// importFilters returns the allow-list the import policy enforces and
// whether it restricts at all: Import, or under manual approval the
// approved prefixes that Import allows (restricting even when empty).
func (pc PeerConfig) importFilters() (filters []PrefixFilter, restrict bool) {
	if !pc.ManualApproval {
		return pc.Import, len(pc.Import) > 0
	}
	for _, p := range pc.Approved {
		p = p.Masked()
		if len(pc.Import) == 0 || slices.ContainsFunc(pc.Import, func(f PrefixFilter) bool { return f.Matches(p) }) {
			filters = append(filters, PrefixFilter{Prefix: p})
		}
	}
	return filters, true
}

func seconds(d time.Duration) uint64 {
	return uint64((d + time.Second - 1) / time.Second)
}

func (pc PeerConfig) apiPeer() *api.Peer {
	p := &api.Peer{
		Conf: &api.PeerConf{
			NeighborAddress: pc.Address.String(),
			PeerAsn:         pc.ASN,
			Description:     pc.Description,
		},
		Timers: &api.Timers{Config: &api.TimersConfig{
			ConnectRetry:           seconds(pc.ConnectRetry),
			HoldTime:               seconds(pc.HoldTime),
			KeepaliveInterval:      seconds(pc.KeepaliveInterval),
			IdleHoldTimeAfterReset: 1, // GoBGP's default of 30s defeats fast failover
		}},
		Transport: &api.Transport{
			RemotePort:  pc.Port,
			PassiveMode: pc.Passive,
		},
		AfiSafis: []*api.AfiSafi{
			{Config: &api.AfiSafiConfig{Family: &api.Family{Afi: api.Family_AFI_IP, Safi: api.Family_SAFI_UNICAST}, Enabled: true}},
			{Config: &api.AfiSafiConfig{Family: &api.Family{Afi: api.Family_AFI_IP6, Safi: api.Family_SAFI_UNICAST}, Enabled: true}},
		},
	}
	if pc.Port == 0 {
		p.Transport.RemotePort = 179
	}
	if pc.LocalAddress.IsValid() {
		p.Transport.LocalAddress = pc.LocalAddress.String()
	}
	if pc.MultihopTTL > 0 {
		p.EbgpMultihop = &api.EbgpMultihop{Enabled: true, MultihopTtl: uint32(pc.MultihopTTL)}
	}
	return p
}

// AddPeer configures a new neighbor and starts its session (or waits for it,
// if Passive). Adding an address that is already a neighbor fails.
func (s *Speaker) AddPeer(ctx context.Context, pc PeerConfig) error {
	if err := pc.normalize(); err != nil {
		return fmt.Errorf("bgp add peer %s: %w", pc.Address, err)
	}
	op := "add peer " + pc.Address.String()
	s.mu.Lock()
	_, exists := s.peers[pc.Address]
	s.mu.Unlock()
	if exists {
		return fmt.Errorf("bgp %s: already configured", op)
	}
	// Filters first, so the session never runs unfiltered.
	pols, err := s.installPolicies(ctx, pc)
	if err != nil {
		return fmt.Errorf("bgp %s: %w", op, err)
	}
	err = s.do(ctx, op, func(ctx context.Context) error {
		return s.srv.AddPeer(ctx, &api.AddPeerRequest{Peer: pc.apiPeer()})
	})
	if err != nil {
		return errors.Join(err, s.removePolicies(ctx, pols))
	}
	s.mu.Lock()
	s.peers[pc.Address] = &peerEntry{cfg: pc, policies: pols}
	s.mu.Unlock()
	return nil
}

// UpdatePeer changes an existing neighbor. New filters, approvals and
// prepend take effect through a soft reset of that session only (the
// Adj-RIB-In is run through the new import policy again; the session stays
// up); other sessions are not touched. Changing ASN, Port, LocalAddress, Passive or Description makes
// GoBGP re-create this neighbor, which restarts only this session; after
// such a restart GoBGP may wait up to 5s (its fixed idle hold time) before
// reconnecting.
func (s *Speaker) UpdatePeer(ctx context.Context, pc PeerConfig) error {
	if err := pc.normalize(); err != nil {
		return fmt.Errorf("bgp update peer %s: %w", pc.Address, err)
	}
	op := "update peer " + pc.Address.String()
	s.mu.Lock()
	e, ok := s.peers[pc.Address]
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("bgp %s: not configured", op)
	}
	pols, err := s.installPolicies(ctx, pc)
	if err != nil {
		return fmt.Errorf("bgp %s: %w", op, err)
	}
	err = s.do(ctx, op, func(ctx context.Context) error {
		_, err := s.srv.UpdatePeer(ctx, &api.UpdatePeerRequest{Peer: pc.apiPeer()})
		return err
	})
	if err != nil {
		return errors.Join(err, s.removePolicies(ctx, pols))
	}
	s.mu.Lock()
	old := e.policies
	e.cfg, e.policies = pc, pols
	s.mu.Unlock()
	if err := s.removePolicies(ctx, old); err != nil {
		return fmt.Errorf("bgp %s: %w", op, err)
	}
	return s.do(ctx, op, func(ctx context.Context) error {
		return s.srv.ResetPeer(ctx, &api.ResetPeerRequest{Address: pc.Address.String(), Soft: true, Direction: api.ResetPeerRequest_BOTH})
	})
}

// DeletePeer closes the session with addr (its routes are withdrawn) and
// forgets the neighbor.
func (s *Speaker) DeletePeer(ctx context.Context, addr netip.Addr) error {
	addr = addr.Unmap()
	op := "delete peer " + addr.String()
	s.mu.Lock()
	e, ok := s.peers[addr]
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("bgp %s: not configured", op)
	}
	err := s.do(ctx, op, func(ctx context.Context) error {
		return s.srv.DeletePeer(ctx, &api.DeletePeerRequest{Address: addr.String()})
	})
	if err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.peers, addr)
	s.mu.Unlock()
	if err := s.removePolicies(ctx, e.policies); err != nil {
		return fmt.Errorf("bgp %s: %w", op, err)
	}
	return nil
}

// Peers returns every neighbor's state, sorted by address.
func (s *Speaker) Peers(ctx context.Context) ([]PeerState, error) {
	var raw []*api.Peer
	err := s.do(ctx, "list peers", func(ctx context.Context) error {
		return s.srv.ListPeer(ctx, &api.ListPeerRequest{EnableAdvertised: true}, func(p *api.Peer) {
			raw = append(raw, p)
		})
	})
	if err != nil {
		return nil, err
	}
	out := make([]PeerState, 0, len(raw))
	for _, p := range raw {
		ps := peerState(p)
		if ps.Received > 0 {
			n, filtered, err := s.adjIn(ctx, ps.Address)
			if err != nil {
				return nil, err
			}
			ps.Accepted, ps.Filtered = n, filtered
		}
		out = append(out, ps)
	}
	slices.SortFunc(out, func(a, b PeerState) int { return a.Address.Compare(b.Address) })
	return out, nil
}

// WatchSessions calls fn after neighbor sessions change state (several
// changes close together may make one call), until ctx is done or the
// speaker is closed; it returns ctx's error or ErrClosed. fn runs on the
// caller's goroutine.
func (s *Speaker) WatchSessions(ctx context.Context, fn func()) error {
	wake := make(chan struct{}, 1)
	s.mu.Lock()
	s.sessions[wake] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.sessions, wake)
		s.mu.Unlock()
	}()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.closed:
			return ErrClosed
		case <-wake:
			fn()
		}
	}
}

// onPeer receives GoBGP's peer events and wakes the WatchSessions calls.
func (s *Speaker) onPeer(r *api.WatchEventResponse) {
	if r.GetPeer() == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := r.GetPeer().GetPeer().GetState(); st.GetSessionState() != api.PeerState_ESTABLISHED {
		if a, err := netip.ParseAddr(st.GetNeighborAddress()); err == nil {
			if ch, ok := s.down[a.Unmap()]; ok {
				close(ch)
				delete(s.down, a.Unmap())
			}
		}
	}
	for wake := range s.sessions {
		select {
		case wake <- struct{}{}:
		default: // a wake-up is pending already
		}
	}
}

// Established returns the addresses of the neighbors whose session is
// established. It reads no counters, so unlike Peers it costs the same
// however many routes the neighbors sent.
func (s *Speaker) Established(ctx context.Context) (map[netip.Addr]bool, error) {
	m := map[netip.Addr]bool{}
	err := s.do(ctx, "list peers", func(ctx context.Context) error {
		return s.srv.ListPeer(ctx, &api.ListPeerRequest{}, func(p *api.Peer) {
			if p.GetState().GetSessionState() == api.PeerState_ESTABLISHED {
				if a, err := netip.ParseAddr(p.GetConf().GetNeighborAddress()); err == nil {
					m[a] = true
				}
			}
		})
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// adjIn counts the unicast paths from peer that pass its import policy
// and lists the prefixes of those that do not. GoBGP's own Accepted counter
// ignores global import policies, which is where this package keeps
// per-neighbor filters, so the count is made by asking GoBGP to evaluate
// the policy over the Adj-RIB-In.
func (s *Speaker) adjIn(ctx context.Context, peer netip.Addr) (accepted uint64, filtered []netip.Prefix, err error) {
	for _, afi := range []api.Family_Afi{api.Family_AFI_IP, api.Family_AFI_IP6} {
		err := s.do(ctx, "list adj-rib-in "+peer.String(), func(ctx context.Context) error {
			var c uint64
			var f []netip.Prefix
			err := s.srv.ListPath(ctx, &api.ListPathRequest{
				TableType:      api.TableType_ADJ_IN,
				Name:           peer.String(),
				Family:         &api.Family{Afi: afi, Safi: api.Family_SAFI_UNICAST},
				EnableFiltered: true,
			}, func(d *api.Destination) {
				for _, p := range d.Paths {
					if !p.Filtered {
						c++
						continue
					}
					if pp, err := fromAPIPath(p); err == nil {
						f = append(f, pp.Prefix)
					}
				}
			})
			if err == nil {
				accepted += c
				filtered = append(filtered, f...)
			}
			return err
		})
		if err != nil {
			return 0, nil, err
		}
	}
	slices.SortFunc(filtered, comparePrefix)
	return accepted, slices.Compact(filtered), nil
}

func peerState(p *api.Peer) PeerState {
	var ps PeerState
	ps.Address, _ = netip.ParseAddr(p.GetConf().GetNeighborAddress())
	ps.ASN = p.GetConf().GetPeerAsn()
	ps.Description = p.GetConf().GetDescription()
	switch p.GetState().GetSessionState() {
	case api.PeerState_IDLE:
		ps.State = StateIdle
	case api.PeerState_CONNECT:
		ps.State = StateConnect
	case api.PeerState_ACTIVE:
		ps.State = StateActive
	case api.PeerState_OPENSENT:
		ps.State = StateOpenSent
	case api.PeerState_OPENCONFIRM:
		ps.State = StateOpenConfirm
	case api.PeerState_ESTABLISHED:
		ps.State = StateEstablished
	default:
		ps.State = StateUnknown
	}
	if up := p.GetTimers().GetState().GetUptime(); ps.State == StateEstablished && up != nil && up.GetSeconds() > 0 {
		ps.Uptime = time.Since(up.AsTime())
	}
	for _, a := range p.GetAfiSafis() {
		st := a.GetState()
		ps.Received += st.GetReceived()
		ps.Accepted += st.GetAccepted()
		ps.Advertised += st.GetAdvertised()
	}
	return ps
}
