package esp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"
)

func testSA(t testing.TB, esn bool) SA {
	sa := SA{
		SPI:    0x0badcafe,
		Key:    bytes.Repeat([]byte{0x42}, 16),
		Salt:   [4]byte{1, 2, 3, 4},
		ESN:    esn,
		Local:  netip.MustParseAddrPort("127.0.0.1:4500"),
		Remote: netip.MustParseAddrPort("127.0.0.2:4500"),
	}
	if err := sa.Validate(); err != nil {
		t.Fatal(err)
	}
	return sa
}

func mustPair(t testing.TB, sa SA) (*Outbound, *Inbound) {
	t.Helper()
	out, err := NewOutbound(sa)
	if err != nil {
		t.Fatal(err)
	}
	in, err := NewInbound(sa)
	if err != nil {
		t.Fatal(err)
	}
	return out, in
}

// innerPacket returns an n-byte buffer that starts like an IPv4 or IPv6
// header (when long enough) and is otherwise a counting pattern.
func innerPacket(n int, v6 bool) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i * 7)
	}
	if n > 0 {
		p[0] = 0x45
		if v6 {
			p[0] = 0x60
		}
	}
	return p
}

func TestRoundTripAllSizes(t *testing.T) {
	for _, esn := range []bool{false, true} {
		for _, key := range []int{16, 32} {
			sa := testSA(t, esn)
			sa.Key = bytes.Repeat([]byte{0x24}, key)
			out, in := mustPair(t, sa)
			for _, v6 := range []bool{false, true} {
				nh := byte(NextHeaderIPv4)
				if v6 {
					nh = NextHeaderIPv6
				}
				for n := 0; n <= 1500; n++ {
					inner := innerPacket(n, v6)
					pkt, err := out.Seal(nil, inner, nh)
					if err != nil {
						t.Fatal(err)
					}
					checkLayout(t, pkt, sa.SPI, out.Seq(), n)
					got, gotNH, err := in.Open(pkt)
					if err != nil {
						t.Fatalf("esn=%v key=%d v6=%v n=%d: %v", esn, key, v6, n, err)
					}
					if !bytes.Equal(got, inner) || gotNH != nh {
						t.Fatalf("esn=%v key=%d v6=%v n=%d: payload or next header differ", esn, key, v6, n)
					}
				}
			}
		}
	}
}

// checkLayout checks what a third party sees of the packet: the SPI and
// sequence in clear, the IV equal to the 64-bit sequence, and the length
// padded so that the ciphertext is 4-byte aligned.
func checkLayout(t *testing.T, pkt []byte, spi uint32, seq uint64, n int) {
	t.Helper()
	if got := binary.BigEndian.Uint32(pkt); got != spi {
		t.Fatalf("SPI %#x, want %#x", got, spi)
	}
	if got := binary.BigEndian.Uint32(pkt[4:]); got != uint32(seq) {
		t.Fatalf("sequence %d, want %d", got, uint32(seq))
	}
	if got := binary.BigEndian.Uint64(pkt[8:]); got != seq {
		t.Fatalf("IV %#x, want the sequence number %#x", got, seq)
	}
	ct := len(pkt) - HeaderLen - ICVLen
	if ct%4 != 0 || ct < n+2 || ct > n+5 {
		t.Fatalf("%d-byte payload gave %d bytes of ciphertext", n, ct)
	}
}

// TestPaddingBytes decrypts with the raw AEAD to look at the trailer.
func TestPaddingBytes(t *testing.T) {
	sa := testSA(t, false)
	out, in := mustPair(t, sa)
	for n := range 8 {
		pkt, _ := out.Seal(nil, bytes.Repeat([]byte{0xEE}, n), NextHeaderIPv6)
		var s scratch
		aad := in.g.prepare(&s, pkt[8:16], out.Seq())
		plain, err := in.g.aead.Open(nil, s.nonce[:], pkt[HeaderLen:], aad)
		if err != nil {
			t.Fatal(err)
		}
		pad := (4 - (n+2)%4) % 4
		want := append(bytes.Repeat([]byte{0xEE}, n), []byte{1, 2, 3}[:pad]...)
		want = append(want, byte(pad), NextHeaderIPv6)
		if !bytes.Equal(plain, want) {
			t.Errorf("n=%d: plaintext %x, want %x", n, plain, want)
		}
	}
}

func TestBadPaddingRejected(t *testing.T) {
	sa := testSA(t, false)
	out, in := mustPair(t, sa)
	// An authentic packet whose trailer claims 4 pad bytes 1,3,3,4 (RFC 4303
	// requires 1,2,3,4): payload AA BB, pad, pad length 4, next header 4.
	var iv [8]byte
	binary.BigEndian.PutUint64(iv[:], 1)
	var s scratch
	aad := out.g.prepare(&s, iv[:], 1)
	body := []byte{0xAA, 0xBB, 1, 3, 3, 4, 4, NextHeaderIPv4}
	pkt := binary.BigEndian.AppendUint32(nil, sa.SPI)
	pkt = binary.BigEndian.AppendUint32(pkt, 1)
	pkt = append(pkt, iv[:]...)
	pkt = out.g.aead.Seal(pkt, s.nonce[:], body, aad)
	if _, _, err := in.Open(pkt); !errors.Is(err, ErrMalformed) {
		t.Errorf("non-monotonic padding: err %v, want ErrMalformed", err)
	}
	body[3] = 2 // now 1,2,3,4: the same packet must open
	binary.BigEndian.PutUint64(iv[:], 2)
	aad = out.g.prepare(&s, iv[:], 2)
	pkt = binary.BigEndian.AppendUint32(pkt[:0], sa.SPI)
	pkt = binary.BigEndian.AppendUint32(pkt, 2)
	pkt = append(pkt, iv[:]...)
	pkt = out.g.aead.Seal(pkt, s.nonce[:], body, aad)
	if got, _, err := in.Open(pkt); err != nil || !bytes.Equal(got, []byte{0xAA, 0xBB}) {
		t.Errorf("correct padding: got %x, %v", got, err)
	}
}

