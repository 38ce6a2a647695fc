// Package flowexport is a gateway's flow exporter: it meters the flows the
// gateway forwards and the flows its segmentation policy drops, and sends
// them to a collector as IPFIX (dataplane/ipfix) over UDP, each flow's
// record again every interval while it carries packets (the active
// timeout), with the counts since the flow started.
//
// Why conntrack: the gateway does not see packets in userspace (tunnels
// hand them to the kernel, which forwards them between interfaces), and
// the kernel's connection tracker already keeps one entry per flow, both
// directions, with packet and byte counters (nf_conntrack_acct) and its
// start time (nf_conntrack_timestamp), readable with one netlink dump.
// The exporter's own nftables table reads conntrack state in the forward
// hook, which makes the kernel track connections in the gateway's
// namespace. A packet the segmentation policy drops never gets a
// confirmed entry; the policy counts those flows in an nftables flow set
// beside the drop (dataplane/policy flow sets), which the exporter reads
// as denied flows.
//
// Meter (no I/O) turns readings into records; Source reads the kernel;
// Exporter runs the two on a timer and sends. The package does not switch
// namespaces: it meters the namespace it runs in.
package flowexport

import (
	"net/netip"
	"slices"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/ipfix"
)

// Key is one direction of a flow: its 5-tuple.
type Key struct {
	Src, Dst         netip.Addr
	Proto            uint8
	SrcPort, DstPort uint16
}

// Entry is one direction of a flow as a source reads it: what it counted
// since the flow started.
type Entry struct {
	Key            Key
	Packets, Bytes uint64
	// Start is when the flow started, if the source knows (zero: the
	// meter takes the first reading that has it).
	Start  time.Time
	Action ipfix.Action
}

// flowState is what the meter remembers of a flow between readings.
type flowState struct {
	packets, bytes uint64
	start, end     time.Time
	seen           time.Time // the last reading that had it
}

// Meter turns successive readings of a source into flow records: a flow
// is exported when it is new or its counts moved since the last reading,
// with its start and the time its counts last moved (its end). Counts
// that go down mean the source forgot the flow and a new one of the same
// tuple began. It is not safe for concurrent use.
type Meter struct {
	// Domain names the segmentation domain of an address ("" for none);
	// nil names none.
	Domain func(netip.Addr) string
	flows  map[stateKey]*flowState
}

type stateKey struct {
	Key
	action ipfix.Action
}

// forget is how long a flow no reading has is remembered.
const forget = 5 * time.Minute

// Update takes a reading made at now and returns the records to export,
// sorted by source, destination, protocol and ports.
func (m *Meter) Update(entries []Entry, now time.Time) []ipfix.Flow {
	if m.flows == nil {
		m.flows = map[stateKey]*flowState{}
	}
	var out []ipfix.Flow
	for _, e := range entries {
		k := stateKey{e.Key, e.Action}
		s, ok := m.flows[k]
		if ok && (e.Packets < s.packets || e.Bytes < s.bytes || (!e.Start.IsZero() && !e.Start.Equal(s.start))) {
			ok = false // a new flow of the same tuple
		}
		if !ok {
			s = &flowState{start: e.Start, end: now}
			if s.start.IsZero() {
				s.start = now
			}
			m.flows[k] = s
		} else if e.Packets == s.packets && e.Bytes == s.bytes {
			s.seen = now
			continue
		} else {
			s.end = now
		}
		s.packets, s.bytes, s.seen = e.Packets, e.Bytes, now
		if e.Packets == 0 {
			continue // a reply direction that carried nothing yet
		}
		out = append(out, m.record(e, s))
	}
	for k, s := range m.flows {
		if now.Sub(s.seen) > forget {
			delete(m.flows, k)
		}
	}
	slices.SortFunc(out, compareFlows)
	return out
}

func (m *Meter) record(e Entry, s *flowState) ipfix.Flow {
	f := ipfix.Flow{Src: e.Key.Src, Dst: e.Key.Dst, Proto: e.Key.Proto, SrcPort: e.Key.SrcPort, DstPort: e.Key.DstPort,
		Packets: e.Packets, Bytes: e.Bytes, Start: s.start, End: s.end, Action: e.Action}
	if m.Domain != nil {
		f.SrcDomain, f.DstDomain = m.Domain(f.Src), m.Domain(f.Dst)
	}
	return f
}

func compareFlows(a, b ipfix.Flow) int {
	if c := a.Src.Compare(b.Src); c != 0 {
		return c
	}
	if c := a.Dst.Compare(b.Dst); c != 0 {
		return c
	}
	if a.Proto != b.Proto {
		return int(a.Proto) - int(b.Proto)
	}
	if a.SrcPort != b.SrcPort {
		return int(a.SrcPort) - int(b.SrcPort)
	}
	if a.DstPort != b.DstPort {
		return int(a.DstPort) - int(b.DstPort)
	}
	return int(a.Action) - int(b.Action)
}
