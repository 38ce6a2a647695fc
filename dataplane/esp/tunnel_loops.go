package esp

import (
	"errors"
	"net"

	"golang.org/x/net/ipv4"
	"golang.zx2c4.com/wireguard/tun"
)

// encryptLoop reads batches from TUN, seals each packet in place and sends
// the batch with one sendmmsg where it can.
func (t *Tunnel) encryptLoop() {
	defer t.wg.Done()
	n := max(batchSize, t.tun.BatchSize())
	bufs := make([][]byte, n)
	sizes := make([]int, n)
	msgs := make([]ipv4.Message, n)
	inner := make([]int, n)
	for i := range bufs {
		// The read view leaves room behind the packet for trailer and ICV.
		bufs[i] = make([]byte, bufSize)[:bufSize-(MaxOverhead-HeaderLen)]
		msgs[i] = ipv4.Message{Buffers: [][]byte{nil}, Addr: t.remote}
	}
	for {
		count, err := t.tun.Read(bufs, sizes, HeaderLen)
		if t.ctx.Err() != nil {
			return
		}
		if err != nil {
			t.stats.tunErrors.Add(1)
			if !errors.Is(err, tun.ErrTooManySegments) && count == 0 {
				// A TUN that fails without packets is gone; its owner
				// closes the tunnel.
				return
			}
		}
		m, bits := 0, 0
		for i := range count {
			payload := bufs[i][HeaderLen : HeaderLen+sizes[i]]
			nh, ok := NextHeaderOf(payload)
			if !ok {
				t.stats.malformed.Add(1)
				continue
			}
			pkt, err := t.out.Seal(bufs[i][:0], payload, nh)
			if err != nil {
				t.stats.seqExhausted.Add(1)
				continue
			}
			msgs[m].Buffers[0] = pkt
			inner[m] = sizes[i]
			bits += (len(pkt) + 8 + t.ipHdr) * 8
			m++
		}
		if m == 0 {
			continue
		}
		if !t.wait(bits) {
			return // cancelled by Close
		}
		t.sendBatch(msgs[:m], inner[:m])
	}
}

// wait takes bits from the rate limiter's bucket, in burst-sized pieces,
// and reports false when Close cancelled the wait.
func (t *Tunnel) wait(bits int) bool {
	if t.limiter == nil {
		return true
	}
	for bits > 0 {
		n := min(bits, t.limiter.Burst())
		if err := t.limiter.WaitN(t.ctx, n); err != nil {
			return false
		}
		bits -= n
	}
	return true
}

// sendBatch writes msgs with sendmmsg, retrying the rest after a partial
// write; a packet the socket refuses is dropped and counted.
func (t *Tunnel) sendBatch(msgs []ipv4.Message, inner []int) {
	for sent := 0; sent < len(msgs); {
		k, err := t.pc.WriteBatch(msgs[sent:], 0)
		for _, size := range inner[sent : sent+k] {
			t.stats.txBytes.Add(uint64(size))
			t.stats.txPackets.Add(1)
		}
		sent += k
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			t.stats.sendErrors.Add(1)
			sent++ // skip the packet that failed
		}
	}
}

// decryptLoop receives batches with recvmmsg, opens ESP packets in place and
// writes the inner packets to TUN in one call.
func (t *Tunnel) decryptLoop() {
	defer t.wg.Done()
	bufs := make([][]byte, batchSize)
	msgs := make([]ipv4.Message, batchSize)
	deliver := make([][]byte, 0, batchSize)
	for i := range bufs {
		// One byte more than any packet we accept, so that a datagram
		// that fills the buffer is known to be oversized (or truncated).
		bufs[i] = make([]byte, bufSize+1)
		msgs[i] = ipv4.Message{Buffers: [][]byte{bufs[i]}}
	}
	for {
		count, err := t.pc.ReadBatch(msgs, 0)
		if t.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue // a transient socket error, e.g. ICMP unreachable
		}
		deliver = deliver[:0]
		for i := range count {
			if msgs[i].N == len(bufs[i]) {
				t.stats.malformed.Add(1)
				continue
			}
			if p, ok := t.receive(bufs[i][:msgs[i].N], msgs[i].Addr); ok {
				deliver = append(deliver, bufs[i][:HeaderLen+len(p)])
			}
		}
		if len(deliver) == 0 {
			continue
		}
		written, err := t.tun.Write(deliver, HeaderLen)
		if t.ctx.Err() != nil {
			return
		}
		if err != nil {
			t.stats.tunErrors.Add(uint64(len(deliver) - written))
		}
		// Bytes before packets: a reader that sees the packet count sees
		// their bytes too.
		for _, b := range deliver[:written] {
			t.stats.rxBytes.Add(uint64(len(b) - HeaderLen))
		}
		t.stats.rxPackets.Add(uint64(written))
	}
}

// receive handles one UDP payload and returns the inner packet to deliver,
// which lies at p[HeaderLen:].
func (t *Tunnel) receive(p []byte, from net.Addr) ([]byte, bool) {
	switch Classify(p) {
	case KindKeepalive:
		t.stats.keepalives.Add(1)
		return nil, false
	case KindIKE:
		t.stats.ike.Add(1)
		if t.onIKE != nil {
			if ua, ok := from.(*net.UDPAddr); ok {
				t.onIKE(IKEMessage(p), ua.AddrPort())
			}
		}
		return nil, false
	case KindInvalid:
		t.stats.malformed.Add(1)
		return nil, false
	}
	payload, nh, err := t.sadb.Open(p)
	switch {
	case errors.Is(err, ErrReplay):
		t.stats.replayDrops.Add(1)
	case errors.Is(err, ErrAuth):
		t.stats.authFailures.Add(1)
	case errors.Is(err, ErrUnknownSPI):
		t.stats.unknownSPI.Add(1)
	case err != nil:
		t.stats.malformed.Add(1)
	default:
		// Tunnel mode carries only IP; next header 59 marks a dummy packet
		// (RFC 4303 section 2.6), which is dropped silently.
		if got, ok := NextHeaderOf(payload); ok && got == nh {
			return payload, true
		}
		if nh != 59 {
			t.stats.malformed.Add(1)
		}
	}
	return nil, false
}
