package internet

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"testing"

	"github.com/miekg/dns"
)

// serveTestZone serves a zone on loopback (UDP and TCP on one port) and
// returns its address; the server closes with the test.
func serveTestZone(t *testing.T, records map[string][]netip.Addr) string {
	t.Helper()
	z, err := NewZone(records)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", pc.LocalAddr().String())
	if err != nil {
		pc.Close()
		t.Skipf("skipped: TCP port of %s is taken: %v", pc.LocalAddr(), err)
	}
	s, err := ServeDNS(z, pc, l)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s.Addr().String()
}

// TestZoneAnswers asks a zone served on loopback, over UDP and TCP with
// miekg/dns's client, and checks each answer's code, flags and records.
func TestZoneAnswers(t *testing.T) {
	leakCheck(t)
	addr := serveTestZone(t, map[string][]netip.Addr{
		"api.example.com":      {netip.MustParseAddr("192.0.2.20")},
		"blocked.example.net.": {netip.MustParseAddr("192.0.2.20")},
		"cdn.example.org":      {netip.MustParseAddr("192.0.2.22"), netip.MustParseAddr("192.0.2.21"), netip.MustParseAddr("2001:db8::21")},
	})
	for _, tc := range []struct {
		name   string
		qtype  uint16
		class  uint16
		opcode int
		rcode  int
		want   []string // answers, as text
	}{
		{"api.example.com.", dns.TypeA, dns.ClassINET, dns.OpcodeQuery, dns.RcodeSuccess, []string{"api.example.com.\t60\tIN\tA\t192.0.2.20"}},
		{"API.Example.COM.", dns.TypeA, dns.ClassINET, dns.OpcodeQuery, dns.RcodeSuccess, []string{"API.Example.COM.\t60\tIN\tA\t192.0.2.20"}},
		{"blocked.example.net.", dns.TypeA, dns.ClassINET, dns.OpcodeQuery, dns.RcodeSuccess, []string{"blocked.example.net.\t60\tIN\tA\t192.0.2.20"}},
		{"cdn.example.org.", dns.TypeA, dns.ClassINET, dns.OpcodeQuery, dns.RcodeSuccess, []string{"cdn.example.org.\t60\tIN\tA\t192.0.2.21", "cdn.example.org.\t60\tIN\tA\t192.0.2.22"}},
		{"cdn.example.org.", dns.TypeAAAA, dns.ClassINET, dns.OpcodeQuery, dns.RcodeSuccess, []string{"cdn.example.org.\t60\tIN\tAAAA\t2001:db8::21"}},
		{"api.example.com.", dns.TypeAAAA, dns.ClassINET, dns.OpcodeQuery, dns.RcodeSuccess, nil},  // no IPv6: NODATA
		{"api.example.com.", dns.TypeMX, dns.ClassINET, dns.OpcodeQuery, dns.RcodeSuccess, nil},    // NODATA
		{"example.com.", dns.TypeA, dns.ClassINET, dns.OpcodeQuery, dns.RcodeSuccess, nil},         // a name below it exists (RFC 8020)
		{"nope.example.com.", dns.TypeA, dns.ClassINET, dns.OpcodeQuery, dns.RcodeNameError, nil},  // NXDOMAIN
		{"x.api.example.com.", dns.TypeA, dns.ClassINET, dns.OpcodeQuery, dns.RcodeNameError, nil}, // below a name
		{"example.", dns.TypeA, dns.ClassINET, dns.OpcodeQuery, dns.RcodeNameError, nil},           // another TLD
		{"api.example.com.", dns.TypeA, dns.ClassCHAOS, dns.OpcodeQuery, dns.RcodeRefused, nil},    // not IN
		{"api.example.com.", dns.TypeA, dns.ClassINET, dns.OpcodeNotify, dns.RcodeNotImplemented, nil},
	} {
		for _, network := range []string{"udp", "tcp"} {
			t.Run(fmt.Sprintf("%s/%s/%s/%s", network, tc.name, dns.TypeToString[tc.qtype], dns.OpcodeToString[tc.opcode]), func(t *testing.T) {
				q := new(dns.Msg)
				q.SetQuestion(tc.name, tc.qtype)
				q.Question[0].Qclass = tc.class
				q.Opcode = tc.opcode
				r, _, err := (&dns.Client{Net: network}).Exchange(q, addr)
				if err != nil {
					t.Fatal(err)
				}
				if r.Rcode != tc.rcode {
					t.Errorf("rcode %s, want %s", dns.RcodeToString[r.Rcode], dns.RcodeToString[tc.rcode])
				}
				if tc.opcode == dns.OpcodeQuery && (!r.Authoritative || r.RecursionAvailable) {
					t.Errorf("aa=%v ra=%v; want an authoritative answer without recursion", r.Authoritative, r.RecursionAvailable)
				}
				var got []string
				for _, rr := range r.Answer {
					got = append(got, rr.String())
				}
				if !slices.Equal(got, tc.want) {
					t.Errorf("answers %q, want %q", got, tc.want)
				}
			})
		}
	}
}

