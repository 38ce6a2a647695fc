package gateway

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"time"
)

// Tunnel liveness is a BFD-like probe (RFC 5880's idea, not its packets):
// both ends of a tunnel send a small UDP hello to the other end's inner
// address every ProbeInterval, each saying whether its sender hears the
// other end. A tunnel is up while hellos arrive that say "I hear you";
// after DetectMultiplier intervals without one it is down, and the engine
// takes the peer's next hops out of the FIB at once instead of waiting for
// BGP's hold timer. Each prober also sends a random incarnation number, so
// that a peer that restarted (even faster than the detect time) is told
// apart from one that came back: the paths of its old BGP session are
// stale. Both ends must be our gateway.

// LivenessPort is the UDP port of liveness hellos on the tunnels' inner
// addresses: the port of single-hop BFD control packets (RFC 5881).
const LivenessPort = 3784

// ProbeInterval is how often each end sends a hello.
const ProbeInterval = 100 * time.Millisecond

// DetectMultiplier is how many intervals without a hello declare a tunnel
// down (BFD's Detect Mult): the detect time is 500 ms.
const DetectMultiplier = 5

// hello is one liveness packet. Its wire form is "MCNL", version 1,
// flags, two reserved bytes, then the incarnation (big-endian).
type hello struct {
	// Hear is set when the sender heard the receiver within its detect
	// time.
	Hear bool
	// Incarnation is the sender's prober's random number, never 0.
	Incarnation uint32
}

const (
	helloLen     = 12
	helloVersion = 1
	flagHear     = 1
)

func (h hello) marshal() []byte {
	b := []byte{'M', 'C', 'N', 'L', helloVersion, 0, 0, 0}
	if h.Hear {
		b[5] = flagHear
	}
	return binary.BigEndian.AppendUint32(b, h.Incarnation)
}

// parseHello decodes a hello; ok is false for anything else.
func parseHello(b []byte) (h hello, ok bool) {
	if len(b) != helloLen || string(b[:4]) != "MCNL" || b[4] != helloVersion {
		return hello{}, false
	}
	h = hello{Hear: b[5]&flagHear != 0, Incarnation: binary.BigEndian.Uint32(b[8:])}
	if h.Incarnation == 0 {
		return hello{}, false
	}
	return h, true
}

// LivenessStats is a prober's state and counters.
type LivenessStats struct {
	// Up is true while hellos that hear us arrive within the detect time.
	Up bool
	// Since is when Up last changed (the prober's start at first).
	Since time.Time
	// Sent and Received count hellos; Transitions counts changes of Up;
	// PeerRestarts counts changes of the peer's incarnation.
	Sent, Received, Transitions, PeerRestarts uint64
}

// prober runs one tunnel's liveness: it owns a UDP socket and two
// goroutines, stopped by Close.
type prober struct {
	conn     *net.UDPConn
	peer     netip.AddrPort
	interval time.Duration
	detect   time.Duration
	onChange func(up bool) // called without locks held, never concurrently
	// onRestart is called without locks held when the peer's incarnation
	// changes.
	onRestart   func()
	incarnation uint32 // ours
	log         *slog.Logger
	cancel      context.CancelFunc
	wg          sync.WaitGroup
	once        sync.Once

	changeMu sync.Mutex // serialises onChange and onRestart calls

	mu       sync.Mutex // guards the fields below
	lastRx   time.Time  // last hello that heard us
	lastSeen time.Time  // last hello of any kind: we hear the peer
	peerInc  uint32     // the peer's incarnation; 0 before its first hello
	stats    LivenessStats
}

// proberHooks are called by a prober, never concurrently with themselves
// and without its locks held; nil ones are skipped.
type proberHooks struct {
	// Change is called on every change of state.
	Change func(up bool)
	// Restart is called when the peer's incarnation changes: the peer
	// restarted since its last hello.
	Restart func()
}

