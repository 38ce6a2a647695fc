// Package flows is the controller's IPFIX collector: it reads the flow
// records that gateways export (dataplane/ipfix over UDP), keeps the last
// record of each flow direction per gateway, and answers the questions of
// `mcnlab flows` (the top flows, or totals by domain pair, gateway or
// application, over a recent window). It keeps no state across restarts
// and opens no sockets: the controller hands it the ones the lab's seam
// opened (Collect).
package flows

import (
	"cmp"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/ipfix"
)

// MaxFlows bounds the flows kept: past it the one that ended longest ago
// is forgotten.
const MaxFlows = 100_000

// Flow is one flow direction through a gateway, as last exported.
type Flow struct {
	Gateway string
	ipfix.Flow
}

// key identifies a flow direction of a gateway across its records.
type key struct {
	gateway          string
	src, dst         netip.Addr
	proto            uint8
	srcPort, dstPort uint16
	action           ipfix.Action
	start            time.Time
}

// Store holds the flows collected. It is safe for concurrent use.
type Store struct {
	mu    sync.Mutex // guards the fields below
	flows map[key]Flow
	// Malformed counts the messages refused, by gateway.
	malformed map[string]int
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{flows: map[key]Flow{}, malformed: map[string]int{}}
}

// Add keeps f as the last record of its flow at gateway.
func (s *Store) Add(gateway string, f ipfix.Flow) {
	k := key{gateway, f.Src, f.Dst, f.Proto, f.SrcPort, f.DstPort, f.Action, f.Start}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.flows[k]; ok && old.End.After(f.End) {
		return // a late datagram of an older record
	}
	s.flows[k] = Flow{Gateway: gateway, Flow: f}
	if len(s.flows) > MaxFlows {
		s.evictLocked()
	}
}

// evictLocked forgets the tenth of the flows that ended longest ago.
func (s *Store) evictLocked() {
	ends := make([]time.Time, 0, len(s.flows))
	for _, f := range s.flows {
		ends = append(ends, f.End)
	}
	slices.SortFunc(ends, func(a, b time.Time) int { return a.Compare(b) })
	cut := ends[len(ends)/10]
	for k, f := range s.flows {
		if !f.End.After(cut) {
			delete(s.flows, k)
		}
	}
}

// Collect reads IPFIX messages from conn, exported by gateway, into s
// until conn is closed. A malformed message is counted and skipped.
func (s *Store) Collect(conn net.PacketConn, gateway string) {
	decoders := map[string]*ipfix.Decoder{} // one per transport session: the sender's address
	buf := make([]byte, 65535)
	for {
		n, from, err := conn.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		d := decoders[from.String()]
		if d == nil {
			d = ipfix.NewDecoder()
			decoders[from.String()] = d
		}
		if err := s.decode(d, buf[:n], gateway); err != nil {
			s.mu.Lock()
			s.malformed[gateway]++
			s.mu.Unlock()
		}
	}
}

// decode decodes one message and adds its flows.
func (s *Store) decode(d *ipfix.Decoder, b []byte, gateway string) error {
	m, err := d.Decode(b)
	if err != nil {
		return err
	}
	for _, r := range m.Records {
		t, _ := d.Template(m.DomainID, r.Template)
		if f, ok := ipfix.FlowOf(r, t); ok {
			s.Add(gateway, f)
		}
	}
	return nil
}

// Malformed returns how many messages of gateway were refused.
func (s *Store) Malformed(gateway string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.malformed[gateway]
}

// By is how Query groups flows.
type By string

// Groupings.
const (
	ByFlow    By = ""
	ByDomain  By = "domain"
	ByGateway By = "gateway"
	ByApp     By = "app"
)

// Query selects and groups flows.
type Query struct {
	// Top keeps the first Top answers by bytes (0: all).
	Top int
	By  By
	// Since keeps the flows whose last packet is at most this long ago
	// (0: every flow kept).
	Since time.Duration
}

// Group is the totals of the flows that share a key.
type Group struct {
	Key            string
	Flows          int
	Packets, Bytes uint64
	// Denied counts the flows of the group that were dropped.
	Denied int
}

// Answer is a query's answer: Flows when By is ByFlow, else Groups.
type Answer struct {
	Flows  []Flow
	Groups []Group
}

// ParseBy reads a grouping; an unknown one says which are valid.
func ParseBy(s string) (By, error) {
	switch b := By(s); b {
	case ByFlow, ByDomain, ByGateway, ByApp:
		return b, nil
	}
	return "", fmt.Errorf("by %q: want domain, gateway or app", s)
}

// Query answers q over the flows kept, as of now, largest first.
func (s *Store) Query(q Query, now time.Time) Answer {
	s.mu.Lock()
	var sel []Flow
	for _, f := range s.flows {
		if q.Since <= 0 || !f.End.Before(now.Add(-q.Since)) {
			sel = append(sel, f)
		}
	}
	s.mu.Unlock()
	if q.By == ByFlow {
		slices.SortFunc(sel, func(a, b Flow) int {
			return cmp.Or(cmp.Compare(b.Bytes, a.Bytes), cmp.Compare(a.Gateway, b.Gateway), a.Src.Compare(b.Src),
				a.Dst.Compare(b.Dst), cmp.Compare(a.SrcPort, b.SrcPort), cmp.Compare(a.DstPort, b.DstPort))
		})
		return Answer{Flows: top(sel, q.Top)}
	}
	groups := map[string]*Group{}
	for _, f := range sel {
		k := groupKey(q.By, f)
		g := groups[k]
		if g == nil {
			g = &Group{Key: k}
			groups[k] = g
		}
		g.Flows++
		g.Packets += f.Packets
		g.Bytes += f.Bytes
		if f.Action == ipfix.Deny {
			g.Denied++
		}
	}
	var out []Group
	for _, g := range groups {
		out = append(out, *g)
	}
	slices.SortFunc(out, func(a, b Group) int { return cmp.Or(cmp.Compare(b.Bytes, a.Bytes), cmp.Compare(a.Key, b.Key)) })
	return Answer{Groups: top(out, q.Top)}
}

func top[T any](xs []T, n int) []T {
	if n > 0 && len(xs) > n {
		return xs[:n]
	}
	return xs
}

// groupKey is f's key under by: "SRC>DST" domains ("-" for none), the
// gateway, or the application: the protocol and the server's port (the
// lower of the two), "icmp" and the like without ports.
func groupKey(by By, f Flow) string {
	switch by {
	case ByDomain:
		return orDash(f.SrcDomain) + ">" + orDash(f.DstDomain)
	case ByGateway:
		return f.Gateway
	}
	return App(f.Proto, f.SrcPort, f.DstPort)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// App names a flow's application: "tcp/5432" (the lower port: the
// server's, for both directions), "icmp", or the protocol number.
func App(proto uint8, srcPort, dstPort uint16) string {
	name := ProtoName(proto)
	if srcPort == 0 && dstPort == 0 {
		return name
	}
	port := min(srcPort, dstPort)
	if port == 0 {
		port = max(srcPort, dstPort)
	}
	return name + "/" + strconv.Itoa(int(port))
}

// ProtoName is tcp, udp, icmp, ipv6-icmp, sctp, or the number.
func ProtoName(p uint8) string {
	switch p {
	case 1:
		return "icmp"
	case 6:
		return "tcp"
	case 17:
		return "udp"
	case 58:
		return "ipv6-icmp"
	case 132:
		return "sctp"
	}
	return strconv.Itoa(int(p))
}
