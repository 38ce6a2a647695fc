package ipfix

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"time"
)

// Action is what the gateway did with a flow's packets.
type Action uint8

// Actions, as forwardingStatus values (RFC 7270 section 4.12, IANA's
// forwardingStatus reason codes).
const (
	// Permit: forwarded (status 01, reason unknown).
	Permit Action = 64
	// Deny: dropped by an ACL deny (status 10, reason 1): the
	// segmentation policy.
	Deny Action = 129
)

// String is "permit" or "deny".
func (a Action) String() string {
	switch a {
	case Permit:
		return "permit"
	case Deny:
		return "deny"
	}
	return fmt.Sprintf("forwarding-status-%d", uint8(a))
}

// Flow is one direction of a flow through a gateway, as exported.
type Flow struct {
	Src, Dst         netip.Addr
	Proto            uint8
	SrcPort, DstPort uint16
	// Packets and Bytes are counted since Start.
	Packets, Bytes uint64
	// Start is the flow's first packet, End its last (millisecond
	// precise on the wire).
	Start, End time.Time
	// SrcDomain and DstDomain are the segmentation domains of Src and
	// Dst ("" for none).
	SrcDomain, DstDomain string
	Action               Action
}

// IANA information elements (https://www.iana.org/assignments/ipfix) and
// mcnlab's enterprise-specific ones.
const (
	ieProtocol         = 4
	ieSrcPort          = 7
	ieSrcIPv4          = 8
	ieDstPort          = 11
	ieDstIPv4          = 12
	ieSrcIPv6          = 27
	ieDstIPv6          = 28
	ieOctetTotal       = 85
	iePacketTotal      = 86
	ieForwardingStatus = 89
	ieFlowStartMs      = 152
	ieFlowEndMs        = 153
	// Enterprise is the enterprise number of the domain elements: the one
	// RFC 5612 reserves for documentation, as mcnlab has none of its own.
	Enterprise   = 32473
	ieSrcDomain  = 1
	ieDstDomain  = 2
	templateIPv4 = 256
	templateIPv6 = 257
)

func flowTemplate(id, src, dst, addrLen uint16) Template {
	return Template{ID: id, Fields: []FieldSpec{
		{ID: src, Length: addrLen}, {ID: dst, Length: addrLen},
		{ID: ieProtocol, Length: 1}, {ID: ieSrcPort, Length: 2}, {ID: ieDstPort, Length: 2},
		{ID: iePacketTotal, Length: 8}, {ID: ieOctetTotal, Length: 8},
		{ID: ieFlowStartMs, Length: 8}, {ID: ieFlowEndMs, Length: 8},
		{ID: ieForwardingStatus, Length: 1},
		{Enterprise: Enterprise, ID: ieSrcDomain, Length: VarLen},
		{Enterprise: Enterprise, ID: ieDstDomain, Length: VarLen},
	}}
}

// FlowTemplates are the templates of Flow records: IPv4 (ID 256) and
// IPv6 (ID 257).
var FlowTemplates = []Template{flowTemplate(templateIPv4, ieSrcIPv4, ieDstIPv4, 4),
	flowTemplate(templateIPv6, ieSrcIPv6, ieDstIPv6, 16)}

// Record returns f as a data record of its family's template; an invalid
// or mixed-family address pair is an error.
func (f Flow) Record() (Record, error) {
	if !f.Src.IsValid() || !f.Dst.IsValid() || f.Src.Is4() != f.Dst.Is4() {
		return Record{}, fmt.Errorf("ipfix: flow %s -> %s: want two addresses of one family", f.Src, f.Dst)
	}
	tid := uint16(templateIPv6)
	if f.Src.Is4() {
		tid = templateIPv4
	}
	u64 := func(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }
	ms := func(t time.Time) []byte { return u64(uint64(max(t.UnixMilli(), 0))) }
	return Record{Template: tid, Values: [][]byte{
		f.Src.AsSlice(), f.Dst.AsSlice(), {f.Proto},
		binary.BigEndian.AppendUint16(nil, f.SrcPort), binary.BigEndian.AppendUint16(nil, f.DstPort),
		u64(f.Packets), u64(f.Bytes), ms(f.Start), ms(f.End), {byte(f.Action)},
		[]byte(f.SrcDomain), []byte(f.DstDomain),
	}}, nil
}

