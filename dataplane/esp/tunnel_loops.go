package esp

import (
	"errors"
	"net"

	"golang.org/x/net/ipv4"
	"golang.org/x/sys/unix"
	"golang.zx2c4.com/wireguard/tun"
)

// encryptLoop reads batches from TUN (a TUN with offloads splits one TSO
// super-packet into many), seals them back to back into one arena and sends
// each run of equal-sized ESP packets as one UDP_SEGMENT message, all of
// them with one sendmmsg where it can. One goroutine, one sequence counter:
// the SA is sealed on one core, as the kernel does.
func (t *Tunnel) encryptLoop() {
	defer t.wg.Done()
	n := max(batchSize, t.tun.BatchSize())
	bufs := make([][]byte, n)
	sizes := make([]int, n)
	for i := range bufs {
		// Room in front for the ESP header (and a virtio-net header), as
		// the TUN's offset contract asks; behind for the ESP trailer.
		bufs[i] = make([]byte, bufSize)[:HeaderLen+maxInner]
	}
	// arena holds the sealed packets of one batch back to back; a message
	// is a run of them.
	arena := make([]byte, n*bufSize)
	b := &sendBatch{
		msgs: make([]ipv4.Message, n), segs: make([]int, n),
		pkts: make([]int, n), bytes: make([]int, n), start: make([]int, n),
	}
	for i := range b.msgs {
		b.msgs[i] = ipv4.Message{Buffers: [][]byte{nil}, Addr: t.remote, OOB: make([]byte, 0, gsoControlLen)}
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
		b.reset()
		pos, bits := 0, 0
		for i := range count {
			payload := bufs[i][HeaderLen : HeaderLen+sizes[i]]
			nh, ok := NextHeaderOf(payload)
			if !ok {
				t.stats.malformed.Add(1)
				continue
			}
			pkt, err := t.out.sealFrom(arena[pos:pos], bufs[i][HeaderLen:bufSize], sizes[i], nh)
			if err != nil {
				t.stats.seqExhausted.Add(1)
				continue
			}
			b.add(arena, pos, len(pkt), sizes[i], t.gso)
			pos += len(pkt)
			bits += (len(pkt) + 8 + t.ipHdr) * 8
		}
		if b.m == 0 {
			continue
		}
		if !t.wait(bits) {
			return // cancelled by Close
		}
		t.send(b)
	}
}

// sendBatch is the encrypting goroutine's batch of outgoing messages: each
// message is one ESP packet, or with UDP_SEGMENT a run of packets of one
// size (the last may be shorter) that the kernel sends as separate
// datagrams.
type sendBatch struct {
	msgs  []ipv4.Message
	m     int   // messages in use
	segs  []int // segment (ESP packet) size of each message
	pkts  []int // ESP packets in each message
	bytes []int // inner bytes in each message
	start []int // offset of each message in the arena
	ended bool  // the last message ended with a short packet
}

func (b *sendBatch) reset() { b.m, b.ended = 0, false }