func TestTamperAnyByteFailsAuth(t *testing.T) {
	for _, esn := range []bool{false, true} {
		out, in := mustPair(t, testSA(t, esn))
		pkt, _ := out.Seal(nil, innerPacket(64, false), NextHeaderIPv4)
		for i := range pkt {
			for _, flip := range []byte{0x01, 0x80} {
				bad := append([]byte(nil), pkt...)
				bad[i] ^= flip
				_, _, err := in.Open(bad)
				switch {
				case i < 4:
					if !errors.Is(err, ErrUnknownSPI) {
						t.Errorf("esn=%v byte %d (SPI) ^%#x: err %v, want ErrUnknownSPI", esn, i, flip, err)
					}
				case err == nil:
					t.Errorf("esn=%v byte %d ^%#x: tampered packet accepted", esn, i, flip)
				case !errors.Is(err, ErrAuth) && !errors.Is(err, ErrReplay):
					t.Errorf("esn=%v byte %d ^%#x: err %v, want ErrAuth", esn, i, flip, err)
				}
			}
		}
		if _, _, err := in.Open(pkt); err != nil {
			t.Errorf("esn=%v: genuine packet after tampered copies: %v", esn, err)
		}
	}
}

func TestSADB(t *testing.T) {
	a, b := testSA(t, false), testSA(t, false)
	b.SPI = 0x1234
	b.Key = bytes.Repeat([]byte{9}, 32)
	db := NewSADB()
	for _, sa := range []SA{a, b} {
		in, _ := NewInbound(sa)
		if err := db.Add(in); err != nil {
			t.Fatal(err)
		}
	}
	dup, _ := NewInbound(a)
	if err := db.Add(dup); err == nil {
		t.Error("duplicate SPI added")
	}
	outB, _ := NewOutbound(b)
	pkt, _ := outB.Seal(nil, []byte("to b"), NextHeaderIPv4)
	if got, _, err := db.Open(pkt); err != nil || string(got) != "to b" {
		t.Fatalf("open via SADB: %q %v", got, err)
	}
	if !db.Remove(b.SPI) || db.Remove(b.SPI) {
		t.Error("Remove should report true once")
	}
	pkt, _ = outB.Seal(nil, []byte("to b"), NextHeaderIPv4)
	if _, _, err := db.Open(pkt); !errors.Is(err, ErrUnknownSPI) {
		t.Errorf("after Remove: err %v, want ErrUnknownSPI", err)
	}
}

func TestValidate(t *testing.T) {
	good := testSA(t, false)
	cases := map[string]func(*SA){
		"zero SPI":        func(s *SA) { s.SPI = 0 },
		"short key":       func(s *SA) { s.Key = s.Key[:15] },
		"24-byte key":     func(s *SA) { s.Key = make([]byte, 24) },
		"negative window": func(s *SA) { s.ReplayWindow = -1 },
		"huge window":     func(s *SA) { s.ReplayWindow = MaxReplayWindow + 1 },
		"no remote":       func(s *SA) { s.Remote = netip.AddrPort{} },
		"remote port 0":   func(s *SA) { s.Remote = netip.MustParseAddrPort("127.0.0.2:0") },
		"mixed families":  func(s *SA) { s.Remote = netip.MustParseAddrPort("[::1]:4500") },
	}
	for name, mut := range cases {
		sa := good
		mut(&sa)
		if err := sa.Validate(); err == nil {
			t.Errorf("%s: Validate accepted %+v", name, sa)
		}
	}
}

func TestClassify(t *testing.T) {
	cases := []struct {
		in   []byte
		want Kind
	}{
		{[]byte{0xFF}, KindKeepalive},
		{[]byte{0, 0, 0, 0, 0x21, 0x22}, KindIKE},
		{[]byte{0, 0, 0, 1, 0, 0, 0, 1}, KindESP},
		{[]byte{0, 0, 0}, KindInvalid},
		{[]byte{0, 0, 0, 1, 0}, KindInvalid},
		{nil, KindInvalid},
	}
	for _, c := range cases {
		if got := Classify(c.in); got != c.want {
			t.Errorf("Classify(%x) = %v, want %v", c.in, got, c.want)
		}
	}
	if got := IKEMessage([]byte{0, 0, 0, 0, 0x21}); !bytes.Equal(got, []byte{0x21}) {
		t.Errorf("IKEMessage stripped to %x", got)
	}
}

func TestSealInPlaceZeroAlloc(t *testing.T) {
	out, in := mustPair(t, testSA(t, false))
	buf := make([]byte, HeaderLen+1400+MaxOverhead)
	inner := innerPacket(1400, false)
	allocs := testing.AllocsPerRun(200, func() {
		copy(buf[HeaderLen:], inner)
		pkt, err := out.Seal(buf[:0], buf[HeaderLen:HeaderLen+1400], NextHeaderIPv4)
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := in.Open(pkt)
		if err != nil || !bytes.Equal(got, inner) {
			t.Fatalf("in-place round trip failed: %v", err)
		}
	})
	if allocs != 0 {
		t.Errorf("Seal+Open allocate %.1f times per packet, want 0", allocs)
	}
}
