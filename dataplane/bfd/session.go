package bfd

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"time"
)

// Defaults of Config's zero fields: 100 ms intervals and a detect
// multiplier of 3, so a dead neighbour is declared down within 300 ms.
const (
	DefaultInterval   = 100 * time.Millisecond
	DefaultDetectMult = 3
)

// Config is one session's parameters.
type Config struct {
	// Local is the address packets are sent from and received on; Peer
	// is the neighbour's. Both must be set and of the same family.
	Local, Peer netip.Addr
	// DesiredMinTx and RequiredMinRx are ours (RFC 5880 section 4.1);
	// zero means DefaultInterval.
	DesiredMinTx, RequiredMinRx time.Duration
	// DetectMult is ours; zero means DefaultDetectMult.
	DetectMult uint8
	// OnChange, if set, is called on every change of state from the
	// session's goroutine, never concurrently, with no lock held. It must
	// not call Close.
	OnChange func(Change)
	// Logger gets one line per change of state; nil discards.
	Logger *slog.Logger
}

// Change is a change of a session's state.
type Change struct {
	Peer     netip.Addr
	Old, New State
	// Diag says why the session left Up (or Init).
	Diag Diag
	At   time.Time
}

// Stats is a snapshot of a session.
type Stats struct {
	State State
	Diag  Diag
	// Since is when State last changed (Start at first).
	Since time.Time
	// RemoteState is the state of the remote's last packet.
	RemoteState State
	// LocalDiscr and RemoteDiscr are the discriminators; RemoteDiscr is 0
	// until a packet arrives and after the detection time passes.
	LocalDiscr, RemoteDiscr uint32
	// TxInterval and DetectTime are the negotiated values (0 before the
	// first packet from the remote).
	TxInterval, DetectTime time.Duration
	// Sent and Received count control packets; Transitions counts changes
	// of State; EverUp is set once the session has been Up.
	Sent, Received, Transitions uint64
	EverUp                      bool
}

// Session is one asynchronous-mode BFD session. Create it with New, run it
// with Start, stop it with Close.
type Session struct {
	local, peer netip.Addr
	onChange    func(Change)
	log         *slog.Logger
	rx          chan received
	stop        chan struct{}
	wg          sync.WaitGroup
	closeOnce   sync.Once
	startOnce   sync.Once

	l    *listener
	send *net.UDPConn

	mu    sync.Mutex // guards the fields below
	m     machine
	stats Stats
}

// New checks cfg and returns a session that is not yet running.
func New(cfg Config) (*Session, error) {
	local, peer := cfg.Local.Unmap(), cfg.Peer.Unmap()
	if !local.IsValid() || !peer.IsValid() || local.Is4() != peer.Is4() {
		return nil, fmt.Errorf("bfd session %s -> %s: need local and peer addresses of one family", cfg.Local, cfg.Peer)
	}
	if cfg.DesiredMinTx == 0 {
		cfg.DesiredMinTx = DefaultInterval
	}
	if cfg.RequiredMinRx == 0 {
		cfg.RequiredMinRx = DefaultInterval
	}
	if cfg.DetectMult == 0 {
		cfg.DetectMult = DefaultDetectMult
	}
	if cfg.DesiredMinTx < time.Millisecond || cfg.RequiredMinRx < time.Millisecond {
		return nil, fmt.Errorf("bfd session %s -> %s: intervals below 1 ms", local, peer)
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Session{
		local: local, peer: peer, onChange: cfg.OnChange, log: logger,
		rx: make(chan received, 16), stop: make(chan struct{}),
		m: newMachine(0, cfg.DesiredMinTx, cfg.RequiredMinRx, cfg.DetectMult),
	}, nil
}

// ErrStarted is returned by a second Start.
var ErrStarted = errors.New("bfd session already started")

// Start opens the session's sockets and starts sending. It may be called
// once; Close stops the session whether or not Start succeeded.
func (s *Session) Start() error {
	err := ErrStarted
	s.startOnce.Do(func() {
		err = s.start()
	})
	return err
}

func (s *Session) start() error {
	send, err := dialSender(s.local, s.peer)
	if err != nil {
		return err
	}
	s.mu.Lock()
	l, err := register(s)
	s.stats.Since = time.Now()
	s.mu.Unlock()
	if err != nil {
		send.Close()
		return err
	}
	s.l, s.send = l, send
	s.wg.Add(1)
	go s.run()
	return nil
}

// Close stops the session and waits for its goroutine. It sends nothing:
// the remote notices by its detection time. It is idempotent.
func (s *Session) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.stop)
		s.wg.Wait()
		if s.l != nil {
			s.l.unregister(s)
			err = s.send.Close()
		}
	})
	if err != nil {
		return fmt.Errorf("bfd session %s -> %s: close: %w", s.local, s.peer, err)
	}
	return nil
}

