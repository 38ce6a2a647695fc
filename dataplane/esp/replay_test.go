package esp

import (
	"errors"
	"testing"
)

// accept runs the receive order of RFC 4303 on the bare window: check,
// then (as if the ICV verified) update.
func accept(w *replayWindow, seq uint64) bool {
	return w.check(seq) && w.update(seq)
}

func TestReplayWindowEdges(t *testing.T) {
	for _, size := range []int{64, 100, 1024, MaxReplayWindow} {
		w := newReplayWindow(size)
		const top = 10000
		if !accept(&w, top) {
			t.Fatalf("W=%d: first packet %d rejected", size, top)
		}
		left := uint64(top - size + 1)
		cases := []struct {
			seq  uint64
			want bool
			why  string
		}{
			{top, false, "duplicate of highest"},
			{left - 1, false, "one below the left edge"},
			{left, true, "exactly the left edge"},
			{left, false, "duplicate of left edge"},
			{top - 1, true, "inside the window"},
			{top + 1, true, "highest+1"},
			{top + 1, false, "duplicate of highest+1"},
			{left, false, "left edge after a one-step slide is now stale"},
			{0, false, "sequence zero is never sent"},
		}
		for _, c := range cases {
			if got := accept(&w, c.seq); got != c.want {
				t.Errorf("W=%d seq %d (%s): accepted=%v, want %v", size, c.seq, c.why, got, c.want)
			}
		}
	}
}

func TestReplayWindowBigJumpSlides(t *testing.T) {
	w := newReplayWindow(64)
	for s := uint64(1); s <= 50; s++ {
		if !accept(&w, s) {
			t.Fatalf("seq %d rejected", s)
		}
	}
	if !accept(&w, 1_000_000) {
		t.Fatal("jump to 1000000 rejected")
	}
	if accept(&w, 50) {
		t.Error("seq 50 accepted after the window slid past it")
	}
	// Numbers between the old and new highest that were never seen are
	// still acceptable when inside the new window, even where the ring reuses
	// words that held the old bits.
	for s := uint64(1_000_000 - 63); s < 1_000_000; s++ {
		if !accept(&w, s) {
			t.Fatalf("unseen seq %d inside the new window rejected", s)
		}
	}
	if accept(&w, 1_000_000-64) {
		t.Error("seq one left of the new window accepted")
	}
}

func TestReplayWindowOutOfOrderAcrossWords(t *testing.T) {
	w := newReplayWindow(200)
	seen := map[uint64]bool{}
	// A deterministic shuffle of 1..1000 delivered in bursts.
	for i := uint64(0); i < 1000; i++ {
		s := (i*389)%1000 + 1
		want := !seen[s] && (s+200 > maxKey(seen) || len(seen) == 0)
		got := accept(&w, s)
		if got != want {
			t.Fatalf("step %d seq %d: accepted=%v want %v (highest %d)", i, s, got, want, maxKey(seen))
		}
		if got {
			seen[s] = true
		}
	}
}

func maxKey(m map[uint64]bool) uint64 {
	var hi uint64
	for k := range m {
		hi = max(hi, k)
	}
	return hi
}

func TestESNInference(t *testing.T) {
	w := newReplayWindow(64)
	w.top = 1<<32 + 10 // high 1, low 10: window spans subspaces 0 and 1
	cases := []struct {
		lo   uint32
		want uint64
	}{
		{11, 1<<32 + 11},                 // ahead in the same subspace
		{5, 1<<32 + 5},                   // inside the window, same subspace
		{0xFFFFFFF0, 0xFFFFFFF0},         // inside the window, previous subspace
		{0xFFFFFFCB, 0xFFFFFFCB},         // exactly the left edge (10-64+1 mod 2^32)
		{0xFFFFFFCA, 1<<32 + 0xFFFFFFCA}, // below the left edge: read as far ahead
		{0x80000000, 1<<32 + 0x80000000}, // far ahead in the current subspace
	}
	for _, c := range cases {
		got, ok := w.infer(c.lo)
		if !ok || got != c.want {
			t.Errorf("top %#x, low %#x: inferred %#x ok=%v, want %#x", w.top, c.lo, got, ok, c.want)
		}
	}
	w.top = 0xFFFFFFF0 // case A near the end of subspace 0
	if got, _ := w.infer(3); got != 1<<32+3 {
		t.Errorf("low 3 after top 0xfffffff0 inferred %#x, want %#x (wrap into subspace 1)", got, uint64(1<<32+3))
	}
}

