package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"

	"github.com/mcnlab/mcnlab/emulator/netns"
)

// replyTimeout is how late a reply may come and still count: a probe not
// answered within it is lost.
const replyTimeout = time.Second

// stream sends ICMP echo requests from one namespace to one IPv4 address
// at a fixed interval, without waiting for replies (so an outage does not
// slow the sending), and records when each probe was sent and whether its
// reply came. Its raw socket is opened inside the namespace; all it sends
// stays in the lab.
type stream struct {
	name     string
	dst      netip.Addr
	interval time.Duration
	c        *icmp.PacketConn
	id       int

	mu      sync.Mutex // guards the fields below
	sent    []time.Time
	replied []bool

	wg sync.WaitGroup
}

// startStream opens the socket in namespace ns and starts sending; stop
// it with stop.
func startStream(ctx context.Context, name, ns string, dst netip.Addr, interval time.Duration) (*stream, error) {
	s := &stream{name: name, dst: dst, interval: interval, id: rand.IntN(0xffff)}
	err := netns.Do(ns, func() error {
		var err error
		s.c, err = icmp.ListenPacket("ip4:icmp", "0.0.0.0")
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("probe %s: open icmp socket in %s: %w", name, ns, err)
	}
	s.wg.Add(2)
	go s.send(ctx)
	go s.receive()
	return s, nil
}

func (s *stream) send(ctx context.Context) {
	defer s.wg.Done()
	t := time.NewTicker(s.interval)
	defer t.Stop()
	to := &net.IPAddr{IP: net.IP(s.dst.AsSlice())}
	for {
		s.mu.Lock()
		seq := len(s.sent)
		s.sent = append(s.sent, time.Now())
		s.replied = append(s.replied, false)
		s.mu.Unlock()
		msg := icmp.Message{Type: ipv4.ICMPTypeEcho, Body: &icmp.Echo{ID: s.id, Seq: seq & 0xffff, Data: []byte("mcnlab-failover")}}
		if b, err := msg.Marshal(nil); err == nil {
			_, _ = s.c.WriteTo(b, to) // an unreachable destination is a lost probe
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *stream) receive() {
	defer s.wg.Done()
	buf := make([]byte, 1500)
	for {
		n, from, err := s.c.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrClosed) {
				return
			}
			continue
		}
		now := time.Now()
		m, err := icmp.ParseMessage(1, buf[:n])
		if err != nil || m.Type != ipv4.ICMPTypeEchoReply {
			continue
		}
		e, ok := m.Body.(*icmp.Echo)
		src, _ := netip.AddrFromSlice(from.(*net.IPAddr).IP)
		if !ok || e.ID != s.id || src.Unmap() != s.dst {
			continue
		}
		s.mu.Lock()
		// The newest probe with this 16-bit sequence number.
		for i := len(s.sent) - 1; i >= 0 && i >= len(s.sent)-0x10000; i-- {
			if i&0xffff == e.Seq {
				if now.Sub(s.sent[i]) <= replyTimeout {
					s.replied[i] = true
				}
				break
			}
		}
		s.mu.Unlock()
	}
}

// stop ends the stream (ctx passed to startStream must be cancelled
// first or together) and closes its socket.
func (s *stream) stop() {
	s.c.Close()
	s.wg.Wait()
}

// Window is what a probe stream saw over a period.
type Window struct {
	Sent     int     `json:"sent"`
	Lost     int     `json:"lost"`
	LossMS   float64 `json:"loss_window_ms"` // longest stretch without an answered probe: send time of the first answered probe after it minus that of the last answered before it
	Answered bool    `json:"answered"`       // some probe after the longest gap was answered (the window is finite)
	// LastLoss is the send time of the last lost probe (zero if none).
	LastLoss time.Time `json:"-"`
}

// window summarises the probes sent in [from, to]; probes sent less than
// replyTimeout before now are not judged yet and are left out.
func (s *stream) window(from, to time.Time) Window {
	s.mu.Lock()
	defer s.mu.Unlock()
	limit := time.Now().Add(-replyTimeout)
	if to.After(limit) {
		to = limit
	}
	var w Window
	var last time.Time // send time of the last answered probe
	open := false      // probes lost since last
	for i, t := range s.sent {
		if t.Before(from) {
			if s.replied[i] {
				last = t
			}
			continue
		}
		if t.After(to) {
			break
		}
		w.Sent++
		if !s.replied[i] {
			w.Lost++
			w.LastLoss = t
			open = true
			continue
		}
		if !last.IsZero() {
			if gap := t.Sub(last); open && float64(gap.Microseconds())/1000 > w.LossMS {
				w.LossMS = float64(gap.Microseconds()) / 1000
			}
		}
		last, open = t, false
	}
	w.Answered = !open && !last.IsZero()
	return w
}

// healthyFor reports whether every probe sent in the d before end (at
// most now less replyTimeout: the probes judged already), all after since,
// was answered.
func (s *stream) healthyFor(since, end time.Time, d time.Duration) bool {
	if end.Sub(since) < d {
		return false
	}
	w := s.window(end.Add(-d), end)
	return w.Sent > 0 && w.Lost == 0
}