// Peer returns the neighbour's address.
func (s *Session) Peer() netip.Addr { return s.peer }

// Stats returns a snapshot of the session.
func (s *Session) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.State, st.Diag, st.RemoteState = s.m.state, s.m.diag, s.m.remoteState
	st.LocalDiscr, st.RemoteDiscr = s.m.localDiscr, s.m.remoteDiscr
	st.TxInterval, st.DetectTime = s.m.txInterval(), s.m.detectTime()
	return st
}

// State returns the session's state.
func (s *Session) State() State { return s.Stats().State }

// deliver hands a packet to the session without blocking; a full queue
// drops it, as a lossy network would.
func (s *Session) deliver(r received) {
	select {
	case s.rx <- r:
	default:
	}
}

// jitter returns d less 0-25 % (RFC 5880 section 6.8.7; with a detect
// multiplier of 1, at most 90 % of d).
func jitter(d time.Duration, mult uint8) time.Duration {
	lo, span := 0.75, 0.25
	if mult == 1 {
		span = 0.15
	}
	return time.Duration(float64(d) * (lo + span*rand.Float64()))
}

// run sends packets, applies received ones and watches the detection
// time until Close.
func (s *Session) run() {
	defer s.wg.Done()
	tx := time.NewTimer(0)
	defer tx.Stop()
	detect := time.NewTimer(time.Hour)
	detect.Stop()
	defer detect.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-tx.C:
			s.mu.Lock()
			iv := s.m.txInterval()
			pkt := s.m.packet()
			s.mu.Unlock()
			if iv == 0 {
				// The remote asked for no packets; look again later.
				tx.Reset(time.Second)
				continue
			}
			s.transmit(pkt)
			tx.Reset(jitter(iv, pkt.DetectMult))
		case r := <-s.rx:
			s.onPacket(r, detect)
		case <-detect.C:
			s.onDetect(detect)
		}
	}
}

// onPacket applies a received packet and restarts the detection timer.
func (s *Session) onPacket(r received, detect *time.Timer) {
	s.mu.Lock()
	old := s.m.state
	changed, final := s.m.receive(r.p)
	s.stats.Received++
	dt := s.m.detectTime()
	var reply Packet
	if final {
		reply = s.m.packet()
		reply.Final = true
	}
	ch := s.noteLocked(changed, old)
	s.mu.Unlock()
	if dt > 0 {
		detect.Reset(dt)
	}
	if final {
		s.transmit(reply)
	}
	if changed && old != Up && ch.New == Up {
		// Tell the remote at once rather than at the next tick, so
		// that it comes Up too without waiting an interval.
		s.mu.Lock()
		pkt := s.m.packet()
		s.mu.Unlock()
		s.transmit(pkt)
	}
	s.report(ch, changed)
}

// onDetect handles the detection timer. A packet already queued when it
// fires came from the remote while this goroutine waited for a CPU (on a
// loaded machine, the packet and the timer are ready together when it
// runs again, and select picks either): it is applied, and the session
// stays, rather than expiring on a packet that is there.
func (s *Session) onDetect(detect *time.Timer) {
	select {
	case r := <-s.rx:
		s.onPacket(r, detect)
		return
	default:
	}
	s.mu.Lock()
	old := s.m.state
	changed := s.m.expire()
	ch := s.noteLocked(changed, old)
	s.mu.Unlock()
	s.report(ch, changed)
}

// noteLocked records a change in the stats and returns it.
func (s *Session) noteLocked(changed bool, old State) Change {
	if !changed {
		return Change{}
	}
	now := time.Now()
	s.stats.Since = now
	s.stats.Transitions++
	if s.m.state == Up {
		s.stats.EverUp = true
	}
	return Change{Peer: s.peer, Old: old, New: s.m.state, Diag: s.m.diag, At: now}
}

func (s *Session) report(ch Change, changed bool) {
	if !changed {
		return
	}
	s.log.Info("bfd state", "peer", s.peer, "from", ch.Old.String(), "to", ch.New.String(), "diag", int(ch.Diag))
	if s.onChange != nil {
		s.onChange(ch)
	}
}

// transmit sends one packet; errors (no route yet, a full queue) are what
// the detection time is for.
func (s *Session) transmit(p Packet) {
	if _, err := s.send.Write(p.Marshal()); err == nil {
		s.mu.Lock()
		s.stats.Sent++
		s.mu.Unlock()
	}
}
