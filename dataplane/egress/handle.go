package egress

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/dataplane/egress/nfqueue"
	"github.com/mcnlab/mcnlab/dataplane/egress/sniff"
)

// RuleHoldTimeout names the decision on a connection whose name did not
// arrive whole within Config.HoldTimeout.
const RuleHoldTimeout = "hold timeout"

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
	if !done && len(h.ids) <= maxHeldPackets {
		f.held[p.flow] = h
		return
	}
	delete(f.held, p.flow)
	var d Decision
	switch {
	case !done:
		d = Decision{Verdict: Deny, Rule: RuleHoldTimeout}
		by = "too many segments"
	case name != "":
		d = f.plan.policy.Decide(p.src.Addr(), ProtoTCP, p.dst.Port(), name)
	default:
		d = f.plan.policy.Decide(p.src.Addr(), ProtoTCP, p.dst.Port(), "")
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
	f.record(p.flow, f.nameOf(p.dst.Addr()), by, d)
	f.verdict([]uint32{qp.ID}, d.Verdict)
}

// nameOf is a learned name that resolved to a (the first in order), for
// the log; the caller holds f.mu.
func (f *Filter) nameOf(a netip.Addr) string {
	var names []string
	for n, addrs := range f.learned {
		if slices.Contains(addrs, a) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	if len(names) == 0 {
		return ""
	}
	return names[0]
}