// startProber listens on local and sends hellos to peer every interval;
// detect is the time without a hello after which the tunnel is down.
func startProber(local, peer netip.AddrPort, interval, detect time.Duration, hooks proberHooks, logger *slog.Logger) (*prober, error) {
	conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(local))
	if err != nil {
		return nil, fmt.Errorf("liveness listen %s: %w", local, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &prober{
		conn: conn, peer: peer, interval: interval, detect: detect, onChange: hooks.Change, onRestart: hooks.Restart,
		incarnation: rand.Uint32N(math.MaxUint32) + 1,
		log:         logger, cancel: cancel, stats: LivenessStats{Since: time.Now()},
	}
	p.wg.Add(2)
	go p.receive()
	go p.send(ctx)
	return p, nil
}

// Stats returns the state and counters.
func (p *prober) Stats() LivenessStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// Up reports whether the tunnel is alive.
func (p *prober) Up() bool { return p.Stats().Up }

// Close stops the prober and waits for its goroutines. It is idempotent.
func (p *prober) Close() error {
	var err error
	p.once.Do(func() {
		p.cancel()
		err = p.conn.Close()
		p.wg.Wait()
	})
	if err != nil {
		return fmt.Errorf("liveness close: %w", err)
	}
	return nil
}

// send sends a hello every interval and checks the detect time.
func (p *prober) send(ctx context.Context) {
	defer p.wg.Done()
	t := time.NewTicker(p.interval)
	defer t.Stop()
	last, said := time.Now(), false
	for {
		now := time.Now()
		said = p.round(now, now.Sub(last) > lateTick*p.interval, said)
		last = now
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// lateTick is how many intervals after the last one a round of send is
// late: its process was not scheduled meanwhile.
const lateTick = 2

// round is one round of send at now: it sends a hello saying whether we
// hear the peer, then checks the detect time, and returns what it said.
// A late round (on a loaded machine this process was not scheduled for a
// while, so the peer's hellos of that time may wait unread in the socket)
// says what the round before said and declares nothing down: the next
// round, after the receiver has read them, does. Otherwise a gateway that
// waited for a CPU would tell its peers that it does not hear them, and
// both ends would take the tunnel down, the BGP session with it, and the
// work that follows would starve them again.
func (p *prober) round(now time.Time, late, said bool) bool {
	p.mu.Lock()
	hear := !p.lastSeen.IsZero() && now.Sub(p.lastSeen) < p.detect
	p.mu.Unlock()
	if late {
		hear = said
	}
	// Errors (no route yet, a full queue) are what the detect time is
	// for; the next tick tries again.
	if _, err := p.conn.WriteToUDPAddrPort(hello{Hear: hear, Incarnation: p.incarnation}.marshal(), p.peer); err == nil {
		p.mu.Lock()
		p.stats.Sent++
		p.mu.Unlock()
	}
	if !late {
		p.evaluate(now)
	}
	return hear
}

// receive reads hellos until the socket is closed.
func (p *prober) receive() {
	defer p.wg.Done()
	buf := make([]byte, 64)
	for {
		n, from, err := p.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		h, ok := parseHello(buf[:n])
		if !ok || from.Addr().Unmap() != p.peer.Addr() {
			continue
		}
		now := time.Now()
		p.mu.Lock()
		p.stats.Received++
		p.lastSeen = now
		restarted := p.peerInc != 0 && p.peerInc != h.Incarnation
		p.peerInc = h.Incarnation
		if restarted {
			p.stats.PeerRestarts++
		}
		if h.Hear {
			p.lastRx = now
		} else {
			// The peer does not hear us (it restarted, or the path is one
			// way): the tunnel is not usable yet.
			p.lastRx = time.Time{}
		}
		p.mu.Unlock()
		if restarted {
			p.log.Info("tunnel peer restarted", "peer", p.peer.Addr())
			if p.onRestart != nil {
				p.changeMu.Lock()
				p.onRestart()
				p.changeMu.Unlock()
			}
		}
		p.evaluate(now)
	}
}

// evaluate updates Up from the last hello and reports a change.
func (p *prober) evaluate(now time.Time) {
	p.changeMu.Lock()
	defer p.changeMu.Unlock()
	p.mu.Lock()
	up := !p.lastRx.IsZero() && now.Sub(p.lastRx) < p.detect
	changed := up != p.stats.Up
	if changed {
		p.stats.Up, p.stats.Since = up, now
		p.stats.Transitions++
	}
	p.mu.Unlock()
	if !changed {
		return
	}
	p.log.Info("tunnel liveness", "peer", p.peer.Addr(), "up", up)
	if p.onChange != nil {
		p.onChange(up)
	}
}
