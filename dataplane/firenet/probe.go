package firenet

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"time"

	vnetns "github.com/vishvananda/netns"
	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"

	"github.com/mcnlab/mcnlab/emulator/netns"
)

// Prober checks that one firewall answers.
type Prober interface {
	// Probe sends probe seq to addr and waits up to timeout for its
	// answer; nil when it came. One caller at a time.
	Probe(addr netip.Addr, seq int, timeout time.Duration) error
	// Close releases the prober.
	Close() error
}

// ProberFunc opens the prober of a firewall.
type ProberFunc func(Firewall) (Prober, error)

// icmpProber pings over a raw ICMP socket of its own (each socket sees
// every echo reply; the identifier tells its own apart).
type icmpProber struct {
	c  *icmp.PacketConn
	id int
	v6 bool
}

// ICMPProber returns a ProberFunc that pings each firewall from the
// namespace ns (-1: the caller's own); the sockets are opened there on a
// locked thread and used from anywhere.
func ICMPProber(ns vnetns.NsHandle) ProberFunc {
	return func(f Firewall) (Prober, error) {
		p := &icmpProber{id: rand.IntN(0xffff), v6: f.Addr.Is6()}
		open := func() (err error) {
			if p.v6 {
				p.c, err = icmp.ListenPacket("ip6:ipv6-icmp", "::")
			} else {
				p.c, err = icmp.ListenPacket("ip4:icmp", "0.0.0.0")
			}
			return err
		}
		var err error
		if ns < 0 {
			err = open()
		} else {
			err = netns.DoHandle(ns, open)
		}
		if err != nil {
			return nil, fmt.Errorf("firenet: probe socket for firewall %s: %w", f.Name, err)
		}
		return p, nil
	}
}

// errNoAnswer is a probe that timed out.
var errNoAnswer = errors.New("no echo reply")

func (p *icmpProber) Probe(addr netip.Addr, seq int, timeout time.Duration) error {
	var typ, reply icmp.Type = ipv4.ICMPTypeEcho, ipv4.ICMPTypeEchoReply
	proto := 1
	if p.v6 {
		typ, reply, proto = ipv6.ICMPTypeEchoRequest, ipv6.ICMPTypeEchoReply, 58
	}
	b, err := (&icmp.Message{Type: typ, Body: &icmp.Echo{ID: p.id, Seq: seq & 0xffff, Data: []byte("mcnlab-firenet")}}).Marshal(nil)
	if err != nil {
		return fmt.Errorf("probe %s: %w", addr, err)
	}
	if _, err := p.c.WriteTo(b, &net.IPAddr{IP: net.IP(addr.AsSlice())}); err != nil {
		return fmt.Errorf("probe %s: send: %w", addr, err)
	}
	if err := p.c.SetReadDeadline(time.Now().Add(timeout)); err != nil {
		return fmt.Errorf("probe %s: %w", addr, err)
	}
	buf := make([]byte, 1500)
	for {
		n, from, err := p.c.ReadFrom(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return fmt.Errorf("probe %s: %w within %s", addr, errNoAnswer, timeout)
		}
		if err != nil {
			return fmt.Errorf("probe %s: receive: %w", addr, err)
		}
		m, err := icmp.ParseMessage(proto, buf[:n])
		if err != nil || m.Type != reply {
			continue
		}
		e, ok := m.Body.(*icmp.Echo)
		src, _ := netip.AddrFromSlice(from.(*net.IPAddr).IP)
		if ok && e.ID == p.id && e.Seq == seq&0xffff && src.Unmap() == addr {
			return nil
		}
	}
}

func (p *icmpProber) Close() error { return p.c.Close() }
