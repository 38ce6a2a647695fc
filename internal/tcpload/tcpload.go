// Package tcpload is a TCP traffic generator for lab namespaces: a Sink that
// accepts connections inside one namespace and counts the bytes it
// receives, and a Load of parallel streams dialled from inside another
// namespace that write as fast as TCP lets them. Sockets are opened inside
// the namespaces (netns.Do) and used from any goroutine afterwards; nothing
// is opened in the root namespace.
package tcpload

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/mcnlab/mcnlab/emulator/netns"
)

// Sink accepts TCP connections and discards what they send, counting it.
type Sink struct {
	ln    net.Listener
	total atomic.Uint64
	wg    sync.WaitGroup

	mu     sync.Mutex // guards the fields below
	conns  map[netip.AddrPort]*sinkConn
	closed bool
}

type sinkConn struct {
	c     net.Conn
	bytes atomic.Uint64
}

// NewSink listens on addr inside the namespace. Close it.
func NewSink(namespace string, addr netip.AddrPort) (*Sink, error) {
	s := &Sink{conns: map[netip.AddrPort]*sinkConn{}}
	err := netns.Do(namespace, func() error {
		var err error
		s.ln, err = net.Listen("tcp", addr.String())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sink in %s on %s: %w", namespace, addr, err)
	}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Addr returns the address the sink listens on.
func (s *Sink) Addr() netip.AddrPort { return s.ln.Addr().(*net.TCPAddr).AddrPort() }

func (s *Sink) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		sc := &sinkConn{c: c}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c.RemoteAddr().(*net.TCPAddr).AddrPort()] = sc
		s.wg.Add(1)
		s.mu.Unlock()
		go s.read(sc)
	}
}

func (s *Sink) read(sc *sinkConn) {
	defer s.wg.Done()
	buf := make([]byte, 256<<10)
	for {
		n, err := sc.c.Read(buf)
		sc.bytes.Add(uint64(n))
		s.total.Add(uint64(n))
		if err != nil {
			sc.c.Close()
			return
		}
	}
}

// Bytes returns the bytes received on all connections so far.
func (s *Sink) Bytes() uint64 { return s.total.Load() }

// PerConn returns the bytes received so far by each connection, keyed by
// the sender's address.
func (s *Sink) PerConn() map[netip.AddrPort]uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[netip.AddrPort]uint64, len(s.conns))
	for a, c := range s.conns {
		out[a] = c.bytes.Load()
	}
	return out
}

// Close stops accepting, closes every connection and waits for the readers.
// It is idempotent.
func (s *Sink) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.wg.Wait()
		return nil
	}
	s.closed = true
	err := s.ln.Close()
	for _, c := range s.conns {
		c.c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

// Load is parallel TCP streams writing to a sink.
type Load struct {
	conns []net.Conn
	sent  atomic.Uint64
	wg    sync.WaitGroup
	once  sync.Once
}

// Start dials streams connections to dst from inside the namespace and
// starts writing on each. Close stops them.
func Start(namespace string, dst netip.AddrPort, streams int) (*Load, error) {
	return StartWith(namespace, dst, streams, nil)
}

// StartWith is Start with each stream first writing prefix (such as an
// HTTP request naming a host, for a filter that reads it).
func StartWith(namespace string, dst netip.AddrPort, streams int, prefix []byte) (*Load, error) {
	if streams < 1 {
		return nil, fmt.Errorf("tcp load: %d streams, want at least 1", streams)
	}
	l := &Load{}
	err := netns.Do(namespace, func() error {
		for range streams {
			c, err := net.Dial("tcp", dst.String())
			if err != nil {
				return err
			}
			l.conns = append(l.conns, c)
			if len(prefix) > 0 {
				if _, err := c.Write(prefix); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		for _, c := range l.conns {
			c.Close()
		}
		return nil, fmt.Errorf("tcp load from %s to %s: %w", namespace, dst, err)
	}
	for _, c := range l.conns {
		l.wg.Add(1)
		go l.write(c)
	}
	return l, nil
}

func (l *Load) write(c net.Conn) {
	defer l.wg.Done()
	buf := make([]byte, 128<<10)
	for {
		n, err := c.Write(buf)
		l.sent.Add(uint64(n))
		if err != nil {
			return
		}
	}
}

// Sent returns the bytes the streams handed to TCP so far.
func (l *Load) Sent() uint64 { return l.sent.Load() }

// Local returns the streams' source addresses, as the sink's PerConn keys
// them.
func (l *Load) Local() []netip.AddrPort {
	out := make([]netip.AddrPort, len(l.conns))
	for i, c := range l.conns {
		out[i] = c.LocalAddr().(*net.TCPAddr).AddrPort()
	}
	return out
}

// Close closes every stream and waits for the writers. It is idempotent.
func (l *Load) Close() error {
	var errs []error
	l.once.Do(func() {
		for _, c := range l.conns {
			if err := c.Close(); err != nil && !errors.Is(err, net.ErrClosed) && !errors.Is(err, io.EOF) {
				errs = append(errs, err)
			}
		}
	})
	l.wg.Wait()
	return errors.Join(errs...)
}
