package esp

import "math/bits"

// replayWindow is the RFC 4303 section 3.4.3 sliding window over 64-bit
// sequence numbers. The bitmap is a ring of 64-bit words (as in RFC 6479) a
// word larger than the window, so sliding clears whole words instead of
// shifting bits. The caller serializes access.
type replayWindow struct {
	size   uint64   // window in packets
	top    uint64   // highest authenticated sequence number; 0 = none yet
	bitmap []uint64 // ring; len is a power of two
}

func newReplayWindow(size int) replayWindow {
	words := (size+63)/64 + 1
	n := 1 << bits.Len(uint(words-1)) // round up to a power of two
	return replayWindow{size: uint64(size), bitmap: make([]uint64, n)}
}

// infer returns the full 64-bit sequence number for the low 32 bits seen on
// the wire, following RFC 4303 Appendix A2.2. ok is false when the number
// would fall below zero or above 2^64-1: such a packet cannot be valid.
func (w *replayWindow) infer(lo uint32) (seq uint64, ok bool) {
	tl, th := uint32(w.top), uint32(w.top>>32)
	W := uint32(w.size)
	if tl >= W-1 {
		// Case A: the window lies within one 2^32 subspace.
		if lo >= tl-W+1 {
			return uint64(th)<<32 | uint64(lo), true
		}
		if th == ^uint32(0) {
			return 0, false
		}
		return uint64(th+1)<<32 | uint64(lo), true
	}
	// Case B: the window spans two subspaces; tl-W+1 wraps around.
	if lo >= tl-W+1 {
		if th == 0 {
			return 0, false // left of the very first subspace
		}
		return uint64(th-1)<<32 | uint64(lo), true
	}
	return uint64(th)<<32 | uint64(lo), true
}

// check reports whether seq may be new: not zero, not left of the window and
// not marked. It changes nothing, so it runs before the ICV is verified.
func (w *replayWindow) check(seq uint64) bool {
	switch {
	case seq == 0:
		return false
	case seq > w.top:
		return true
	case w.top-seq >= w.size:
		return false // left of the window: stale
	}
	return w.bitmap[w.word(seq)]&(1<<(seq&63)) == 0
}

// update marks seq as received, sliding the window right when seq is the new
// highest. It rechecks first and reports false for a duplicate (another
// packet with the same number may have authenticated meanwhile). Call it only
// after the ICV verified.
func (w *replayWindow) update(seq uint64) bool {
	if !w.check(seq) {
		return false
	}
	if seq > w.top {
		cur, next := w.top>>6, seq>>6
		n := next - cur
		if n > uint64(len(w.bitmap)) {
			n = uint64(len(w.bitmap))
		}
		for i := uint64(1); i <= n; i++ {
			w.bitmap[(cur+i)&uint64(len(w.bitmap)-1)] = 0
		}
		w.top = seq
	}
	w.bitmap[w.word(seq)] |= 1 << (seq & 63)
	return true
}

func (w *replayWindow) word(seq uint64) uint64 {
	return (seq >> 6) & uint64(len(w.bitmap)-1)
}