// add appends the sealed packet arena[pos:pos+size], carrying inner bytes,
// to the last message when gso allows, else starts a message.
func (b *sendBatch) add(arena []byte, pos, size, inner int, gso bool) {
	if j := b.m - 1; gso && j >= 0 && !b.ended && size <= b.segs[j] &&
		b.pkts[j] < udpSegmentMax && pos+size-b.start[j] <= maxUDPPayload {
		b.msgs[j].Buffers[0] = arena[b.start[j] : pos+size]
		b.pkts[j]++
		b.bytes[j] += inner
		b.ended = size < b.segs[j]
		return
	}
	j := b.m
	b.m++
	b.msgs[j].Buffers[0] = arena[pos : pos+size]
	b.segs[j], b.pkts[j], b.bytes[j], b.start[j], b.ended = size, 1, inner, pos, false
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

// send writes the batch with sendmmsg, retrying the rest after a partial
// write; a message the socket refuses is dropped and its packets counted.
// If the kernel refuses segmentation offload (EIO, as wireguard-go
// handles it), the engine turns it off and resends that message's packets
// one datagram each.
func (t *Tunnel) send(b *sendBatch) {
	for j := range b.m {
		if b.pkts[j] > 1 {
			b.msgs[j].OOB = putGSOSize(b.msgs[j].OOB, b.segs[j])
		} else {
			b.msgs[j].OOB = b.msgs[j].OOB[:0]
		}
	}
	msgs := b.msgs[:b.m]
	for sent := 0; sent < len(msgs); {
		k, err := t.pc.WriteBatch(msgs[sent:], 0)
		for j := sent; j < sent+k; j++ {
			t.stats.txBytes.Add(uint64(b.bytes[j]))
			t.stats.txPackets.Add(uint64(b.pkts[j]))
		}
		sent += k
		if err == nil {
			continue
		}
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if sent < len(msgs) && b.pkts[sent] > 1 && errors.Is(err, unix.EIO) {
			t.gso = false
			t.sendSplit(msgs[sent], b.segs[sent], b.pkts[sent], b.bytes[sent])
		} else if sent < len(msgs) {
			t.stats.sendErrors.Add(uint64(b.pkts[sent]))
		}
		sent++ // skip the message that failed
	}
}

// sendSplit sends a UDP_SEGMENT message's packets one datagram each.
func (t *Tunnel) sendSplit(msg ipv4.Message, seg, pkts, inner int) {
	buf := msg.Buffers[0]
	one := []ipv4.Message{{Buffers: [][]byte{nil}, Addr: msg.Addr}}
	sent := 0
	for off := 0; off < len(buf); off += seg {
		one[0].Buffers[0] = buf[off:min(off+seg, len(buf))]
		if _, err := t.pc.WriteBatch(one, 0); err != nil {
			t.stats.sendErrors.Add(1)
			continue
		}
		sent++
	}
	// Inner bytes are known per message only; share them out evenly.
	t.stats.txBytes.Add(uint64(inner * sent / pkts))
	t.stats.txPackets.Add(uint64(sent))
}

// decryptLoop receives batches with recvmmsg (with UDP_GRO, a message may
// hold a train of ESP packets), opens each packet straight into a TUN
// buffer and writes the inner packets to TUN in batches, which a TUN with
// offloads coalesces into TCP super-packets (GRO).
func (t *Tunnel) decryptLoop() {
	defer t.wg.Done()
	nrx, rxLen := batchSize, bufSize+1
	if t.gro {
		// One byte more than any packet we accept, so that a datagram
		// that fills the buffer is known to be oversized (or truncated).
		nrx, rxLen = batchSize/4, maxUDPPayload+1
	}
	rx := make([][]byte, nrx)
	msgs := make([]ipv4.Message, nrx)
	for i := range rx {
		rx[i] = make([]byte, rxLen)
		msgs[i] = ipv4.Message{Buffers: [][]byte{rx[i]}, OOB: make([]byte, 64)}
	}
	// A TUN with offloads (BatchSize > 1) coalesces into the first
	// packet's buffer: give each one room for a whole super-packet.
	txLen := HeaderLen + maxInner
	if t.tun.BatchSize() > 1 {
		txLen = 1 << 16
	}
	tx := make([][]byte, batchSize)
	for i := range tx {
		tx[i] = make([]byte, txLen)
	}
	out := make([][]byte, 0, batchSize)
	for {
		count, err := t.pc.ReadBatch(msgs, 0)
		if t.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue // a transient socket error, e.g. ICMP unreachable
		}
		out = out[:0]
		for i := range count {
			b := rx[i][:msgs[i].N]
			if len(b) == len(rx[i]) {
				t.stats.malformed.Add(1)
				continue
			}
			seg := len(b)
			if t.gro {
				if s := groSize(msgs[i].OOB[:msgs[i].NN]); s > 0 {
					seg = s
				}
			}
			for off := 0; off < len(b); off += seg {
				p := b[off:min(off+seg, len(b))]
				if len(p) > bufSize {
					t.stats.malformed.Add(1)
					continue
				}
				dst := tx[len(out)]
				if payload, ok := t.receive(p, msgs[i].Addr, dst[HeaderLen:HeaderLen]); ok {
					out = append(out, dst[:HeaderLen+len(payload)])
					if len(out) == cap(out) {
						if !t.deliver(out) {
							return
						}
						out = out[:0]
					}
				}
			}
		}
		if len(out) > 0 && !t.deliver(out) {
			return
		}
	}
}

// deliver writes inner packets (each after HeaderLen bytes of headroom) to
// TUN and reports false when the tunnel is closing. TUN Write's count is
// not used: wireguard-go's own TUN returns bytes written there, its
// channel TUN packets. A failed write counts all its packets as dropped.
func (t *Tunnel) deliver(out [][]byte) bool {
	bytes := 0
	for _, b := range out {
		bytes += len(b) - HeaderLen
	}
	_, err := t.tun.Write(out, HeaderLen)
	if t.ctx.Err() != nil {
		return false
	}
	if err != nil {
		t.stats.tunErrors.Add(uint64(len(out)))
		return true
	}
	// Bytes before packets: a reader that sees the packet count sees
	// their bytes too.
	t.stats.rxBytes.Add(uint64(bytes))
	t.stats.rxPackets.Add(uint64(len(out)))
	return true
}

// receive handles one UDP payload p and returns the inner packet to
// deliver, decrypted into dst[:0].
func (t *Tunnel) receive(p []byte, from net.Addr, dst []byte) ([]byte, bool) {
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
	payload, nh, err := t.sadb.OpenTo(dst, p)
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
