package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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
// BGP's hold timer. Both ends must be our gateway.

// LivenessPort is the UDP port of liveness hellos on the tunnels' inner
// addresses: the port of single-hop BFD control packets (RFC 5881).
const LivenessPort = 3784

// ProbeInterval is how often each end sends a hello.
const ProbeInterval = 100 * time.Millisecond

// DetectMultiplier is how many intervals without a hello declare a tunnel
// down (BFD's Detect Mult): the detect time is 500 ms.
const DetectMultiplier = 5

// hello is the wire form: "MCNL", version 1, flags, two reserved bytes.
const (
	helloLen     = 8
	helloVersion = 1
	flagHear     = 1 // the sender heard the receiver within its detect time
)

func marshalHello(hear bool) []byte {
	b := []byte{'M', 'C', 'N', 'L', helloVersion, 0, 0, 0}
	if hear {
		b[5] = flagHear
	}
	return b
}

// parseHello returns the hear flag of a hello, or ok false for anything
// else.
func parseHello(b []byte) (hear, ok bool) {
	if len(b) != helloLen || string(b[:4]) != "MCNL" || b[4] != helloVersion {
		return false, false
	}
	return b[5]&flagHear != 0, true
}

// LivenessStats is a prober's state and counters.
type LivenessStats struct {
	// Up is true while hellos that hear us arrive within the detect time.
	Up bool
	// Since is when Up last changed (the prober's start at first).
	Since time.Time
	// Sent and Received count hellos; Transitions counts changes of Up.
	Sent, Received, Transitions uint64
}

// prober runs one tunnel's liveness: it owns a UDP socket and two
// goroutines, stopped by Close.
type prober struct {
	conn     *net.UDPConn
	peer     netip.AddrPort
	interval time.Duration
	detect   time.Duration
	onChange func(up bool) // called without locks held, never concurrently
	log      *slog.Logger
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	once     sync.Once

	changeMu sync.Mutex // serialises onChange calls

	mu       sync.Mutex // guards the fields below
	lastRx   time.Time  // last hello that heard us
	lastSeen time.Time  // last hello of any kind: we hear the peer
	stats    LivenessStats
}

// startProber listens on local and sends hellos to peer every interval;
// detect is the time without a hello after which the tunnel is down.
// onChange, if not nil, is called on every change of state.
func startProber(local, peer netip.AddrPort, interval, detect time.Duration, onChange func(up bool), logger *slog.Logger) (*prober, error) {
	conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(local))
	if err != nil {
		return nil, fmt.Errorf("liveness listen %s: %w", local, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &prober{
		conn: conn, peer: peer, interval: interval, detect: detect, onChange: onChange,
		log: logger, cancel: cancel, stats: LivenessStats{Since: time.Now()},
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
	for {
		now := time.Now()
		p.mu.Lock()
		hear := !p.lastSeen.IsZero() && now.Sub(p.lastSeen) < p.detect
		p.mu.Unlock()
		// Errors (no route yet, a full queue) are what the detect time is
		// for; the next tick tries again.
		if _, err := p.conn.WriteToUDPAddrPort(marshalHello(hear), p.peer); err == nil {
			p.mu.Lock()
			p.stats.Sent++
			p.mu.Unlock()
		}
		p.evaluate(now)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
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
		hear, ok := parseHello(buf[:n])
		if !ok || from.Addr().Unmap() != p.peer.Addr() {
			continue
		}
		now := time.Now()
		p.mu.Lock()
		p.stats.Received++
		p.lastSeen = now
		if hear {
			p.lastRx = now
		} else {
			// The peer does not hear us (it restarted, or the path is one
			// way): the tunnel is not usable yet.
			p.lastRx = time.Time{}
		}
		p.mu.Unlock()
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
