package internet

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// TTL is the time to live, in seconds, of every answer the Zone gives.
const TTL = 60

// Zone answers DNS queries for the lab's names, authoritatively: A and
// AAAA records for each name, an empty answer (NOERROR) for another type
// or for a name that only has names below it, and NXDOMAIN for every
// other name. It offers no recursion. A Zone is a dns.Handler and does
// not change once made, so it is safe for concurrent use.
type Zone struct {
	records map[string][]netip.Addr // by lower-case FQDN, sorted
	nodes   map[string]bool         // every name and every ancestor of one
}

// NewZone makes a zone from the addresses of each name (names without the
// final dot are taken as fully qualified; case does not matter). It fails
// on a name that is not a valid domain name or an invalid address.
func NewZone(records map[string][]netip.Addr) (*Zone, error) {
	z := &Zone{records: map[string][]netip.Addr{}, nodes: map[string]bool{}}
	for name, addrs := range records {
		fq := dns.CanonicalName(name)
		if _, ok := dns.IsDomainName(fq); !ok || fq == "." {
			return nil, fmt.Errorf("dns zone: bad name %q", name)
		}
		for _, a := range addrs {
			if !a.IsValid() || a.Zone() != "" {
				return nil, fmt.Errorf("dns zone: name %s: bad address %q", name, a)
			}
			z.records[fq] = append(z.records[fq], a.Unmap())
		}
		slices.SortFunc(z.records[fq], netip.Addr.Compare)
		z.records[fq] = slices.Compact(z.records[fq])
		for n := fq; n != "."; n = parent(n) {
			z.nodes[n] = true
		}
	}
	return z, nil
}

// parent is the name one label up: "b.c." for "a.b.c.", "." for "c.".
func parent(fq string) string {
	if i := strings.IndexByte(fq, '.'); i >= 0 && i+1 < len(fq) {
		return fq[i+1:]
	}
	return "."
}

// Lookup returns the addresses of name (any case, with or without the
// final dot), nil when it has none.
func (z *Zone) Lookup(name string) []netip.Addr {
	return slices.Clone(z.records[dns.CanonicalName(name)])
}

// ServeDNS answers one query.
func (z *Zone) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	writeAnswer(w, req, z.answer(req))
}

// Recursive returns a handler that answers from the zone as a recursive
// resolver would (the answers a VPC's resolver gives its instances): the
// same records and codes, but not authoritative, and with recursion
// available. It needs no route to the internet: it reads the zone in
// process, as a cloud's resolver works without an internet gateway.
func (z *Zone) Recursive() dns.Handler {
	return dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		m := z.answer(req)
		if req.Opcode == dns.OpcodeQuery {
			m.Authoritative = false
			m.RecursionAvailable = true
		}
		writeAnswer(w, req, m)
	})
}

// writeAnswer sends m, truncated to what a UDP client can take.
func writeAnswer(w dns.ResponseWriter, req, m *dns.Msg) {
	if _, udp := w.RemoteAddr().(*net.UDPAddr); udp {
		size := dns.MinMsgSize
		if opt := req.IsEdns0(); opt != nil {
			size = max(int(opt.UDPSize()), dns.MinMsgSize)
		}
		m.Truncate(size)
	}
	_ = w.WriteMsg(m) // a client that went away is no error of the zone's
}

// answer builds the reply to req.
func (z *Zone) answer(req *dns.Msg) *dns.Msg {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	m.RecursionAvailable = false
	if opt := req.IsEdns0(); opt != nil {
		m.SetEdns0(1232, false) // the DNS flag day 2020 buffer size
	}
	switch {
	case req.Opcode != dns.OpcodeQuery:
		m.Rcode = dns.RcodeNotImplemented
		return m
	case len(req.Question) != 1:
		m.Rcode = dns.RcodeFormatError
		return m
	}
	q := req.Question[0]
	fq := dns.CanonicalName(q.Name)
	if !z.nodes[fq] {
		m.Rcode = dns.RcodeNameError
		return m
	}
	if q.Qclass != dns.ClassINET && q.Qclass != dns.ClassANY {
		m.Rcode = dns.RcodeRefused
		return m
	}
	hdr := dns.RR_Header{Name: q.Name, Class: dns.ClassINET, Ttl: TTL}
	for _, a := range z.records[fq] {
		switch {
		case a.Is4() && (q.Qtype == dns.TypeA || q.Qtype == dns.TypeANY):
			hdr.Rrtype = dns.TypeA
			m.Answer = append(m.Answer, &dns.A{Hdr: hdr, A: net.IP(a.AsSlice())})
		case a.Is6() && (q.Qtype == dns.TypeAAAA || q.Qtype == dns.TypeANY):
			hdr.Rrtype = dns.TypeAAAA
			m.Answer = append(m.Answer, &dns.AAAA{Hdr: hdr, AAAA: net.IP(a.AsSlice())})
		}
	}
	return m
}

// DNSServer serves a Zone (or its Recursive view) over UDP and TCP until
// Close.
type DNSServer struct {
	udp, tcp *dns.Server
	addr     net.Addr
	wg       sync.WaitGroup
	once     sync.Once
	err      error // what Close returns
}

// ServeDNS serves h (a *Zone, or a Zone's Recursive view) on pc (UDP)
// and l (TCP), either of which may be nil, and returns once both are
// serving. It takes ownership of pc and l: they are closed on Close, and
// on failure.
func ServeDNS(h dns.Handler, pc net.PacketConn, l net.Listener) (*DNSServer, error) {
	s := &DNSServer{}
	if pc == nil && l == nil {
		return nil, errors.New("serve dns: no listener")
	}
	if pc != nil {
		s.addr = pc.LocalAddr()
		s.udp = &dns.Server{PacketConn: pc, Handler: h}
	}
	if l != nil {
		if s.addr == nil {
			s.addr = l.Addr()
		}
		s.tcp = &dns.Server{Listener: l, Handler: h}
	}
	var errs []error
	for _, srv := range []*dns.Server{s.udp, s.tcp} {
		if srv == nil {
			continue
		}
		if err := s.start(srv); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, errors.Join(fmt.Errorf("serve dns on %s: %w", s.addr, err), s.Close())
	}
	return s, nil
}

// start runs srv on its own goroutine and returns once it serves, or with
// the error that stopped it from serving.
func (s *DNSServer) start(srv *dns.Server) error {
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	done := make(chan error, 1)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		done <- srv.ActivateAndServe()
	}()
	select {
	case <-started:
		return nil
	case err := <-done:
		if srv.PacketConn != nil {
			srv.PacketConn.Close()
		}
		if srv.Listener != nil {
			srv.Listener.Close()
		}
		if err == nil {
			err = errors.New("server stopped at once")
		}
		return err
	}
}

// Addr is the address the server answers on (its UDP one when it has
// both).
func (s *DNSServer) Addr() net.Addr { return s.addr }

// Close stops both servers, closing their sockets, and waits until every
// query in flight is answered. It is idempotent.
func (s *DNSServer) Close() error {
	s.once.Do(func() {
		var errs []error
		for _, srv := range []*dns.Server{s.udp, s.tcp} {
			if srv == nil {
				continue
			}
			// Shutdown fails on a server that never started (start
			// closed its socket already); there is nothing to stop then.
			if err := srv.Shutdown(); err != nil && !strings.Contains(err.Error(), "not started") {
				errs = append(errs, fmt.Errorf("stop dns server on %s: %w", s.addr, err))
			}
		}
		s.wg.Wait()
		s.err = errors.Join(errs...)
	})
	return s.err
}
