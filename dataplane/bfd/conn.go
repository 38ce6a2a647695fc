package bfd

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"syscall"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// Port is the UDP destination port of single-hop control packets (RFC
// 5881 section 4).
const Port = 3784

// ttl is the TTL (hop limit) that single-hop packets are sent with and
// must arrive with (RFC 5881 section 5).
const ttl = 255

// The source port range of RFC 5881 section 4.
const (
	minSourcePort = 49152
	maxSourcePort = 65535
)

// received is one packet handed from a listener to its session.
type received struct {
	p    Packet
	from netip.Addr
}

// listener owns the socket on one local address's port 3784 and hands
// packets to the sessions on that address: by Your Discriminator when it is
// set, else by source address (RFC 5881 section 3).
type listener struct {
	local netip.Addr
	conn  *net.UDPConn
	p4    *ipv4.PacketConn
	p6    *ipv6.PacketConn
	done  chan struct{} // closed when the read loop has returned

	mu      sync.Mutex // guards the fields below
	refs    int
	byPeer  map[netip.Addr]*Session
	byDiscr map[uint32]*Session
}

// listeners are the open listeners by local address; a process has one
// port 3784 per address, shared by its sessions.
var listeners = struct {
	mu sync.Mutex // guards m
	m  map[netip.Addr]*listener
}{m: map[netip.Addr]*listener{}}

// register adds s to the listener on s's local address, opening it if
// needed, and gives s a local discriminator unique on it.
func register(s *Session) (*listener, error) {
	listeners.mu.Lock()
	defer listeners.mu.Unlock()
	l := listeners.m[s.local]
	if l == nil {
		var err error
		if l, err = listen(s.local); err != nil {
			return nil, err
		}
		listeners.m[s.local] = l
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, dup := l.byPeer[s.peer]; dup {
		if l.refs == 0 {
			l.closeLocked()
		}
		return nil, fmt.Errorf("bfd session %s -> %s: already exists", s.local, s.peer)
	}
	for {
		d := rand.Uint32()
		if _, used := l.byDiscr[d]; d != 0 && !used {
			s.m.localDiscr = d
			l.byDiscr[d] = s
			break
		}
	}
	l.byPeer[s.peer] = s
	l.refs++
	return l, nil
}

// unregister removes s; the last session closes the listener and waits
// for its read loop.
func (l *listener) unregister(s *Session) {
	listeners.mu.Lock()
	defer listeners.mu.Unlock()
	l.mu.Lock()
	delete(l.byPeer, s.peer)
	delete(l.byDiscr, s.m.localDiscr)
	l.refs--
	last := l.refs == 0
	l.mu.Unlock()
	if last {
		l.closeLocked()
	}
}

// closeLocked closes the socket and waits for the read loop; the caller
// holds listeners.mu.
func (l *listener) closeLocked() {
	delete(listeners.m, l.local)
	l.conn.Close()
	<-l.done
}

func listen(local netip.Addr) (*listener, error) {
	conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(local, Port)))
	if err != nil {
		return nil, fmt.Errorf("bfd listen %s: %w", netip.AddrPortFrom(local, Port), err)
	}
	l := &listener{local: local, conn: conn, done: make(chan struct{}), byPeer: map[netip.Addr]*Session{}, byDiscr: map[uint32]*Session{}}
	if local.Is4() {
		l.p4 = ipv4.NewPacketConn(conn)
		err = l.p4.SetControlMessage(ipv4.FlagTTL, true)
	} else {
		l.p6 = ipv6.NewPacketConn(conn)
		err = l.p6.SetControlMessage(ipv6.FlagHopLimit, true)
	}
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("bfd listen %s: receive TTL: %w", local, err)
	}
	go l.read()
	return l, nil
}

// read delivers packets until the socket is closed. Packets that arrive
// with a TTL other than 255, that do not parse, or that match no session
// are dropped (RFC 5880 6.8.6, RFC 5881 section 5).
func (l *listener) read() {
	defer close(l.done)
	buf := make([]byte, 128)
	for {
		var (
			n    int
			hops = -1
			src  net.Addr
			err  error
		)
		if l.p4 != nil {
			var cm *ipv4.ControlMessage
			n, cm, src, err = l.p4.ReadFrom(buf)
			if cm != nil {
				hops = cm.TTL
			}
		} else {
			var cm *ipv6.ControlMessage
			n, cm, src, err = l.p6.ReadFrom(buf)
			if cm != nil {
				hops = cm.HopLimit
			}
		}
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		ua, ok := src.(*net.UDPAddr)
		if !ok || hops != ttl {
			continue
		}
		p, err := Parse(buf[:n])
		if err != nil {
			continue
		}
		from := ua.AddrPort().Addr().Unmap()
		l.mu.Lock()
		var s *Session
		if p.YourDiscriminator != 0 {
			s = l.byDiscr[p.YourDiscriminator]
			if s != nil && s.peer != from {
				s = nil
			}
		} else {
			s = l.byPeer[from]
		}
		l.mu.Unlock()
		if s != nil {
			s.deliver(received{p: p, from: from})
		}
	}
}

// dialSender opens the socket a session sends from: bound to local and a
// free port in 49152-65535, TTL 255, connected to the peer's port 3784.
func dialSender(local, peer netip.Addr) (*net.UDPConn, error) {
	raddr := net.UDPAddrFromAddrPort(netip.AddrPortFrom(peer, Port))
	start := rand.IntN(maxSourcePort - minSourcePort + 1)
	var lastErr error
	for i := range 64 {
		port := minSourcePort + (start+i*997)%(maxSourcePort-minSourcePort+1)
		laddr := net.UDPAddrFromAddrPort(netip.AddrPortFrom(local, uint16(port)))
		c, err := net.DialUDP("udp", laddr, raddr)
		if err != nil {
			lastErr = err
			if errors.Is(err, syscall.EADDRINUSE) {
				continue
			}
			break
		}
		if local.Is4() {
			err = ipv4.NewConn(c).SetTTL(ttl)
		} else {
			err = ipv6.NewConn(c).SetHopLimit(ttl)
		}
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("bfd sender %s -> %s: set TTL: %w", local, peer, err)
		}
		return c, nil
	}
	return nil, fmt.Errorf("bfd sender %s -> %s: %w", local, peer, lastErr)
}

// LocalAddressFor returns the source address the kernel would use to reach
// peer, for a session whose local address is not configured. It sends
// nothing.
func LocalAddressFor(peer netip.Addr) (netip.Addr, error) {
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(peer, Port)))
	if err != nil {
		return netip.Addr{}, fmt.Errorf("bfd: local address for %s: %w", peer, err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap(), nil
}
