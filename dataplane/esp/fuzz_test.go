package esp

import (
	"bytes"
	"testing"
)

// FuzzOpen feeds arbitrary bytes to the decoder of an ESN SA whose window
// has seen some traffic. It must never panic, and anything it accepts must
// be a sub-slice of the input no longer than the input.
func FuzzOpen(f *testing.F) {
	sa := testSA(f, true)
	out, _ := mustPair(f, sa)
	for _, n := range []int{0, 1, 2, 3, 20, 40, 1400} {
		pkt, _ := out.Seal(nil, innerPacket(n, n%2 == 0), NextHeaderIPv4)
		f.Add(pkt)
	}
	f.Add([]byte{})
	f.Add([]byte{0xFF})
	f.Add(bytes.Repeat([]byte{0}, minPacket))
	f.Fuzz(func(t *testing.T, pkt []byte) {
		_, in := mustPair(t, sa)
		in.replay.top = 3
		orig := len(pkt)
		payload, _, err := in.Open(pkt)
		if err == nil && len(payload) > orig {
			t.Fatalf("payload of %d bytes from a %d-byte packet", len(payload), orig)
		}
		Classify(pkt)
	})
}
