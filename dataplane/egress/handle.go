package egress

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/dataplane/egress/nfqueue"
	"github.com/mcnlab/mcnlab/dataplane/egress/sniff"
)

// RuleHoldLimit names the decision on a connection whose name did not
// arrive whole within the filter's bounds: Config.HoldTimeout,
// Config.MaxHeld, or a number of segments (Entry.By says which).
const RuleHoldLimit = "hold limit"

func normalRuleName(s string) (string, bool) { return sniff.NormalName(s) }

// handle decides one queued packet.
func (f *Filter) handle(qp nfqueue.Packet) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := parsePacket(qp.Data)
	if !ok || p.fragment {
		f.q.SetVerdict(qp.ID, nfqueue.Drop, 0) // nothing the table queues
		return
	}
	if qp.Mark&0xffff0000 == markRule {
		f.addressDecision(qp, p)
		return
	}
	if d, ok := f.decided[p.flow]; ok && p.seq-d.start < d.end-d.start {
		f.verdict([]uint32{qp.ID}, d.verdict) // queued before its verdict took effect
		return
	}
	h := f.held[p.flow]
	if len(p.payload) == 0 {
		// The handshake's SYN and ACK, or an ACK while the name
		// arrives: nothing to read yet.
		if p.flags&(tcpRST|tcpFIN) != 0 && h != nil {
			delete(f.held, p.flow)
			f.verdict(h.ids, Deny)
		}
		f.q.SetVerdict(qp.ID, nfqueue.Accept, 0)
		return
	}
	if h == nil {
		h = &held{since: f.cfg.Now(), nextSeq: p.seq}
	}
	h.ids = append(h.ids, qp.ID)
	if p.seq == h.nextSeq { // in order; a retransmission is only held
		h.buf = append(h.buf, p.payload...)
		h.nextSeq += uint32(len(p.payload))
	}
	name, by, done := f.sniff(p.dst.Port(), h.buf)
	_, wasHeld := f.held[p.flow]
	full := !wasHeld && len(f.held) >= f.cfg.MaxHeld
	if !done && len(h.ids) <= maxHeldPackets && !full {
		f.held[p.flow] = h
		return
	}
	delete(f.held, p.flow)
	var d Decision
	switch {
	case !done && full:
		d, by = Decision{Verdict: Deny, Rule: RuleHoldLimit}, "too many held"
	case !done:
		d, by = Decision{Verdict: Deny, Rule: RuleHoldLimit}, "too many segments"
	default: // a name, or none (decided by the base policy)
		d = f.plan.policy.Decide(p.src.Addr(), ProtoTCP, p.dst.Port(), name)
	}
	f.record(p.flow, name, by, d)
	f.decided[p.flow] = decided{verdict: d.Verdict, at: f.cfg.Now(), start: h.nextSeq - uint32(len(h.buf)), end: h.nextSeq}
	f.verdict(h.ids, d.Verdict)
}

// sniff reads the name from a connection's first bytes: SNI on the TLS
// ports, Host on the HTTP ports. done is false while more bytes are
// needed; by says what was read, or why no name was.
func (f *Filter) sniff(port uint16, b []byte) (name, by string, done bool) {
	if slices.Contains(f.plan.policy.tlsPorts(), port) {
		n, r := sniff.SNI(b)
		if r == sniff.Found {
			return n, "sni", true
		}
		return "", reason("tls", "sni", r), r != sniff.NeedMore
	}
	req, r := sniff.Host(b)
	if r == sniff.Found {
		return req.Host, "host", true
	}
	return "", reason("http", "host", r), r != sniff.NeedMore
}

// reason words a parser's result that named no server: "no sni", "not
// tls", "malformed http", "too long http".
func reason(proto, field string, r sniff.Result) string {
	switch r {
	case sniff.NoName:
		return "no " + field
	case sniff.NotProtocol:
		return "not " + proto
	}
	return strings.ReplaceAll(r.String(), " ", "-") + " " + proto
}

// verdict carries a decision back for the packets ids: each goes through
// the chain again with the verdict's mark, which the table turns into the
// connection's conntrack mark (a denied TCP connection is reset). The
// caller holds f.mu.
func (f *Filter) verdict(ids []uint32, v Verdict) {
	mark := MarkDeny
	if v == Allow {
		mark = MarkAllow
	}
	for _, id := range ids {
		f.q.SetVerdict(id, nfqueue.Repeat, mark)
	}
}

// addressDecision logs the decision that the kernel's address sets made
// for a connection's first packet (the rule is in its mark) and carries
// the verdict back.
func (f *Filter) addressDecision(qp nfqueue.Packet, p packet) {
	d, ok := f.plan.decision(uint16(qp.Mark))
	if !ok { // a mark of a replaced policy's rule: decide afresh
		d = f.plan.policy.baseDecision()
	}
	by := "address"
	if uint16(qp.Mark) == baseID {
		by = "no rule"
	}
	pattern := ""
	if ok && int(uint16(qp.Mark)) <= len(f.plan.addr) && uint16(qp.Mark) != 0 {
		pattern = f.plan.addr[uint16(qp.Mark)-1].rule.Name
	}
	f.record(p.flow, f.nameOf(p.dst.Addr(), pattern), by, d)
	f.verdict([]uint32{qp.ID}, d.Verdict)
}

// nameOf is a learned name that resolved to a, for the log: the first in
// order of those that match pattern (any, when pattern is empty). The
// caller holds f.mu.
func (f *Filter) nameOf(a netip.Addr, pattern string) string {
	var names []string
	for n, addrs := range f.learned {
		if slices.Contains(addrs, a) && (pattern == "" || MatchName(pattern, n)) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	if len(names) == 0 {
		return ""
	}
	return names[0]
}
