// Package probe sends ICMP echo requests from inside a lab namespace and
// waits for replies, to prove reachability with real packets. Its sockets
// are opened inside the namespace on a locked thread and used from anywhere
// afterwards; it never opens a socket in the root namespace.
package probe

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"

	"github.com/mcnlab/mcnlab/emulator/netns"
)

// Pinger sends echo requests from one namespace.
type Pinger struct {
	c4, c6 *icmp.PacketConn
	id     int
}

// NewPinger opens raw ICMP sockets inside the named namespace. Close it.
func NewPinger(namespace string) (*Pinger, error) {
	p := &Pinger{id: rand.IntN(0xffff)}
	err := netns.Do(namespace, func() error {
		var err error
		if p.c4, err = icmp.ListenPacket("ip4:icmp", "0.0.0.0"); err != nil {
			return fmt.Errorf("open icmp socket: %w", err)
		}
		if p.c6, err = icmp.ListenPacket("ip6:ipv6-icmp", "::"); err != nil {
			p.c6 = nil // IPv6 may be off in the namespace; IPv4 still works
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pinger in %s: %w", namespace, err)
	}
	return p, nil
}

// Close releases the sockets.
func (p *Pinger) Close() error {
	if p.c4 != nil {
		p.c4.Close()
	}
	if p.c6 != nil {
		p.c6.Close()
	}
	return nil
}

// ErrTimeout says that no reply came in time.
var ErrTimeout = errors.New("no echo reply")

// Ping sends one echo request with sequence seq and waits up to timeout for
// its reply; it returns the round-trip time.
func (p *Pinger) Ping(dst netip.Addr, seq int, timeout time.Duration) (time.Duration, error) {
	c := p.c4
	var typ, reply icmp.Type = ipv4.ICMPTypeEcho, ipv4.ICMPTypeEchoReply
	proto := 1
	if dst.Is6() {
		if p.c6 == nil {
			return 0, fmt.Errorf("ping %s: IPv6 is not available in the namespace", dst)
		}
		c, typ, reply, proto = p.c6, ipv6.ICMPTypeEchoRequest, ipv6.ICMPTypeEchoReply, 58
	}
	msg := icmp.Message{Type: typ, Body: &icmp.Echo{ID: p.id, Seq: seq & 0xffff, Data: []byte("mcnlab-probe")}}
	b, err := msg.Marshal(nil)
	if err != nil {
		return 0, fmt.Errorf("ping %s: %w", dst, err)
	}
	start := time.Now()
	if _, err := c.WriteTo(b, &net.IPAddr{IP: net.IP(dst.AsSlice())}); err != nil {
		return 0, fmt.Errorf("ping %s: send: %w", dst, err)
	}
	deadline := start.Add(timeout)
	buf := make([]byte, 1500)
	for {
		if err := c.SetReadDeadline(deadline); err != nil {
			return 0, fmt.Errorf("ping %s: %w", dst, err)
		}
		n, from, err := c.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return 0, fmt.Errorf("ping %s: %w within %s", dst, ErrTimeout, timeout)
			}
			return 0, fmt.Errorf("ping %s: receive: %w", dst, err)
		}
		m, err := icmp.ParseMessage(proto, buf[:n])
		if err != nil || m.Type != reply {
			continue
		}
		e, ok := m.Body.(*icmp.Echo)
		src, _ := netip.AddrFromSlice(from.(*net.IPAddr).IP)
		if !ok || e.ID != p.id || e.Seq != seq&0xffff || src.Unmap() != dst {
			continue
		}
		return time.Since(start), nil
	}
}

// WaitReachable pings dst from the namespace every interval until a reply
// comes or ctx ends; it returns the round-trip time of the reply.
func WaitReachable(ctx context.Context, namespace string, dst netip.Addr, interval time.Duration) (time.Duration, error) {
	p, err := NewPinger(namespace)
	if err != nil {
		return 0, err
	}
	defer p.Close()
	for seq := 1; ; seq++ {
		rtt, err := p.Ping(dst, seq, interval)
		if err == nil {
			return rtt, nil
		}
		if !errors.Is(err, ErrTimeout) {
			// Unreachable networks answer at once: wait out the interval.
			select {
			case <-time.After(interval):
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			return 0, fmt.Errorf("%s cannot reach %s: %w (last: %v)", namespace, dst, ctx.Err(), err)
		}
	}
}