// TestZoneTruncates checks that an answer too big for a UDP reply is
// truncated (TC set), and that the client gets it whole over TCP, and
// through EDNS0's larger buffer.
func TestZoneTruncates(t *testing.T) {
	leakCheck(t)
	var many []netip.Addr
	for i := 1; i <= 100; i++ {
		many = append(many, netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}))
	}
	addr := serveTestZone(t, map[string][]netip.Addr{"many.example.com": many})
	q := new(dns.Msg)
	q.SetQuestion("many.example.com.", dns.TypeA)
	r, _, err := (&dns.Client{Net: "udp"}).Exchange(q, addr)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Truncated || len(r.Answer) >= 100 {
		t.Errorf("UDP: truncated=%v with %d answers; want truncated", r.Truncated, len(r.Answer))
	}
	r, _, err = (&dns.Client{Net: "tcp"}).Exchange(q, addr)
	if err != nil {
		t.Fatal(err)
	}
	if r.Truncated || len(r.Answer) != 100 {
		t.Errorf("TCP: truncated=%v with %d answers; want all 100", r.Truncated, len(r.Answer))
	}
	q.SetEdns0(4096, false)
	r, _, err = (&dns.Client{Net: "udp", UDPSize: 4096}).Exchange(q, addr)
	if err != nil {
		t.Fatal(err)
	}
	if r.Truncated || len(r.Answer) != 100 || r.IsEdns0() == nil {
		t.Errorf("UDP with EDNS0: truncated=%v with %d answers, opt %v; want all 100", r.Truncated, len(r.Answer), r.IsEdns0())
	}
}

// TestZoneRecursive checks the recursive view (what a VPC's resolver
// answers): the zone's records and codes, not authoritative, recursion
// available.
func TestZoneRecursive(t *testing.T) {
	leakCheck(t)
	z, err := NewZone(map[string][]netip.Addr{"api.example.com": {netip.MustParseAddr("192.0.2.20")}})
	if err != nil {
		t.Fatal(err)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s, err := ServeDNS(z.Recursive(), pc, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, tc := range []struct {
		name    string
		rcode   int
		answers int
	}{{"api.example.com.", dns.RcodeSuccess, 1}, {"nope.example.com.", dns.RcodeNameError, 0}} {
		q := new(dns.Msg)
		q.SetQuestion(tc.name, dns.TypeA)
		r, _, err := new(dns.Client).Exchange(q, s.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		if r.Rcode != tc.rcode || len(r.Answer) != tc.answers || r.Authoritative || !r.RecursionAvailable || !r.RecursionDesired {
			t.Errorf("%s: rcode %s, %d answers, aa=%v ra=%v rd=%v; want %s, %d answers, aa=false ra=true rd=true",
				tc.name, dns.RcodeToString[r.Rcode], len(r.Answer), r.Authoritative, r.RecursionAvailable, r.RecursionDesired,
				dns.RcodeToString[tc.rcode], tc.answers)
		}
	}
}

// TestNewZoneRefuses checks that a bad name or address is an error.
func TestNewZoneRefuses(t *testing.T) {
	for _, records := range []map[string][]netip.Addr{
		{"": {netip.MustParseAddr("192.0.2.1")}},
		{"a..b": {netip.MustParseAddr("192.0.2.1")}},
		{"a.b": {{}}},
	} {
		if _, err := NewZone(records); err == nil {
			t.Errorf("NewZone(%v) succeeded", records)
		}
	}
	z, err := NewZone(map[string][]netip.Addr{"A.b": {netip.MustParseAddr("::ffff:192.0.2.1")}})
	if err != nil {
		t.Fatal(err)
	}
	if got := z.Lookup("a.B."); !slices.Equal(got, []netip.Addr{netip.MustParseAddr("192.0.2.1")}) {
		t.Errorf("Lookup = %v", got)
	}
}

// TestServeDNSClose checks that Close is idempotent and that a closed
// server's sockets are closed.
func TestServeDNSClose(t *testing.T) {
	leakCheck(t)
	z, _ := NewZone(nil)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s, err := ServeDNS(z, pc, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := pc.WriteTo([]byte{0}, pc.LocalAddr()); err == nil {
		t.Errorf("the socket is still open after Close")
	}
	if _, err := ServeDNS(z, nil, nil); err == nil {
		t.Errorf("ServeDNS without listeners succeeded")
	}
}

// FuzzZoneAnswer checks that the zone answers any query that unpacks, and
// that its answer packs, whatever the query's names, types and flags.
func FuzzZoneAnswer(f *testing.F) {
	z, err := NewZone(map[string][]netip.Addr{
		"api.example.com": {netip.MustParseAddr("192.0.2.20"), netip.MustParseAddr("2001:db8::20")},
	})
	if err != nil {
		f.Fatal(err)
	}
	for _, q := range []struct {
		name  string
		qtype uint16
	}{{"api.example.com.", dns.TypeA}, {"API.EXAMPLE.com.", dns.TypeAAAA}, {"example.com.", dns.TypeANY}, {"x.", dns.TypeMX}} {
		m := new(dns.Msg)
		m.SetQuestion(q.name, q.qtype)
		m.SetEdns0(4096, true)
		b, err := m.Pack()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		req := new(dns.Msg)
		if req.Unpack(data) != nil {
			return
		}
		m := z.answer(req)
		if _, err := m.Pack(); err != nil {
			t.Fatalf("answer to %v does not pack: %v\n%v", req, err, m)
		}
		m.Truncate(dns.MinMsgSize)
		if m.Len() > dns.MinMsgSize {
			t.Fatalf("truncated answer is %d bytes", m.Len())
		}
	})
}