// FlowOf reads a Flow from a record of any template that carries the
// 5-tuple: fields it does not know are ignored, missing ones stay zero.
// Unsigned fields may come in reduced-size encoding (RFC 7011 section
// 6.2). A record without both addresses is not a flow (false).
func FlowOf(r Record, t Template) (Flow, bool) {
	var f Flow
	for j, s := range t.Fields {
		if j >= len(r.Values) {
			break
		}
		v := r.Values[j]
		if s.Enterprise == Enterprise {
			switch s.ID {
			case ieSrcDomain:
				f.SrcDomain = string(v)
			case ieDstDomain:
				f.DstDomain = string(v)
			}
			continue
		}
		if s.Enterprise != 0 {
			continue
		}
		switch s.ID {
		case ieSrcIPv4, ieSrcIPv6:
			f.Src, _ = netip.AddrFromSlice(v)
		case ieDstIPv4, ieDstIPv6:
			f.Dst, _ = netip.AddrFromSlice(v)
		case ieProtocol:
			f.Proto = uint8(unsigned(v))
		case ieSrcPort:
			f.SrcPort = uint16(unsigned(v))
		case ieDstPort:
			f.DstPort = uint16(unsigned(v))
		case iePacketTotal:
			f.Packets = unsigned(v)
		case ieOctetTotal:
			f.Bytes = unsigned(v)
		case ieFlowStartMs:
			f.Start = time.UnixMilli(int64(unsigned(v))).UTC()
		case ieFlowEndMs:
			f.End = time.UnixMilli(int64(unsigned(v))).UTC()
		case ieForwardingStatus:
			f.Action = Action(unsigned(v))
		}
	}
	return f, f.Src.IsValid() && f.Dst.IsValid()
}

// unsigned reads a big-endian unsigned integer of 1 to 8 bytes; a longer
// value keeps its last 8.
func unsigned(v []byte) uint64 {
	var n uint64
	for _, c := range v {
		n = n<<8 | uint64(c)
	}
	return n
}

// Stream numbers the messages of one observation domain's export (RFC
// 7011 section 3.1: a message's sequence number counts the data records
// sent before it, modulo 2^32). It is not safe for concurrent use.
type Stream struct {
	DomainID uint32
	sent     uint32
}

// Encode returns flows as messages of at most maxSize bytes, each with
// both flow templates (so a collector that missed one or restarted
// decodes the next at once, as RFC 7011 section 8.4 asks of UDP), in
// order, and counts them as sent.
func (s *Stream) Encode(at time.Time, flows []Flow, maxSize int) ([][]byte, error) {
	var out [][]byte
	m := Message{ExportTime: at, DomainID: s.DomainID, Templates: FlowTemplates}
	size := 0
	flush := func() error {
		m.Sequence = s.sent
		b, err := Encode(m)
		if err != nil {
			return err
		}
		out = append(out, b)
		s.sent += uint32(len(m.Records))
		m.Records, size = nil, 0
		return nil
	}
	base, err := Encode(Message{Templates: FlowTemplates})
	if err != nil {
		return nil, err
	}
	for _, f := range flows {
		r, err := f.Record()
		if err != nil {
			return nil, err
		}
		n := recordLen(r) + setHeader // a set header each, at worst
		if len(base)+n > maxSize {
			return nil, fmt.Errorf("ipfix: a record of %d bytes does not fit a message of %d", n, maxSize)
		}
		if len(base)+size+n > maxSize {
			if err := flush(); err != nil {
				return nil, err
			}
		}
		m.Records = append(m.Records, r)
		size += n
	}
	if len(m.Records) > 0 {
		if err := flush(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// recordLen is r's length on the wire with its template's field kinds
// (every value of a Flow record but the domains is fixed).
func recordLen(r Record) int {
	n := 0
	for _, v := range r.Values {
		n += len(v)
	}
	return n + 2*3 // the domains' length bytes (at most 3 each)
}
