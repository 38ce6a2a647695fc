package esp

import (
	"encoding/binary"
	"fmt"
	"sync"
)

// Inbound is the receiving half of an SA. Open is safe for concurrent use;
// the replay window is guarded by a mutex that is not held while decrypting.
type Inbound struct {
	g *gcmSA

	mu     sync.Mutex // guards the field below
	replay replayWindow
}

// NewInbound checks the SA's keying fields and returns its receiving half.
func NewInbound(sa SA) (*Inbound, error) {
	g, err := newGCMSA(&sa)
	if err != nil {
		return nil, fmt.Errorf("new inbound SA: %w", err)
	}
	return &Inbound{g: g, replay: newReplayWindow(sa.window())}, nil
}

// SPI returns the SA's security parameter index.
func (in *Inbound) SPI() uint32 { return in.g.spi }

// minPacket is the shortest valid packet: header, a 4-byte aligned trailer
// (two pad bytes, pad length, next header) and the ICV.
const minPacket = HeaderLen + 4 + ICVLen

// PacketSPI returns the SPI of an ESP packet, or ErrMalformed.
func PacketSPI(pkt []byte) (uint32, error) {
	if len(pkt) < minPacket {
		return 0, fmt.Errorf("read SPI of %d-byte packet: %w", len(pkt), ErrMalformed)
	}
	return binary.BigEndian.Uint32(pkt), nil
}

// Open authenticates and decrypts pkt in place and returns the inner payload
// (a sub-slice of pkt) and its next-header value. Order per RFC 4303
// section 3.4: the replay check runs before decryption, and the window moves
// only after the ICV verified. Errors wrap ErrMalformed, ErrReplay or ErrAuth.
// pkt is overwritten with plaintext even when padding turns out bad.
func (in *Inbound) Open(pkt []byte) (payload []byte, nextHeader byte, err error) {
	return in.OpenTo(nil, pkt)
}

// OpenTo is Open with the plaintext written to dst[:0] instead of in place
// (nil dst: in place). dst must not overlap pkt otherwise, and
// with capacity for len(pkt)-HeaderLen-ICVLen bytes it does not allocate.
// The engine decrypts straight from the receive buffer into the TUN's.
func (in *Inbound) OpenTo(dst, pkt []byte) (payload []byte, nextHeader byte, err error) {
	if len(pkt) < minPacket || (len(pkt)-HeaderLen-ICVLen)%4 != 0 {
		return nil, 0, fmt.Errorf("open SA %#08x: %d-byte packet: %w", in.g.spi, len(pkt), ErrMalformed)
	}
	if spi := binary.BigEndian.Uint32(pkt); spi != in.g.spi {
		return nil, 0, fmt.Errorf("open SA %#08x: packet has SPI %#08x: %w", in.g.spi, spi, ErrUnknownSPI)
	}
	lo := binary.BigEndian.Uint32(pkt[4:])

	in.mu.Lock()
	seq, ok := uint64(lo), true
	if in.g.esn {
		seq, ok = in.replay.infer(lo)
	}
	ok = ok && in.replay.check(seq)
	in.mu.Unlock()
	if !ok {
		return nil, 0, fmt.Errorf("open SA %#08x sequence %#x: %w", in.g.spi, seq, ErrReplay)
	}

	s := in.g.scratch.Get().(*scratch)
	aad := in.g.prepare(s, pkt[8:HeaderLen], seq)
	body := pkt[HeaderLen:]
	if dst == nil {
		dst = body
	}
	plain, err := in.g.aead.Open(dst[:0], s.nonce[:], body, aad)
	in.g.scratch.Put(s)
	if err != nil {
		return nil, 0, fmt.Errorf("open SA %#08x sequence %#x: %w", in.g.spi, seq, ErrAuth)
	}

	in.mu.Lock()
	ok = in.replay.update(seq)
	in.mu.Unlock()
	if !ok {
		return nil, 0, fmt.Errorf("open SA %#08x sequence %#x: %w", in.g.spi, seq, ErrReplay)
	}

	n := len(plain)
	pad := int(plain[n-2])
	nextHeader = plain[n-1]
	if pad > n-2 {
		return nil, 0, fmt.Errorf("open SA %#08x sequence %#x: pad length %d exceeds %d-byte payload: %w", in.g.spi, seq, pad, n, ErrMalformed)
	}
	end := n - 2 - pad
	for i := range pad {
		if plain[end+i] != byte(i+1) {
			return nil, 0, fmt.Errorf("open SA %#08x sequence %#x: pad byte %d is %d: %w", in.g.spi, seq, i, plain[end+i], ErrMalformed)
		}
	}
	return plain[:end], nextHeader, nil
}