// TestESNWrapEndToEnd sends packets across the 2^32 boundary through real
// Seal and Open with ESN, where the low 32 bits on the wire restart at 0.
func TestESNWrapEndToEnd(t *testing.T) {
	sa := testSA(t, true)
	out, in := mustPair(t, sa)
	out.seq.Store(1<<32 - 5)
	var pkts [][]byte
	for range 10 {
		p, err := out.Seal(nil, []byte("across the wrap"), NextHeaderIPv4)
		if err != nil {
			t.Fatal(err)
		}
		pkts = append(pkts, p)
	}
	in.replay.top = 1<<32 - 6
	// Deliver out of order, straddling the boundary.
	order := []int{1, 0, 5, 3, 4, 2, 9, 7, 8, 6}
	for _, i := range order {
		if _, _, err := in.Open(append([]byte(nil), pkts[i]...)); err != nil {
			t.Fatalf("packet %d (seq %#x): %v", i, uint64(1<<32-4+i), err)
		}
	}
	if in.replay.top != 1<<32+5 {
		t.Errorf("highest %#x, want %#x", in.replay.top, uint64(1<<32+5))
	}
	if _, _, err := in.Open(append([]byte(nil), pkts[6]...)); !errors.Is(err, ErrReplay) {
		t.Errorf("replay of packet after the wrap: err %v, want ErrReplay", err)
	}
	// A non-ESN SA must refuse to go past 2^32-1.
	plain, _ := mustPair(t, testSA(t, false))
	plain.seq.Store(1<<32 - 1)
	if _, err := plain.Seal(nil, nil, NextHeaderIPv4); !errors.Is(err, ErrSeqExhausted) {
		t.Errorf("non-ESN seal at 2^32-1: err %v, want ErrSeqExhausted", err)
	}
	out.seq.Store(1<<64 - 1)
	if _, err := out.Seal(nil, nil, NextHeaderIPv4); !errors.Is(err, ErrSeqExhausted) {
		t.Errorf("ESN seal at 2^64-1: err %v, want ErrSeqExhausted", err)
	}
}

// TestForgedPacketDoesNotMoveWindow: a packet with a bad ICV far ahead must
// neither be accepted nor slide the window (else an attacker could make
// the receiver drop genuine traffic).
func TestForgedPacketDoesNotMoveWindow(t *testing.T) {
	out, in := mustPair(t, testSA(t, false))
	first, _ := out.Seal(nil, []byte("one"), NextHeaderIPv4)
	if _, _, err := in.Open(first); err != nil {
		t.Fatal(err)
	}
	out.seq.Store(1_000_000)
	forged, _ := out.Seal(nil, []byte("far ahead"), NextHeaderIPv4)
	forged[len(forged)-1] ^= 1
	if _, _, err := in.Open(forged); !errors.Is(err, ErrAuth) {
		t.Fatalf("forged packet: err %v, want ErrAuth", err)
	}
	if in.replay.top != 1 {
		t.Errorf("forged packet moved the window to %d", in.replay.top)
	}
	out.seq.Store(1)
	second, _ := out.Seal(nil, []byte("two"), NextHeaderIPv4)
	if _, _, err := in.Open(second); err != nil {
		t.Errorf("genuine packet 2 after the forgery: %v", err)
	}
}
