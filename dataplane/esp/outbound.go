package esp

import (
	"encoding/binary"
	"fmt"
	"math"
	"sync/atomic"
)

// Outbound is the sending half of an SA. Seal is safe for concurrent use;
// every call takes the next sequence number from one atomic counter.
type Outbound struct {
	g   *gcmSA
	seq atomic.Uint64 // last sequence number handed out; 0 before the first
}

// NewOutbound checks the SA's keying fields and returns its sending half.
func NewOutbound(sa SA) (*Outbound, error) {
	g, err := newGCMSA(&sa)
	if err != nil {
		return nil, fmt.Errorf("new outbound SA: %w", err)
	}
	return &Outbound{g: g}, nil
}

// SPI returns the SA's security parameter index.
func (o *Outbound) SPI() uint32 { return o.g.spi }

// Seq returns the last sequence number used (0 before the first packet).
func (o *Outbound) Seq() uint64 { return o.seq.Load() }

// Seal appends to dst the ESP packet (header, IV, ciphertext, ICV) carrying
// payload with the given next-header value (NextHeaderIPv4/NextHeaderIPv6 in
// tunnel mode) and returns the extended slice, as cipher.AEAD.Seal does.
//
// To seal in place, read the payload into buf[HeaderLen:] and call
// Seal(buf[:0], buf[HeaderLen:HeaderLen+n], nh) with cap(buf) >=
// n+MaxOverhead; any other overlap of payload and dst's spare capacity is
// not allowed. It returns ErrSeqExhausted once the sequence space is used.
func (o *Outbound) Seal(dst, payload []byte, nextHeader byte) ([]byte, error) {
	seq, err := o.next()
	if err != nil {
		return dst, err
	}
	var iv [ivLen]byte
	// The explicit IV is the 64-bit sequence number: unique per key as long
	// as the counter never cycles, which next guarantees (RFC 4106 sec. 3.1).
	binary.BigEndian.PutUint64(iv[:], seq)
	return o.sealIV(dst, payload, nextHeader, seq, iv), nil
}

// next reserves the next sequence number, refusing to wrap: 2^32-1 is the
// last one without ESN, 2^64-1 with ESN.
func (o *Outbound) next() (uint64, error) {
	limit := uint64(math.MaxUint32)
	if o.g.esn {
		limit = math.MaxUint64
	}
	for {
		cur := o.seq.Load()
		if cur >= limit {
			return 0, fmt.Errorf("seal SA %#08x at sequence %d: %w", o.g.spi, cur, ErrSeqExhausted)
		}
		if o.seq.CompareAndSwap(cur, cur+1) {
			return cur + 1, nil
		}
	}
}

// padLen returns the RFC 4303 padding that 4-byte aligns payload plus the
// pad-length and next-header bytes (GCM needs no block alignment).
// sealFrom seals the inner packet buf[:n] into a new ESP packet appended to
// dst, without first copying it: the trailer is written into buf after the
// packet (buf must have room for it) and AES-GCM reads the plaintext from
// buf and writes the ciphertext into dst. dst must not overlap buf. The
// engine seals straight from the TUN read buffers into its send arena.
func (o *Outbound) sealFrom(dst, buf []byte, n int, nextHeader byte) ([]byte, error) {
	seq, err := o.next()
	if err != nil {
		return dst, err
	}
	pad := padLen(n)
	ctLen := n + pad + 2
	plain := buf[:ctLen]
	for i := range pad {
		plain[n+i] = byte(i + 1) // RFC 4303 2.4: 1, 2, 3, ...
	}
	plain[ctLen-2] = byte(pad)
	plain[ctLen-1] = nextHeader
	ret, out := sliceForAppend(dst, HeaderLen+ctLen+ICVLen)
	binary.BigEndian.PutUint32(out[0:], o.g.spi)
	binary.BigEndian.PutUint32(out[4:], uint32(seq))
	binary.BigEndian.PutUint64(out[8:HeaderLen], seq)
	s := o.g.scratch.Get().(*scratch)
	aad := o.g.prepare(s, out[8:HeaderLen], seq)
	o.g.aead.Seal(out[HeaderLen:HeaderLen], s.nonce[:], plain, aad)
	o.g.scratch.Put(s)
	return ret, nil
}

func padLen(n int) int { return (4 - (n+2)%4) % 4 }

// sealIV builds the packet with an explicit IV; the test vectors use IVs that
// differ from the sequence number.
func (o *Outbound) sealIV(dst, payload []byte, nextHeader byte, seq uint64, iv [ivLen]byte) []byte {
	pad := padLen(len(payload))
	ctLen := len(payload) + pad + 2
	ret, out := sliceForAppend(dst, HeaderLen+ctLen+ICVLen)
	binary.BigEndian.PutUint32(out[0:], o.g.spi)
	binary.BigEndian.PutUint32(out[4:], uint32(seq))
	copy(out[8:HeaderLen], iv[:])
	body := out[HeaderLen : HeaderLen+ctLen]
	copy(body, payload) // a no-op when sealing in place
	for i := range pad {
		body[len(payload)+i] = byte(i + 1) // RFC 4303 2.4: 1, 2, 3, ...
	}
	body[ctLen-2] = byte(pad)
	body[ctLen-1] = nextHeader

	s := o.g.scratch.Get().(*scratch)
	aad := o.g.prepare(s, iv[:], seq)
	o.g.aead.Seal(body[:0], s.nonce[:], body, aad)
	o.g.scratch.Put(s)
	return ret
}

// sliceForAppend extends in by n bytes, reallocating when needed, and
// returns the whole slice and the n new bytes (as crypto/cipher does).
func sliceForAppend(in []byte, n int) (head, tail []byte) {
	if total := len(in) + n; cap(in) >= total {
		head = in[:total]
	} else {
		head = make([]byte, total)
		copy(head, in)
	}
	tail = head[len(in):]
	return
}

// NextHeaderOf returns the tunnel-mode next-header value for an inner IP
// packet from its version nibble, and false when it is neither IPv4 nor IPv6.
func NextHeaderOf(pkt []byte) (byte, bool) {
	if len(pkt) == 0 {
		return 0, false
	}
	switch pkt[0] >> 4 {
	case 4:
		return NextHeaderIPv4, true
	case 6:
		return NextHeaderIPv6, true
	}
	return 0, false
}
